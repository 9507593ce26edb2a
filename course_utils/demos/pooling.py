"""Live demo of backpropagation through pooling (notebook 07, lecture 004).

:class:`PoolingRoutingDemo`: a 4x4 or 6x6 input (the lecture's example, random, or typed in), max
or average pooling with any window size and stride; the switches are drawn and the gradient is
routed back as the controls change. Where windows overlap (stride smaller than the window),
one window at a time is outlined (the ``window`` slider), so outlines never cover each other.
"""

from __future__ import annotations

import numpy as np

from ..fast.pooling import avg_pool_backward, avg_pool_forward, max_pool_backward, max_pool_forward
from ..pooling import max_pool_switches, pool_output_size
from ._grids import LINE_COLOURS, GridPanel, RectPool, TextGrid, fmt
from .base import Demo

__all__ = ["PoolingRoutingDemo", "parse_grid", "LECTURE_POOL_INPUT"]

LECTURE_POOL_INPUT = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]], dtype=float)


def parse_grid(text: str) -> np.ndarray:
    """Parse a square grid typed as rows separated by ``;`` or new lines, values by spaces/commas.

    Parameters
    ----------
    text : str
        E.g. ``"1 1 2 4; 5 6 7 8; 3 2 1 0; 1 2 3 4"``.

    Returns
    -------
    ndarray, shape (n, n), float64
        The grid (``n >= 2``).

    Raises
    ------
    ValueError
        Naming what is wrong: ragged rows, not a number, not square, smaller than 2x2.
    """
    rows = [r for r in text.replace("\n", ";").split(";") if r.strip()]
    try:
        grid = [[float(v) for v in r.replace(",", " ").split()] for r in rows]
    except ValueError as exc:
        raise ValueError(f"grid: expected numbers separated by spaces, rows by ';', got {text!r} ({exc})") from None
    lengths = {len(r) for r in grid}
    if len(lengths) != 1:
        raise ValueError(f"grid: expected rows of equal length, got lengths {[len(r) for r in grid]}")
    arr = np.array(grid)
    if arr.shape[0] != arr.shape[1] or arr.shape[0] < 2:
        raise ValueError(f"grid: expected a square grid of at least 2x2, got {arr.shape[0]}x{arr.shape[1]}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("grid: expected finite numbers")
    return arr


def grid_text(x: np.ndarray) -> str:
    """The typed form of a grid: ``"1 1 2 4; 5 6 7 8; ..."`` (what :func:`parse_grid` reads)."""
    return "; ".join(" ".join(f"{v:g}" for v in row) for row in x)


class PoolingRoutingDemo(Demo):
    """Max/average pooling on a small grid, with the switches and the routed gradient drawn.

    Controls: ``kind`` (max / average), ``size``, ``stride``, ``source`` (the lecture's 4x4
    example, a random 4x4 or 6x6 grid, or the grid typed in ``grid_text``), ``window`` (the
    window drawn thick, and alone when windows overlap) and a button that draws a new random grid. The typed
    box always shows the active input; editing it switches to "typed". The upstream gradient is
    ``dL/dY[i, j] = i * OW + j + 1`` (1, 2, 3, ... in reading order) so every routed value says
    which window sent it.

    After every change: ``self.x``, ``self.out``, ``self.dx`` (from :mod:`course_utils.pooling`),
    ``self.switches`` (max pooling) and ``self.tied_windows`` (windows whose max is shared).
    """

    SOURCES = ("lecture 4x4", "random 4x4", "random 6x6", "typed")
    MAX_SIDE = 6
    figsize = (11.0, 4.2)
    summary = "max and average pooling: the switches and where the gradient goes"

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self._written_text = None
        super().__init__()

    def build(self) -> list:
        """Make the panels and the controls. Parameters and returns as :meth:`Demo.build`."""
        import ipywidgets as widgets

        m = self.MAX_SIDE
        self.ax_x, self.ax_y, self.ax_dx = self.fig.subplots(1, 3, gridspec_kw={"width_ratios": [m, m - 1, m]})
        self.fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.9, wspace=0.08)
        # X and Y are white grids (no image: drawing one costs 3 ms a picture); dL/dX tints the routed cells
        self.panels = [GridPanel(ax) for ax in (self.ax_x, self.ax_y, self.ax_dx)]
        self.im_dx = self.ax_dx.imshow(np.zeros((m, m)), cmap="Blues", vmin=0, vmax=1)
        self.text_x = TextGrid(self.ax_x, (m, m))
        self.text_y = TextGrid(self.ax_y, (m, m), dy=-0.18)
        self.note_y = TextGrid(self.ax_y, (m, m), dy=0.24, color="tab:blue")
        self.text_dx = TextGrid(self.ax_dx, (m, m))
        n_windows = m * m
        self.windows = RectPool(self.ax_x, n_windows, linewidth=3)
        self.out_cells = RectPool(self.ax_y, n_windows, linewidth=3)
        self.switch_marks = [
            self.ax_x.plot([], [], "o", markersize=30, markerfacecolor="none", markeredgewidth=2.5)[0]
            for _ in range(n_windows)
        ]
        self.caption = widgets.HTML("")
        self.caption.add_class("course-status")
        self.kind = widgets.ToggleButtons(options=("max", "average"), value="max")
        self.source = widgets.Dropdown(
            options=self.SOURCES, value="lecture 4x4", description="input", layout=widgets.Layout(width="260px")
        )
        narrow = widgets.Layout(width="230px")
        self.size = widgets.IntSlider(value=2, min=2, max=3, description="size", layout=narrow)
        self.stride = widgets.IntSlider(value=2, min=1, max=3, description="stride", layout=narrow)
        self.window = widgets.IntSlider(
            value=1,
            min=1,
            max=4,
            description="window #",
            layout=narrow,
            tooltip="the window drawn thick (alone, when windows overlap)",
        )
        self.grid_text = widgets.Text(
            value=grid_text(LECTURE_POOL_INPUT),
            description="grid",
            continuous_update=False,
            layout=widgets.Layout(width="520px"),
        )
        self.new_random = widgets.Button(description="new random input", layout=widgets.Layout(width="auto"))
        self.message = widgets.HTML("")
        self.watch(self.kind, self.source, self.size, self.stride, self.window)
        self.grid_text.observe(self._on_typed, names="value")
        self.controls.append(self.grid_text)
        self.new_random.on_click(self._on_new_random)
        self.controls.append(self.new_random)
        centred = widgets.Layout(align_items="center")
        return [
            widgets.HBox([widgets.Label("pooling"), self.kind, self.source, self.new_random], layout=centred),
            widgets.HBox([self.size, self.stride, self.window], layout=centred),
            widgets.HBox([self.grid_text, self.message], layout=centred),
            self.caption,
        ]

    def _on_typed(self, change):
        if change["new"] == self._written_text:  # the demo wrote it: it shows the active input
            return
        with self.state_lock:
            if self.source.value != "typed":
                self.source.value = "typed"  # observed: asks for the picture
                return
        self.request()

    def _on_new_random(self, _button=None):
        with self.state_lock:
            self.seed += 1
            if self.source.value in ("lecture 4x4", "typed"):
                self.source.value = "random 4x4"  # observed: asks for the picture
                return
        self.request()

    def _input(self):
        src = self.source.value
        if src == "lecture 4x4":
            return LECTURE_POOL_INPUT.copy()
        if src == "typed":
            grid = parse_grid(self.grid_text.value)
            if grid.shape[0] > self.MAX_SIDE:
                raise ValueError(f"grid: expected at most {self.MAX_SIDE}x{self.MAX_SIDE}, got {grid.shape}")
            return grid
        side = 4 if src == "random 4x4" else 6
        # small integers so that ties happen (and are worth looking at)
        return np.random.default_rng(self.seed).integers(0, 6, size=(side, side)).astype(float)

    def compute(self) -> None:
        """Recompute pooling and routing for the current controls and set the artists."""
        try:
            x = self._input()
        except ValueError as exc:
            self.message.value = f"<span style='color:#c92a2a'>{exc}</span> (showing the lecture's example)"
            x = LECTURE_POOL_INPUT.copy()
        else:
            self.message.value = ""
            if self.source.value != "typed":
                self._written_text = grid_text(x)
                self.grid_text.value = self._written_text
        size, stride = min(self.size.value, x.shape[0]), self.stride.value
        self.x = x
        xb = x[None, None]
        oh = pool_output_size(x.shape[0], size, stride)
        self.dout = np.arange(1, oh * oh + 1, dtype=float).reshape(oh, oh)
        if self.kind.value == "max":
            out, cache = max_pool_forward(xb, size, stride)
            self.dx = max_pool_backward(self.dout[None, None], cache)[0, 0]
            self.switches = max_pool_switches(cache)[0, 0]
        else:
            out, cache = avg_pool_forward(xb, size, stride)
            self.dx = avg_pool_backward(self.dout[None, None], cache)[0, 0]
            self.switches = None
        self.out = out[0, 0]
        self.tied_windows = [
            (i, j)
            for i in range(oh)
            for j in range(oh)
            if np.sum(x[i * stride : i * stride + size, j * stride : j * stride + size] == self.out[i, j]) > 1
        ]
        self.window.max = oh * oh
        self._draw(size, stride, oh)

    def outlined_windows(self) -> list[int]:
        """Which pooling windows are outlined now.

        Returns
        -------
        list of int
            Their indices in reading order: all of them, or the chosen one when windows overlap.
        """
        size, stride = min(self.size.value, self.x.shape[0]), self.stride.value
        n = self.out.size
        if stride >= size:
            return list(range(n))
        return [min(self.window.value, n) - 1]

    def dynamic_artists(self) -> list:
        """What :meth:`compute` redraws. Parameters and returns as :meth:`Demo.dynamic_artists`."""
        # what the window slider changes; every other control redraws the number grids (static)
        return [*self.windows.rects, *self.out_cells.rects, *self.switch_marks]

    def _draw_numbers(self, size, stride, oh):
        n = self.x.shape[0]
        kind = "max" if self.kind.value == "max" else "average"
        self.panels[0].set((n, n), f"X ({n}x{n}): {size}x{size} windows, stride {stride}")
        self.panels[1].set((oh, oh), f"Y = {kind} pool, g = dL/dY")
        self.panels[2].set((n, n), "dL/dX: each g routed back")
        self.im_dx.set_extent((-0.5, n - 0.5, n - 0.5, -0.5))
        self.im_dx.set_data((self.dx != 0).astype(float) * 0.35)
        self.text_x.show([[fmt(v) for v in row] for row in self.x])
        self.text_y.show([[fmt(round(v, 2)) for v in row] for row in self.out])
        self.note_y.show([[f"g={fmt(v)}" for v in row] for row in self.dout])
        self.text_dx.show([[fmt(round(v, 2)) if v else "0" for v in row] for row in self.dx])

    def _draw(self, size, stride, oh):
        if self.renderer.static_changed((self.x.tobytes(), self.x.shape, self.kind.value, size, stride)):
            self._draw_numbers(size, stride, oh)
        overlap = stride < size
        outlined = self.outlined_windows()
        corners = [(i * stride, j * stride) for i in range(oh) for j in range(oh)]
        colours = [LINE_COLOURS[k % len(LINE_COLOURS)] for k in outlined]
        chosen = min(self.window.value, oh * oh) - 1  # drawn thicker (alone, where windows overlap)
        widths = [5.0 if k == chosen else 2.5 for k in outlined]
        self.windows.show([corners[k] for k in outlined], colors=colours, size=(size, size), widths=widths)
        self.out_cells.show([divmod(k, oh) for k in outlined], colors=colours, widths=widths)
        for mark in self.switch_marks:
            mark.set_visible(False)
        if self.switches is not None:
            for slot, k in enumerate(outlined):
                r, c = self.switches.reshape(-1, 2)[k]
                mark = self.switch_marks[slot]
                mark.set_data([c], [r])
                mark.set_markeredgecolor(LINE_COLOURS[k % len(LINE_COLOURS)])
                mark.set_visible(True)
        shown = "all windows" if not overlap else f"window {outlined[0] + 1} of {oh * oh} (they overlap)"
        if self.kind.value == "max":
            ties = (
                f"{len(self.tied_windows)} tied window(s): the FIRST max in reading order wins (as PyTorch)"
                if self.tied_windows
                else "no ties"
            )
            self.caption.value = (
                f"Max pooling, {shown}: the circle is the window's <i>switch</i>, "
                f"which gets the window's g; the others get 0. {ties}."
            )
        else:
            self.caption.value = (
                f"Average pooling, {shown}: every pixel of a window gets g/{size * size}; "
                f"where windows overlap, a pixel adds up its shares."
            )

    def visible_switches(self) -> list[tuple[int, int]]:
        """Where the visible switch circles are (for tests).

        Returns
        -------
        list of (int, int)
            ``(row, col)`` in the input grid of each visible circle.
        """
        return [(int(m.get_ydata()[0]), int(m.get_xdata()[0])) for m in self.switch_marks if m.get_visible()]
