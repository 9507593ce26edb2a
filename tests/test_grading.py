"""course_utils.grading without nbgrader runs: visible-test messages, the feedback filter,
error detection of the report, and the hidden tests' plain-Python references agreeing with
course_utils (each hidden test cell is executed in-process with course_utils as the "student")."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import nbformat
import numpy as np
import pytest

from course_utils import grading
from course_utils.grading import expect_close, expect_shape

ROOT = Path(__file__).resolve().parents[1]


# -- visible-test helpers --------------------------------------------------------------------------
def test_expect_shape_recognises_a_transpose():
    with pytest.raises(AssertionError, match=r"dW has shape \(3, 4\) but W has shape \(4, 3\): did you transpose\?"):
        expect_shape("dW", np.zeros((3, 4)), (4, 3), of="W")


def test_expect_shape_says_when_nothing_was_returned():
    with pytest.raises(AssertionError, match="is None: did you forget to `return` it"):
        expect_shape("out", None, (2,))


def test_expect_shape_recognises_a_wrong_arrangement():
    with pytest.raises(AssertionError, match="right number of entries, wrong arrangement"):
        expect_shape("x", np.zeros((2, 6)), (3, 4))


def test_expect_close_passes_and_names_classic_slips():
    want = np.array([[1.0, 2.0], [3.0, 4.0]])
    expect_close("g", want + 1e-12, want)
    with pytest.raises(AssertionError, match="twice the expected value"):
        expect_close("g", 2 * want, want)
    with pytest.raises(AssertionError, match="half the expected value"):
        expect_close("g", want / 2, want)
    with pytest.raises(AssertionError, match="wrong sign"):
        expect_close("g", -want, want)
    with pytest.raises(AssertionError, match="transpose of the expected value"):
        expect_close("g", want.T, want)
    with pytest.raises(AssertionError, match=r"g is wrong at index \(1, 1\): got 5, expected 4 \(hint!\)"):
        expect_close("g", np.array([[1.0, 2.0], [3.0, 5.0]]), want, hint="hint!")
    with pytest.raises(AssertionError, match="NaN or infinity"):
        expect_close("g", np.array([np.nan, 1.0]), [1.0, 1.0])


# -- feedback filter ---------------------------------------------------------------------------------
def _cell_with_error(grade):
    cell = nbformat.v4.new_code_cell("x")
    cell.metadata = {"nbgrader": {"grade": grade, "grade_id": "t", "points": 1}}
    cell.outputs = [nbformat.v4.new_output("error", ename="AssertionError", evalue="hidden test: dx differs",
                                           traceback=["Cell In[3], line 9", "---> 9 _secret_reference()", "..."])]
    return cell


def test_shorten_tracebacks_keeps_only_the_last_line_of_test_cells():
    nb = nbformat.v4.new_notebook()
    nb.cells = [_cell_with_error(True), _cell_with_error(False)]
    pre = grading.ShortenTestTracebacks()
    assert pre.enabled, "nbconvert runs a preprocessor only when enabled"
    out, _ = pre.preprocess(nb, {})
    assert out.cells[0].outputs[0].traceback == ["AssertionError: hidden test: dx differs"]
    assert len(out.cells[1].outputs[0].traceback) == 3  # answer cells are the student's own code


def test_config_registers_the_feedback_filter_and_hides_hidden_tests():
    text = (ROOT / "nbgrader_config.py").read_text()
    for needle in ("course_utils.grading.ShortenTestTracebacks", "ClearHiddenTests",
                   "add_missing_cells = True", "Execute.timeout", 'source_directory = "solutions"',
                   'release_directory = "assignments"'):
        assert needle in text, needle


# -- report: explicit errors ---------------------------------------------------------------------------
@pytest.mark.parametrize("text, message", [
    ('{"cells": [', "not valid JSON"),
    ("", "not valid JSON"),
    ('{"metadata": {}}', "not a Jupyter notebook"),
])
def test_read_notebook_reports_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "ps1.ipynb"
    path.write_text(text)
    nb, problem = grading._read_notebook(path)
    assert nb is None and message in problem


def test_error_kinds_from_autograded_outputs():
    assert grading._error_kind({"ename": "CellTimeoutError", "evalue": "A cell timed out"}) == "timeout"
    assert grading._error_kind({"ename": "DeadKernelError", "evalue": "Kernel died"}) == "kernel died"
    assert grading._error_kind({"ename": "AssertionError", "evalue": "dx is wrong"}) == ""


def test_suspicious_constructs_are_flagged():
    pats = grading.SUSPICIOUS
    assert pats["rebinds a numpy function"].search("np.allclose = lambda *a: True")
    assert not pats["rebinds a numpy function"].search("x = np.allclose(a, b)\nif np.sum(a) == 1: pass")
    assert pats["hooks the kernel"].search("get_ipython().set_custom_exc((Exception,), f)")
    assert pats["reads the executed cells' source"].search("src = _ih[-1]")
    assert pats["ends the process"].search("os._exit(1)")
    assert pats["calls the course_utils reference"].search("from course_utils.conv import conv2d_backward")
    assert pats["frame or gc introspection"].search("sys._getframe(1).f_locals")


def test_autograde_logs_tell_a_dead_kernel_from_a_timeout(tmp_path):
    logs = tmp_path / "reports" / "ps4" / "logs"
    logs.mkdir(parents=True)
    (logs / "autograde.log").write_text(
        "[AutogradeApp | INFO] Creating/updating student with ID 'ann': {}\n... all fine ...\n"
        "[AutogradeApp | INFO] Creating/updating student with ID 'bob': {}\n"
        "[AutogradeApp | ERROR] Kernel died while waiting for execute reply.\nnbclient.exceptions.DeadKernelError\n"
        "[AutogradeApp | INFO] Creating/updating student with ID 'cem': {}\n"
        "[AutogradeApp | ERROR] Timeout waiting for execute reply (60s).\n")
    assert grading._log_problems(tmp_path, "ps4") == {"bob": "the kernel died", "cem": "a cell timed out"}
    assert grading._log_problems(tmp_path, "ps1") == {}


def test_report_command_refuses_a_folder_without_config(tmp_path, capsys):
    with pytest.raises(SystemExit):
        grading.main(["report", "ps1", "--course-dir", str(tmp_path)])
    assert "has no nbgrader_config.py" in capsys.readouterr().err


def test_bulk_autograde_shows_progress_and_failures(tmp_path, monkeypatch, capsys):
    import subprocess

    for student in ("ann", "bob", "cem"):
        (tmp_path / "submitted" / student / "ps1").mkdir(parents=True)
    calls = []

    def fake_run(cmd, **kw):
        calls.append(cmd)
        failed = "--student=bob" in cmd
        return subprocess.CompletedProcess(cmd, 1 if failed else 0, "", "")

    monkeypatch.setattr(grading.subprocess, "run", fake_run)
    assert grading.autograde("ps1", tmp_path) == 1
    out = capsys.readouterr().out
    assert "[1/3] ann: graded" in out and "[2/3] bob: FAILED (see report)" in out and "[3/3] cem: graded" in out
    assert [("autograde" in c and "ps1" in c and f"--student={s}" in c) for c, s in zip(calls, ("ann", "bob", "cem"))] \
        == [True, True, True]


def test_write_report_marks_errors_and_pending_manual_grades(tmp_path):
    parts = [("t1", 2.0, "ps", "auto"), ("t2", 1.0, "ps", "auto"), ("w", 3.0, "ps", "manual")]
    results = [grading.Submission("ann", scores={"t1": 2.0, "t2": 0.0, "w": None}, errors={"t2": "timeout"}),
               grading.Submission("dan", scores={"t1": 2.0, "t2": 1.0, "w": None}, flags=["rebinds a numpy function"]),
               grading.Submission("bob", error="ps.ipynb is not valid JSON (x)"),
               grading.Submission("cem", scores={"t1": 2.0, "t2": 1.0, "w": 3.0})]
    written = grading.write_report("ps", parts, results, tmp_path)
    rows = {r[0]: r for r in [line.split(",") for line in written["csv"].read_text().splitlines()[1:]]}
    assert rows["ann"][1] == "needs manual grading" and rows["ann"][2] == "2" and "t2: timeout" in rows["ann"][6]
    assert rows["bob"][1] == "error" and rows["bob"][2] == ""
    assert rows["cem"][1] == "graded" and rows["cem"][2] == "6"
    assert rows["dan"][1] == "review: flagged" and rows["dan"][7] == "rebinds a numpy function"
    assert written["pass_rates"] == {"t1": 1.0, "t2": 2 / 3}   # bob is not gradable, so not counted
    assert written["png"].read_bytes()[:4] == b"\x89PNG"


# -- the hidden tests' references agree with course_utils ---------------------------------------------
def _run_test_cells(ps, answers: dict):
    """Execute ps's set-up and test cells in-process, with ``answers`` standing in for the student."""
    nb = nbformat.read(ROOT / "solutions" / ps / f"{ps}.ipynb", as_version=4)
    ns: dict = {}
    ran = 0
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or meta.get("solution"):
            continue
        if meta.get("grade") and "### BEGIN HIDDEN TESTS" not in cell.source:
            raise AssertionError(f"{ps}/{meta['grade_id']} has no hidden tests")
        if meta.get("grade"):
            ns.update(answers)
            ran += 1
        exec(compile(cell.source, f"{ps}:{meta.get('grade_id')}", "exec"), ns)
        if not meta.get("grade"):
            ns.update(answers)
    return ran


def test_ps3_hidden_references_agree_with_course_utils_conv_and_pooling():
    from course_utils import conv, pooling

    def layer(dout, x, w):
        _, cache = conv.conv2d_forward(x, w, np.zeros(w.shape[0]))
        return conv.conv2d_backward(dout, cache)

    def output_size(w_in, f, p=0, s=1):
        # course_utils rounds down like PyTorch; ps3 asks for an error when the windows do not tile
        if (w_in - f + 2 * p) % s:
            raise ValueError("does not tile")
        return conv.conv_output_size(w_in, f, stride=s, pad=p)

    answers = {
        "conv_output_size": output_size,
        "correlate2d_valid": lambda x, k: conv.correlate2d(x, k, "valid"),
        "conv_backward_dw": lambda x, dy: layer(dy[None, None], x[None, None],
                                                np.zeros((1, 1, x.shape[0] - dy.shape[0] + 1,
                                                          x.shape[1] - dy.shape[1] + 1)))[1][0, 0],
        "conv_backward_dx": lambda dy, w: conv.correlate2d(dy, conv.flip180(w), "full"),
        "conv2d_backward_naive": layer,
        "max_pool_backward": lambda dout, x, size=2, stride=2: pooling.max_pool_backward(
            dout, pooling.max_pool_forward(x, size=size, stride=stride)[1]),
        "avg_pool_backward": lambda dout, shape, size=2, stride=2: pooling.avg_pool_backward(
            dout, pooling.avg_pool_forward(np.zeros(shape), size=size, stride=stride)[1]),
    }
    assert _run_test_cells("ps3", answers) == 7


def test_ps4_hidden_references_agree_with_course_utils_pyramids():
    from course_utils import pyramids as ref

    answers = {
        "blur": ref.blur, "downsample": ref.downsample, "upsample": ref.upsample,
        "laplacian_pyramid": ref.laplacian_pyramid, "reconstruct": ref.reconstruct, "blend": ref.blend,
        "upsample_matrix": lambda n: ref.upsample_matrix(n, boundary="zero", normalized=False),
    }
    assert _run_test_cells("ps4", answers) == 7


def test_ps2_hidden_references_agree_with_course_utils():
    from course_utils.activations import softmax
    from course_utils.losses import mse_gradient, softmax_cross_entropy
    from course_utils.mlp import MLP

    def net(W1, b1, W2, b2):
        mlp = MLP([2, 2, 2])
        mlp.weights, mlp.biases = [W1, W2], [b1, b2]
        return mlp

    def forward_example(W1, b1, W2, b2, x):
        zs, acts = net(W1, b1, W2, b2).forward_layers(x[None])
        return zs[0][0], acts[1][0], zs[1][0], acts[2][0]

    def example_gradients(W1, b1, W2, b2, x, target):
        _, grads = net(W1, b1, W2, b2).loss_and_gradients(x[None], target[None])
        return grads.weights[0], grads.weights[1]

    answers = {
        "forward_example": forward_example, "example_gradients": example_gradients,
        "total_error": lambda out, t: float(out.size) * 0 + 0.5 * float(np.sum((out - t) ** 2)),
        "mse_backward": lambda out, t: mse_gradient(out, t),
        "sigmoid_backward": lambda dout, out: dout * out * (1 - out),
        "sgd_update": lambda W, dW, lr: W - lr * dW,
        "softmax": lambda z: softmax(z, axis=1),
        "softmax_cross_entropy": softmax_cross_entropy,
    }
    assert _run_test_cells("ps2", answers) == 7


def test_ps1_hidden_references_agree_with_course_utils():
    from course_utils.activations import sigmoid, sigmoid_derivative
    from course_utils.gradcheck import numerical_gradient
    from course_utils.mlp import MLP

    def net(weights, biases):
        mlp = MLP([W.shape[1] for W in weights] + [weights[-1].shape[0]])
        mlp.weights, mlp.biases = weights, biases
        return mlp

    def forward(weights, biases, x):
        zs, acts = net(weights, biases).forward_layers(x[None])
        return [z[0] for z in zs], [a[0] for a in acts]

    def backward_deltas(weights, zs, delta_L):
        deltas = [delta_L]
        for k in range(len(weights) - 1, 0, -1):
            deltas.insert(0, (deltas[0] @ weights[k]) * sigmoid_derivative(zs[k - 1]))
        return deltas

    def numerical_gradient_W(weights, biases, x, y, k, h=1e-5):
        mlp = net([W.copy() for W in weights], biases)
        return numerical_gradient(lambda W: mlp.loss_and_gradients(x[None], y[None])[0], mlp.weights[k])

    def train_xor(weights, biases, lr=2.0, epochs=1500):
        mlp = net(weights, biases)
        xs = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
        ys = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
        history = mlp.fit(xs, ys, epochs=epochs, lr=lr, batch_size=1, shuffle=False, progress=False)
        return mlp.weights, mlp.biases, [4 * h for h in history]

    answers = {
        "sigmoid": sigmoid, "sigmoid_prime": sigmoid_derivative, "forward": forward,
        "output_delta": lambda yhat, z_L, y: (yhat - y) * sigmoid_derivative(z_L),
        "backward_deltas": backward_deltas,
        "gradients": lambda ds, acts: ([np.outer(d, a) for d, a in zip(ds, acts[:-1])], list(ds)),
        "numerical_gradient_W": numerical_gradient_W, "train_xor": train_xor,
    }
    assert _run_test_cells("ps1", answers) == 7


def test_hidden_tests_reject_a_forged_answer_in_process():
    """The trusted kit, run in this process: an ndarray subclass that claims equality earns nothing."""
    class Agreeable(np.ndarray):
        def __eq__(self, other):
            return True

        def __sub__(self, other):
            return np.zeros(self.shape).view(Agreeable)

        def tolist(self):
            return [0.0] * self.size

    from course_utils.pyramids import blur as real_blur
    answers = {"blur": lambda image: real_blur(image).view(Agreeable)}
    nb = nbformat.read(ROOT / "solutions" / "ps4" / "ps4.ipynb", as_version=4)
    test = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_blur")
    hidden = test.source[test.source.index("### BEGIN HIDDEN TESTS"):]
    ns = {"np": np, **answers}
    with pytest.raises(AssertionError, match="should be a numpy array"):
        exec(hidden, ns)
    ns["blur"] = real_blur
    exec(hidden, ns)  # the genuine array passes
