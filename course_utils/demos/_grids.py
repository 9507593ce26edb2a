"""Pools of artists for the small number grids of the CNN demos (made once, shown or hidden)."""

from __future__ import annotations

from matplotlib.patches import Rectangle

LINE_COLOURS = [
    "tab:red",
    "tab:green",
    "gold",
    "tab:blue",
    "tab:purple",
    "tab:orange",
    "tab:cyan",
    "tab:pink",
    "tab:olive",
    "tab:brown",
]


def fmt(v) -> str:
    """A number as the grids show it: ``3``, ``-2``, ``0.25`` (a real minus sign)."""
    text = f"{v:g}"
    return "0" if text == "-0" else text.replace("-", "−")


class GridPanel:
    """An axes drawn as a number grid: frame, thin cell borders and title, changed only when they change.

    The borders are one ``LineCollection`` (not minor ticks: ticks cost a few ms per draw), and the
    title sits at a fixed height (matplotlib would otherwise measure the tick labels to place it).
    """

    def __init__(self, ax):
        from matplotlib.collections import LineCollection

        self.ax = ax
        self.shape = None
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_aspect("equal")
        ax.set_title(" ", y=1.0, pad=6)  # a fixed y switches off the automatic title placement
        for spine in ax.spines.values():
            spine.set_color("0.5")
        self.borders = LineCollection([], colors="0.82", linewidths=1.0, zorder=0.5)
        ax.add_collection(self.borders)

    def set(self, shape, title=None) -> None:
        """Show a grid of ``shape`` (rows, cols) under ``title``."""
        if title is not None:
            self.ax.set_title(title, y=1.0, pad=6)
        shape = tuple(shape)
        if shape != self.shape:
            rows, cols = shape
            self.shape = shape
            segments = [[(j - 0.5, -0.5), (j - 0.5, rows - 0.5)] for j in range(1, cols)]
            segments += [[(-0.5, i - 0.5), (cols - 0.5, i - 0.5)] for i in range(1, rows)]
            self.borders.set_segments(segments)
            self.ax.set_xlim(-0.5, cols - 0.5)
            self.ax.set_ylim(rows - 0.5, -0.5)


class TextGrid:
    """A fixed pool of Text artists laid on a grid; ``show(labels)`` fills the top-left block."""

    def __init__(self, ax, max_shape, dy=0.0, color="black", **style):
        self.texts = [
            [ax.text(j, i + dy, "", ha="center", va="center", color=color, **style) for j in range(max_shape[1])]
            for i in range(max_shape[0])
        ]

    def show(self, labels):
        rows = len(labels)
        cols = len(labels[0]) if rows else 0
        for i, row in enumerate(self.texts):
            for j, text in enumerate(row):
                visible = i < rows and j < cols and bool(labels[i][j])
                text.set_visible(visible)
                if visible:
                    text.set_text(labels[i][j])

    def shown(self):
        """The visible labels as a dict {(i, j): text} (for tests)."""
        return {(i, j): t.get_text() for i, row in enumerate(self.texts) for j, t in enumerate(row) if t.get_visible()}

    def artists(self):
        return [t for row in self.texts for t in row]


class RectPool:
    """A fixed pool of cell-sized Rectangles; ``show(cells, colors)`` places the first ones."""

    def __init__(self, ax, n, **style):
        self.rects = [Rectangle((0, 0), 1, 1, fill=False, visible=False, **style) for _ in range(n)]
        for r in self.rects:
            ax.add_patch(r)

    def show(self, cells, colors=None, size=(1, 1), widths=None):
        if len(cells) > len(self.rects):
            raise RuntimeError(f"demo: {len(cells)} highlights but a pool of {len(self.rects)}")
        for k, rect in enumerate(self.rects):
            if k < len(cells):
                i, j = cells[k]
                rect.set_xy((j - 0.5, i - 0.5))
                rect.set_width(size[1])
                rect.set_height(size[0])
                if colors is not None:
                    rect.set_edgecolor(colors[k % len(colors)])
                if widths is not None:
                    rect.set_linewidth(widths[k])
                rect.set_visible(True)
            else:
                rect.set_visible(False)

    def shown(self):
        """Top-left cells (row, col) of the visible rectangles (for tests)."""
        return [(round(r.get_y() + 0.5), round(r.get_x() + 0.5)) for r in self.rects if r.get_visible()]
