"""Show rows of numbers in a notebook (Markdown tables)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["markdown_table"]


def _fmt(v, digits: int) -> str:
    if isinstance(v, (float, np.floating)):
        return f"{v:.{digits}g}"
    if isinstance(v, np.ndarray):
        return np.array2string(v, precision=digits, separator=", ", suppress_small=False)
    return str(v)


def markdown_table(rows: Iterable[Sequence], headers: Iterable[str], digits: int = 6) -> str:
    """Rows of values as a Markdown table.

    Show it with ``IPython.display.Markdown(markdown_table(...))``.

    Parameters
    ----------
    rows : iterable of sequences
        One sequence per row, one entry per header: numbers, arrays or anything with a ``str``.
    headers : iterable of str
        The column titles.
    digits : int, default 6
        Significant digits of floats (and the precision of arrays).

    Returns
    -------
    str
        The table, one Markdown line per row (``|`` inside entries escaped).
    """
    headers = list(headers)
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for k, row in enumerate(rows):
        row = list(row)
        if len(row) != len(headers):
            raise ValueError(f"rows[{k}]: expected {len(headers)} entries (one per header), got {len(row)}")
        lines.append("| " + " | ".join(_fmt(v, digits).replace("|", "\\|") for v in row) + " |")
    return "\n".join(lines)
