"""Live demo of backpropagation through a convolution layer (notebook 06, lecture 004).

:class:`ConvGradientDemo`: pick an input pixel ``(i', j')`` and see the region ``P`` of outputs it
touches and the kernel weights that carry ``dL/dY`` back to it (the lecture's
``dL/dX = dL/dY * flip180(W)``); or pick a weight ``(a', b')`` and see that it touches every
output pixel, and which input value multiplies ``dL/dY`` there (``dL/dW = X * dL/dY``).
Stride ``S`` and padding (``pad``, the lecture's zero border) are controls. The numbers are
computed with :mod:`course_utils.conv`; the sum written out in the caption is checked against
``conv2d_backward``.
"""

from __future__ import annotations

import numpy as np

from ..conv import conv_output_size, input_pixel_region, weight_footprint
from ..fast.conv import conv2d_backward, conv2d_forward
from ._grids import GridPanel, RectPool, TextGrid, fmt
from .base import Demo

__all__ = ["ConvGradientDemo"]


def _ascii(v) -> str:
    return f"{v:g}"


class ConvGradientDemo(Demo):
    """Which outputs an input pixel touches (region P), and which inputs a weight multiplies.

    Data: a ``size x size`` input ``X`` of small integers, a ``kernel x kernel`` filter ``W``
    and an upstream gradient ``dL/dY`` of small integers (so every product can be checked by
    hand). Controls: ``mode`` ("input pixel" / "filter weight"), ``stride``, ``pad``, the
    pixel ``(i', j')`` and the weight ``(a', b')``.

    After every change, ``self.terms`` lists the products of the chain-rule sum,
    ``self.total`` is their sum and ``self.reference`` the same entry of ``conv2d_backward``.
    """

    MODES = ("input pixel", "filter weight")
    figsize = (11.0, 4.3)
    summary = "pick an input pixel or a filter weight: who touches whom in the backward pass"

    def __init__(self, size: int = 5, kernel: int = 3, seed: int = 0, max_pad: int = 2) -> None:
        rng = np.random.default_rng(seed)
        self.size, self.kernel, self.max_pad = size, kernel, max_pad
        self.x = rng.integers(0, 10, size=(size, size)).astype(float)
        self.w = rng.integers(-2, 3, size=(kernel, kernel)).astype(float)
        self._rng_seed = seed
        super().__init__()

    def build(self) -> list:
        """Make the panels and the controls. Parameters and returns as :meth:`Demo.build`."""
        import ipywidgets as widgets

        size, kernel, max_pad = self.size, self.kernel, self.max_pad
        max_out = conv_output_size(size, kernel, 1, max_pad)
        padded_max = size + 2 * max_pad
        self.ax_x, self.ax_w, self.ax_y = self.fig.subplots(
            1, 3, gridspec_kw={"width_ratios": [padded_max, kernel, max_out]}
        )
        self.fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.9, wspace=0.08)
        # the zero border is shaded; the grids are white (no image: drawing one costs 3 ms a picture)
        self.im_x = self.ax_x.imshow(np.zeros((padded_max, padded_max)), cmap="Greys", vmin=0, vmax=30)
        self.panel_x, self.panel_w, self.panel_y = GridPanel(self.ax_x), GridPanel(self.ax_w), GridPanel(self.ax_y)
        self.panel_w.set((kernel, kernel), "filter W")
        self.text_x = TextGrid(self.ax_x, (padded_max, padded_max))
        self.text_w = TextGrid(self.ax_w, (kernel, kernel))
        self.text_y = TextGrid(self.ax_y, (max_out, max_out), dy=-0.2)
        self.note_y = TextGrid(self.ax_y, (max_out, max_out), dy=0.24, color="tab:blue")
        self.rect_x = RectPool(self.ax_x, max_out * max_out, linewidth=3, edgecolor="tab:red")
        self.rect_w = RectPool(self.ax_w, kernel * kernel, linewidth=3, edgecolor="tab:blue")
        self.rect_y = RectPool(self.ax_y, max_out * max_out, linewidth=3, edgecolor="tab:blue")
        from matplotlib.patches import Rectangle

        self.pad_box = Rectangle((0, 0), 1, 1, fill=False, linestyle="--", edgecolor="0.4", linewidth=1.5)
        self.ax_x.add_patch(self.pad_box)
        # the written-out sum goes into an HTML line under the controls (drawn text is what costs time)
        self.caption = widgets.HTML("")
        self.caption.add_class("course-status")
        self.explain = widgets.HTML("")
        self.explain.add_class("course-status")

        narrow = widgets.Layout(width="290px")
        style = {"description_width": "initial"}
        last, most = size - 1, kernel - 1
        self.mode = widgets.ToggleButtons(
            options=self.MODES, value="input pixel", tooltips=["the pixel (i', j') of X", "the weight (a', b') of W"]
        )
        self.stride = widgets.IntSlider(value=1, min=1, max=2, description="stride S", layout=narrow, style=style)
        self.pad = widgets.IntSlider(value=0, min=0, max=max_pad, description="pad", layout=narrow, style=style)
        self.i_in = widgets.IntSlider(value=2, min=0, max=last, description="pixel i'", layout=narrow, style=style)
        self.j_in = widgets.IntSlider(value=2, min=0, max=last, description="pixel j'", layout=narrow, style=style)
        self.a_w = widgets.IntSlider(value=0, min=0, max=most, description="weight a'", layout=narrow, style=style)
        self.b_w = widgets.IntSlider(value=0, min=0, max=most, description="weight b'", layout=narrow, style=style)
        self.watch(self.mode, self.stride, self.pad, self.i_in, self.j_in, self.a_w, self.b_w)
        centred = widgets.Layout(align_items="center")
        return [
            widgets.HBox([widgets.Label("pick"), self.mode, self.stride, self.pad], layout=centred),
            widgets.HBox([self.i_in, self.j_in, self.a_w, self.b_w], layout=centred),
            self.caption,
            self.explain,
        ]

    def dynamic_artists(self) -> list:
        """What :meth:`compute` redraws. Parameters and returns as :meth:`Demo.dynamic_artists`."""
        # what the pixel, the weight and the mode change; stride and pad redraw the grids (static)
        return [*self.rect_x.rects, *self.rect_w.rects, *self.rect_y.rects, *self.note_y.artists()]

    # -- state -------------------------------------------------------------------------
    def _upstream(self, shape):
        """dL/dY: small integers, the same for the same output shape."""
        rng = np.random.default_rng(self._rng_seed + 1000 + 31 * shape[0] + shape[1])
        return rng.integers(-2, 3, size=shape).astype(float)

    def compute(self) -> None:
        """Recompute the gradients for the current controls and set the artists."""
        s, p, k, n = self.stride.value, self.pad.value, self.kernel, self.size
        out_size = conv_output_size(n, k, s, p)
        self.dy = self._upstream((out_size, out_size))
        _, cache = conv2d_forward(self.x[None, None], self.w[None, None], [0.0], stride=s, pad=p)
        dx, dw, _ = conv2d_backward(self.dy[None, None], cache)
        xp = np.pad(self.x, p)
        if self.renderer.static_changed((s, p)):  # the number grids depend on these only
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

    def _draw_grids(self, xp, out_size, p):
        hp = xp.shape[0]
        shade = np.zeros_like(xp)
        if p:
            shade[:p, :] = shade[-p:, :] = shade[:, :p] = shade[:, -p:] = 4
        self.im_x.set_data(shade)
        self.im_x.set_extent((-0.5, hp - 0.5, hp - 0.5, -0.5))
        self.panel_x.set(xp.shape, f"input X ({self.size}x{self.size})" + (f", zero border {p}" if p else ""))
        self.pad_box.set_xy((p - 0.5, p - 0.5))
        self.pad_box.set_width(self.size)
        self.pad_box.set_height(self.size)
        self.pad_box.set_visible(p > 0)
        self.text_x.show([[fmt(v) for v in row] for row in xp])
        self.text_w.show([[fmt(v) for v in row] for row in self.w])
        self.panel_y.set((out_size, out_size), f"dL/dY ({out_size}x{out_size}), S={self.stride.value}")
        self.text_y.show([[fmt(v) for v in row] for row in self.dy])

    def _sum_text(self, terms):
        shown = " + ".join(f"({_ascii(g)})({_ascii(v)})" for g, v in terms[:5])
        return shown + (" + ..." if len(terms) > 5 else "")

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
        self.caption.value = (
            f"<tt>dL/dX[{i_in},{j_in}] = {self._sum_text(self.terms) or '0 (no output reads it)'} "
            f"= <b>{_ascii(self.total)}</b></tt> &nbsp;(conv2d_backward: {_ascii(self.reference)})"
        )
        self.explain.value = (
            f"{len(region)} outputs in the region P (blue), each through the weight "
            f"written in it: the filter flipped, dL/dX = dL/dY * flip180(W)"
        )

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
            notes[i][j] = f"X={fmt(xp[r + p, c + p])}"
        self.note_y.show(notes)
        self.caption.value = (
            f"<tt>dL/dW[{a},{b}] = {self._sum_text(self.terms)} = <b>{_ascii(self.total)}</b></tt> "
            f"&nbsp;(conv2d_backward: {_ascii(self.reference)})"
        )
        self.explain.value = (
            f"one weight touches all {len(foot)} outputs; the red inputs are a shifted, "
            f"strided copy of X: dL/dW = X * dL/dY"
        )
