"""Drawing helpers for the lecture notebooks and live demos (matplotlib only, no pyplot state).

* :func:`new_figure` makes a :class:`matplotlib.figure.Figure` on an Agg canvas,
  *not* registered with pyplot: demos build it once and update its artists,
  so no figures pile up and nothing flickers.
* :func:`figure_png` renders a figure to PNG bytes (what an ``ipywidgets.Image`` shows).
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
from dataclasses import dataclass, field

import numpy as np

from ._checks import as_float_array, check_positive_int, check_real

__all__ = ["new_figure", "figure_png", "FastRenderer", "draw_network", "NetworkDiagram",
           "NODE_COLOUR", "HIGHLIGHT_COLOUR", "DONE_COLOUR"]

NODE_COLOUR = "#f1f3f5"
INPUT_COLOUR = "#d0ebff"
HIGHLIGHT_COLOUR = "#ff922b"
DONE_COLOUR = "#b2f2bb"
EDGE_COLOUR = "0.55"
_NEG_COLOUR = "#1c7ed6"
_POS_COLOUR = "#e03131"


def new_figure(figsize=(6.0, 3.0), dpi: float = 72):
    """A figure on its own Agg canvas, independent of pyplot (never shown twice, never leaked)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if len(figsize) != 2:
        raise ValueError(f"figsize: expected (width, height) in inches, got {figsize!r}")
    w = check_real("figsize[0]", figsize[0], minimum=0.5)
    h = check_real("figsize[1]", figsize[1], minimum=0.5)
    fig = Figure(figsize=(w, h), dpi=check_real("dpi", dpi, minimum=10))
    FigureCanvasAgg(fig)
    return fig


def figure_png(fig, dpi: float | None = None) -> bytes:
    """Render ``fig`` to PNG bytes (at the figure's own dpi unless ``dpi`` is given)."""
    from matplotlib.figure import Figure

    if not isinstance(fig, Figure):
        raise TypeError(f"fig: expected a matplotlib Figure, got {type(fig).__name__}")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi if dpi is not None else fig.dpi)
    return buf.getvalue()


def _encode_png(rgba: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buf, format="png", compress_level=1)
    return buf.getvalue()


class FastRenderer:
    """Render a figure to PNG fast by redrawing only its dynamic artists (blitting).

    The static part (axes frames, ticks, labels, colour bars) is drawn once into a
    cached background; :meth:`png` restores it and draws only ``dynamic`` artists
    (lines, images, texts, or whole axes) on top, then encodes with a fast PNG
    setting. Call :meth:`invalidate` after anything static changes (axis limits,
    figure size). ``dynamic`` artists are drawn in the given order, after all
    static ones: list every artist that must appear above a dynamic one.
    """

    def __init__(self, fig, dynamic=()):
        from matplotlib.figure import Figure

        if not isinstance(fig, Figure):
            raise TypeError(f"fig: expected a matplotlib Figure, got {type(fig).__name__}")
        self.figure = fig
        self.dynamic = list(dynamic)
        self._background = None

    def invalidate(self) -> None:
        """Forget the cached background (the next :meth:`png` redraws everything once)."""
        self._background = None

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
        """The current image as an ``(H, W, 4)`` uint8 array."""
        canvas = self.figure.canvas
        if self._background is None:
            self._draw_background()
        canvas.restore_region(self._background)
        renderer = canvas.get_renderer()
        for artist in self.dynamic:
            if artist.get_visible():
                artist.draw(renderer)
        return np.asarray(canvas.buffer_rgba()).copy()

    def png(self) -> bytes:
        """The current image as PNG bytes."""
        return _encode_png(self.rgba())


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
        """Keys of the nodes and edges currently drawn in the highlight colour."""
        on = [k for k, c in self.nodes.items() if _same_colour(c.get_facecolor(), HIGHLIGHT_COLOUR)]
        on += [k for k, e in self.edges.items() if _same_colour(e.get_color(), HIGHLIGHT_COLOUR)]
        return tuple(on)

    # -- updates ---------------------------------------------------------------------------
    def set_highlight(self, nodes=(), edges=(), done_nodes=(), done_edges=()) -> None:
        """Highlight ``nodes``/``edges`` (orange); mark ``done_*`` (green); reset all others."""
        nodes, edges = set(nodes), set(edges)
        for key in list(nodes) + list(done_nodes):
            self._check_key(key, self.nodes, "nodes")
        for key in list(edges) + list(done_edges):
            self._check_key(key, self.edges, "edges")
        done_nodes, done_edges = set(done_nodes), set(done_edges)
        for key, circle in self.nodes.items():
            colour = (HIGHLIGHT_COLOUR if key in nodes else DONE_COLOUR if key in done_nodes
                      else self._base_colours[key])
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

    def set_weights(self, weights=None, biases=None) -> None:
        """Edge width follows ``|w|`` and colour its sign (red positive, blue negative)."""
        if weights is not None:
            weights = list(weights)
            if len(weights) != len(self.sizes) - 1:
                raise ValueError(f"weights: expected {len(self.sizes) - 1} matrices for sizes {self.sizes}, "
                                 f"got {len(weights)}")
            scale = max(1e-12, max(float(np.max(np.abs(w))) for w in weights))
            for k, W in enumerate(weights):
                W = as_float_array(f"weights[{k}]", W, ndim=2)
                if W.shape != (self.sizes[k + 1], self.sizes[k]):
                    raise ValueError(f"weights[{k}]: expected shape {(self.sizes[k + 1], self.sizes[k])}, "
                                     f"got {W.shape}")
                for i in range(W.shape[0]):
                    for j in range(W.shape[1]):
                        self._edge_style[(k, i, j)] = (_POS_COLOUR if W[i, j] >= 0 else _NEG_COLOUR,
                                                       0.5 + 3.0 * abs(W[i, j]) / scale)
        if biases is not None:
            for k, b in enumerate(biases):
                for i, v in enumerate(np.asarray(b, dtype=float)):
                    if ("b", k, i) in self.edges:
                        self._edge_style[("b", k, i)] = (_POS_COLOUR if v >= 0 else _NEG_COLOUR, 1.0)
        for key, line in self.edges.items():
            colour, width = self._edge_style[key]
            line.set_color(colour)
            line.set_linewidth(width)

    def set_node_value(self, key, text: str) -> None:
        """Write ``text`` under node ``key`` (``""`` clears it)."""
        self._check_key(key, self.node_values, "nodes")
        self.node_values[key].set_text(text)

    def set_edge_label(self, key, text: str) -> None:
        """Write ``text`` on edge ``key``."""
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


def draw_network(sizes, ax, weights=None, biases=None, node_labels=None, edge_labels=None,
                 show_biases: bool = False, loss_label: str | None = None, layer_titles=None,
                 radius: float = 0.16, fontsize: float = 9, layer_spacing: float = 1.0,
                 unit_spacing: float = 1.0) -> NetworkDiagram:
    """Draw the network ``sizes = [S_1, ..., S_L]`` on ``ax``; return its :class:`NetworkDiagram`.

    ``node_labels``: dict ``(k, i) -> str`` (default: ``x_j``, ``a^l_i``, ``yhat_i``).
    ``edge_labels``: dict ``(k, i, j) -> str`` drawn on the edges (default: none).
    ``weights``/``biases``: as :attr:`MLP.weights`; edge widths then follow ``|w|``.
    ``show_biases``: draw one bias node per layer (key ``("b", k)``) feeding layer ``k+1``.
    ``loss_label``: draw a loss node (key ``"loss"``) fed by every output unit.
    ``layer_titles``: one caption per layer drawn above it (default: ``l = 1 .. L``).
    ``layer_spacing``, ``unit_spacing``: distance between layers, and between units of a layer.
    """
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__") or len(sizes) < 2:
        raise ValueError(f"sizes: expected at least 2 layer sizes like [2, 4, 3, 2], got {sizes!r}")
    sizes = [check_positive_int(f"sizes[{k}]", s) for k, s in enumerate(sizes)]
    dx = check_real("layer_spacing", layer_spacing, minimum=0.1)
    dy = check_real("unit_spacing", unit_spacing, minimum=0.1)
    L = len(sizes)
    if layer_titles is not None and len(layer_titles) != L:
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
        # horizontal edges: label mid-edge, just above; slanted ones: a third of the way from the source
        t, lift = (0.5, 0.14) if abs(y1 - y0) < 1e-9 else (0.3, 0.0)
        diagram.edge_labels[key] = ax.text(x0 + t * (x1 - x0), y0 + t * (y1 - y0) + lift, label,
                                           fontsize=fontsize - 1,
                                           ha="center", va="center", zorder=4,
                                           bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.8)
                                           if label else None)

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
        diagram.node_values[key] = ax.text(x, y - radius - 0.05, "", ha="center", va="top",
                                           fontsize=fontsize - 1, family="monospace", zorder=6,
                                           bbox=dict(boxstyle="round,pad=0.15", fc="#fff9db", ec="0.7", alpha=0.9))
    titles = layer_titles if layer_titles is not None else [f"$l = {k + 1}$" for k in range(L)]
    for k, title in enumerate(titles):
        ax.text(k * dx, top + 0.45 if not show_biases else top + 1.35, title, ha="center", va="bottom",
                fontsize=fontsize, color="0.3")
    xs = [p[0] for p in diagram.positions.values()]
    ys = [p[1] for p in diagram.positions.values()]
    ax.set_xlim(min(xs) - 0.45, max(xs) + 0.45)
    ax.set_ylim(min(ys) - 0.6, max(ys) + (0.9 if not show_biases else 0.5) + 0.4)
    ax.set_aspect("equal")
    ax.set_axis_off()
    if weights is not None or biases is not None:
        diagram.set_weights(weights, biases)
    return diagram
