"""The CNN demos (course_utils.demos.conv, .pooling) headless: set a control's value, check state and artists."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.conv import conv2d_backward, conv2d_forward, input_pixel_region
from course_utils.demos.conv import ConvGradientDemo
from course_utils.demos.pooling import PoolingRoutingDemo, parse_grid
from course_utils.pooling import avg_pool_backward, avg_pool_forward


def _png(demo):
    """The picture is encoded (JPEG, the demos' format)."""
    return demo.image.format == "jpeg" and demo.image.value[:2] == b"\xff\xd8"


@pytest.fixture(scope="module")
def conv_demo():
    return ConvGradientDemo()


def test_conv_demo_pixel_mode_shows_region_p_and_the_right_sum(conv_demo):
    d = conv_demo
    d.mode.value = "input pixel"
    d.stride.value, d.pad.value = 1, 0
    for i, j in [(0, 0), (2, 3), (4, 4), (3, 1)]:
        d.i_in.value, d.j_in.value = i, j
        region = input_pixel_region(i, j, (5, 5), (3, 3))
        assert d.rect_y.shown() == [(r, c) for r, c, _, _ in region]  # the region P, highlighted in dL/dY
        assert d.rect_x.shown() == [(i, j)]
        # the note in each P cell names the weight that carries the gradient: the filter flipped
        assert {k: v for k, v in d.note_y.shown().items() if v} == {(r, c): f"W{a}{b}" for r, c, a, b in region}
        assert d.total == pytest.approx(d.reference)
        assert f"<b>{d.total:g}</b>" in d.caption.value
    assert _png(d)


def test_conv_demo_reference_is_conv2d_backward_with_stride_and_padding(conv_demo):
    d = conv_demo
    d.mode.value = "input pixel"
    d.stride.value, d.pad.value = 2, 1
    d.i_in.value, d.j_in.value = 2, 4
    _, cache = conv2d_forward(d.x[None, None], d.w[None, None], [0.0], stride=2, pad=1)
    dx, dw, _ = conv2d_backward(d.dy[None, None], cache)
    assert d.dy.shape == (3, 3)  # (5 + 2 - 3) / 2 + 1
    assert d.reference == pytest.approx(dx[0, 0, 2, 4]) and d.total == pytest.approx(d.reference)
    assert d.rect_x.shown() == [(3, 5)]  # drawn in padded coordinates
    d.mode.value = "filter weight"
    d.a_w.value, d.b_w.value = 1, 2
    assert d.reference == pytest.approx(dw[0, 0, 1, 2]) and d.total == pytest.approx(d.reference)
    assert len(d.rect_y.shown()) == 9  # a weight touches every output pixel
    assert d.rect_x.shown() == [(i * 2 + 1, j * 2 + 2) for i in range(3) for j in range(3)]
    assert d.rect_w.shown() == [(1, 2)]
    assert d.pad_box.get_visible()
    assert d.i_in.disabled and not d.a_w.disabled  # only the sliders of the current mode are live


def test_conv_demo_grid_text_matches_data(conv_demo):
    d = conv_demo
    d.pad.value, d.stride.value = 2, 1
    shown = d.text_x.shown()
    assert len(shown) == 9 * 9
    assert shown[(0, 0)] == "0" and shown[(2, 2)] == f"{d.x[0, 0]:g}"
    assert len(d.text_y.shown()) == d.dy.size == 7 * 7


@pytest.fixture(scope="module")
def pool_demo():
    return PoolingRoutingDemo()


def test_pool_demo_lecture_example(pool_demo):
    d = pool_demo
    d.source.value = "lecture 4x4"
    d.kind.value = "max"
    d.size.value, d.stride.value = 2, 2
    np.testing.assert_array_equal(d.out, [[6, 8], [3, 4]])
    assert d.visible_switches() == [(1, 1), (1, 3), (2, 0), (3, 3)]
    shown = d.text_dx.shown()
    assert [shown[k] for k in [(1, 1), (1, 3), (2, 0), (3, 3)]] == ["1", "2", "3", "4"]  # g = 1, 2, 3, 4 routed
    assert sum(v != "0" for v in shown.values()) == 4
    assert _png(d)


def test_pool_demo_average_shares_equally(pool_demo):
    d = pool_demo
    d.source.value = "lecture 4x4"
    d.kind.value = "average"
    d.size.value, d.stride.value = 2, 2
    np.testing.assert_allclose(d.dx[:2, :2], 1 / 4)
    assert d.visible_switches() == []
    d.size.value, d.stride.value = 3, 1
    _, cache = avg_pool_forward(d.x[None, None], 3, 1)
    np.testing.assert_allclose(d.dx, avg_pool_backward(d.dout[None, None], cache)[0, 0])
    assert "g/9" in d.caption.value
    d.kind.value = "max"


def test_pool_demo_typed_grid_with_ties(pool_demo):
    d = pool_demo
    d.kind.value = "max"
    d.size.value, d.stride.value = 2, 2
    d.grid_text.value = "0 0 3 3; 0 0 3 3; 2 7 5 5; 7 1 5 5"
    d.source.value = "typed"
    # all windows but one are tied: each sends its g to its first (top-left) maximum
    assert d.visible_switches() == [(0, 0), (0, 2), (2, 1), (2, 2)]
    assert len(d.tied_windows) == 4
    assert "FIRST max" in d.caption.value
    d.grid_text.value = "1 2; 3"
    assert "rows of equal length" in d.message.value  # a clear message, and the demo keeps working
    np.testing.assert_array_equal(d.out, [[6, 8], [3, 4]])


def test_pool_demo_windows_follow_size_and_stride(pool_demo):
    d = pool_demo
    d.source.value = "random 6x6"
    d.size.value, d.stride.value = 3, 1
    assert d.out.shape == (4, 4)
    # overlapping windows: one outlined at a time (with its switch), chosen by the slider
    assert d.window.max == 16
    d.window.value = 6
    assert d.windows.shown() == [(1, 1)] and len(d.visible_switches()) == 1
    assert all(r.get_width() == 3 for r in d.windows.rects if r.get_visible())
    d.stride.value = 3
    assert d.windows.shown() == [(0, 0), (0, 3), (3, 0), (3, 3)]  # apart: all drawn, the chosen one thick
    assert d.window.value == 4  # clamped to the 4 windows there are now
    assert [r.get_linewidth() for r in d.windows.rects if r.get_visible()] == [2.5, 2.5, 2.5, 5.0]
    d.stride.value = 1
    before = d.x.copy()
    d.new_random.click()
    assert not np.array_equal(before, d.x)
    d.stride.value = 3
    assert d.out.shape == (2, 2) and len(d.visible_switches()) == 4


def test_parse_grid_errors():
    np.testing.assert_array_equal(parse_grid("1, 2; 3 4"), [[1, 2], [3, 4]])
    with pytest.raises(ValueError, match="expected numbers"):
        parse_grid("1 a; 2 3")
    with pytest.raises(ValueError, match="square grid of at least 2x2, got 2x3"):
        parse_grid("1 2 3; 4 5 6")


def test_pool_demo_typed_box_shows_the_active_input(pool_demo):
    d = pool_demo
    d.source.value = "random 4x4"
    assert parse_grid(d.grid_text.value).tolist() == d.x.tolist()
    d.source.value = "lecture 4x4"
    assert parse_grid(d.grid_text.value).tolist() == d.x.tolist()
    d.grid_text.value = "9 1; 2 3"  # typing switches to the typed grid
    assert d.source.value == "typed" and d.x.tolist() == [[9, 1], [2, 3]]
