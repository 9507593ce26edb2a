"""Tests of course_utils.plotting: the network diagram's artists and the fast renderer."""

import io

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from PIL import Image

from course_utils.plotting import DONE_COLOUR, HIGHLIGHT_COLOUR, FastRenderer, draw_network, figure_png, new_figure


def _diagram(**kw):
    fig = new_figure((6, 4))
    ax = fig.add_subplot()
    return fig, draw_network([2, 4, 3, 2], ax, **kw)


def test_one_node_per_unit_and_one_edge_per_weight():
    _, d = _diagram()
    assert len(d.nodes) == 2 + 4 + 3 + 2
    assert len(d.edges) == 2 * 4 + 4 * 3 + 3 * 2
    # edge (k, i, j) joins unit j of layer k to unit i of layer k+1 (W^{k+1}_{ij})
    x0, y0 = d.positions[(1, 2)]
    x1, y1 = d.positions[(2, 0)]
    line = d.edges[(1, 0, 2)]
    assert list(line.get_xdata()) == [x0, x1] and list(line.get_ydata()) == [y0, y1]


def test_biases_and_loss_nodes():
    _, d = _diagram(show_biases=True, loss_label="$L$")
    assert ("b", 0) in d.nodes and ("b", 2) in d.nodes and "loss" in d.nodes
    assert ("b", 1, 2) in d.edges and ("loss", 1) in d.edges
    assert len(d.edges) == 26 + (4 + 3 + 2) + 2


def test_highlight_sets_exactly_the_requested_artists():
    _, d = _diagram()
    d.set_highlight(nodes=[(1, 3)], edges=[(0, 3, 1)], done_nodes=[(0, 0)])
    assert set(d.highlighted()) == {(1, 3), (0, 3, 1)}
    assert np.allclose(d.nodes[(0, 0)].get_facecolor(), to_rgba(DONE_COLOUR))
    assert np.allclose(d.nodes[(1, 3)].get_facecolor(), to_rgba(HIGHLIGHT_COLOUR))
    d.set_highlight()
    assert d.highlighted() == ()


def test_weights_set_edge_width_by_magnitude_and_colour_by_sign():
    W = [np.array([[1.0, -0.5]] * 4), np.zeros((3, 4)), np.ones((2, 3)) * 0.25]
    _, d = _diagram(weights=W)
    assert d.edges[(0, 0, 0)].get_linewidth() > d.edges[(0, 0, 1)].get_linewidth() > d.edges[(1, 0, 0)].get_linewidth()
    assert d.edges[(0, 0, 0)].get_color() != d.edges[(0, 0, 1)].get_color()


def test_texts_are_updated_in_place():
    _, d = _diagram(edge_labels={(0, 0, 0): "w"})
    text = d.node_values[(1, 0)]
    d.set_node_value((1, 0), "a=0.5")
    d.set_edge_label((0, 0, 0), "w=2")
    assert d.node_values[(1, 0)] is text and text.get_text() == "a=0.5"
    assert d.edge_labels[(0, 0, 0)].get_text() == "w=2"
    d.clear_values()
    assert text.get_text() == ""


def test_bad_input_messages():
    fig = new_figure()
    ax = fig.add_subplot()
    with pytest.raises(ValueError, match="sizes: expected at least 2"):
        draw_network([3], ax)
    with pytest.raises(ValueError, match=r"sizes\[1\]"):
        draw_network([2, 0, 1], ax)
    with pytest.raises(ValueError, match="layer_titles: expected 3"):
        draw_network([2, 2, 1], ax, layer_titles=["a"])
    d = draw_network([2, 2, 1], ax)
    with pytest.raises(KeyError, match=r"no key \(5, 0\)"):
        d.set_highlight(nodes=[(5, 0)])
    with pytest.raises(ValueError, match=r"weights\[0\]: expected shape \(2, 2\)"):
        d.set_weights([np.zeros((3, 2)), np.zeros((1, 2))])
    with pytest.raises(TypeError, match="fig: expected a matplotlib Figure"):
        figure_png("not a figure")
    with pytest.raises(ValueError, match="figsize"):
        new_figure((1, 2, 3))


def _decode(png):
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA")).astype(int)


def test_fast_renderer_matches_a_full_redraw():
    fig = new_figure((5, 3))
    ax = fig.add_subplot()
    (line,) = ax.plot([0, 1], [0, 1])
    text = ax.text(0.5, 0.5, "")
    ax.set_xlim(0, 2)
    ax.set_ylim(0, 2)
    r = FastRenderer(fig, [line, text])
    r.png()  # caches the background
    line.set_data([0, 2], [2, 0])
    text.set_text("changed")
    fast = _decode(r.png())
    full = _decode(figure_png(fig))
    assert fast.shape == full.shape
    assert np.mean(np.abs(fast - full)) < 0.5  # antialiasing aside, the same picture
    # the cached background really is reused: a static change is not seen until invalidate()
    ax.set_facecolor("black")
    assert np.mean(np.abs(_decode(r.png()) - fast)) < 0.5
    r.invalidate()
    assert np.mean(np.abs(_decode(r.png()) - fast)) > 10
    # static_changed: True on the first key and on a new one (and the background is redrawn), else False
    assert r.static_changed(None) and not r.static_changed(None)
    black = _decode(r.png())
    ax.set_facecolor("white")
    assert np.mean(np.abs(_decode(r.png()) - black)) < 0.5  # same key: the cached background stays
    assert r.static_changed(("white",)) and not r.static_changed(("white",))
    assert np.mean(np.abs(_decode(r.png()) - black)) > 10
