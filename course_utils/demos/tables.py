"""Show rows of numbers in a notebook (Markdown tables).

:func:`show_table` is what a notebook cell calls; :func:`markdown_table` builds the text it shows
(for a test, a file or a larger Markdown block).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from .._checks import check_positive_int

__all__ = ["markdown_table", "show_table"]


def _fmt(v, digits: int) -> str:
    if isinstance(v, (float, np.floating)):
        return f"{v:.{digits}g}"
    if isinstance(v, np.ndarray):
        return np.array2string(v, precision=digits, separator=", ", suppress_small=False)
    return str(v)


def markdown_table(rows: Iterable[Sequence], headers: Iterable[str], digits: int = 6) -> str:
    """Rows of values as a Markdown table.

    In a notebook, :func:`show_table` displays it.

    Parameters
    ----------
    rows, headers, digits
        As :func:`show_table`.

    Returns
    -------
    str
        The table, one Markdown line per row (``|`` inside entries escaped).

    Raises
    ------
    TypeError
        If ``headers`` is a single string or ``digits`` is not an integer.
    ValueError
        If ``digits`` is below 1 or a row does not have one entry per header.
    """
    if isinstance(headers, str):
        raise TypeError(f"headers: expected a list of column titles, got the string {headers!r}")
    digits = check_positive_int("digits", digits)
    headers = list(headers)
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for k, row in enumerate(rows):
        row = list(row)
        if len(row) != len(headers):
            raise ValueError(f"rows[{k}]: expected {len(headers)} entries (one per header), got {len(row)}")
        lines.append("| " + " | ".join(_fmt(v, digits).replace("|", "\\|") for v in row) + " |")
    return "\n".join(lines)


def show_table(
    rows: Iterable[Sequence], headers: Iterable[str], digits: int = 6, *, caption: str | None = None
) -> None:
    """Display rows of values as a Markdown table in the notebook.

    ``show_table(rows, headers, digits=...)`` is ``display(Markdown(markdown_table(rows, headers,
    digits=...)))`` in one call. It returns nothing, so a cell ending with it does not also echo
    the table's text as its value.

    Parameters
    ----------
    rows : iterable of sequences
        One sequence per row, one entry per header: numbers, arrays or anything with a ``str``.
    headers : iterable of str
        The column titles (a list or tuple, not one string).
    digits : int, default 6
        Significant digits of floats (and the precision of arrays), at least 1.
    caption : str, optional
        Markdown shown above the table (a blank line between them).

    Returns
    -------
    None
        The table is displayed; :func:`markdown_table` gives its text.

    Raises
    ------
    TypeError, ValueError
        As :func:`markdown_table`, before anything is displayed.
    """
    text = markdown_table(rows, headers, digits)
    if caption is not None:
        text = f"{caption}\n\n{text}"
    from IPython.display import Markdown, display  # IPython comes with ipykernel; imported on use

    display(Markdown(text))
