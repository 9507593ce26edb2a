"""Live demo of steerable filters (notebook 10): steer a Gaussian derivative, kernel and response together."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .. import images, pyramids, steerable
from .._checks import as_float_array, check_real
from .base import Demo

__all__ = ["SteeringDemo"]


class SteeringDemo(Demo):
    """Steer a Gaussian derivative: ``g^alpha = cos(alpha) g_x + sin(alpha) g_y``, kernel and response together.

    The image is filtered once with ``g_x`` and once with ``g_y`` (the basis
    responses); an update only forms ``cos(alpha) R_x + sin(alpha) R_y`` (two
    multiply-adds), which by linearity equals filtering with the steered kernel.
    Responses are convolutions (the lecture's ``*``): bright where the image
    gets brighter along ``alpha``. Angles turn clockwise on screen (rows grow downwards).
    """

    figsize = (11.0, 4.2)
    image_format = "jpeg"
    summary = "steer a Gaussian derivative filter: any angle from two basis filters"
    SHOWN_SIDE = 256  # the response is shown with at most twice this side (halved until it is)

    def __init__(self, image: ArrayLike | None = None, sigma: float = 3.0) -> None:
        self.source_image = images.disk_edges(512) if image is None else as_float_array("image", image, ndim=2)
        self.sigma = check_real("sigma", sigma, minimum=0.3)
        self.g_x, self.g_y = steerable.gaussian_derivative_kernels(self.sigma)
        self.response_x = steerable.convolve(self.source_image, self.g_x)
        self.response_y = steerable.convolve(self.source_image, self.g_y)
        # what the picture shows: the basis responses at half size (blurred, then every second pixel),
        # steered the same way (steering is linear); the full-size response is ``self.response``.
        # The panel is about 350 px wide, so little is lost, and each picture draws in half the time.
        shown_x, shown_y = self.response_x, self.response_y
        while min(shown_x.shape) >= 2 * self.SHOWN_SIDE:
            shown_x, shown_y = pyramids.downsample(shown_x), pyramids.downsample(shown_y)
        self.shown_x, self.shown_y = shown_x, shown_y
        self.kernel = self.response = None
        super().__init__()

    def build(self) -> list:
        """Make the panels and the controls. Parameters and returns as :meth:`Demo.build`."""
        import ipywidgets as widgets

        self.angle = widgets.IntSlider(value=30, min=0, max=359, step=1, description="angle α", readout=False)
        self.angle_label = widgets.Label("30°")
        self.watch(self.angle)
        self.fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.82, wspace=0.06)
        self.ax_k, self.ax_img, self.ax_r = self.fig.subplots(1, 3, width_ratios=[1, 1, 1])
        k_lim = float(np.abs(self.g_x).max())
        self.im_kernel = self.ax_k.imshow(self.g_x, cmap="RdBu_r", vmin=-k_lim, vmax=k_lim, interpolation="bilinear")
        radius = self.g_x.shape[0] // 2
        (self.arrow,) = self.ax_k.plot([radius, radius], [radius, radius], color="k", lw=3)
        self.ax_img.imshow(self.source_image, cmap="gray", interpolation="antialiased")
        self.ax_img.set_title("input image")
        r_lim = float(max(np.abs(self.response_x).max(), np.abs(self.response_y).max())) or 1.0
        h, w = self.response_x.shape
        self.im_response = self.ax_r.imshow(  # in the full image's pixel coordinates, whatever size is shown
            self.shown_x,
            cmap="RdBu_r",
            vmin=-r_lim,
            vmax=r_lim,
            interpolation="antialiased",
            extent=(-0.5, w - 0.5, h - 0.5, -0.5),
        )
        for ax in (self.ax_k, self.ax_img, self.ax_r):
            ax.set_xticks([])
            ax.set_yticks([])
        return [widgets.HBox([self.angle, self.angle_label])]

    def dynamic_artists(self) -> list:
        """What :meth:`compute` redraws. Parameters and returns as :meth:`Demo.dynamic_artists`."""
        # the input image is drawn once, into the background
        return [self.im_kernel, self.arrow, self.im_response, self.ax_k.title, self.ax_r.title]

    @staticmethod
    def _signed(c: float, s: float, a: str, b: str) -> str:
        return f"{c:.2f}".replace("-", "−") + f" {a} {'+' if s >= 0 else '−'} {abs(s):.2f} {b}"

    def compute(self) -> None:
        degrees = int(self.angle.value)
        alpha = np.deg2rad(degrees)
        c, s = np.cos(alpha), np.sin(alpha)
        self.kernel = steerable.steer(self.g_x, self.g_y, alpha)
        self.response = c * self.response_x
        self.response += s * self.response_y
        self.im_kernel.set_data(self.kernel)
        self.im_response.set_data(c * self.shown_x + s * self.shown_y)  # = the response, halved as shown_x
        radius = self.g_x.shape[0] // 2
        self.arrow.set_data([radius, radius + 0.8 * radius * c], [radius, radius + 0.8 * radius * s])
        self.angle_label.value = f"{degrees}°"
        self.ax_k.set_title(f"$g^{{{degrees}°}}$ = " + self._signed(c, s, "$g_x$", "$g_y$"))
        self.ax_r.set_title("response = " + self._signed(c, s, "$R_x$", "$R_y$"))
