"""The mistake bank: every classic mistake is recognised as itself and as no other; right answers match none.

Each mistake is computed by the bank from the part's own inputs (several random input sets, as the
grader draws per student), packed the way the student's function returns it, and judged: the part
fails, the diagnosis names exactly that mistake, and the message quotes the student's own number.
The bank's references are checked against ``course_utils`` (an independent implementation).
"""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.grading.mistakes import BANK, judge, restate_error

SEEDS = (0, 1, 2)
CASES = [(key, m.key) for key, part in BANK.items() for m in part.mistakes]


def _inputs(key, seed):
    return BANK[key].inputs(np.random.default_rng(seed))


def _reference(key, inputs):
    part = BANK[key]
    return part.pack(part.reference(**inputs))


def test_the_bank_covers_every_autograded_part():
    parts = {key.split(".")[0]: [] for key in BANK}
    for key in BANK:
        parts[key.split(".")[0]].append(key)
    assert {ps: len(keys) for ps, keys in parts.items()} == {"ps1": 9, "ps2": 9, "ps3": 7, "ps4": 7, "ps5": 4}
    assert len(CASES) >= 100
    graded = [part for key, part in BANK.items() if key != "ps1.loss"]  # loss: given code, checked for cascades
    assert all(len(part.mistakes) >= 2 for part in graded), "every graded part knows at least two mistakes"


@pytest.mark.parametrize("key", list(BANK))
@pytest.mark.parametrize("seed", SEEDS)
def test_the_right_answer_matches_no_mistake(key, seed):
    inputs = _inputs(key, seed)
    diagnosis = judge(key, _reference(key, inputs), **inputs)
    assert diagnosis.ok and diagnosis.mistakes == [] and diagnosis.message == ""


@pytest.mark.parametrize("key,mistake", CASES, ids=[f"{k}:{m}" for k, m in CASES])
def test_each_mistake_is_recognised_as_itself_and_no_other(key, mistake):
    part = BANK[key]
    wrong = next(m for m in part.mistakes if m.key == mistake)
    for seed in SEEDS:
        inputs = _inputs(key, seed)
        with np.errstate(all="ignore"):
            value = wrong.wrong(**inputs)
        diagnosis = judge(key, part.pack(value), **inputs)
        assert not diagnosis.ok, f"{key}:{mistake} passes as right on seed {seed}"
        assert diagnosis.mistakes == [mistake], (seed, diagnosis.message)
        says = wrong.says.split("{name}")[-1][:40]
        assert says in diagnosis.message, diagnosis.message
        assert "your " in diagnosis.message  # it quotes the student's own numbers


def test_a_message_in_the_lecture_notation_on_the_students_numbers():
    inputs = _inputs("ps3.conv_dx", 0)
    got = np.asarray(next(m for m in BANK["ps3.conv_dx"].mistakes if m.key == "not_flipped").wrong(**inputs)[0])
    message = judge("ps3.conv_dx", got, **inputs).message
    assert message.startswith(
        "dX is the full correlation of dL/dY with W *unflipped*; the region P sees the filter rotated by 180°"
    )
    assert f"(your dX[0, 0] = {got[0, 0]:.6g})" in message


def test_an_unknown_mistake_names_the_first_wrong_entry_and_does_not_guess():
    inputs = _inputs("ps1.backward_deltas", 0)
    deltas = list(_reference("ps1.backward_deltas", inputs))
    deltas[1] = deltas[1].copy()
    deltas[1][2] += 0.123  # wrong in a way no classic mistake explains
    diagnosis = judge("ps1.backward_deltas", deltas, **inputs)
    assert not diagnosis.ok and diagnosis.mistakes == []
    assert diagnosis.message.startswith(f"deltas[1] (δ^3)[2] = {deltas[1][2]:.6g} is wrong.")
    assert "depends on column i of W^l, on all of δ^{l+1} and on z^l_i" in diagnosis.message
    assert "match none of the classic mistakes" in diagnosis.message
    assert "expected" not in diagnosis.message  # the grader's hidden values stay hidden
    shown = judge("ps1.backward_deltas", deltas, show_expected=True, **inputs).message
    assert f"expected {deltas[1][2] - 0.123:.6g}" in shown


def test_shapes_come_before_values():
    inputs = _inputs("ps1.gradients", 0)
    values = list(_reference("ps1.gradients", inputs))
    values[0] = list(values[0])
    values[0][2] = np.zeros((5, 5))
    message = judge("ps1.gradients", values, **inputs).message
    assert message == (
        "dWs[2] (∂L/∂W^3) has shape (5, 5) but should have shape (2, 3); ∂L/∂W^l has the shape "
        "of W^l, (S_{l+1}, S_l): the outer product δ^{l+1} (a^l)^T."
    )


@pytest.mark.parametrize(
    "got,says",
    [
        ((None, np.zeros((4, 3))), "loss is None: did softmax_cross_entropy forget to `return` it?"),
        (("text", np.zeros((4, 3))), "loss should be a numpy array of numbers, got str"),
        ([np.zeros(2)], "softmax_cross_entropy should return 2 values (loss, dz), got 1"),
        (3.0, "softmax_cross_entropy should return 2 values (loss, dz), got float"),
    ],
)
def test_malformed_results_get_a_plain_message(got, says):
    diagnosis = judge("ps2.softmax_cross_entropy", got, **_inputs("ps2.softmax_cross_entropy", 0))
    assert not diagnosis.ok and says in diagnosis.message


def test_a_cascade_is_not_charged_twice():
    """output_delta written with the student's own (wrong) sigmoid_prime is right given that helper."""
    inputs = _inputs("ps1.output_delta", 0)
    own_prime = lambda z: 1 / (1 + np.exp(-z)) * (1 - z)  # noqa: E731  Part 1's classic mistake
    got = (inputs["yhat"] - inputs["y"]) * own_prime(inputs["z_L"])
    alone = judge("ps1.output_delta", got, **inputs)
    assert not alone.ok and alone.mistakes == ["s_one_minus_z"]
    given = judge("ps1.output_delta", got, helpers={"sigmoid_prime": own_prime}, **inputs)
    assert given.ok and given.note == "right given your own sigmoid_prime"
    # a helper that is not one of the part's own earlier functions is ignored
    assert not judge("ps1.output_delta", got, helpers={"forward": own_prime}, **inputs).ok


def _student_forward_without_bias(weights, biases, x):
    from course_utils.grading.mistakes.ps1 import forward_pass

    return forward_pass(weights, biases, x, bias=False)


def test_mistakes_are_recognised_on_top_of_the_students_own_helpers():
    """train_xor stepping up the gradient, built on a forward pass that forgot the bias (Part 2's mistake)."""
    from functools import partial

    from course_utils.grading.mistakes.ps1 import train_sgd

    inputs = _inputs("ps1.train_xor", 0)
    helpers = {"forward": _student_forward_without_bias}
    right_given = BANK["ps1.train_xor"].pack(train_sgd(**inputs, **helpers))
    assert judge("ps1.train_xor", right_given, helpers=helpers, **inputs).ok
    ascent = BANK["ps1.train_xor"].pack(partial(train_sgd, sign=1.0)(**inputs, **helpers))
    diagnosis = judge("ps1.train_xor", ascent, helpers=helpers, **inputs)
    assert not diagnosis.ok and diagnosis.mistakes == ["ascent"], diagnosis.message


@pytest.mark.parametrize(
    "key,helpers",
    [
        (
            "ps3.conv_layer",
            {"conv_backward_dx": lambda dy, w: np.zeros((dy.shape[0] + w.shape[0] - 1, dy.shape[1] + w.shape[1] - 1))},
        ),
        (
            "ps4.laplacian_pyramid",
            {"upsample": lambda image, shape: np.kron(image, np.ones((2, 2)))[: shape[0], : shape[1]]},
        ),
        ("ps4.blend", {"reconstruct": lambda laplacian: np.zeros(np.shape(laplacian[0]))}),
        ("ps2.example_gradients", {"mse_backward": lambda out, target: target - out}),
        (
            "ps3.conv_dx",
            {"correlate2d_valid": lambda x, k: np.zeros((x.shape[0] - k.shape[0] + 1, x.shape[1] - k.shape[1] + 1))},
        ),
    ],
)
def test_right_given_the_students_own_earlier_parts(key, helpers):
    part = BANK[key]
    inputs = _inputs(key, 0)
    got = part.pack(part.reference(**inputs, **helpers))
    assert not judge(key, got, **inputs).ok
    diagnosis = judge(key, got, helpers=helpers, **inputs)
    assert diagnosis.ok and diagnosis.note.startswith("right given your own")


def test_numpy_errors_are_restated_in_the_lectures_terms():
    inputs = _inputs("ps1.backward_deltas", 0)

    def student(weights, zs, delta_L):  # W^l δ^{l+1} instead of (W^l)^T δ^{l+1}
        deltas = [delta_L]
        for k in range(len(weights) - 1, 0, -1):
            deltas.insert(0, weights[k] @ deltas[0])
        return deltas

    with pytest.raises(ValueError) as err:
        student(**inputs)
    message = restate_error("ps1.backward_deltas", "ValueError", str(err.value), **inputs)
    assert message.startswith(
        "backward_deltas raised ValueError (a matrix product did not fit: an inner "
        "dimension of size 2 met one of size 3)."
    )
    assert "W^3 (2, 3)" in message and "δ^L (2,)" in message
    assert message.endswith(
        "The recursion sums over j, the *row* index of w^l_ji: it is (W^l)^T δ^{l+1}, not W^l δ^{l+1}."
    )
    other = restate_error(
        "ps3.avg_pool",
        "ValueError",
        "operands could not be broadcast together with shapes (2,3) (3,2) ",
        **_inputs("ps3.avg_pool", 0),
    )
    assert "two arrays of shapes (2,3) and (3,2) were combined entry by entry" in other
    odd = restate_error("ps2.softmax", "KeyError", "'x'", **_inputs("ps2.softmax", 0))
    assert odd.startswith("softmax raised KeyError (KeyError: 'x').")


# --- the bank's references agree with course_utils (an independent implementation) -----------
def test_ps1_references_agree_with_course_utils():
    from course_utils.activations import get_activation
    from course_utils.mlp import MLP

    inputs = _inputs("ps1.forward", 3)
    net = MLP([2, 4, 3, 2], activation="sigmoid", output_activation="sigmoid")
    net.weights, net.biases = inputs["weights"], inputs["biases"]
    zs, acts = net.forward_layers(inputs["x"][None, :])
    ours = BANK["ps1.forward"].reference(**inputs)
    for k in range(3):
        np.testing.assert_allclose(ours[k], zs[k][0], rtol=1e-12)
        np.testing.assert_allclose(ours[4 + k], acts[k + 1][0], rtol=1e-12)
    y = np.array([0.2, 0.9])
    _, grads = net.loss_and_gradients(inputs["x"][None, :], y[None, :])
    delta_L = (acts[-1][0] - y) * get_activation("sigmoid").derivative(zs[-1][0])
    deltas = BANK["ps1.backward_deltas"].reference(net.weights, [z[0] for z in zs], delta_L)
    for k in range(3):
        np.testing.assert_allclose(deltas[k], grads.deltas[k][0], rtol=1e-10)
    dWs = BANK["ps1.gradients"].reference(list(deltas), [a[0] for a in acts])
    for k in range(3):
        np.testing.assert_allclose(dWs[k], grads.weights[k], rtol=1e-10)
    num = BANK["ps1.numerical_gradient"].reference(net.weights, net.biases, inputs["x"], y, 1, 1e-5)[0]
    np.testing.assert_allclose(num, grads.weights[1], rtol=1e-6, atol=1e-10)


def test_ps2_references_agree_with_course_utils():
    from course_utils.activations import softmax
    from course_utils.losses import softmax_cross_entropy
    from course_utils.worked_example import EXAMPLE, worked_example

    ex, w = worked_example(), EXAMPLE["weights"]
    W1 = np.array([[w["w1"], w["w2"]], [w["w3"], w["w4"]]])
    W2 = np.array([[w["w5"], w["w6"]], [w["w7"], w["w8"]]])
    args = dict(
        W1=W1,
        b1=np.full(2, EXAMPLE["biases"]["b1"]),
        W2=W2,
        b2=np.full(2, EXAMPLE["biases"]["b2"]),
        x=np.array(EXAMPLE["inputs"]),
    )
    _net_h, _out_h, net_o, out_o = BANK["ps2.forward_example"].reference(**args)
    assert net_o[0] == pytest.approx(ex.net["net_o1"], rel=1e-12)
    assert out_o[0] == pytest.approx(ex.out["out_o1"], rel=1e-12)
    dW1, dW2 = BANK["ps2.example_gradients"].reference(**args, target=np.array(EXAMPLE["targets"]))
    assert dW2[0, 0] == pytest.approx(ex.gradients["dE/dw5"], rel=1e-10)
    assert dW1[0, 0] == pytest.approx(ex.gradients["dE/dw1"], rel=1e-10)
    (E,) = BANK["ps2.total_error"].reference(out_o, np.array(EXAMPLE["targets"]))
    assert E == pytest.approx(ex.errors["E_total"], rel=1e-12)
    z = _inputs("ps2.softmax", 0)["z"]
    np.testing.assert_allclose(BANK["ps2.softmax"].reference(z)[0], softmax(z, axis=1), rtol=1e-12)
    inputs = _inputs("ps2.softmax_cross_entropy", 0)
    loss, dz = BANK["ps2.softmax_cross_entropy"].reference(**inputs)
    ref_loss, ref_dz = softmax_cross_entropy(inputs["z"], inputs["y"])
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    np.testing.assert_allclose(dz, ref_dz, rtol=1e-12)


def test_ps3_references_agree_with_course_utils():
    from course_utils import conv, pooling

    x, k = _inputs("ps3.correlate2d_valid", 0).values()
    np.testing.assert_allclose(
        BANK["ps3.correlate2d_valid"].reference(x, k)[0], conv.correlate2d(x, k, "valid"), rtol=1e-12
    )
    inputs = _inputs("ps3.conv_layer", 0)
    _, cache = conv.conv2d_forward_naive(inputs["x"], inputs["w"], np.zeros(3))
    for ours, ref in zip(BANK["ps3.conv_layer"].reference(**inputs), conv.conv2d_backward_naive(inputs["dout"], cache)):
        np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-12)
    inputs = _inputs("ps3.conv_dx", 0)
    np.testing.assert_allclose(
        BANK["ps3.conv_dx"].reference(**inputs)[0],
        conv.correlate2d(inputs["dy"], conv.flip180(inputs["w"]), "full"),
        rtol=1e-12,
    )
    inputs = _inputs("ps3.max_pool", 0)
    _, cache = pooling.max_pool_forward(inputs["x"], size=3, stride=2)
    np.testing.assert_allclose(
        BANK["ps3.max_pool"].reference(**inputs)[0], pooling.max_pool_backward(inputs["dout"], cache), rtol=1e-12
    )
    inputs = _inputs("ps3.avg_pool", 0)
    _, cache = pooling.avg_pool_forward(np.zeros(inputs["x_shape"]), size=3, stride=2)
    np.testing.assert_allclose(
        BANK["ps3.avg_pool"].reference(**inputs)[0], pooling.avg_pool_backward(inputs["dout"], cache), rtol=1e-12
    )
    cases = _inputs("ps3.conv_output_size", 0)["cases"]
    assert BANK["ps3.conv_output_size"].reference(cases)[0].tolist() == [
        conv.conv_output_size(w, f, pad=p, stride=s) for w, f, p, s in cases
    ]


def test_ps4_references_agree_with_course_utils():
    from course_utils import pyramids as P

    image = np.random.default_rng(5).random((13, 10))
    ours = BANK["ps4.blur"].reference
    np.testing.assert_allclose(ours(image)[0], P.blur(image), rtol=1e-12)
    np.testing.assert_allclose(BANK["ps4.downsample"].reference(image)[0], P.downsample(image), rtol=1e-12)
    small = image[:5, :4]
    for shape in ((10, 8), (9, 7)):
        np.testing.assert_allclose(
            BANK["ps4.upsample"].reference(small, shape)[0], P.upsample(small, shape), rtol=1e-12
        )
    for ours, ref in zip(BANK["ps4.laplacian_pyramid"].reference(image, 3), P.laplacian_pyramid(image, 3)):
        np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(
        BANK["ps4.reconstruct"].reference(P.laplacian_pyramid(image, 3))[0], image, rtol=1e-10, atol=1e-12
    )
    inputs = _inputs("ps4.blend", 0)
    np.testing.assert_allclose(
        BANK["ps4.blend"].reference(**inputs)[0], P.blend(*inputs.values()), rtol=1e-10, atol=1e-12
    )
    np.testing.assert_array_equal(
        BANK["ps4.upsample_matrix"].reference(4)[0], P.upsample_matrix(4, boundary="zero", normalized=False)
    )


@pytest.mark.parametrize("seed", range(5))
def test_ps5_grad_table_agrees_with_value_and_central_differences(seed):
    from course_utils.grading.mistakes.ps5 import grad_table, graph_and_inputs, graph_forward, graph_local, value_graph

    rng = np.random.default_rng(seed)
    graph, inputs, values = graph_and_inputs(rng)
    table = grad_table([node[1] for node in graph], graph_local(graph, values))
    nodes = value_graph(graph, inputs)
    nodes[-1].backward()  # the course's Value: its own backward()
    np.testing.assert_allclose(table, [node.grad for node in nodes], rtol=1e-10, atol=1e-12)
    h = 1e-6
    for j in range(3):
        plus, minus = list(inputs), list(inputs)
        plus[j] += h
        minus[j] -= h
        numeric = (graph_forward(graph, plus)[-1] - graph_forward(graph, minus)[-1]) / (2 * h)
        assert table[j] == pytest.approx(numeric, rel=1e-5, abs=1e-7)


def test_a_variant_is_the_same_in_the_notebook_and_in_the_grader_and_differs_between_students():
    from course_utils.variants import public_rng, worked_example_variant

    alice, bob = worked_example_variant("alice"), worked_example_variant("bob")
    assert alice == worked_example_variant(" alice ") and alice != bob
    assert public_rng("ps2", "alice", "k").random() == public_rng("ps2", "alice", "k").random()
    answers = BANK["ps2.your_example"].pack(BANK["ps2.your_example"].reference(alice))
    assert judge("ps2.your_example", answers, example=alice).ok
    copied = judge("ps2.your_example", answers, example=bob)  # alice's numbers handed in by bob
    assert not copied.ok and copied.mistakes == []
    with pytest.raises(ValueError, match="STUDENT_ID: write your student id"):
        worked_example_variant("")


def test_random_graphs_always_come_with_inputs_they_are_defined_on():
    """The grader draws graphs per student: a graph that is never defined (u / (u - u)) is redrawn, never looped on."""
    from course_utils.grading.mistakes.ps5 import graph_and_inputs, graph_inputs

    never = [("input", ()), ("input", ()), ("input", ()), ("sub", (0, 0)), ("div", (1, 3))]
    assert graph_inputs(np.random.default_rng(0), never) is None
    for seed in range(300):
        _, inputs, values = graph_and_inputs(np.random.default_rng(seed))
        assert len(inputs) == 3 and np.all(np.isfinite(values))


def test_output_sizes_are_quoted_as_calls_and_a_valueerror_is_not_called_an_overflow():
    """conv_output_size's outputs are one number per call, and a ValueError is recorded as NaN."""
    cases = [(9, 3, 1, 2), (9, 3, 2, 2)]  # (W1, F, P, S): both tile with 2P; with P, 9 - 3 + 1 = 7 does not
    assert BANK["ps3.conv_output_size"].reference(cases)[0].tolist() == [5.0, 6.0]
    # P not doubled: the first case raises (recorded as NaN), the second returns (9 - 3 + 2)/2 + 1 = 5
    not_doubled = judge("ps3.conv_output_size", np.array([np.nan, 5.0]), cases=cases)
    assert not_doubled.mistakes == ["p_not_doubled"], not_doubled.message
    assert "your conv_output_size(9, 3, p=1, s=2) raised a ValueError" in not_doubled.message
    assert "nan" not in not_doubled.message.lower()
    # a ValueError on a case that tiles, no classic mistake: named as such, never "an overflow"
    raised = judge("ps3.conv_output_size", np.array([5.0, np.nan]), cases=cases, show_expected=True)
    assert not raised.ok and raised.mistakes == []
    assert "conv_output_size(9, 3, p=2, s=2) raised a ValueError is wrong, expected 6" in raised.message
    assert "overflow" not in raised.message and "nan" not in raised.message.lower()


def test_an_output_that_may_follow_from_a_named_mistake_is_not_told_none_match(monkeypatch):
    from course_utils.grading.mistakes import Mistake, PartBank

    def unpack(value, **_):
        return tuple(value)

    part = PartBank(
        "test.two_outputs",
        "two_outputs",
        ("first", "second"),
        lambda x: (x, 2 * x),
        "second = 2 first",
        (Mistake("sign", "{name} has the wrong sign", lambda x: (-x, 2 * x)),),
        lambda rng: {"x": rng.standard_normal(3) + 3},
        unpack=unpack,
    )
    monkeypatch.setitem(BANK, part.key, part)
    x = part.inputs(np.random.default_rng(0))["x"]
    both = judge(part.key, (-x, 5 * x), x=x)  # the first output matches "sign", the second nothing
    assert both.mistakes == ["sign"] and "first has the wrong sign" in both.message
    assert "second[0]" in both.message and "is wrong too" in both.message
    assert "none of the classic" not in both.message
    nothing = judge(part.key, (3 * x, 5 * x), x=x)  # nothing recognised: said plainly, first wrong entry only
    assert nothing.mistakes == [] and "none of the classic mistakes" in nothing.message
    assert "first[0]" in nothing.message and "second" not in nothing.message.split("Second")[0]
