"""Live demos for the pyramids lecture: a level slider, multi-band blending, steering a derivative filter.

Each demo builds one matplotlib figure once, precomputes what does not depend
on the controls (pyramids of the images, the two basis responses), and in its
callback only recomputes what changed and updates the artists
(``AxesImage.set_data``, ``Text.set_text``). The figure is then rendered to image
bytes (JPEG by default) shown in an ``ipywidgets.Image`` (no interactive
backend needed).

Use in a notebook::

    demo = BlendDemo()
    demo.show()

In tests (no kernel): set ``demo.<control>.value`` and assert on the artists;
``demo.compute()`` is the callback without the render, ``demo.render()``
the render alone (both are timed in ``benchmarks/bench_pyramids.py``).
"""
from __future__ import annotations

import io

import numpy as np
from matplotlib.figure import Figure

from . import images, steerable
from .fast import pyramids  # the operators of course_utils.pyramids, tuned
from ._checks import as_float_array, check_positive_int, check_real

__all__ = ["PyramidLevelDemo", "BlendDemo", "SteeringDemo"]


class _FigureDemo:
    """Shared machinery: a figure made once, controls, an image view updated after each callback."""

    dpi = 72
    image_format = "jpeg"    # about 5x faster to encode than PNG for these figures; "png" also works

    def __init__(self, controls: list, figsize):
        import ipywidgets as widgets
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        self.fig = Figure(figsize=figsize, dpi=self.dpi, layout="constrained")
        self.canvas = FigureCanvasAgg(self.fig)
        self.view = widgets.Image(format=self.image_format)
        self.controls = controls
        self.widget = widgets.VBox([widgets.HBox(controls), self.view])
        self.render_count = 0

    def _observe(self):
        for control in self.controls:
            control.observe(lambda change: self.update(), names="value")

    def update(self) -> None:
        """The widget callback: recompute and update the artists, then render the figure to the view."""
        self.compute()
        self.render()

    def compute(self) -> None:  # pragma: no cover - every demo overrides it
        raise NotImplementedError

    def render(self) -> bytes:
        """Draw the figure and show it in the ``ipywidgets.Image`` (JPEG or PNG bytes, see ``image_format``).

        The layout is computed at the first draw and then frozen.
        """
        from PIL import Image as PILImage     # Pillow comes with matplotlib
        self.canvas.draw()
        if self.render_count == 0:
            self.fig.set_layout_engine("none")
        rgba = np.asarray(self.canvas.buffer_rgba())
        buffer = io.BytesIO()
        if self.image_format == "png":
            PILImage.fromarray(rgba[..., :3]).save(buffer, format="png", compress_level=1)
        else:
            PILImage.fromarray(rgba[..., :3]).save(buffer, format="jpeg", quality=92)
        self.view.value = buffer.getvalue()
        self.render_count += 1
        return self.view.value

    def show(self):
        """Display the demo in a notebook (does nothing harmful without a front end)."""
        from IPython.display import display
        display(self.widget)
        return None


def _no_ticks(*axes):
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])


class PyramidLevelDemo(_FigureDemo):
    """A level slider over the Gaussian and Laplacian pyramids, with or without the blur before sub-sampling.

    Each level is drawn stretched to the size of the original, so its pixels
    show as blocks (as in the lecture's figures). Unticking ``blur`` keeps
    every second pixel without the low-pass filter: fine texture aliases.
    """

    def __init__(self, image=None, levels: int = 7):
        import ipywidgets as widgets
        image = images.load_image("camera") if image is None else as_float_array("image", image, ndim=2)
        levels = check_positive_int("levels", levels)
        self.gaussian = pyramids.gaussian_pyramid(image, levels)
        self.laplacian = pyramids.laplacian_pyramid(image, levels)
        self.subsampled = [image]
        for _ in range(levels - 1):
            self.subsampled.append(self.subsampled[-1][::2, ::2])
        self.level = widgets.IntSlider(value=0, min=0, max=levels - 1, description="level")
        self.blur = widgets.Checkbox(value=True, description="blur before sub-sampling")
        super().__init__([self.level, self.blur], figsize=(9, 4.8))
        h, w = image.shape
        extent = (0, w, h, 0)
        self.ax_g, self.ax_l = self.fig.subplots(1, 2)
        self.im_g = self.ax_g.imshow(image, cmap="gray", vmin=0, vmax=1, extent=extent, interpolation="nearest")
        self.im_l = self.ax_l.imshow(self.laplacian[0], cmap="gray", extent=extent, interpolation="nearest")
        self._limits = [float(np.percentile(np.abs(band), 99.5)) or 1.0 for band in self.laplacian[:-1]]
        _no_ticks(self.ax_g, self.ax_l)
        self._observe()
        self.update()

    def compute(self) -> None:
        i = self.level.value
        source = self.gaussian if self.blur.value else self.subsampled
        self.im_g.set_data(source[i])
        h, w = source[i].shape
        kind = "Gaussian" if self.blur.value else "sub-sampled, no blur"
        self.ax_g.set_title(f"{kind} level {i + 1}: {h}x{w}")
        if i < len(self.laplacian) - 1:
            limit = self._limits[i]
            self.im_l.set_data(self.laplacian[i])
            self.im_l.set_clim(-limit, limit)
            self.ax_l.set_title(f"Laplacian level {i + 1}: $L_{{{i + 1}}} = (I - F_{{{i + 1}}} G_{{{i + 1}}}) x_{{{i + 1}}}$")
        else:
            self.im_l.set_data(self.laplacian[i])
            self.im_l.set_clim(0, 1)
            self.ax_l.set_title(f"low-pass residual $x_{{{i + 1}}}$")


class BlendDemo(_FigureDemo):
    """Multi-band blending with a vertical seam: position, softness and number of levels.

    Blending is linear in the images, so ``collapse(G LA + (1 - G) LB) = B +
    collapse(G (LA - LB))``. The pyramid of the difference ``D = LA - LB`` is
    built once, per colour channel, for the largest number of levels (fewer
    levels reuse its first bands and take the difference of the Gaussian levels
    as residual). A callback builds the Gaussian pyramid of the new mask (one
    row: the seam is vertical), multiplies and collapses. Beside the blend: the
    hard seam (``levels = 1``) for comparison. ``demo.blended`` equals
    :func:`course_utils.pyramids.blend` to rounding (tested).
    """

    def __init__(self, image_a=None, image_b=None, levels: int = 6, max_levels: int = 8):
        import ipywidgets as widgets
        if image_a is None and image_b is None:
            image_a, image_b = images.apple_and_orange(512)
        a = as_float_array("image_a", image_a, ndim=(2, 3))
        b = as_float_array("image_b", image_b, ndim=(2, 3))
        if a.shape != b.shape:
            raise ValueError(f"image_b: expected the shape of image_a, {a.shape}, got {b.shape}")
        most = min(check_positive_int("max_levels", max_levels), pyramids.max_levels(a.shape))
        levels = min(check_positive_int("levels", levels), most)
        self.a, self.b = a, b
        planes_a = [a] if a.ndim == 2 else [np.ascontiguousarray(a[..., c]) for c in range(a.shape[2])]
        planes_b = [b] if b.ndim == 2 else [np.ascontiguousarray(b[..., c]) for c in range(b.shape[2])]
        self._bands, self._residuals = [], []      # per channel: bands of LA - LB, and GA_j - GB_j per level
        for pa, pb in zip(planes_a, planes_b):
            ga, gb = pyramids.gaussian_pyramid(pa, most), pyramids.gaussian_pyramid(pb, most)
            la, lb = pyramids.laplacian_pyramid(pa, most), pyramids.laplacian_pyramid(pb, most)
            self._bands.append([x - y for x, y in zip(la[:-1], lb[:-1])])
            self._residuals.append([x - y for x, y in zip(ga, gb)])
        self.position = widgets.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.01, description="seam at")
        self.softness = widgets.FloatSlider(value=0.0, min=0.0, max=0.5, step=0.01, description="softness")
        self.levels = widgets.IntSlider(value=levels, min=1, max=most, description="levels")
        super().__init__([self.position, self.softness, self.levels], figsize=(10, 5.4))
        self.ax_hard, self.ax_blend = self.fig.subplots(1, 2)
        cmap = None if a.ndim == 3 else "gray"
        # colour images are shown from uint8 RGBA buffers: matplotlib then skips its float conversions
        self._rgba = [np.full(a.shape[:2] + (4,), 255, np.uint8) for _ in range(2)] if a.ndim == 3 else None
        self.im_hard = self.ax_hard.imshow(self._display(a, 0), cmap=cmap, vmin=0, vmax=1)
        self.im_blend = self.ax_blend.imshow(self._display(a, 1), cmap=cmap, vmin=0, vmax=1)
        self.ax_hard.set_title("hard seam (mask applied to the pixels)")
        self.seam_lines = [ax.axvline(0, color="white", lw=0.8, ls=":") for ax in (self.ax_hard, self.ax_blend)]
        _no_ticks(self.ax_hard, self.ax_blend)
        self.blended = self.mask_pyramid = self.hard = None
        self._observe()
        self.update()

    def _display(self, image: np.ndarray, slot: int) -> np.ndarray:
        """What the artist shows: grey images clipped to [0, 1]; colour images as uint8 RGBA."""
        if self._rgba is None:
            return np.clip(image, 0, 1)
        buffer = self._rgba[slot]
        buffer[..., :3] = np.clip(image, 0, 1) * 255 + 0.5     # rounds: the assignment truncates to uint8
        return buffer

    def compute(self) -> None:
        # every row of a vertical-seam mask is the same: its Gaussian pyramid is
        # the pyramid of one row, broadcast down the columns
        row = images.vertical_seam_mask((1, self.a.shape[1]), self.position.value, self.softness.value)
        n = self.levels.value
        self.mask_pyramid = [row]
        for _ in range(n - 1):
            self.mask_pyramid.append(pyramids.downsample(self.mask_pyramid[-1]))
        planes = []
        for bands, residuals in zip(self._bands, self._residuals):
            weighted = [g * d for g, d in zip(self.mask_pyramid, bands[:n - 1])]
            weighted.append(self.mask_pyramid[n - 1] * residuals[n - 1])
            planes.append(pyramids.reconstruct(weighted))            # collapse(G (LA - LB))
        difference = planes[0] if self.a.ndim == 2 else np.stack(planes, axis=-1)
        self.blended = self.b + difference                            # B + collapse(G (LA - LB))
        m = row[..., None] if self.a.ndim == 3 else row
        self.hard = self.b + m * (self.a - self.b)
        self.im_hard.set_data(self._display(self.hard, 0))
        self.im_blend.set_data(self._display(self.blended, 1))
        self.ax_blend.set_title(f"blended with {n} pyramid level{'s' if n > 1 else ''}")
        x = self.position.value * self.a.shape[1] - 0.5
        for line in self.seam_lines:
            line.set_xdata([x, x])


class SteeringDemo(_FigureDemo):
    """Steer a Gaussian derivative: ``g^alpha = cos(alpha) g_x + sin(alpha) g_y``, kernel and response together.

    The image is filtered once with ``g_x`` and once with ``g_y`` (the basis
    responses); a callback only forms ``cos(alpha) R_x + sin(alpha) R_y`` (two
    multiply-adds), which by linearity equals filtering with the steered kernel.
    Responses are convolutions (the lecture's ``*``): bright where the image
    gets brighter along ``alpha``. Angles turn clockwise on screen (rows grow downwards).
    """

    def __init__(self, image=None, sigma: float = 3.0):
        import ipywidgets as widgets
        image = images.disk_edges(512) if image is None else as_float_array("image", image, ndim=2)
        self.sigma = check_real("sigma", sigma, minimum=0.3)
        self.g_x, self.g_y = steerable.gaussian_derivative_kernels(self.sigma)
        self.image = image
        self.response_x = steerable.convolve(image, self.g_x)
        self.response_y = steerable.convolve(image, self.g_y)
        self.angle = widgets.FloatSlider(value=30.0, min=0.0, max=360.0, step=1.0, description="angle (deg)")
        super().__init__([self.angle], figsize=(11, 4.2))
        self.ax_k, self.ax_img, self.ax_r = self.fig.subplots(1, 3, width_ratios=[1, 1.6, 1.6])
        k_lim = float(np.abs(self.g_x).max())
        self.im_kernel = self.ax_k.imshow(self.g_x, cmap="RdBu_r", vmin=-k_lim, vmax=k_lim)
        radius = self.g_x.shape[0] // 2
        (self.arrow,) = self.ax_k.plot([radius, radius], [radius, radius], color="k", lw=2)
        self.ax_img.imshow(image, cmap="gray")
        self.ax_img.set_title("input")
        r_lim = float(max(np.abs(self.response_x).max(), np.abs(self.response_y).max())) or 1.0
        self.im_response = self.ax_r.imshow(self.response_x, cmap="RdBu_r", vmin=-r_lim, vmax=r_lim)
        _no_ticks(self.ax_k, self.ax_img, self.ax_r)
        self.kernel = self.response = None
        self._observe()
        self.update()

    def compute(self) -> None:
        alpha = np.deg2rad(self.angle.value)
        c, s = np.cos(alpha), np.sin(alpha)
        self.kernel = steerable.steer(self.g_x, self.g_y, alpha)
        self.response = c * self.response_x
        self.response += s * self.response_y
        self.im_kernel.set_data(self.kernel)
        self.im_response.set_data(self.response)
        radius = self.g_x.shape[0] // 2
        self.arrow.set_data([radius, radius + 0.8 * radius * c], [radius, radius + 0.8 * radius * s])
        self.ax_k.set_title(f"$g^{{{self.angle.value:.0f}°}} = {c:.2f}\\,g_x {'+' if s >= 0 else '-'} {abs(s):.2f}\\,g_y$")
        self.ax_r.set_title(f"response = {c:.2f} $R_x$ {'+' if s >= 0 else '-'} {abs(s):.2f} $R_y$")
