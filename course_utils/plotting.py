"""Drawing helpers for the lecture notebooks and live demos: one course style, one renderer.

* :data:`COURSE_STYLE` and :func:`course_style` / :func:`use_course_style`: the one style of every
  demo and notebook figure. Sizes are in points; a figure is drawn at :func:`figure_dpi` dots per
  inch, 80 by default and 100 at the presenter scale (:func:`set_presenter_scale`, or the
  environment variable ``COURSE_PRESENTER=1``), where the smallest text, 13.5 pt, is 18.75 px.
* :func:`new_figure` makes a :class:`matplotlib.figure.Figure` on an Agg canvas,
  *not* registered with pyplot: demos build it once and update its artists,
  so no figures pile up and nothing flickers.
* :class:`Renderer` turns such a figure into the PNG or JPEG bytes an ``ipywidgets.Image``
  shows, redrawing only the artists that change when told which (blitting).
* :func:`figure_png` renders a figure to PNG bytes.
* :func:`text_collisions`: the drawn text boxes of a figure that overlap each other, a node, or
  the figure's edge (what the readability tests check).
* :func:`draw_network` draws a fully connected network ``sizes = [S_1, ..., S_L]``
  and returns a :class:`NetworkDiagram` whose artists callbacks update.

Keys follow the code's 0-based indexing of :class:`course_utils.mlp.MLP`:

* node ``(k, i)``: unit ``i`` of layer ``k`` (layer ``k = 0`` is the input, the
  lecture's layer ``l = k + 1``);
* edge ``(k, i, j)``: the weight ``weights[k][i, j]``, the lecture's ``W^{k+1}_{i+1, j+1}``,
  from unit ``j`` of layer ``k`` to unit ``i`` of layer ``k + 1``;
* bias node ``("b", k)`` and bias edge ``("b", k, i)``: ``biases[k][i]`` (when ``show_biases``);
* ``"loss"``: the loss node to the right of the output layer (when ``loss_label`` is given).
"""

from __future__ import annotations

import io
import os
from collections.abc import Hashable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from ._checks import as_float_array, check_positive_int, check_real

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "COURSE_STYLE",
    "FONT_SIZE",
    "course_style",
    "use_course_style",
    "figure_dpi",
    "presenter_scale",
    "set_presenter_scale",
    "new_figure",
    "figure_png",
    "Renderer",
    "FastRenderer",
    "text_collisions",
    "draw_network",
    "NetworkDiagram",
    "NODE_COLOUR",
    "HIGHLIGHT_COLOUR",
    "DONE_COLOUR",
]

#: the smallest text of any course figure, in points: 18.75 px at the presenter's 100 dpi
FONT_SIZE = 13.5
DEFAULT_DPI = 80
PRESENTER_DPI = 100

#: the one course style (matplotlib rcParams) of every demo and notebook figure
COURSE_STYLE = {
    "font.size": FONT_SIZE,
    "axes.titlesize": FONT_SIZE,
    "axes.labelsize": FONT_SIZE,
    "xtick.labelsize": FONT_SIZE,
    "ytick.labelsize": FONT_SIZE,
    "legend.fontsize": FONT_SIZE,
    "figure.titlesize": FONT_SIZE + 1.5,
    "axes.titlepad": 5.0,
    "axes.labelpad": 3.0,
    "lines.linewidth": 2.0,
    "lines.markersize": 8.0,
    "axes.linewidth": 1.0,
    "legend.frameon": False,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "mathtext.fontset": "dejavusans",
    "text.hinting": "no_hinting",  # unhinted text lays out faster; no visible difference at these sizes
    "image.interpolation": "nearest",
}

_presenter = None  # None: follow the environment variable COURSE_PRESENTER


def presenter_scale() -> bool:
    """Whether figures are drawn at the presenter scale (``set_presenter_scale`` or ``COURSE_PRESENTER=1``).

    Returns
    -------
    bool
        The value set by :func:`set_presenter_scale`, else whether ``COURSE_PRESENTER`` is set to
        something other than ``""``, ``0``, ``false`` or ``no``.
    """
    if _presenter is not None:
        return _presenter
    return os.environ.get("COURSE_PRESENTER", "").strip().lower() not in ("", "0", "false", "no")


def set_presenter_scale(on: bool | None = True) -> None:
    """Turn the presenter scale on or off for figures made from now on.

    Parameters
    ----------
    on : bool or None, default True
        ``True`` or ``False``; ``None`` follows the environment variable ``COURSE_PRESENTER`` again.
    """
    global _presenter
    if on is not None and not isinstance(on, bool):
        raise TypeError(f"on: expected True, False or None, got {on!r}")
    _presenter = on


def figure_dpi() -> float:
    """Dots per inch of course figures.

    Returns
    -------
    float
        100 at the presenter scale, 80 otherwise.
    """
    return PRESENTER_DPI if presenter_scale() else DEFAULT_DPI


def course_style() -> AbstractContextManager:
    """A context in which matplotlib uses the course style (artists made inside it keep it).

    Returns
    -------
    context manager
        ``matplotlib.rc_context(COURSE_STYLE)``.
    """
    import matplotlib

    return matplotlib.rc_context(COURSE_STYLE)


def use_course_style() -> None:
    """Make the course style the default of ``pyplot`` figures (a notebook's first cell calls it)."""
    import matplotlib
    import matplotlib.pyplot

    matplotlib.rcParams.update(COURSE_STYLE)
    matplotlib.rcParams["figure.dpi"] = figure_dpi()
    matplotlib.rcParams["figure.constrained_layout.use"] = True  # labels never cut off or overlapping


NODE_COLOUR = "#f1f3f5"
INPUT_COLOUR = "#d0ebff"
HIGHLIGHT_COLOUR = "#ff922b"
DONE_COLOUR = "#b2f2bb"
EDGE_COLOUR = "0.55"
_NEG_COLOUR = "#1c7ed6"
_POS_COLOUR = "#e03131"


def new_figure(figsize: Sequence[float] = (6.0, 3.0), dpi: float | None = None) -> Figure:
    """A figure on its own Agg canvas, independent of pyplot (never shown twice, never leaked).

    Parameters
    ----------
    figsize : (width, height), default (6.0, 3.0)
        Size in inches, each at least 0.5.
    dpi : float or None
        Dots per inch (at least 10); ``None``: :func:`figure_dpi` (the presenter scale when it is on).

    Returns
    -------
    matplotlib.figure.Figure
        A figure without a layout engine: the demos place their axes themselves.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if len(figsize) != 2:
        raise ValueError(f"figsize: expected (width, height) in inches, got {figsize!r}")
    w = check_real("figsize[0]", figsize[0], minimum=0.5)
    h = check_real("figsize[1]", figsize[1], minimum=0.5)
    fig = Figure(
        figsize=(w, h), dpi=check_real("dpi", figure_dpi() if dpi is None else dpi, minimum=10), layout="none"
    )  # demos place their axes themselves (and do not pay for a layout per picture)
    FigureCanvasAgg(fig)
    return fig


def figure_png(fig: Figure, dpi: float | None = None) -> bytes:
    """Render ``fig`` to PNG bytes in the course style.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to render.
    dpi : float or None
        Dots per inch; ``None``: the figure's own.

    Returns
    -------
    bytes
        The PNG file.
    """
    from matplotlib.figure import Figure

    if not isinstance(fig, Figure):
        raise TypeError(f"fig: expected a matplotlib Figure, got {type(fig).__name__}")
    buf = io.BytesIO()
    with course_style():
        fig.savefig(buf, format="png", dpi=dpi if dpi is not None else fig.dpi)
    return buf.getvalue()


def _encode(rgba: np.ndarray, fmt: str = "png") -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    if fmt == "png":
        Image.fromarray(rgba, mode="RGBA").save(buf, format="png", compress_level=1)
    else:  # JPEG without chroma subsampling: text stays crisp, and it encodes 10-40x faster than PNG
        Image.fromarray(np.ascontiguousarray(rgba[..., :3])).save(buf, format="jpeg", quality=92, subsampling=0)
    return buf.getvalue()


_NOTHING = object()  # no state seen yet (``None`` can be a key)


class Renderer:
    """The one way a demo draws: the figure is built once, callbacks update artists, this sends the picture.

    ``dynamic``: the artists that callbacks change. When given, the static rest (axes frames,
    ticks, labels, colour bars) is drawn once into a cached background and each picture only
    restores it and draws the dynamic artists on top (in the given order, after all static ones:
    list every artist that must appear above a dynamic one). Call :meth:`invalidate` after
    anything static changes, or let :meth:`static_changed` tell when it does. When ``dynamic``
    is ``None`` every picture is a full draw.
    ``fmt``: ``"jpeg"`` (what the demos send: quality 92 without chroma subsampling, so text stays crisp; it
    encodes 10-40x faster than PNG, which cost 55-70 ms a picture) or ``"png"`` (lossless).
    """

    def __init__(self, fig: Figure, dynamic: Iterable[Artist] | None = None, fmt: str = "png") -> None:
        from matplotlib.figure import Figure

        if not isinstance(fig, Figure):
            raise TypeError(f"fig: expected a matplotlib Figure, got {type(fig).__name__}")
        if fmt not in ("png", "jpeg"):
            raise ValueError(f"fmt: expected 'png' or 'jpeg', got {fmt!r}")
        self.figure = fig
        self.dynamic = None if dynamic is None else list(dynamic)
        self.format = fmt
        self._background = None
        self._background_key = _NOTHING

    def invalidate(self) -> None:
        """Forget the cached background (the next picture redraws everything once)."""
        self._background = None

    def static_changed(self, key: Hashable) -> bool:
        """Whether the static artists must show a state other than ``key`` said last time.

        Parameters
        ----------
        key : hashable
            What the demo's static part depends on (e.g. ``(stride, pad)``).

        Returns
        -------
        bool
            True on the first call and whenever ``key`` differs from the previous call's (the cached
            background is then dropped and the demo updates its static artists); False otherwise.
        """
        if key == self._background_key:
            return False
        self._background_key = key
        self.invalidate()
        return True

    def _draw_background(self) -> None:
        canvas = self.figure.canvas
        shown = [a.get_visible() for a in self.dynamic]
        for a in self.dynamic:
            a.set_visible(False)
        try:
            canvas.draw()
            self._background = canvas.copy_from_bbox(self.figure.bbox)
        finally:
            for a, v in zip(self.dynamic, shown):
                a.set_visible(v)

    def rgba(self) -> np.ndarray:
        """Draw the current picture (the cached background and the dynamic artists, or everything).

        Returns
        -------
        numpy.ndarray, shape (H, W, 4), dtype uint8
            Its RGBA pixels, ``H x W`` the figure's size in pixels.
        """
        canvas = self.figure.canvas
        with course_style():
            if self.dynamic is None:
                canvas.draw()
            else:
                if self._background is None:
                    self._draw_background()
                canvas.restore_region(self._background)
                renderer = canvas.get_renderer()
                for artist in self.dynamic:
                    if artist.get_visible():
                        artist.draw(renderer)
        return np.asarray(canvas.buffer_rgba()).copy()

    def picture(self) -> bytes:
        """The current picture, encoded in :attr:`format`.

        Returns
        -------
        bytes
            A PNG or JPEG file (what an ``ipywidgets.Image`` shows).
        """
        return _encode(self.rgba(), self.format)

    def png(self) -> bytes:
        """The current picture, lossless.

        Returns
        -------
        bytes
            A PNG file.
        """
        return _encode(self.rgba(), "png")


#: the earlier name of :class:`Renderer` (with a list of dynamic artists)
FastRenderer = Renderer


def _boxes_overlap(a, b, tolerance: float) -> bool:
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > tolerance) and (min(a.y1, b.y1) - max(a.y0, b.y0) > tolerance)


def text_collisions(
    fig: Figure,
    nodes: Iterable[Artist] = (),
    tolerance: float = 0.5,
    min_size_px: float | None = None,
    draw: bool = True,
) -> list[str]:
    """Readability problems of ``fig`` as drawn now.

    Checks every visible, non-empty text (titles, labels, tick labels, annotations, legend
    entries): no two overlap by more than ``tolerance`` pixels, none overlaps a patch of
    ``nodes`` unless it sits inside it (the node's own label), none sticks out of the figure, and,
    when ``min_size_px`` is given, none is smaller.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    nodes : iterable of matplotlib artists, default ()
        Patches texts must not overlap, e.g. the circles of a network diagram.
    tolerance : float, default 0.5
        Overlap in pixels that still counts as tidy.
    min_size_px : float or None
        Smallest allowed text height in pixels; ``None``: sizes are not checked.
    draw : bool, default True
        Draw the figure first; ``False`` when it was just drawn (e.g. by a demo).

    Returns
    -------
    list of str
        One sentence per problem, naming the text; empty when the figure is tidy.
    """
    from matplotlib.text import Text

    if draw:
        fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    # tick labels outside the view limits are not drawn: keep only those of the drawn ticks
    tick_labels, drawn_ticks = set(), set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                tick_labels.update((id(tick.label1), id(tick.label2)))
            if ax.get_visible() and ax.axison and axis.get_visible():
                for tick in axis._update_ticks():
                    drawn_ticks.update((id(tick.label1), id(tick.label2)))
    texts = [
        t
        for t in fig.findobj(Text)
        if t.get_visible()
        and t.get_text().strip()
        and (t.axes is None or t.axes.get_visible())
        and (id(t) not in tick_labels or id(t) in drawn_ticks)
    ]
    boxes = [(t, t.get_window_extent(renderer)) for t in texts]
    problems = []
    figbox = fig.bbox
    for t, box in boxes:
        if (
            box.x0 < figbox.x0 - tolerance
            or box.y0 < figbox.y0 - tolerance
            or box.x1 > figbox.x1 + tolerance
            or box.y1 > figbox.y1 + tolerance
        ):
            problems.append(
                f"{t.get_text()!r} sticks out of the figure ({box.x0:.0f}..{box.x1:.0f}, "
                f"{box.y0:.0f}..{box.y1:.0f} in {figbox.width:.0f}x{figbox.height:.0f})"
            )
        if min_size_px is not None:
            px = t.get_fontsize() * fig.dpi / 72
            if px < min_size_px - 1e-9:
                problems.append(f"{t.get_text()!r} is {px:.1f} px, below {min_size_px} px")
    for k, (t, box) in enumerate(boxes):
        for u, other in boxes[k + 1 :]:
            if _boxes_overlap(box, other, tolerance):
                problems.append(f"{t.get_text()!r} overlaps {u.get_text()!r}")
    for node in nodes:
        if not node.get_visible():
            continue
        nbox = node.get_window_extent(renderer)
        for t, box in boxes:
            inside = (
                box.x0 >= nbox.x0 - tolerance
                and box.x1 <= nbox.x1 + tolerance
                and box.y0 >= nbox.y0 - tolerance
                and box.y1 <= nbox.y1 + tolerance
            )
            if not inside and _boxes_overlap(box, nbox, tolerance):
                problems.append(f"{t.get_text()!r} overlaps a node at ({nbox.x0:.0f}, {nbox.y0:.0f})")
    return problems


@dataclass
class NetworkDiagram:
    """The artists of a drawn network; callbacks change them in place.

    ``nodes[key]``: a ``Circle``; ``node_labels[key]``: the text inside it;
    ``node_values[key]``: a text under it (empty until :meth:`set_node_value`);
    ``edges[key]``: a ``Line2D``; ``edge_labels[key]``: the text on it.
    ``positions[key]``: the ``(x, y)`` centre of each node.
    """

    ax: object
    sizes: list
    positions: dict = field(default_factory=dict)
    nodes: dict = field(default_factory=dict)
    node_labels: dict = field(default_factory=dict)
    node_values: dict = field(default_factory=dict)
    edges: dict = field(default_factory=dict)
    edge_labels: dict = field(default_factory=dict)
    _base_colours: dict = field(default_factory=dict)
    _edge_style: dict = field(default_factory=dict)

    # -- queries ---------------------------------------------------------------------------
    def highlighted(self) -> tuple:
        """Which nodes and edges are currently drawn in the highlight colour.

        Returns
        -------
        tuple
            Their keys: nodes first, then edges.
        """
        on = [k for k, c in self.nodes.items() if _same_colour(c.get_facecolor(), HIGHLIGHT_COLOUR)]
        on += [k for k, e in self.edges.items() if _same_colour(e.get_color(), HIGHLIGHT_COLOUR)]
        return tuple(on)

    # -- updates ---------------------------------------------------------------------------
    def set_highlight(
        self,
        nodes: Iterable[Hashable] = (),
        edges: Iterable[Hashable] = (),
        done_nodes: Iterable[Hashable] = (),
        done_edges: Iterable[Hashable] = (),
    ) -> None:
        """Highlight some nodes and edges (orange), mark others done (green), reset all the rest.

        Parameters
        ----------
        nodes, edges : iterables of keys, default ()
            What to highlight (keys as in the module docstring: ``(k, i)``, ``(k, i, j)``, ...).
        done_nodes, done_edges : iterables of keys, default ()
            What to mark as already computed.
        """
        nodes, edges = set(nodes), set(edges)
        for key in list(nodes) + list(done_nodes):
            self._check_key(key, self.nodes, "nodes")
        for key in list(edges) + list(done_edges):
            self._check_key(key, self.edges, "edges")
        done_nodes, done_edges = set(done_nodes), set(done_edges)
        for key, circle in self.nodes.items():
            colour = HIGHLIGHT_COLOUR if key in nodes else DONE_COLOUR if key in done_nodes else self._base_colours[key]
            circle.set_facecolor(colour)
            circle.set_linewidth(2.5 if key in nodes else 1.0)
        for key, line in self.edges.items():
            colour, width = self._edge_style[key]
            if key in edges:
                colour, width = HIGHLIGHT_COLOUR, max(width, 1.5) + 2.0
            elif key in done_edges:
                colour = "#2f9e44"
            line.set_color(colour)
            line.set_linewidth(width)
            line.set_zorder(1.5 if key in edges else 1)

    def set_weights(
        self, weights: Sequence[ArrayLike] | None = None, biases: Sequence[ArrayLike] | None = None
    ) -> None:
        """Edge width follows ``|w|`` and colour its sign (red positive, blue negative).

        Parameters
        ----------
        weights : sequence of array_like, shape (S_{l+1}, S_l) each, optional
            One matrix ``W^l`` per layer, as :attr:`course_utils.mlp.MLP.weights`; widths are
            relative to the largest ``|w|``.
        biases : sequence of array_like, shape (S_{l+1},) each, optional
            Colour the bias edges (when the diagram shows biases).
        """
        if weights is not None:
            weights = list(weights)
            if len(weights) != len(self.sizes) - 1:
                raise ValueError(
                    f"weights: expected {len(self.sizes) - 1} matrices for sizes {self.sizes}, got {len(weights)}"
                )
            scale = max(1e-12, max(float(np.max(np.abs(w))) for w in weights))
            for k, W in enumerate(weights):
                W = as_float_array(f"weights[{k}]", W, ndim=2)
                if W.shape != (self.sizes[k + 1], self.sizes[k]):
                    raise ValueError(
                        f"weights[{k}]: expected shape {(self.sizes[k + 1], self.sizes[k])}, got {W.shape}"
                    )
                for i in range(W.shape[0]):
                    for j in range(W.shape[1]):
                        self._edge_style[(k, i, j)] = (
                            _POS_COLOUR if W[i, j] >= 0 else _NEG_COLOUR,
                            0.5 + 3.0 * abs(W[i, j]) / scale,
                        )
        if biases is not None:
            for k, b in enumerate(biases):
                for i, v in enumerate(np.asarray(b, dtype=float)):
                    if ("b", k, i) in self.edges:
                        self._edge_style[("b", k, i)] = (_POS_COLOUR if v >= 0 else _NEG_COLOUR, 1.0)
        for key, line in self.edges.items():
            colour, width = self._edge_style[key]
            line.set_color(colour)
            line.set_linewidth(width)

    def set_node_value(self, key: Hashable, text: str) -> None:
        """Write a text under a node.

        Parameters
        ----------
        key : node key
            ``(k, i)``, ``("b", k)`` or ``"loss"``.
        text : str
            What to write; ``""`` clears it.
        """
        self._check_key(key, self.node_values, "nodes")
        self.node_values[key].set_text(text)

    def set_edge_label(self, key: Hashable, text: str) -> None:
        """Write a text on an edge.

        Parameters
        ----------
        key : edge key
            ``(k, i, j)``, ``("b", k, i)`` or ``("loss", i)``.
        text : str
            What to write; ``""`` clears it.
        """
        self._check_key(key, self.edge_labels, "edges")
        self.edge_labels[key].set_text(text)

    def clear_values(self) -> None:
        """Empty every text under the nodes."""
        for t in self.node_values.values():
            t.set_text("")

    @staticmethod
    def _check_key(key, table, what):
        if key not in table:
            some = ", ".join(repr(k) for k in list(table)[:6])
            raise KeyError(f"{what}: no key {key!r} in this diagram (keys look like {some}, ...)")


def _same_colour(a, b) -> bool:
    from matplotlib.colors import to_rgba

    return np.allclose(to_rgba(a), to_rgba(b))


def _default_node_label(k: int, i: int, L: int) -> str:
    if k == 0:
        return f"$x_{{{i + 1}}}$"
    if k == L - 1:
        return rf"$\hat y_{{{i + 1}}}$"
    return f"$a^{{{k + 1}}}_{{{i + 1}}}$"


def draw_network(
    sizes: Sequence[int],
    ax: Axes,
    weights: Sequence[ArrayLike] | None = None,
    biases: Sequence[ArrayLike] | None = None,
    node_labels: Mapping[Hashable, str] | None = None,
    edge_labels: Mapping[Hashable, str] | None = None,
    show_biases: bool = False,
    loss_label: str | None = None,
    layer_titles: Sequence[str] | None = None,
    radius: float = 0.16,
    fontsize: float = FONT_SIZE,
    layer_spacing: float = 1.0,
    unit_spacing: float = 1.0,
    slanted_label_at: float = 0.7,
) -> NetworkDiagram:
    """Draw the fully connected network ``sizes = [S_1, ..., S_L]`` on ``ax``.

    Parameters
    ----------
    sizes : sequence of int
        Units per layer, input first (at least two layers).
    ax : matplotlib.axes.Axes
        Where to draw; its limits and aspect are set to fit the network.
    weights, biases : sequences of array_like, optional
        As :attr:`course_utils.mlp.MLP.weights` / ``biases``; edge widths then follow ``|w|``
        (:meth:`NetworkDiagram.set_weights`).
    node_labels : mapping, optional
        ``(k, i) -> str`` (default: ``x_j``, ``a^l_i``, ``yhat_i``).
    edge_labels : mapping, optional
        ``(k, i, j) -> str`` drawn on the edges (default: none).
    show_biases : bool, default False
        Draw one bias node per layer (key ``("b", k)``) feeding layer ``k + 1``.
    loss_label : str or None
        Draw a loss node (key ``"loss"``) with this label, fed by every output unit.
    layer_titles : sequence of str, optional
        One caption per layer drawn above it (default: ``l = 1 .. L``; ``()``: none).
    radius : float, default 0.16
        Node radius, in data units.
    fontsize : float, default FONT_SIZE
        Size of every text, in points.
    layer_spacing, unit_spacing : float, default 1.0
        Distance between layers, and between units of a layer (at least 0.1).
    slanted_label_at : float, default 0.7
        Where along a slanted edge its label sits (0 at the source, 1 at the target).

    Returns
    -------
    NetworkDiagram
        The drawn artists, keyed as in the module docstring.
    """
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__") or len(sizes) < 2:
        raise ValueError(f"sizes: expected at least 2 layer sizes like [2, 4, 3, 2], got {sizes!r}")
    sizes = [check_positive_int(f"sizes[{k}]", s) for k, s in enumerate(sizes)]
    dx = check_real("layer_spacing", layer_spacing, minimum=0.1)
    dy = check_real("unit_spacing", unit_spacing, minimum=0.1)
    L = len(sizes)
    if layer_titles is not None and len(layer_titles) not in (0, L):
        raise ValueError(f"layer_titles: expected {L} captions (one per layer), got {len(layer_titles)}")
    from matplotlib.lines import Line2D
    from matplotlib.patches import Circle

    diagram = NetworkDiagram(ax=ax, sizes=sizes)
    for k, s in enumerate(sizes):
        for i in range(s):
            diagram.positions[(k, i)] = (k * dx, ((s - 1) / 2 - i) * dy)  # each layer centred on y = 0
    top = max(y for _, y in diagram.positions.values())
    if show_biases:
        for k in range(L - 1):
            diagram.positions[("b", k)] = ((k + 0.45) * dx, top + 0.85)
    if loss_label is not None:
        diagram.positions["loss"] = ((L - 1) * dx + 0.9, 0.0)

    def add_edge(key, start, end, label=""):
        (x0, y0), (x1, y1) = diagram.positions[start], diagram.positions[end]
        line = Line2D([x0, x1], [y0, y1], color=EDGE_COLOUR, lw=1.0, zorder=1)
        ax.add_line(line)
        diagram.edges[key] = line
        diagram._edge_style[key] = (EDGE_COLOUR, 1.0)
        # horizontal edges: label mid-edge, just above; bias edges: mid-edge; slanted ones near the
        # target, where crossing edges are apart and no node's values are written
        if abs(y1 - y0) < 1e-9:
            t, lift = 0.5, 0.16
        else:
            t, lift = (0.5 if key[0] == "b" else slanted_label_at), 0.0
        diagram.edge_labels[key] = ax.text(
            x0 + t * (x1 - x0),
            y0 + t * (y1 - y0) + lift,
            label,
            fontsize=fontsize,
            ha="center",
            va="center",
            zorder=4,
            bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.85),
        )

    edge_labels = edge_labels or {}
    for k in range(L - 1):
        for i in range(sizes[k + 1]):
            for j in range(sizes[k]):
                add_edge((k, i, j), (k, j), (k + 1, i), edge_labels.get((k, i, j), ""))
        if show_biases:
            for i in range(sizes[k + 1]):
                add_edge(("b", k, i), ("b", k), (k + 1, i), edge_labels.get(("b", k, i), ""))
    if loss_label is not None:
        for i in range(sizes[-1]):
            add_edge(("loss", i), (L - 1, i), "loss")

    node_labels = node_labels or {}
    for key, (x, y) in diagram.positions.items():
        if key == "loss":
            label, base = loss_label, "#fff3bf"
        elif key[0] == "b":
            label, base = node_labels.get(key, f"$b^{{{key[1] + 1}}}$"), "#fff3bf"
        else:
            label = node_labels.get(key, _default_node_label(key[0], key[1], L))
            base = INPUT_COLOUR if key[0] == 0 else NODE_COLOUR
        circle = Circle((x, y), radius, facecolor=base, edgecolor="0.25", lw=1.0, zorder=2)
        ax.add_patch(circle)
        diagram.nodes[key] = circle
        diagram._base_colours[key] = base
        diagram.node_labels[key] = ax.text(x, y, label, ha="center", va="center", fontsize=fontsize, zorder=5)
        diagram.node_values[key] = ax.text(
            x,
            y - radius - 0.05,
            "",
            ha="center",
            va="top",
            fontsize=fontsize,
            family="monospace",
            zorder=6,
            bbox=dict(boxstyle="round,pad=0.15", fc="#fff9db", ec="0.7", alpha=0.9),
        )
    titles = layer_titles if layer_titles is not None else [f"$l = {k + 1}$" for k in range(L)]
    for k, title in enumerate(titles):
        ax.text(
            k * dx,
            top + 0.45 if not show_biases else top + 1.35,
            title,
            ha="center",
            va="bottom",
            fontsize=fontsize,
            color="0.3",
        )
    xs = [p[0] for p in diagram.positions.values()]
    ys = [p[1] for p in diagram.positions.values()]
    ax.set_xlim(min(xs) - 0.45, max(xs) + 0.45)
    ax.set_ylim(min(ys) - 0.6, max(ys) + (0.9 if not show_biases else 0.5) + (0.4 if titles else 0.0))
    ax.set_aspect("equal")
    ax.set_axis_off()
    if weights is not None or biases is not None:
        diagram.set_weights(weights, biases)
    return diagram
