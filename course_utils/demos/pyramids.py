"""Live demos of the Gaussian and Laplacian pyramids (notebook 09): a level slider and multi-band blending.

Each demo precomputes what does not depend on its controls (the pyramids of the images); a
change only recomputes what it must and updates the artists (``AxesImage.set_data``,
``Text.set_text``). Pictures are JPEG (photographs).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .. import images
from .._checks import as_float_array, check_positive_int
from ..fast import pyramids  # the operators of course_utils.pyramids, tuned
from .base import Demo

__all__ = ["PyramidLevelDemo", "BlendDemo"]


def _no_ticks(*axes):
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])


class PyramidLevelDemo(Demo):
    """A level slider over the Gaussian and Laplacian pyramids, with or without the blur before sub-sampling.

    Levels count from 1, as in the titles and the lecture (level 1 is the image itself). Each
    level is drawn stretched to the size of the original, so its pixels show as blocks (as in the
    lecture's figures). Unticking ``blur`` keeps every second pixel without the low-pass filter:
    fine texture aliases.
    """

    figsize = (11.0, 4.2)
    image_format = "jpeg"
    summary = "the Gaussian and Laplacian pyramids level by level; aliasing without the blur"

    def __init__(self, image: ArrayLike | None = None, levels: int = 7) -> None:
        image = images.load_image("camera") if image is None else as_float_array("image", image, ndim=2)
        self.n_levels = check_positive_int("levels", levels)
        self.source_image = image
        self.gaussian = pyramids.gaussian_pyramid(image, self.n_levels)
        self.laplacian = pyramids.laplacian_pyramid(image, self.n_levels)
        self.subsampled = [image]
        for _ in range(self.n_levels - 1):
            self.subsampled.append(self.subsampled[-1][::2, ::2])
        super().__init__()

    def build(self) -> list:
        """Make the panels and the controls. Parameters and returns as :meth:`Demo.build`."""
        import ipywidgets as widgets

        self.level = widgets.IntSlider(value=1, min=1, max=self.n_levels, description="level")
        self.blur = widgets.Checkbox(value=True, description="blur before sub-sampling", indent=False)
        self.watch(self.level, self.blur)
        h, w = self.source_image.shape
        extent = (0, w, h, 0)
        self.fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.9, wspace=0.04)
        self.ax_g, self.ax_l = self.fig.subplots(1, 2)
        self.im_g = self.ax_g.imshow(self.source_image, cmap="gray", vmin=0, vmax=1, extent=extent)
        self.im_l = self.ax_l.imshow(self.laplacian[0], cmap="gray", extent=extent)
        self._limits = [float(np.percentile(np.abs(band), 99.5)) or 1.0 for band in self.laplacian[:-1]]
        _no_ticks(self.ax_g, self.ax_l)
        return [widgets.HBox([self.level, self.blur])]

    def compute(self) -> None:
        n = self.level.value  # 1-based, as the titles
        i = n - 1
        source = self.gaussian if self.blur.value else self.subsampled
        self.im_g.set_data(source[i])
        h, w = source[i].shape
        kind = "Gaussian" if self.blur.value else "sub-sampled, no blur"
        self.ax_g.set_title(f"{kind} level {n}: {h}x{w}")
        if i < len(self.laplacian) - 1:
            limit = self._limits[i]
            self.im_l.set_data(self.laplacian[i])
            self.im_l.set_clim(-limit, limit)
            self.ax_l.set_title(f"Laplacian level {n}: $L_{{{n}}} = (I - F_{{{n}}} G_{{{n}}}) x_{{{n}}}$")
        else:
            self.im_l.set_data(self.laplacian[i])
            self.im_l.set_clim(0, 1)
            self.ax_l.set_title(f"level {n}: the low-pass residual $x_{{{n}}}$")


class BlendDemo(Demo):
    """Multi-band blending with a vertical seam: position, softness and number of levels.

    Blending is linear in the images, so ``collapse(G LA + (1 - G) LB) = B +
    collapse(G (LA - LB))``. The pyramid of the difference ``D = LA - LB`` is
    built once, per colour channel, for the largest number of levels (fewer
    levels reuse its first bands and take the difference of the Gaussian levels
    as residual). An update builds the Gaussian pyramid of the new mask (one
    row: the seam is vertical), multiplies and collapses. Beside the blend: the
    hard seam (``levels = 1``) for comparison. ``demo.blended`` equals
    :func:`course_utils.pyramids.blend` to rounding (tested).
    """

    figsize = (11.0, 4.6)
    image_format = "jpeg"
    summary = "multi-band blending: move the seam, soften it, change the number of levels"

    def __init__(
        self, image_a: ArrayLike | None = None, image_b: ArrayLike | None = None, levels: int = 6, max_levels: int = 8
    ) -> None:
        if image_a is None and image_b is None:
            # 384 px: about the size the panels are shown at (a 512 px pair costs 40% more per picture)
            image_a, image_b = images.apple_and_orange(384)
        a = as_float_array("image_a", image_a, ndim=(2, 3))
        b = as_float_array("image_b", image_b, ndim=(2, 3))
        if a.shape != b.shape:
            raise ValueError(f"image_b: expected the shape of image_a, {a.shape}, got {b.shape}")
        self.most = min(check_positive_int("max_levels", max_levels), pyramids.max_levels(a.shape))
        self.start_levels = min(check_positive_int("levels", levels), self.most)
        self.a, self.b = a, b
        self._a_minus_b = a - b  # the hard seam is B + m (A - B)
        planes_a = [a] if a.ndim == 2 else [np.ascontiguousarray(a[..., c]) for c in range(a.shape[2])]
        planes_b = [b] if b.ndim == 2 else [np.ascontiguousarray(b[..., c]) for c in range(b.shape[2])]
        self._bands, self._residuals = [], []  # per channel: bands of LA - LB, and GA_j - GB_j per level
        for pa, pb in zip(planes_a, planes_b):
            ga, gb = pyramids.gaussian_pyramid(pa, self.most), pyramids.gaussian_pyramid(pb, self.most)
            la, lb = pyramids.laplacian_pyramid(pa, self.most), pyramids.laplacian_pyramid(pb, self.most)
            self._bands.append([x - y for x, y in zip(la[:-1], lb[:-1])])
            self._residuals.append([x - y for x, y in zip(ga, gb)])
        self.blended = self.mask_pyramid = self.hard = None
        super().__init__()

    def build(self) -> list:
        """Make the panels and the controls. Parameters and returns as :meth:`Demo.build`."""
        import ipywidgets as widgets

        self.position = widgets.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.01, description="seam at")
        self.softness = widgets.FloatSlider(value=0.0, min=0.0, max=0.5, step=0.01, description="softness")
        self.levels = widgets.IntSlider(value=self.start_levels, min=1, max=self.most, description="levels")
        self.watch(self.position, self.softness, self.levels)
        a = self.a
        self.fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.91, wspace=0.04)
        self.ax_hard, self.ax_blend = self.fig.subplots(1, 2)
        cmap = None if a.ndim == 3 else "gray"
        # colour images are shown from uint8 RGBA buffers: matplotlib then skips its float conversions
        self._rgba = [np.full((*a.shape[:2], 4), 255, np.uint8) for _ in range(2)] if a.ndim == 3 else None
        self.im_hard = self.ax_hard.imshow(self._display(a, 0), cmap=cmap, vmin=0, vmax=1, interpolation="antialiased")
        self.im_blend = self.ax_blend.imshow(
            self._display(a, 1), cmap=cmap, vmin=0, vmax=1, interpolation="antialiased"
        )
        self.ax_hard.set_title("hard seam (the mask on the pixels)")
        self.seam_lines = [ax.axvline(0, color="white", lw=1.0, ls=":") for ax in (self.ax_hard, self.ax_blend)]
        _no_ticks(self.ax_hard, self.ax_blend)
        return [widgets.HBox([self.position, self.softness, self.levels])]

    def dynamic_artists(self) -> list:
        """What :meth:`compute` redraws. Parameters and returns as :meth:`Demo.dynamic_artists`."""
        # the frames and the left title are drawn once, into the background
        return [self.im_hard, self.im_blend, *self.seam_lines, self.ax_blend.title]

    def _display(self, image: np.ndarray, slot: int) -> np.ndarray:
        """What the artist shows: grey images clipped to [0, 1]; colour images as uint8 RGBA."""
        if self._rgba is None:
            return np.clip(image, 0, 1)
        buffer = self._rgba[slot]
        buffer[..., :3] = np.clip(image, 0, 1) * 255 + 0.5  # rounds: the assignment truncates to uint8
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
            weighted = [g * d for g, d in zip(self.mask_pyramid, bands[: n - 1])]
            weighted.append(self.mask_pyramid[n - 1] * residuals[n - 1])
            planes.append(pyramids.reconstruct(weighted))  # collapse(G (LA - LB))
        difference = planes[0] if self.a.ndim == 2 else np.stack(planes, axis=-1)
        self.blended = self.b + difference  # B + collapse(G (LA - LB))
        m = row[..., None] if self.a.ndim == 3 else row
        self.hard = self.b + m * self._a_minus_b
        self.im_hard.set_data(self._display(self.hard, 0))
        self.im_blend.set_data(self._display(self.blended, 1))
        self.ax_blend.set_title(f"blended with {n} pyramid level{'s' if n > 1 else ''}")
        x = self.position.value * self.a.shape[1] - 0.5
        for line in self.seam_lines:
            line.set_xdata([x, x])
