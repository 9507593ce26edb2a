"""Show rows of numbers in a notebook (Markdown tables)."""

from __future__ import annotations

import numpy as np

__all__ = ["markdown_table"]


def _fmt(v, digits: int) -> str:
    if isinstance(v, (float, np.floating)):
        return f"{v:.{digits}g}"
    if isinstance(v, np.ndarray):
        return np.array2string(v, precision=digits, separator=", ", suppress_small=False)
    return str(v)


def markdown_table(rows, headers, digits: int = 6) -> str:
    """Rows (sequences) as a Markdown table; floats get ``digits`` significant digits.

    Show it with ``IPython.display.Markdown(markdown_table(...))``.
    """
    headers = list(headers)
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for k, row in enumerate(rows):
        row = list(row)
        if len(row) != len(headers):
            raise ValueError(f"rows[{k}]: expected {len(headers)} entries (one per header), got {len(row)}")
        lines.append("| " + " | ".join(_fmt(v, digits).replace("|", "\\|") for v in row) + " |")
    return "\n".join(lines)
