"""Live demos for the CNN-backpropagation notebooks (ipywidgets + matplotlib, inline backend).

* :class:`ConvGradientDemo`: pick an input pixel ``(i', j')`` and see the region ``P`` of
  outputs it touches and the kernel weights that carry ``dL/dY`` back to it (the
  lecture's ``dL/dX = dL/dY * flip180(W)``); or pick a weight ``(a', b')`` and see that it
  touches every output pixel, and which input value multiplies ``dL/dY`` there
  (``dL/dW = X * dL/dY``). Stride and padding are controls.
* :class:`PoolingRoutingDemo`: a 4x4 or 6x6 input (the lecture's example, random, or typed
  in), max or average pooling with any window size and stride; the switches are drawn and
  the gradient is routed back as the controls change.

Each demo builds its matplotlib figure **once**; callbacks only update artists and
re-render the figure into an ``ipywidgets.Image`` (PNG bytes), so they work in any front
end, headless included. The numbers shown are computed with :mod:`course_utils.conv` /
:mod:`course_utils.pooling` (the sum written out in the caption is checked against
``conv2d_backward``). Show a demo with ``demo.show()`` (or ``display(demo.widget)``).
"""
from __future__ import annotations

import io

import ipywidgets as widgets
import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .conv import conv_output_size, input_pixel_region, weight_footprint
from .fast.conv import conv2d_backward, conv2d_forward
from .fast.pooling import avg_pool_backward, avg_pool_forward, max_pool_backward, max_pool_forward
from .pooling import max_pool_switches, pool_output_size

__all__ = ["ConvGradientDemo", "PoolingRoutingDemo", "parse_grid", "benchmark_cases"]

LECTURE_POOL_INPUT = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]], dtype=float)
_COLORS = ["tab:red", "tab:green", "gold", "tab:blue", "tab:purple", "tab:orange", "tab:cyan",
           "tab:pink", "tab:olive", "tab:brown"]


_RENDER_RC = {"text.hinting": "no_hinting"}


def _render(fig) -> bytes:
    """PNG bytes of ``fig``. Text layout dominates the cost; unhinted text and light PNG
    compression keep a render of these demos well under 100 ms on an idle 2-core machine."""
    buf = io.BytesIO()
    with matplotlib.rc_context(_RENDER_RC):
        fig.savefig(buf, format="png", dpi=72, pil_kwargs={"compress_level": 1})
    return buf.getvalue()


def _grid_axes(ax, shape, title):
    ax.set_title(title, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlim(-0.5, shape[1] - 0.5)
    ax.set_ylim(shape[0] - 0.5, -0.5)


class _TextGrid:
    """A fixed pool of Text artists laid on a grid; ``show(values)`` fills the top-left block."""

    def __init__(self, ax, max_shape, fontsize=9, dy=0.0, color="black"):
        self.texts = [[ax.text(j, i + dy, "", ha="center", va="center", fontsize=fontsize, color=color)
                       for j in range(max_shape[1])] for i in range(max_shape[0])]

    def show(self, labels):
        rows = len(labels)
        cols = len(labels[0]) if rows else 0
        for i, row in enumerate(self.texts):
            for j, text in enumerate(row):
                visible = i < rows and j < cols
                text.set_visible(visible)
                if visible:
                    text.set_text(labels[i][j])

    def shown(self):
        """The visible labels as a dict {(i, j): text} (for tests)."""
        return {(i, j): t.get_text() for i, row in enumerate(self.texts) for j, t in enumerate(row)
                if t.get_visible()}


class _RectPool:
    """A fixed pool of cell-sized Rectangles; ``show(cells, colors)`` places the first ones."""

    def __init__(self, ax, n, **style):
        self.rects = [Rectangle((0, 0), 1, 1, fill=False, visible=False, **style) for _ in range(n)]
        for r in self.rects:
            ax.add_patch(r)

    def show(self, cells, colors=None, size=(1, 1)):
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
                rect.set_visible(True)
            else:
                rect.set_visible(False)

    def shown(self):
        """Top-left cells (row, col) of the visible rectangles (for tests)."""
        return [(int(round(r.get_y() + 0.5)), int(round(r.get_x() + 0.5))) for r in self.rects if r.get_visible()]


def _fmt(v):
    return f"{v:g}"


# ============================================================================= convolution


class ConvGradientDemo:
    """Which outputs an input pixel touches (region P), and which inputs a weight multiplies.

    Data: a ``size x size`` input ``X`` of small integers, a ``kernel x kernel`` filter ``W``
    and an upstream gradient ``dL/dY`` of small integers (so every product can be checked by
    hand). Controls: ``mode`` ("input pixel" / "filter weight"), ``stride``, ``pad``, the
    pixel ``(i', j')`` and the weight ``(a', b')``.

    After every change, ``self.terms`` lists the products of the chain-rule sum,
    ``self.total`` is their sum and ``self.reference`` the same entry of ``conv2d_backward``.
    """

    MODES = ("input pixel", "filter weight")

    def __init__(self, size=6, kernel=3, seed=0, max_pad=2):
        rng = np.random.default_rng(seed)
        self.size, self.kernel, self.max_pad = size, kernel, max_pad
        self.x = rng.integers(0, 10, size=(size, size)).astype(float)
        self.w = rng.integers(-2, 3, size=(kernel, kernel)).astype(float)
        self._rng_seed = seed
        max_out = conv_output_size(size, kernel, 1, max_pad)
        self.fig = Figure(figsize=(10.5, 3.6))
        self.ax_x, self.ax_w, self.ax_y = self.fig.subplots(1, 3, gridspec_kw={"width_ratios": [size + 2 * max_pad,
                                                                                                  kernel + 1, max_out]})
        self.fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=0.92, wspace=0.15)
        padded_max = size + 2 * max_pad
        self.im_x = self.ax_x.imshow(np.zeros((padded_max, padded_max)), cmap="Greys", vmin=0, vmax=30)
        self.im_w = self.ax_w.imshow(np.zeros((kernel, kernel)), cmap="Greys", vmin=0, vmax=30)
        self.im_y = self.ax_y.imshow(np.zeros((max_out, max_out)), cmap="Greys", vmin=0, vmax=30)
        self.text_x = _TextGrid(self.ax_x, (padded_max, padded_max))
        self.text_w = _TextGrid(self.ax_w, (kernel, kernel))
        self.text_y = _TextGrid(self.ax_y, (max_out, max_out), dy=-0.15)
        self.note_y = _TextGrid(self.ax_y, (max_out, max_out), fontsize=7, dy=0.25, color="tab:blue")
        self.rect_x = _RectPool(self.ax_x, max_out * max_out, linewidth=2.5, edgecolor="tab:red")
        self.rect_w = _RectPool(self.ax_w, kernel * kernel, linewidth=2.5, edgecolor="tab:blue")
        self.rect_y = _RectPool(self.ax_y, max_out * max_out, linewidth=2.5, edgecolor="tab:blue")
        self.pad_box = Rectangle((0, 0), 1, 1, fill=False, linestyle="--", edgecolor="0.4")
        self.ax_x.add_patch(self.pad_box)
        # the formula goes into an HTML widget: text drawn by matplotlib is the costly part of a render
        self.caption = widgets.HTML("")

        style = {"description_width": "70px"}
        self.mode = widgets.ToggleButtons(options=self.MODES, value="input pixel", description="pick")
        self.stride = widgets.IntSlider(value=1, min=1, max=2, description="stride S", style=style)
        self.pad = widgets.IntSlider(value=0, min=0, max=max_pad, description="pad P", style=style)
        self.i_in = widgets.IntSlider(value=2, min=0, max=size - 1, description="i'", style=style)
        self.j_in = widgets.IntSlider(value=2, min=0, max=size - 1, description="j'", style=style)
        self.a_w = widgets.IntSlider(value=0, min=0, max=kernel - 1, description="a'", style=style)
        self.b_w = widgets.IntSlider(value=0, min=0, max=kernel - 1, description="b'", style=style)
        self.image = widgets.Image(format="png")
        for control in (self.mode, self.stride, self.pad, self.i_in, self.j_in, self.a_w, self.b_w):
            control.observe(self._on_change, names="value")
        self.widget = widgets.VBox([
            self.mode,
            widgets.HBox([self.stride, self.pad]),
            widgets.HBox([widgets.VBox([self.i_in, self.j_in]), widgets.VBox([self.a_w, self.b_w])]),
            self.caption, self.image,
        ])
        self.update()

    # -- state -------------------------------------------------------------------------
    def _upstream(self, shape):
        """dL/dY: small integers, the same for the same output shape."""
        rng = np.random.default_rng(self._rng_seed + 1000 + 31 * shape[0] + shape[1])
        return rng.integers(-2, 3, size=shape).astype(float)

    def _on_change(self, _change):
        self.update()

    def update(self):
        """Recompute the gradients for the current controls and redraw (one PNG render)."""
        s, p, k, n = self.stride.value, self.pad.value, self.kernel, self.size
        out_size = conv_output_size(n, k, s, p)
        self.dy = self._upstream((out_size, out_size))
        _, cache = conv2d_forward(self.x[None, None], self.w[None, None], [0.0], stride=s, pad=p)
        dx, dw, _ = conv2d_backward(self.dy[None, None], cache)
        xp = np.pad(self.x, p)
        self._draw_grids(xp, out_size, p)
        pixel_mode = self.mode.value == "input pixel"
        for control in (self.i_in, self.j_in):
            control.disabled = not pixel_mode
        for control in (self.a_w, self.b_w):
            control.disabled = pixel_mode
        if pixel_mode:
            self._show_pixel(dx[0, 0], xp, out_size)
        else:
            self._show_weight(dw[0, 0], xp, out_size)
        self.image.value = _render(self.fig)

    def _draw_grids(self, xp, out_size, p):
        hp = xp.shape[0]
        shade = np.zeros_like(xp)
        shade[:p, :] = shade[-p:, :] = shade[:, :p] = shade[:, -p:] = 4 if p else 0
        self.im_x.set_data(shade)
        self.im_x.set_extent((-0.5, hp - 0.5, hp - 0.5, -0.5))
        _grid_axes(self.ax_x, xp.shape, f"input X, {self.size}x{self.size}" + (f", padded by P={p}" if p else ""))
        self.pad_box.set_xy((p - 0.5, p - 0.5))
        self.pad_box.set_width(self.size)
        self.pad_box.set_height(self.size)
        self.pad_box.set_visible(p > 0)
        self.text_x.show([[_fmt(v) for v in row] for row in xp])
        self.im_w.set_data(np.zeros_like(self.w))
        _grid_axes(self.ax_w, self.w.shape, "filter W")
        self.text_w.show([[_fmt(v) for v in row] for row in self.w])
        self.im_y.set_data(np.zeros((out_size, out_size)))
        self.im_y.set_extent((-0.5, out_size - 0.5, out_size - 0.5, -0.5))
        _grid_axes(self.ax_y, (out_size, out_size), f"dL/dY, {out_size}x{out_size}  (S={self.stride.value})")
        self.text_y.show([[_fmt(v) for v in row] for row in self.dy])

    def _show_pixel(self, dx, xp, out_size):
        i_in, j_in = self.i_in.value, self.j_in.value
        p, s = self.pad.value, self.stride.value
        region = input_pixel_region(i_in, j_in, (self.size, self.size), (self.kernel, self.kernel), s, p)
        self.region = region
        self.terms = [(self.dy[i, j], self.w[a, b]) for i, j, a, b in region]
        self.total = float(sum(g * w for g, w in self.terms))
        self.reference = float(dx[i_in, j_in])
        self.rect_x.show([(i_in + p, j_in + p)])
        self.rect_y.show([(i, j) for i, j, _, _ in region])
        self.rect_w.show([(a, b) for _, _, a, b in region])
        notes = [["" for _ in range(out_size)] for _ in range(out_size)]
        for i, j, a, b in region:
            notes[i][j] = f"W{a}{b}"
        self.note_y.show(notes)
        sum_text = " + ".join(f"({_fmt(g)})({_fmt(w)})" for g, w in self.terms[:6]) + (" + ..." if len(self.terms) > 6 else "")
        self.caption.value = (
            f"<tt>dL/dX[{i_in},{j_in}] = &Sigma;<sub>p in P</sub> dL/dY[p] W[a,b] "
            f"= {sum_text or '0 (no output reads this pixel)'} = <b>{_fmt(self.total)}</b></tt> "
            f"({len(region)} outputs in the region P; <tt>conv2d_backward</tt> gives {_fmt(self.reference)}).<br>"
            f"Output (i, j) reads this pixel through W[a, b] with iS + a = i' + P: seen from the pixel the "
            f"filter is flipped, so dL/dX = dL/dY * flip180(W).")

    def _show_weight(self, dw, xp, out_size):
        a, b = self.a_w.value, self.b_w.value
        p, s = self.pad.value, self.stride.value
        foot = weight_footprint(a, b, (self.size, self.size), (self.kernel, self.kernel), s, p)
        self.region = foot
        self.terms = [(self.dy[i, j], xp[r + p, c + p]) for i, j, r, c in foot]
        self.total = float(sum(g * x for g, x in self.terms))
        self.reference = float(dw[a, b])
        self.rect_w.show([(a, b)])
        self.rect_y.show([(i, j) for i, j, _, _ in foot])
        self.rect_x.show([(r + p, c + p) for _, _, r, c in foot])
        notes = [["" for _ in range(out_size)] for _ in range(out_size)]
        for i, j, r, c in foot:
            notes[i][j] = f"X={_fmt(xp[r + p, c + p])}"
        self.note_y.show(notes)
        sum_text = " + ".join(f"({_fmt(g)})({_fmt(x)})" for g, x in self.terms[:6]) + (" + ..." if len(self.terms) > 6 else "")
        self.caption.value = (
            f"<tt>dL/dW[{a},{b}] = &Sigma;<sub>i,j</sub> dL/dY[i,j] X[iS+a'-P, jS+b'-P] "
            f"= {sum_text} = <b>{_fmt(self.total)}</b></tt> "
            f"({len(foot)} terms, one per output pixel; <tt>conv2d_backward</tt> gives {_fmt(self.reference)}).<br>"
            f"One weight touches every output; the red inputs are a shifted, strided copy of X: "
            f"dL/dW = X * dL/dY.")

    def show(self):
        """Display the demo in a notebook (needs IPython); returns the widget."""
        from IPython.display import display
        display(self.widget)
        return self.widget


# ============================================================================= pooling


def parse_grid(text: str) -> np.ndarray:
    """Parse a square grid typed as rows separated by ``;`` or new lines, values by spaces/commas.

    ``"1 1 2 4; 5 6 7 8; 3 2 1 0; 1 2 3 4"`` -> a 4x4 float array. Raises ``ValueError``
    naming what is wrong (ragged rows, not a number, not square, smaller than 2x2).
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


class PoolingRoutingDemo:
    """Max/average pooling on a small grid, with the switches and the routed gradient drawn.

    Controls: ``kind`` (max / average), ``size``, ``stride``, ``source`` (the lecture's 4x4
    example, a random 4x4 or 6x6 grid, or the grid typed in ``grid_text``), and a button that
    draws a new random grid. The upstream gradient is ``dL/dY[i, j] = i * OW + j + 1``
    (1, 2, 3, ... in reading order) so every routed value says which window sent it.

    After every change: ``self.x``, ``self.out``, ``self.dx`` (from :mod:`course_utils.pooling`),
    ``self.switches`` (max pooling) and ``self.tied_windows`` (windows whose max is shared).
    """

    SOURCES = ("lecture 4x4", "random 4x4", "random 6x6", "typed")
    MAX_SIDE = 6

    def __init__(self, seed=0):
        self.seed = seed
        m = self.MAX_SIDE
        self.fig = Figure(figsize=(10.5, 3.5))
        self.ax_x, self.ax_y, self.ax_dx = self.fig.subplots(1, 3, gridspec_kw={"width_ratios": [m, m - 1, m]})
        self.fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=0.9, wspace=0.12)
        self.im_x = self.ax_x.imshow(np.zeros((m, m)), cmap="Greys", vmin=0, vmax=20)
        self.im_y = self.ax_y.imshow(np.zeros((m, m)), cmap="Greys", vmin=0, vmax=20)
        self.im_dx = self.ax_dx.imshow(np.zeros((m, m)), cmap="Blues", vmin=0, vmax=1)
        self.text_x = _TextGrid(self.ax_x, (m, m))
        self.text_y = _TextGrid(self.ax_y, (m, m), dy=-0.12)
        self.note_y = _TextGrid(self.ax_y, (m, m), fontsize=7, dy=0.27, color="tab:blue")
        self.text_dx = _TextGrid(self.ax_dx, (m, m))
        n_windows = m * m
        self.windows = _RectPool(self.ax_x, n_windows, linewidth=2.0)
        self.out_cells = _RectPool(self.ax_y, n_windows, linewidth=2.0)
        self.switch_marks = [self.ax_x.plot([], [], "o", markersize=22, markerfacecolor="none",
                                            markeredgewidth=2.0)[0] for _ in range(n_windows)]
        self.caption = widgets.HTML("")

        style = {"description_width": "60px"}
        self.kind = widgets.ToggleButtons(options=("max", "average"), value="max", description="pooling")
        self.source = widgets.Dropdown(options=self.SOURCES, value="lecture 4x4", description="input")
        self.size = widgets.IntSlider(value=2, min=2, max=3, description="size", style=style)
        self.stride = widgets.IntSlider(value=2, min=1, max=3, description="stride", style=style)
        self.grid_text = widgets.Text(value="0 0 3 3; 0 0 3 3; 2 7 5 5; 7 1 5 5", description="typed",
                                      continuous_update=False, layout=widgets.Layout(width="420px"))
        self.new_random = widgets.Button(description="new random input")
        self.message = widgets.HTML("")
        self.image = widgets.Image(format="png")
        for control in (self.kind, self.source, self.size, self.stride, self.grid_text):
            control.observe(self._on_change, names="value")
        self.new_random.on_click(self._on_new_random)
        self.widget = widgets.VBox([
            widgets.HBox([self.kind, self.source]),
            widgets.HBox([self.size, self.stride, self.new_random]),
            self.grid_text, self.message, self.caption, self.image,
        ])
        self.update()

    def _on_change(self, _change):
        self.update()

    def _on_new_random(self, _button=None):
        self.seed += 1
        if self.source.value in ("lecture 4x4", "typed"):
            self.source.value = "random 4x4"  # triggers update
        else:
            self.update()

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

    def update(self):
        """Recompute pooling and routing for the current controls and redraw (one PNG render)."""
        try:
            x = self._input()
        except ValueError as exc:
            self.message.value = f"<span style='color:#b00'>{exc}</span> (showing the lecture's example)"
            x = LECTURE_POOL_INPUT.copy()
        else:
            self.message.value = ""
        size, stride = self.size.value, self.stride.value
        if size > x.shape[0]:
            size = x.shape[0]
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
        windows = [(i * stride, j * stride) for i in range(oh) for j in range(oh)]
        self.tied_windows = [(i, j) for i in range(oh) for j in range(oh)
                             if np.sum(x[i * stride:i * stride + size, j * stride:j * stride + size] == self.out[i, j]) > 1]
        self._draw(size, stride, oh, windows)
        self.image.value = _render(self.fig)

    def _draw(self, size, stride, oh, windows):
        n = self.x.shape[0]
        for im, ax, shape in ((self.im_x, self.ax_x, (n, n)), (self.im_y, self.ax_y, (oh, oh)),
                              (self.im_dx, self.ax_dx, (n, n))):
            im.set_extent((-0.5, shape[1] - 0.5, shape[0] - 0.5, -0.5))
            _grid_axes(ax, shape, "")
        self.im_x.set_data(np.zeros((n, n)))
        self.im_y.set_data(np.zeros((oh, oh)))
        self.im_dx.set_data((self.dx != 0).astype(float) * 0.35)
        self.ax_x.set_title(f"input X ({n}x{n}), {size}x{size} windows, stride {stride}", fontsize=10)
        kind = "max" if self.kind.value == "max" else "average"
        self.ax_y.set_title(f"Y = {kind} pool ({oh}x{oh});  dL/dY in blue", fontsize=10)
        self.ax_dx.set_title("dL/dX: the routed gradient", fontsize=10)
        self.text_x.show([[_fmt(v) for v in row] for row in self.x])
        self.text_y.show([[_fmt(round(v, 3)) for v in row] for row in self.out])
        self.note_y.show([[f"g{_fmt(v)}" for v in row] for row in self.dout])
        self.text_dx.show([[_fmt(round(v, 3)) if v else "0" for v in row] for row in self.dx])
        self.windows.show(windows, colors=_COLORS, size=(size, size))
        self.out_cells.show([(i, j) for i in range(oh) for j in range(oh)], colors=_COLORS)
        for k, mark in enumerate(self.switch_marks):
            if self.switches is not None and k < oh * oh:
                r, c = self.switches.reshape(-1, 2)[k]
                mark.set_data([c], [r])
                mark.set_markeredgecolor(_COLORS[k % len(_COLORS)])
                mark.set_visible(True)
            else:
                mark.set_visible(False)
        if self.kind.value == "max":
            ties = (f"{len(self.tied_windows)} window(s) with a tied max: the gradient goes to the FIRST max "
                    f"in row-major order (as PyTorch)." if self.tied_windows else "no ties.")
            self.caption.value = ("Max pooling: each window remembers its winner (circle: the <i>switch</i>); "
                                  "backprop sends its g there and 0 to the others.<br>" + ties)
        else:
            self.caption.value = (f"Average pooling: each window shares its g equally: every pixel of it gets "
                                  f"g/{size * size}.<br>Where windows overlap, a pixel adds up its shares.")

    def visible_switches(self):
        """(row, col) of the visible switch circles (for tests)."""
        return [(int(m.get_ydata()[0]), int(m.get_xdata()[0])) for m in self.switch_marks if m.get_visible()]

    def show(self):
        """Display the demo in a notebook (needs IPython); returns the widget."""
        from IPython.display import display
        display(self.widget)
        return self.widget


def benchmark_cases():
    """(name, demo, [(label, action(round))]) for benchmarks/bench_conv.py: one control change each."""
    conv = ConvGradientDemo()
    pool = PoolingRoutingDemo()

    def toggle(control, a, b):
        return lambda r: setattr(control, "value", a if r % 2 == 0 else b)

    return [
        ("ConvGradientDemo", conv, [
            ("move pixel i'", toggle(conv.i_in, 1, 3)),
            ("stride 1 <-> 2", toggle(conv.stride, 2, 1)),
            ("pick filter weight / input pixel", toggle(conv.mode, "filter weight", "input pixel")),
        ]),
        ("PoolingRoutingDemo", pool, [
            ("max <-> average", toggle(pool.kind, "average", "max")),
            ("window 2x2 <-> 3x3", toggle(pool.size, 3, 2)),
            ("new random input", lambda r: pool.new_random.click()),
        ]),
    ]
