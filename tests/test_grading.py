"""course_utils.grading without a class to grade: the command line's refusals, the wire protocol's
strictness, compare's messages, variants, nbgrader's reading of the outputs the plug-in writes,
the report, and every check against the instructor's own answers (and a wrong one)."""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import nbformat
import numpy as np
import pytest

from course_utils import grading
from course_utils.grading import api, engine, protocol
from course_utils.grading.api import NotPlainData, ProtocolError, StudentRaised, Variant, Verdict, compare
from course_utils.grading.local import LocalStudent, run_check

ROOT = Path(__file__).resolve().parents[1]
PROBLEM_SETS = ("ps1", "ps2", "ps3", "ps4", "ps5")


# -- the visible tests' helper ---------------------------------------------------------------------
def test_importing_the_visible_tests_helper_does_not_import_nbgrader():
    code = (
        "import sys; from course_utils.grading.local import check; "
        "print('nbconvert' in sys.modules or 'nbgrader' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


# -- nbgrader configuration and the plug-in's outputs -------------------------------------------------
def test_config_replaces_execute_by_the_sandboxed_verdicts():
    text = (ROOT / "nbgrader_config.py").read_text()
    for needle in (
        "course_utils.grading.nbgrader_plugin.RecordVerdicts",
        "nbgrader.preprocessors.SaveAutoGrades",
        "course_utils.grading.nbgrader_plugin.ShortenTestTracebacks",
        "add_missing_cells = True",
        'source_directory = "solutions"',
        'release_directory = "assignments"',
    ):
        assert needle in text, needle
    assert "nbgrader.preprocessors.Execute" not in text


def _grade_cell(outputs, points=2):
    cell = nbformat.v4.new_code_cell("check('ps1', 'test_x', globals())")
    cell.metadata = {
        "nbgrader": {
            "grade": True,
            "solution": False,
            "grade_id": "test_x",
            "points": points,
            "locked": True,
            "schema_version": 3,
        }
    }
    cell.outputs = outputs
    return cell


@pytest.mark.parametrize(
    "part, points",
    [
        ({"points": 2.0, "max_points": 2.0, "message": "", "status": "passed"}, 2.0),
        ({"points": 0.5, "max_points": 2.0, "message": "half", "status": "partial"}, 0.5),
        ({"points": 0.0, "max_points": 2.0, "message": "dX: the filter was not flipped", "status": "failed"}, 0.0),
        ({"points": 0.0, "max_points": 2.0, "message": "timed out", "status": "timeout"}, 0.0),
        (None, 0.0),
    ],
)
def test_nbgrader_reads_the_points_the_plugin_writes(part, points):
    from nbgrader.utils import determine_grade

    from course_utils.grading.nbgrader_plugin import outputs_for

    cell = _grade_cell(outputs_for(part))
    assert determine_grade(cell)[0] == points
    text = json.dumps(cell.outputs)
    if part and part["message"]:
        assert part["message"] in text


def test_a_submission_error_zeroes_every_part_with_its_reason():
    from nbgrader.utils import determine_grade

    from course_utils.grading.nbgrader_plugin import outputs_for

    cell = _grade_cell(outputs_for(None, "the course grades one notebook per problem set"))
    assert determine_grade(cell)[0] == 0 and "one notebook" in cell.outputs[0]["evalue"]


def test_shorten_tracebacks_keeps_only_the_last_line_of_test_cells():
    cell = _grade_cell(
        [
            nbformat.v4.new_output(
                "error",
                ename="AssertionError",
                evalue="dx differs",
                traceback=["Cell In[3], line 9", "---> 9 _secret()", "..."],
            )
        ]
    )
    other = nbformat.v4.new_code_cell("x")
    other.outputs = [dict(cell.outputs[0], traceback=["a", "b", "c"])]
    nb = nbformat.v4.new_notebook()
    nb.cells = [cell, other]
    out, _ = grading.ShortenTestTracebacks().preprocess(nb, {})
    assert out.cells[0].outputs[0]["traceback"] == ["AssertionError: dx differs"]
    assert len(out.cells[1].outputs[0]["traceback"]) == 3


# -- the wire: strict decoding of what the sandbox sends ---------------------------------------------
def _npy(arr, allow_pickle=False) -> str:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=allow_pickle)
    return base64.b64encode(buf.getvalue()).decode()


def test_protocol_round_trips_plain_data():
    value = {"a": [np.arange(6.0).reshape(2, 3), (1, 2.5, None, True)], "b": np.float64(1.5), "c": float("nan")}
    back = protocol.decode(json.loads(json.dumps(protocol.encode(value))))
    assert np.array_equal(back["a"][0], value["a"][0]) and type(back["a"][0]) is np.ndarray
    assert back["a"][1] == (1, 2.5, None, True) and type(back["b"]) is np.float64 and np.isnan(back["c"])


@pytest.mark.parametrize(
    "node, error",
    [
        ({"$npy": _npy(np.array([object()], dtype=object), allow_pickle=True)}, ProtocolError),  # a pickle inside
        ({"$npy": _npy(np.zeros(3, dtype=[("a", "f8")]))}, ProtocolError),  # structured dtype
        ({"$npy": _npy(np.zeros(4))[:-8]}, ProtocolError),  # truncated data
        ({"$npy": "not base64!"}, ProtocolError),
        ({"$npy": _npy(np.zeros(2)), "$tuple": []}, ProtocolError),
        ({"$pickle": "gASV"}, ProtocolError),
        ({"$unsupported": "Agreeable"}, NotPlainData),
    ],
)
def test_protocol_rejects_anything_but_plain_data(node, error):
    with pytest.raises(error):
        protocol.decode(node)


def test_protocol_rejects_an_array_header_that_claims_more_than_it_sends():
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f8", "fortran_order": False, "shape": (9999999999,)})
    buf.write(np.zeros(2).tobytes())  # 16 bytes, not 80 GB: nothing is allocated for the claim
    with pytest.raises(ProtocolError, match="does not match"):
        protocol.decode({"$npy": base64.b64encode(buf.getvalue()).decode()})


def test_replies_out_of_turn_are_refused():
    with pytest.raises(ProtocolError):
        protocol.parse_reply(json.dumps({"id": "other", "ok": True}).encode(), "mine")
    with pytest.raises(ProtocolError):
        protocol.parse_reply(b"\xff\xfe", "mine")


# -- compare and variants --------------------------------------------------------------------------
def test_a_finite_answer_is_never_close_to_an_infinite_one():
    from course_utils.grading.mistakes._core import _close, _first_wrong

    # within rtol |want| of an infinity is everything: a finite answer matched an overflow "mistake"
    # (softmax_cross_entropy's feedback said "loss is infinite" of a loss of 201) and passed as
    # "right given your own helper" when that helper returned inf
    verdict = compare("loss", np.array([201.0]), np.array([2.0]), mistakes=[("it overflowed", np.array([np.inf]))])
    assert verdict.score == 0 and "overflowed" not in verdict.message
    assert compare("loss", np.array([201.0]), np.array([np.inf])).score == 0
    assert not _close(np.array([201.0]), np.array([np.inf])) and not _close(np.array([np.inf]), np.array([201.0]))
    assert _close(np.array([np.inf, np.nan, 1.0]), np.array([np.inf, np.nan, 1.0 + 1e-12]))
    assert not _close(np.array([-np.inf]), np.array([np.inf]))
    assert _first_wrong(np.array([np.inf, 3.0]), np.array([np.inf, np.inf])) == (1,)


def test_compare_names_the_mistake_or_says_it_does_not_know():
    want = np.array([[1.0, 2.0], [3.0, 4.5]])
    assert compare("dW", want + 1e-12, want).score == 1.0
    assert "transpose of the right value" in compare("dW", want.T, want).message
    assert "np.outer(a, delta)?" in compare("dW", want.T, want, mistakes=[("np.outer(a, delta)?", want.T)]).message
    assert "wrong sign" in compare("dW", -want, want).message
    assert "shape (3,), expected (2, 2)" in compare("dW", np.zeros(3), want).message
    assert "not one of the mistakes the grader knows" in compare("dW", want + 1, want).message
    assert "None" in compare("dW", None, want).message
    assert "NaN" in compare("dW", np.full((2, 2), np.nan), want).message
    assert compare("n", 28, 28.0).score == 1.0 and compare("n", True, 1.0).score == 0.0


def test_verdicts_combine_and_refuse_scores_outside_0_1():
    v = Verdict.combine(Verdict.passed(), Verdict(0.5, "half"), Verdict.failed("no"))
    assert v.score == 0.0 and v.message == "half. no."  # each message a sentence of its own
    one = Verdict.combine(Verdict.passed("fine"), Verdict.failed("the part fails (your x = 1)."))
    assert one.message == "the part fails (your x = 1)."
    with pytest.raises(ValueError, match="fraction"):
        Verdict(2.0)


def test_variants_are_per_student_and_salted_by_the_course_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("COURSE_GRADING_SECRET", raising=False)
    secret = api.course_secret(tmp_path)
    path = tmp_path / "reports" / "grading-secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and api.course_secret(tmp_path) == secret
    ann, bob = Variant.for_student("ps1", "ann", secret), Variant.for_student("ps1", "bob", secret)
    assert np.array_equal(ann.rng("k").random(3), Variant.for_student("ps1", "ann", secret).rng("k").random(3))
    assert not np.array_equal(ann.rng("k").random(3), bob.rng("k").random(3))
    other_course = Variant.for_student("ps1", "ann", "another secret")
    assert not np.array_equal(ann.rng("k").random(3), other_course.rng("k").random(3))
    assert np.array_equal(ann.public_rng("k").random(3), other_course.public_rng("k").random(3))


# -- the checks against the instructor's answers -------------------------------------------------------
def _solution_namespace(ps: str, student: str = "") -> dict:
    """The instructor's answers and set-up cells, executed like the sandbox does (no test cells).

    The sandbox tells the set-up cells who is graded (JUPYTERHUB_USER: ps2's per-student variant).
    """
    from _harness import solution_code  # tests/fixtures/submissions

    nb = nbformat.read(ROOT / "solutions" / ps / f"{ps}.ipynb", as_version=4)
    ns: dict = {"__name__": "__main__"}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTERHUB_USER", student)
        for cell in nb.cells:
            if engine.runs_in_sandbox(cell):
                exec(cell.source, ns)
            elif cell.metadata.get("nbgrader", {}).get("solution") and cell.cell_type == "code":
                exec(solution_code(cell.source), ns)
    return ns


@pytest.fixture(autouse=True, scope="module")
def _fixture_path():
    import sys

    sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "submissions"))
    yield
    sys.path.remove(str(ROOT / "tests" / "fixtures" / "submissions"))


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_every_check_passes_the_instructors_answers(ps):
    parts, _ = engine.load_parts(ps)
    for variant in (Variant.for_student(ps, "ann", "s"), Variant.practice_run(ps)):
        ns = _solution_namespace(ps, "" if variant.practice else variant.student)
        for part in parts:
            verdict = part.check(LocalStudent(ns), variant)
            assert verdict.score == 1.0, (part.grade_id, verdict.message)


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_every_check_fails_the_fixtures_wrong_answers_with_a_message(ps):
    from _harness import build_submission, load_fixture

    solution = nbformat.read(ROOT / "solutions" / ps / f"{ps}.ipynb", as_version=4)
    release = nbformat.read(ROOT / "assignments" / ps / f"{ps}.ipynb", as_version=4)
    wrong = build_submission(release, solution, load_fixture(ps).STUDENTS["wrong"])
    ns: dict = {"__name__": "__main__"}
    for _, _, source in engine.program(json.loads(nbformat.writes(release)), json.loads(nbformat.writes(wrong)))[0]:
        exec(source, ns)
    for part in engine.load_parts(ps)[0]:
        verdict = run_check(ps, part.grade_id, ns, Variant.for_student(ps, "bob", "s"))
        assert verdict.score == 0.0 and verdict.message, part.grade_id


def _filled(value, x: float):
    """``value`` with every number replaced by ``x`` (arrays, numbers, tuples, lists, dicts)."""
    if isinstance(value, (np.ndarray, float, int, np.number)) and not isinstance(value, bool):
        return np.full(np.shape(value), x)
    if isinstance(value, (tuple, list)):
        return type(value)(_filled(v, x) for v in value)
    if isinstance(value, dict):
        return {k: _filled(v, x) for k, v in value.items()}
    return value


def _same_data(a, b) -> bool:
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same_data(x, y) for x, y in zip(a, b))
    return np.shape(a) == np.shape(b) and bool(np.array_equal(a, b))


def _right_only_on(function, inputs: tuple, lie: float):
    """``function``, except that on any arguments but ``inputs`` every number it returns is ``lie``."""

    def lying(*args):
        result = function(*args)
        return result if _same_data(args, inputs) else _filled(result, lie)

    return lying


@pytest.mark.parametrize("ps", PROBLEM_SETS)
@pytest.mark.parametrize("lie", [np.inf, 0.0, np.nan], ids=["inf", "zeros", "nan"])
def test_a_helper_that_lies_off_its_own_inputs_buys_no_later_part(ps, lie):
    """No cascades must not become a loophole. A part is judged "right given your own helper"; a helper right
    on its own check's inputs (a student can tell them by their shape) and returning infinities, zeros or
    NaNs on any other input made the later part's reference infinite, zero or NaN on top of it, and the later
    part passed with an answer that computes nothing (infinities: any finite answer, |got − inf| <= rtol |inf|;
    zeros or NaNs: the same fill). output_delta, numerical_gradient_W, example_gradients, conv_dw, conv_dx,
    downsample, upsample, laplacian_pyramid, reconstruct, blend and train_xor earned their points so."""
    from course_utils.grading.banked import _own_part
    from course_utils.grading.mistakes import BANK

    variant = Variant.for_student(ps, "ann", "secret")
    ns = _solution_namespace(ps)
    honest = dict(ns)
    for part in engine.load_parts(ps)[0]:
        function, helpers = part.uses[0], [n for n in part.uses[1:] if _own_part(ps, n)]
        if not helpers or function == "my_answers":  # my_answers takes no input: nothing to lie about
            continue
        lying = dict(honest)
        for name in helpers:  # right on its own part's inputs: its own check passes, it may be used
            own = _own_part(ps, name)
            lying[name] = _right_only_on(honest[name], tuple(BANK[own].inputs(variant.rng(own)).values()), lie)
        lying[function] = lambda *args, _f=function: _filled(honest[_f](*args), 0.0 if np.isinf(lie) else lie)
        verdict = part.check(LocalStudent(lying), variant)
        assert verdict.score == 0.0, (part.grade_id, verdict.message)


def test_a_helper_right_only_given_its_own_helpers_is_held_to_the_same_rule():
    """One level down: downsample with the classic slip (no blur), laplacian_pyramid right given it on its own
    inputs and zeros on blend's: blend returning zeros was "right given your own laplacian_pyramid"."""
    from course_utils.grading.mistakes import BANK

    variant = Variant.for_student("ps4", "ann", "secret")
    ns = _solution_namespace("ps4")
    exec("def downsample(image):\n    return image[::2, ::2]\n", ns)
    own = tuple(BANK["ps4.laplacian_pyramid"].inputs(variant.rng("ps4.laplacian_pyramid")).values())
    ns["laplacian_pyramid"] = _right_only_on(ns["laplacian_pyramid"], own, 0.0)
    ns["blend"] = lambda a, b, mask, levels: np.zeros(np.shape(a))
    parts = {part.grade_id: part for part in engine.load_parts("ps4")[0]}
    laplacian = parts["test_laplacian"].check(LocalStudent(ns), variant)
    assert laplacian.score == 1.0 and "right given your own downsample" in laplacian.message  # no cascade
    assert parts["test_blend"].check(LocalStudent(ns), variant).score == 0.0


def test_a_helper_called_once_per_case_is_held_to_the_rule_on_each_case():
    """ps5: local_gradients right on its own check's cases and zeros on any other made gradient returning zeros
    "right given your own local_gradients" (2 points for nothing)."""
    from course_utils.grading.mistakes import BANK

    variant = Variant.for_student("ps5", "ann", "secret")
    ns = _solution_namespace("ps5")
    honest, own = ns["local_gradients"], BANK["ps5.local_gradients"].inputs(variant.rng("ps5.local_gradients"))

    def local_gradients(*case):
        result = honest(*case)
        return result if any(_same_data(case, tuple(c)) for c in own["cases"]) else _filled(result, 0.0)

    ns["local_gradients"] = local_gradients
    ns["gradient"] = lambda graph, inputs: [0.0] * len(inputs)
    parts = {part.grade_id: part for part in engine.load_parts("ps5")[0]}
    assert parts["test_local_gradients"].check(LocalStudent(ns), variant).score == 1.0
    assert parts["test_gradient"].check(LocalStudent(ns), variant).score == 0.0


def test_named_mistakes_are_recognised():
    ns = _solution_namespace("ps3")
    ns["conv_backward_dx"] = lambda dy, w: ns["correlate2d_valid"](np.pad(dy, ((2, 2), (1, 1))), w)
    assert "with W *unflipped*" in run_check("ps3", "test_conv_dx", ns).message
    ns = _solution_namespace("ps1")
    ns["output_delta"] = lambda yhat, z_L, y: (y - yhat) * ns["sigmoid_prime"](z_L)
    assert "has the wrong sign" in run_check("ps1", "test_output_delta", ns).message


def test_the_local_check_of_a_visible_test_raises_the_graders_message():
    from course_utils.grading.local import check

    ns = _solution_namespace("ps2")
    check("ps2", "test_sgd_update", ns)
    ns["sgd_update"] = lambda W, dW, lr: W + lr * dW
    with pytest.raises(AssertionError, match=r"gradient descent \*subtracts\* the gradient"):
        check("ps2", "test_sgd_update", ns)
    del ns["softmax"]
    with pytest.raises(AssertionError, match="softmax is not defined"):
        check("ps2", "test_softmax", ns)


def test_lying_return_values_are_converted_to_what_they_hold():
    class Agreeable(np.ndarray):
        def __eq__(self, other):
            return True

        def tolist(self):
            return [0.0] * self.size

    student = LocalStudent({"f": lambda: np.ones(3).view(Agreeable), "g": lambda: object()})
    got = student.call("f")
    assert type(got) is np.ndarray and np.array_equal(got, np.ones(3))
    with pytest.raises(NotPlainData):
        student.call("g")


# -- the program the sandbox runs ----------------------------------------------------------------------
def test_the_sandbox_runs_set_up_and_answer_cells_only_from_the_release():
    release = json.loads((ROOT / "assignments" / "ps1" / "ps1.ipynb").read_text())
    submission = json.loads(json.dumps(release))
    for cell in submission["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("grade_id") == "setup":
            cell["source"] = "SECRET = 'the student edited the set-up cell'"
        if meta.get("grade_id") == "sigmoid":
            cell["source"] = "def sigmoid(z):\n    return z"
    submission["cells"].append({"cell_type": "code", "metadata": {}, "source": "scratch = 1", "outputs": []})
    steps, missing = engine.program(release, submission)
    kinds = [(k, g) for k, g, _ in steps]
    assert kinds[0] == ("setup", "setup") and ("answer", "sigmoid") in kinds and ("setup", "setup_xor") in kinds
    assert not any(g.startswith(("test_", "visible_")) for _, g in kinds) and missing == []
    sources = "\n".join(src for _, _, src in steps)
    assert "the student edited" not in sources and "scratch = 1" not in sources and "return z" in sources
    assert (
        engine.defining_cell(steps, "sigmoid") == "sigmoid"
        and engine.defining_cell(steps, "loss") == "numerical_gradient"
    )


def test_report_says_why_a_submission_cannot_be_graded(tmp_path):
    folder = tmp_path / "submitted" / "ann" / "ps1"
    folder.mkdir(parents=True)
    (folder / "ps1 (1).ipynb").write_text("{}")
    assert "found ps1 (1).ipynb" in engine.submission_problem(tmp_path, "ps1", "ann", "ps1")
    for text, message in (
        ('{"cells": [', "not valid JSON"),
        ("", "not valid JSON"),
        ('{"metadata": {}}', "not a Jupyter notebook"),
    ):
        (folder / "ps1.ipynb").write_text(text)
        assert message in engine.read_notebook(folder / "ps1.ipynb")[1]


def test_grading_refuses_without_bubblewrap_unless_told(monkeypatch):
    from course_utils.grading import sandbox

    monkeypatch.setattr(sandbox, "bwrap_path", lambda: None)
    with pytest.raises(sandbox.SandboxUnavailable, match=r"apt-get install bubblewrap.*--no-sandbox"):
        engine.make_stage(isolate=True)


def test_write_report_marks_errors_and_pending_manual_grades(tmp_path):
    parts = [("t1", 2.0, "ps", "auto"), ("t2", 1.0, "ps", "auto"), ("w", 3.0, "ps", "manual")]
    Submission = grading.Submission
    results = [
        Submission(
            "ann",
            scores={"t1": 2.0, "t2": 0.0, "w": None},
            errors={"t2": "timeout"},
            messages={"t1": "", "t2": "timed out: a call took longer than 60 s"},
        ),
        Submission("dan", scores={"t1": 2.0, "t2": 1.0, "w": None}, flags=["tried to read or write outside"]),
        Submission("bob", error="ps.ipynb is not valid JSON (x)"),
        Submission("cem", scores={"t1": 2.0, "t2": 1.0, "w": 3.0}),
    ]
    written = grading.write_report("ps", parts, results, tmp_path)
    rows = {r[0]: r for r in [line.split(",") for line in written["csv"].read_text().splitlines()[1:]]}
    assert rows["ann"][1] == "needs manual grading" and rows["ann"][2] == "2" and "t2: timeout" in rows["ann"][6]
    assert rows["bob"][1] == "error" and rows["bob"][2] == ""
    assert rows["cem"][1] == "graded" and rows["cem"][2] == "6"
    assert rows["dan"][1] == "review: flagged"
    assert written["pass_rates"] == {"t1": 1.0, "t2": 2 / 3}
    assert written["png"].read_bytes()[:4] == b"\x89PNG"
    messages = written["messages"].read_text().splitlines()
    assert "ann,t2,0,timeout,timed out: a call took longer than 60 s" in messages and "ann,t1,2,passed," in messages


def test_report_command_refuses_a_folder_without_config(tmp_path, capsys):
    assert grading.main(["report", "ps1", "--course-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {tmp_path} has no nbgrader_config.py: run in the course root or pass --course-dir\n"


# -- the command line refuses, in one line and before any work, what it cannot grade --------------
def _course(tmp_path, ps="ps3", gradebook=(), students=("ann",)) -> Path:
    """A course folder: config, the committed release of ``ps``, a gradebook holding ``gradebook``."""
    course = tmp_path / "course"
    (course / "assignments").mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "assignments" / ps, course / "assignments" / ps)
    if gradebook:
        from nbgrader.api import Gradebook

        venv_bin = str(Path(sys.executable).parent)  # nbgrader runs `alembic` from the venv
        with mock.patch.dict(os.environ, {"PATH": venv_bin + os.pathsep + os.environ.get("PATH", "")}):
            with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id="backprop-cnn-pyramids") as gb:
                for name in gradebook:
                    gb.add_assignment(name)
    for student in students:
        (course / "submitted" / student / ps).mkdir(parents=True)
        shutil.copy(course / "assignments" / ps / f"{ps}.ipynb", course / "submitted" / student / ps)
    return course


def _refused(course, *args, env=None):
    """Run the real command line; it must exit 2 with one line on stderr and start nothing."""
    before = sorted(p.relative_to(course) for p in course.rglob("*"))
    env = {**os.environ, **(env or {})}
    env.pop("COURSE_GRADING_SECRET", None)
    env["COURSE_GRADING_STAGE_ROOT"] = str(course.parent / "stages")
    (course.parent / "stages").mkdir(exist_ok=True)
    proc = subprocess.run(
        [sys.executable, "-m", "course_utils.grading", *args, "--course-dir", str(course)],
        cwd=course,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert proc.stdout == "" and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.endswith("\n") and proc.stderr.count("\n") == 1, proc.stderr
    # nothing was started: no file made or changed in the course, no stage, no verdict, no secret
    assert sorted(p.relative_to(course) for p in course.rglob("*")) == before
    assert list((course.parent / "stages").iterdir()) == []
    return proc.stderr.rstrip("\n")


def test_autograde_refuses_a_problem_set_that_is_not_in_the_gradebook(tmp_path):
    course = _course(tmp_path)  # no gradebook.db at all (generate_assignment never ran here)
    want = "error: ps3 is not in gradebook.db: run 'nbgrader generate_assignment ps3' first"
    assert _refused(course, "autograde", "ps3") == want
    assert _refused(course, "report", "ps3") == want
    course = _course(tmp_path / "other", gradebook=("ps1",))  # a gradebook without ps3
    assert _refused(course, "autograde", "ps3") == want


def test_autograde_refuses_an_unknown_problem_set(tmp_path):
    course = _course(tmp_path, gradebook=("ps3",))
    assert (
        _refused(course, "autograde", "ps9")
        == "error: unknown problem set 'ps9': the grader has checks for ps1, ps2, ps3, ps4, ps5"
    )
    assert _refused(course, "autograde", "../ps3").startswith("error: unknown problem set '../ps3'")


def test_autograde_refuses_when_there_are_no_submissions(tmp_path):
    course = _course(tmp_path, gradebook=("ps3",), students=())
    assert _refused(course, "autograde", "ps3") == (
        f"error: no submissions of ps3 in {course / 'submitted'} (expected submitted/<student>/ps3/ps3.ipynb): "
        "run 'nbgrader collect ps3' or 'nbgrader zip_collect ps3' first"
    )


def test_autograde_refuses_an_empty_course_secret(tmp_path):
    course = _course(tmp_path, gradebook=("ps3",))
    (course / "reports").mkdir()
    (course / "reports" / "grading-secret").write_text("\n")
    assert _refused(course, "autograde", "ps3") == (
        f"error: the course secret {course / 'reports' / 'grading-secret'} is empty: delete it (grading makes "
        "a new one) or set $COURSE_GRADING_SECRET"
    )
    with pytest.raises(ValueError, match="grading-secret is empty"):
        api.course_secret(course)  # the library refuses it too: an empty secret salts nothing


def test_autograde_refuses_without_bubblewrap_unless_told(tmp_path, monkeypatch):
    from course_utils.grading import cli, sandbox

    course = _course(tmp_path, gradebook=("ps3",))
    no_bwrap = str(Path(sys.executable).parent)  # python and nbgrader, but no /usr/bin
    assert _refused(course, "autograde", "ps3", env={"PATH": no_bwrap}) == (
        "error: bubblewrap ('bwrap') is not installed: install it ('sudo apt-get install bubblewrap' on "
        "Debian/Ubuntu) or pass --no-sandbox to grade WITHOUT isolation (the students' code could then read "
        "the course secret, solutions/ and the gradebook)"
    )
    monkeypatch.setattr(sandbox, "bwrap_path", lambda: None)
    monkeypatch.setattr(cli, "bwrap_path", lambda: None)
    cli.preflight("autograde", "ps3", course, isolate=False)  # --no-sandbox: nothing else is missing


def test_secret_file_is_not_world_readable(tmp_path, monkeypatch):
    monkeypatch.delenv("COURSE_GRADING_SECRET", raising=False)
    api.course_secret(tmp_path)
    assert not os.stat(tmp_path / "reports" / "grading-secret").st_mode & 0o077


def test_a_change_anywhere_in_the_package_code_makes_cached_verdicts_stale(tmp_path):
    from course_utils.grading import engine

    (tmp_path / "grading" / "mistakes").mkdir(parents=True)
    bank = tmp_path / "grading" / "mistakes" / "ps3.py"
    bank.write_text("WRONG = 1\n")
    (tmp_path / "conv.py").write_text("def f(): return 1\n")
    before = engine.source_digest(tmp_path)
    bank.write_text("WRONG = 2\n")
    assert engine.source_digest(tmp_path) != before
    bank.write_text("WRONG = 1\n")
    assert engine.source_digest(tmp_path) == before
    (tmp_path / "conv.py").write_text("def f(): return 2\n")
    assert engine.source_digest(tmp_path) != before
    # the key covers the whole installed package: the bank and the references the checks call
    package = Path(engine.__file__).resolve().parents[1]
    assert engine._course_utils_digest() == engine.source_digest(package)
    assert (package / "grading" / "mistakes").is_dir() and (package / "conv.py").is_file()


def test_submissions_nbgrader_did_not_record_are_named(tmp_path, monkeypatch):
    from course_utils.grading import cli
    from course_utils.grading.engine import SubmissionVerdict
    from course_utils.grading.sandbox import Limits

    # a stand-in for nbgrader that records ann only and fails (as nbgrader does when any submission fails)
    fake = (
        "import pathlib; p = pathlib.Path('autograded/ann/ps1'); p.mkdir(parents=True); "
        "(p / 'ps1.ipynb').write_text('{}'); print('bob: nbgrader broke'); exit(1)"
    )
    monkeypatch.setattr(cli, "_nbgrader_cmd", lambda: [sys.executable, "-c", fake])
    verdicts = {s: SubmissionVerdict("ps1", s, key=f"key-{s}") for s in ("ann", "bob")}
    verdicts["cem"] = SubmissionVerdict("ps1", "cem", error="ps1.ipynb is not valid JSON")  # nothing to record
    (tmp_path / "reports" / "ps1" / "verdicts").mkdir(parents=True)
    assert cli.record_in_gradebook("ps1", tmp_path, verdicts, Limits(), True) == ["bob"]
    assert "bob: nbgrader broke" in (tmp_path / "reports" / "ps1" / "logs" / "autograde.log").read_text()
    stamps = sorted(p.name for p in (tmp_path / "reports" / "ps1" / "verdicts").glob("*.recorded"))
    assert stamps == ["ann.recorded"]  # bob is recorded again next time; cem is an error row, never recorded


def test_an_interrupted_recording_call_lets_nbgrader_clean_up(tmp_path, monkeypatch):
    """Ctrl-C while nbgrader records: it gets SIGTERM and time to remove its sandboxes and stage
    (subprocess.run would kill it 0.25 s after the interrupt)."""
    from course_utils.grading import cli

    child = (
        "import pathlib, signal, sys, time\n"
        "def stop(*args):\n"
        "    time.sleep(1.0)  # removing a stage takes a moment\n"
        "    pathlib.Path('cleaned').write_text('yes')\n"
        "    sys.exit(0)\n"
        "signal.signal(signal.SIGTERM, stop)\n"
        "pathlib.Path('ready').write_text('yes')\n"
        "time.sleep(120)\n"
    )
    real = subprocess.Popen.communicate
    calls = []

    def interrupted_once(self, *args, **kwargs):
        if not calls:
            calls.append(1)
            deadline = time.monotonic() + 60
            while not (tmp_path / "ready").exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            raise KeyboardInterrupt  # as if Ctrl-C arrived while waiting for nbgrader
        return real(self, *args, **kwargs)

    monkeypatch.setattr(subprocess.Popen, "communicate", interrupted_once)
    with pytest.raises(KeyboardInterrupt):
        cli.run_to_the_end([sys.executable, "-c", child], cwd=tmp_path)
    assert (tmp_path / "cleaned").read_text() == "yes"


def test_a_new_course_secret_makes_cached_verdicts_stale(tmp_path):
    """The secret salts the hidden inputs: a verdict computed under another secret is not reused."""
    from course_utils.grading import engine
    from course_utils.grading.sandbox import Limits

    _, check_file = engine.load_parts("ps1")
    key = engine.cache_key("ps1", [], check_file, Limits(), True, "first secret")
    assert engine.cache_key("ps1", [], check_file, Limits(), True, "first secret") == key
    assert engine.cache_key("ps1", [], check_file, Limits(), True, "second secret") != key


@pytest.mark.parametrize(
    "exc_type,text,outside",
    [
        ("FileNotFoundError", "[Errno 2] No such file or directory: 'data.csv'", False),  # a typo of its own
        ("FileNotFoundError", "[Errno 2] No such file or directory: '/submission/data.csv'", False),
        ("FileNotFoundError", "[Errno 2] No such file or directory: '../../../gradebook.db'", True),
        ("FileNotFoundError", "[Errno 2] No such file or directory: '../../etc/course.cfg'", True),
        ("FileNotFoundError", "[Errno 2] No such file or directory: '/home/instructor/notes.txt'", True),
        ("OSError", "[Errno 30] Read-only file system: '/submission/ps1.ipynb'", True),
        ("PermissionError", "[Errno 13] Permission denied: '/root'", True),
        ("ValueError", "No such file or directory: '/etc/x'", False),  # not an OSError: the student's own text
    ],
)
def test_only_reaching_outside_the_sandbox_is_called_so(exc_type, text, outside):
    kind = engine._kind(StudentRaised(exc_type, text))
    assert (kind == "file access outside the sandbox") == outside, kind


def test_a_part_that_hits_a_cap_is_told_which_cap():
    from course_utils.grading.sandbox import Limits

    limits = Limits(memory_mb=1024, nproc=16)
    memory = engine._CAP_NOTES["memory cap"].format(limits=limits)
    assert "1024 MB" in memory and "16" in engine._CAP_NOTES["process cap"].format(limits=limits)
    assert set(engine._CAP_NOTES) <= set(engine.EXPLICIT_KINDS)
