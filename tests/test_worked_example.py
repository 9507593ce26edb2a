"""The 2-2-2 example of slides 001: published values, and MLP vs Value graph agreement."""

import pytest

from course_utils.worked_example import EXAMPLE, worked_example, worked_example_graph


def test_published_values():
    ex = worked_example()
    assert ex.errors["E_total"] == pytest.approx(0.298371109, abs=1e-9)
    assert ex.updated["w5"] == pytest.approx(0.35891648, abs=1e-8)
    assert ex.updated["w1"] == pytest.approx(0.149780716, abs=1e-9)
    # the slides' rounded outputs: E = 1/2((.76 - .01)^2 + (.77 - .99)^2)
    assert round(ex.out["out_o1"], 2) == 0.75 or round(ex.out["out_o1"], 2) == 0.76
    assert round(ex.out["out_o2"], 2) == 0.77


def test_mlp_and_value_graph_agree_on_every_quantity():
    ex = worked_example()
    nodes = worked_example_graph()
    nodes["E_total"].backward()
    for name, value in {**ex.net, **ex.out, **ex.errors}.items():
        assert value == pytest.approx(nodes[name].data, rel=1e-14), name
    for w in ("w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"):
        assert ex.gradients[f"dE/d{w}"] == pytest.approx(nodes[w].grad, rel=1e-12), w
        assert ex.updated[w] == pytest.approx(EXAMPLE["weights"][w] - EXAMPLE["lr"] * nodes[w].grad, rel=1e-14)
    # one shared bias node per layer: its gradient is the sum over the units it feeds
    assert ex.gradients["dE/db1[1]"] + ex.gradients["dE/db1[2]"] == pytest.approx(nodes["b1"].grad, rel=1e-12)


def test_chain_rule_factors_multiply_to_the_gradient():
    ex = worked_example()
    c = ex.chain
    assert c["dE_total/dout_o1"] * c["dout_o1/dnet_o1"] * c["dnet_o1/dw5"] == pytest.approx(
        ex.gradients["dE/dw5"], rel=1e-14
    )
    assert c["dE_total/dout_h1"] * c["dout_h1/dnet_h1"] * c["dnet_h1/dw1"] == pytest.approx(
        ex.gradients["dE/dw1"], rel=1e-14
    )
    assert len(ex.rows()) == 8 + 3 + 4 + 12 + 12


def test_learning_rate_is_a_parameter():
    ex = worked_example(lr=0.0)
    assert ex.updated["w5"] == EXAMPLE["weights"]["w5"]


def test_worked_example_can_start_from_another_network():
    import numpy as np

    from course_utils.mlp import MLP
    from course_utils.worked_example import example_mlp

    start = example_mlp()
    start.weights = [W * 2 for W in start.weights]
    before = [W.copy() for W in start.weights]
    ex = worked_example(start=start)
    i1, i2 = EXAMPLE["inputs"]
    # by hand: net_h1 = w1 i1 + w2 i2 + b1 with the doubled weights
    assert ex.net["net_h1"] == pytest.approx(0.30 * i1 + 0.40 * i2 + 0.35, rel=1e-14)
    assert ex.updated["w5"] == pytest.approx(0.80 - EXAMPLE["lr"] * ex.gradients["dE/dw5"], rel=1e-14)
    assert all(np.array_equal(a, b) for a, b in zip(start.weights, before))  # start is not changed
    with pytest.raises(ValueError, match="start: expected a 2-2-2 MLP"):
        worked_example(start=MLP([2, 3, 2]))
