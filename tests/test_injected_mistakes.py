"""Forty-odd classic mistakes, each injected as a small edit of the instructor's answer, graded by the checks.

Per mistake: the part it belongs to fails, the message names that mistake (the bank's words),
and every other part keeps all its points (no cascades). The notebook's set-up and answer
cells run in-process and the problem set's checks call them through ``LocalStudent`` (the
same plain-data conversion as the sandbox); ``test_problem_sets_*`` grade a few through the
real sandboxed nbgrader path.
"""

from __future__ import annotations

import contextlib
import importlib
import io
from pathlib import Path

import nbformat
import numpy as np
import pytest

from course_utils.grading.api import Variant
from course_utils.grading.local import LocalStudent
from course_utils.grading.mistakes import BANK

ROOT = Path(__file__).resolve().parents[1]

# (problem set, answer cell, old text, new text, failing part, bank part, mistake)
MISTAKES = [
    # ps1: the delta rule
    ("ps1", "sigmoid", "np.exp(-z)", "np.exp(z)", "test_sigmoid", "ps1.sigmoid", "minus_sign"),
    (
        "ps1",
        "sigmoid",
        "return s * (1.0 - s)",
        "return s * (1.0 - z)",
        "test_sigmoid",
        "ps1.sigmoid_prime",
        "s_one_minus_z",
    ),
    (
        "ps1",
        "sigmoid",
        "return s * (1.0 - s)",
        "return z * (1.0 - z)",
        "test_sigmoid",
        "ps1.sigmoid_prime",
        "z_one_minus_z",
    ),
    ("ps1", "sigmoid", "return s * (1.0 - s)", "return 0.25 + 0 * s", "test_sigmoid", "ps1.sigmoid_prime", "constant"),
    ("ps1", "forward", "z = W @ a + b", "z = W @ a", "test_forward", "ps1.forward", "no_bias"),
    ("ps1", "forward", "a = sigmoid(z)", "a = z", "test_forward", "ps1.forward", "no_activation"),
    (
        "ps1",
        "output_delta",
        "return (yhat - y) * sigmoid_prime(z_L)",
        "return yhat - y",
        "test_output_delta",
        "ps1.output_delta",
        "no_fprime",
    ),
    (
        "ps1",
        "output_delta",
        "return (yhat - y) * sigmoid_prime(z_L)",
        "return (yhat - y) * sigmoid_prime(yhat)",
        "test_output_delta",
        "ps1.output_delta",
        "fprime_of_a",
    ),
    (
        "ps1",
        "output_delta",
        "return (yhat - y) * sigmoid_prime(z_L)",
        "return (y - yhat) * sigmoid_prime(z_L)",
        "test_output_delta",
        "ps1.output_delta",
        "sign",
    ),
    (
        "ps1",
        "backward_deltas",
        " * sigmoid_prime(zs[k - 1]))",
        ")",
        "test_backward_deltas",
        "ps1.backward_deltas",
        "no_fprime",
    ),
    (
        "ps1",
        "backward_deltas",
        "sigmoid_prime(zs[k - 1])",
        "sigmoid_prime(sigmoid(zs[k - 1]))",
        "test_backward_deltas",
        "ps1.backward_deltas",
        "fprime_of_a",
    ),
    (
        "ps1",
        "backward_deltas",
        "    return deltas",
        "    return deltas[::-1]",
        "test_backward_deltas",
        "ps1.backward_deltas",
        "reversed",
    ),
    ("ps1", "gradients", "np.outer(d, a)", "np.outer(a, d)", "test_gradients", "ps1.gradients", "outer_transposed"),
    (
        "ps1",
        "numerical_gradient",
        "grad[i, j] = (plus - minus) / (2 * h)",
        "grad[i, j] = (plus - loss(weights, biases, x, y)) / h",
        "test_numerical_gradient",
        "ps1.numerical_gradient",
        "one_sided",
    ),
    (
        "ps1",
        "numerical_gradient",
        "grad[i, j] = (plus - minus) / (2 * h)",
        "grad[i, j] = (plus - minus) / h",
        "test_numerical_gradient",
        "ps1.numerical_gradient",
        "no_two",
    ),
    (
        "ps1",
        "numerical_gradient",
        "            W[i, j] = old\n            grad",
        "            grad",
        "test_numerical_gradient",
        "ps1.numerical_gradient",
        "not_restored",
    ),
    ("ps1", "train_xor", "-= lr *", "+= lr *", "test_train_xor", "ps1.train_xor", "ascent"),
    (
        "ps1",
        "train_xor",
        "                biases[k] -= lr * dbs[k]\n",
        "",
        "test_train_xor",
        "ps1.train_xor",
        "biases_frozen",
    ),
    # ps2: the worked example, softmax
    (
        "ps2",
        "forward_example",
        "net_o = W2 @ out_h + b2",
        "net_o = W2 @ net_h + b2",
        "test_forward_example",
        "ps2.forward_example",
        "net_o_from_net_h",
    ),
    (
        "ps2",
        "forward_example",
        "net_h = W1 @ x + b1",
        "net_h = W1.T @ x + b1",
        "test_forward_example",
        "ps2.forward_example",
        "transposed",
    ),
    ("ps2", "total_error", "0.5 * np.sum", "np.sum", "test_total_error", "ps2.total_error", "no_half"),
    ("ps2", "total_error", "0.5 * np.sum", "0.5 * np.mean", "test_total_error", "ps2.total_error", "mean"),
    (
        "ps2",
        "backward_pieces",
        "return out - target",
        "return target - out",
        "test_backward_pieces",
        "ps2.mse_backward",
        "sign",
    ),
    (
        "ps2",
        "backward_pieces",
        "return dout * out * (1.0 - out)",
        "return out * (1.0 - out)",
        "test_backward_pieces",
        "ps2.sigmoid_backward",
        "no_dout",
    ),
    (
        "ps2",
        "example_gradients",
        "dW2 = np.outer(delta_o, out_h)",
        "dW2 = np.outer(out_h, delta_o)",
        "test_example_gradients",
        "ps2.example_gradients",
        "transposed",
    ),
    (
        "ps2",
        "example_gradients",
        "W2.T @ delta_o",
        "W2 @ delta_o",
        "test_example_gradients",
        "ps2.example_gradients",
        "W2_not_transposed",
    ),
    ("ps2", "sgd_update", "return W - lr * dW", "return W + lr * dW", "test_sgd_update", "ps2.sgd_update", "ascent"),
    (
        "ps2",
        "softmax",
        "axis=1, keepdims=True)\n    e",
        "axis=1, keepdims=True) * 0\n    e",
        "test_softmax",
        "ps2.softmax",
        "no_shift",
    ),
    (
        "ps2",
        "softmax",
        "np.sum(e, axis=1, keepdims=True)",
        "np.sum(e, axis=0, keepdims=True)",
        "test_softmax",
        "ps2.softmax",
        "sum_over_columns",
    ),
    (
        "ps2",
        "softmax_cross_entropy",
        "return loss, dz / n",
        "return loss, dz",
        "test_softmax_cross_entropy",
        "ps2.softmax_cross_entropy",
        "dz_not_divided",
    ),
    (
        "ps2",
        "softmax_cross_entropy",
        "    dz[np.arange(n), y] -= 1.0\n",
        "",
        "test_softmax_cross_entropy",
        "ps2.softmax_cross_entropy",
        "no_onehot",
    ),
    # ps3: CNNs
    ("ps3", "output_size", "2 * p", "p", "test_output_size", "ps3.conv_output_size", "p_not_doubled"),
    (
        "ps3",
        "output_size",
        "return span // s + 1",
        "return span // s",
        "test_output_size",
        "ps3.conv_output_size",
        "no_plus_one",
    ),
    (
        "ps3",
        "correlate",
        "x[i : i + kh, j : j + kw] * k",
        "x[i : i + kh, j : j + kw] * k[::-1, ::-1]",
        "test_correlate",
        "ps3.correlate2d_valid",
        "convolution",
    ),
    (
        "ps3",
        "conv_dw",
        "return correlate2d_valid(x, dy)",
        "return correlate2d_valid(x, dy[::-1, ::-1])",
        "test_conv_dw",
        "ps3.conv_dw",
        "dy_flipped",
    ),
    ("ps3", "conv_dx", "w[::-1, ::-1]", "w", "test_conv_dx", "ps3.conv_dx", "not_flipped"),
    ("ps3", "conv_dx", "w[::-1, ::-1]", "w[::-1, :]", "test_conv_dx", "ps3.conv_dx", "flipped_rows_only"),
    ("ps3", "conv_layer", "dw[f, c] += ", "dw[f, c] = ", "test_conv_layer", "ps3.conv_layer", "dw_not_summed"),
    ("ps3", "conv_layer", "dx[n, c] += ", "dx[n, c] = ", "test_conv_layer", "ps3.conv_layer", "dx_not_summed"),
    (
        "ps3",
        "conv_layer",
        "dout.sum(axis=(0, 2, 3))",
        "dout.mean(axis=(0, 2, 3))",
        "test_conv_layer",
        "ps3.conv_layer",
        "db_mean",
    ),
    (
        "ps3",
        "max_pool",
        "a, b = np.unravel_index(np.argmax(window), window.shape)  # argmax: first maximum\n"
        "                    dx[n, c, i * stride + a, j * stride + b] += dout[n, c, i, j]",
        "for a, b in zip(*np.nonzero(window == window.max())):\n"
        "                        dx[n, c, i * stride + a, j * stride + b] += dout[n, c, i, j]",
        "test_max_pool",
        "ps3.max_pool",
        "all_maxima",
    ),
    (
        "ps3",
        "max_pool",
        "dx[n, c, i * stride + a, j * stride + b] += dout",
        "dx[n, c, i * stride + a, j * stride + b] = dout",
        "test_max_pool",
        "ps3.max_pool",
        "overwritten",
    ),
    ("ps3", "avg_pool", "/ size**2", "", "test_avg_pool", "ps3.avg_pool", "not_divided"),
    ("ps3", "avg_pool", "/ size**2", "/ size", "test_avg_pool", "ps3.avg_pool", "divided_by_size"),
    # ps4: pyramids
    ("ps4", "blur", 'mode="reflect"', 'mode="constant"', "test_blur", "ps4.blur", "zero_border"),
    ("ps4", "blur", 'mode="reflect"', 'mode="symmetric"', "test_blur", "ps4.blur", "symmetric_border"),
    (
        "ps4",
        "downsample",
        "return blur(image)[::2, ::2]",
        "return image[::2, ::2]",
        "test_downsample",
        "ps4.downsample",
        "no_blur",
    ),
    ("ps4", "upsample", "return 4.0 * blur(zeros)", "return blur(zeros)", "test_upsample", "ps4.upsample", "gain_1"),
    (
        "ps4",
        "upsample",
        "zeros[::2, ::2] = image",
        "zeros[1::2, 1::2] = image",
        "test_upsample",
        "ps4.upsample",
        "odd_positions",
    ),
    (
        "ps4",
        "laplacian",
        "fine - upsample(coarse, fine.shape)",
        "fine - upsample(coarse, fine.shape) / 4",
        "test_laplacian",
        "ps4.laplacian_pyramid",
        "gain_1",
    ),
    (
        "ps4",
        "laplacian",
        "fine - upsample(coarse, fine.shape)",
        "upsample(coarse, fine.shape) - fine",
        "test_laplacian",
        "ps4.laplacian_pyramid",
        "sign",
    ),
    (
        "ps4",
        "reconstruct",
        "x = band + upsample",
        "x = band - upsample",
        "test_reconstruct",
        "ps4.reconstruct",
        "subtract",
    ),
    (
        "ps4",
        "blend",
        "masks.append(downsample(masks[-1]))",
        "masks.append(masks[-1][::2, ::2])",
        "test_blend",
        "ps4.blend",
        "unblurred_mask",
    ),
    ("ps4", "blend", "g * x + (1 - g) * y", "g * y + (1 - g) * x", "test_blend", "ps4.blend", "swapped"),
    (
        "ps4",
        "upsample_matrix",
        "F[row, j] = weight",
        "F[row, j] = weight / 16",
        "test_upsample_matrix",
        "ps4.upsample_matrix",
        "over_16",
    ),
    (
        "ps4",
        "upsample_matrix",
        "row = 2 * j + t - 2",
        "row = 2 * j + t - 1",
        "test_upsample_matrix",
        "ps4.upsample_matrix",
        "centre_odd",
    ),
    # ps5: the computational graph
    (
        "ps5",
        "local_gradients",
        "return (b, a)",
        "return (a, b)",
        "test_local_gradients",
        "ps5.local_gradients",
        "mul_same",
    ),
    ("ps5", "local_gradients", "-a / b**2", "-a / b", "test_local_gradients", "ps5.local_gradients", "div_no_square"),
    (
        "ps5",
        "local_gradients",
        "const * a ** (const - 1)",
        "const * a ** const",
        "test_local_gradients",
        "ps5.local_gradients",
        "pow_no_minus_one",
    ),
    (
        "ps5",
        "local_gradients",
        "1.0 - value**2",
        "1.0 - a**2",
        "test_local_gradients",
        "ps5.local_gradients",
        "tanh_of_input",
    ),
    ("ps5", "forward", "args[0] / args[1]", "args[1] / args[0]", "test_forward", "ps5.forward", "div_swapped"),
    (
        "ps5",
        "backward",
        "grad_table[j] = sum(grad_table[i] * d for i, d in consumers[j])",
        "for i, d in consumers[j]:\n            grad_table[j] = grad_table[i] * d",
        "test_backward",
        "ps5.backward",
        "not_summed",
    ),
    ("ps5", "backward", "range(n - 2, -1, -1)", "range(n - 1)", "test_backward", "ps5.backward", "forward_order"),
    (
        "ps5",
        "backward",
        "grad_table[n - 1] = 1.0",
        "grad_table[n - 1] = 0.0",
        "test_backward",
        "ps5.backward",
        "no_seed",
    ),
    (
        "ps5",
        "backward",
        "for k, p in enumerate(parents[i]):",
        "for k, p in enumerate(dict.fromkeys(parents[i])):",
        "test_backward",
        "ps5.backward",
        "edge_counted_once",
    ),
    (
        "ps5",
        "gradient",
        "return grad_table[: len(inputs)]",
        "return grad_table",
        "test_gradient",
        "ps5.gradient",
        "whole_table",
    ),
]


# parts that call the student's own earlier functions and cannot run when those are broken
# (train_xor needs forward, backward_deltas and gradients to return arrays of the right shapes)
GENUINE = {("ps1", "test_gradients"): {"test_train_xor"}, ("ps1", "test_backward_deltas"): {"test_train_xor"}}
# (ps5's gradient is right given the student's own parts, so it keeps its points)


def _cells(ps):
    nb = nbformat.read(ROOT / "solutions" / ps / f"{ps}.ipynb", as_version=4)
    steps = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or meta.get("grade"):
            continue
        if meta.get("solution") or (meta.get("locked") and not str(meta.get("grade_id", "")).startswith("visible_")):
            steps.append((meta.get("grade_id"), cell.source))
    return steps


def run_cells(ps, edits=(), student="alice"):
    """The namespace after the set-up and answer cells (with ``edits``: {grade_id: (old, new)}), as graded.

    The sandbox sets JUPYTERHUB_USER to the graded student's id; so does this.
    """
    edits = dict(edits)
    ns = {}
    with contextlib.redirect_stdout(io.StringIO()), np.errstate(all="ignore"), pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTERHUB_USER", student)
        for grade_id, source in _cells(ps):
            if grade_id in edits:
                old, new = edits[grade_id]
                assert old in source, f"{ps}:{grade_id}: {old!r} not in the answer"
                source = source.replace(old, new)
            exec(compile(source, f"<{ps}:{grade_id}>", "exec"), ns)
    return ns


def grade_namespace(ps, ns, student):
    """Every part's verdict for the functions in ``ns``, graded as ``student`` (the grader's checks, in-process)."""
    parts = importlib.import_module(f"course_utils.grading.checks.{ps}").PARTS
    variant = Variant.for_student(ps, student, secret="test-secret")
    with np.errstate(all="ignore"):  # the student's code may overflow (a wrong answer's business)
        return {part.grade_id: part.check(LocalStudent(ns), variant) for part in parts}


def grade_in_process(ps, edits=(), student="alice"):
    return grade_namespace(ps, run_cells(ps, edits, student), student)


def test_the_table_is_long_enough_and_every_entry_is_a_bank_mistake():
    assert len(MISTAKES) >= 40
    for _, _, _, _, _, key, mistake in MISTAKES:
        assert mistake in [m.key for m in BANK[key].mistakes], (key, mistake)


@pytest.mark.parametrize("ps", ["ps1", "ps2", "ps3", "ps4", "ps5"])
def test_the_instructors_answers_earn_every_point(ps):
    verdicts = grade_in_process(ps)
    assert {g: v.score for g, v in verdicts.items()} == {g: 1.0 for g in verdicts}, verdicts


@pytest.mark.parametrize(
    "ps,cell,old,new,part,key,mistake", MISTAKES, ids=[f"{m[0]}:{m[5].split('.')[1]}:{m[6]}" for m in MISTAKES]
)
def test_an_injected_mistake_costs_its_part_only_and_is_named(ps, cell, old, new, part, key, mistake):
    verdicts = grade_in_process(ps, {cell: (old, new)})
    assert verdicts[part].score < 1.0, f"{mistake} passes {part}"
    says = next(m.says for m in BANK[key].mistakes if m.key == mistake).split("{name}")[-1][:40]
    assert says in verdicts[part].message, verdicts[part].message
    # every other part keeps its points, unless it genuinely builds on this one and says so
    number = f"Part {list(verdicts).index(part) + 1}"
    lost = {g: v.message for g, v in verdicts.items() if g != part and v.score < 1.0}
    assert all(f"fix {number} first" in message for message in lost.values()), lost
    assert set(lost) <= GENUINE.get((ps, part), set()), lost


def test_one_students_numbers_fail_on_anothers_variant():
    """Alice's worked-example numbers (computed in her notebook) earn the part for her and fail for Bob."""
    alice = run_cells("ps2", student="alice")
    assert grade_namespace("ps2", alice, "alice")["test_your_example"].score == 1.0
    copied = dict(alice)
    numbers = alice["my_answers"]()
    copied["my_answers"] = lambda: dict(numbers)  # Bob hands in Alice's numbers
    verdict = grade_namespace("ps2", copied, "bob")["test_your_example"]
    assert verdict.score == 0.0
    assert verdict.message.startswith("(checked on the variant of student 'bob', the id you are graded as)")
    # Bob's own notebook (same code, his id) earns it, and the other parts do not care whose variant it is
    bob = grade_in_process("ps2", student="bob")
    assert {g: v.score for g, v in bob.items()} == {g: 1.0 for g in bob}
    # the slides' numbers are recognised as such
    from course_utils.grading.mistakes.ps2 import YOUR_EXAMPLE_KEYS, slides_numbers

    copied["my_answers"] = lambda: dict(zip(YOUR_EXAMPLE_KEYS, slides_numbers(None)))
    assert "the slides' number" in grade_namespace("ps2", copied, "bob")["test_your_example"].message


@pytest.mark.parametrize(
    "ps,cell,old,new,part,says",
    [
        (
            "ps2",
            "sgd_update",
            "return W - lr * dW",
            "W -= lr * dW\n    return W",
            "test_sgd_update",
            "sgd_update changed its argument W in place",
        ),
        (
            "ps1",
            "numerical_gradient",
            "    return grad\n",
            "    W[0, 0] += 1.0\n    return grad\n",
            "test_numerical_gradient",
            "numerical_gradient_W changed its argument weights in place",
        ),
    ],
)
def test_right_numbers_from_a_function_that_changes_its_inputs_fail(ps, cell, old, new, part, says):
    verdicts = grade_in_process(ps, {cell: (old, new)})
    assert verdicts[part].score == 0.0 and verdicts[part].message.startswith(says), verdicts[part]
