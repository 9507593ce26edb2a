"""Self-checks that ask: every notebook's answers ship empty, one ``check_answer`` checks them all.

The self-check cells are executed in-process (no kernel), as a student would run them:
the answers cell, then the checking cell. Nothing here copies an expected value:
the right answers come from ``course_utils`` through ``Question.expected``.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from course_utils.selfcheck import QUESTIONS, check_answer, diagnose, questions_for

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
IDS = [p.name for p in NOTEBOOKS]
# the pattern of the project's before-stop hook: an `answer... = <value>` that is not `...`
ANSWER = re.compile(r"^\s*(answer\w*)\s*=\s*([^#\n]*)", re.M)


def filled_in_answers(nb) -> list[str]:
    """Names of self-check answers a notebook ships with a value instead of ``...``."""
    hits = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            hits += [
                m.group(1)
                for m in ANSWER.finditer(cell.source)
                if m.group(2).strip() not in ("...", "None", "Ellipsis")
            ]
    return hits


def _tagged(nb) -> dict:
    tagged = {}
    for cell in nb.cells:
        for tag in cell.metadata.get("tags", []):
            assert tag not in tagged, f"two cells tagged {tag!r}"
            tagged[tag] = cell.source
    return tagged


def _run(source: str, ns: dict) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, "<cell>", "exec"), ns)
    return out.getvalue()


def _calls(source: str) -> list[tuple[str, str]]:
    return re.findall(r'check_answer\("([^"]+)", (answer_\d+)\)', source)


def test_all_eleven_notebooks_have_a_self_check():
    assert [p.name[:2] for p in NOTEBOOKS] == [f"{i:02d}" for i in range(11)]
    assert {qid.split(".")[0] for qid in QUESTIONS} == {p.name[:2] for p in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_self_check_answers_ship_empty(path):
    nb = nbformat.read(path, as_version=4)
    assert filled_in_answers(nb) == [], f"{path.name} ships filled-in self-check answers"
    answers = _tagged(nb)["selfcheck-answers"]
    assert re.findall(r"^(answer_\d+) = \.\.\.", answers, re.M) == [
        f"answer_{n}" for n in range(1, len(questions_for(path.name[:2])) + 1)
    ]


def test_the_filled_in_check_can_fail():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("answer_1 = ...\nanswer_2 = (3, 4)  # shape")])
    assert filled_in_answers(nb) == ["answer_2"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_the_checking_cell_asks_every_question_of_its_notebook(path):
    nb = nbformat.read(path, as_version=4)
    tagged = _tagged(nb)
    assert "from course_utils.selfcheck import check_answer" in tagged["selfcheck"]
    calls = _calls(tagged["selfcheck"])
    assert [qid for qid, _ in calls] == questions_for(path.name[:2])
    assert [var for _, var in calls] == [f"answer_{n}" for n in range(1, len(calls) + 1)]
    # the questions are listed in the markdown cell above, one per answer
    md = next(c.source for c in nb.cells if c.cell_type == "markdown" and "## Self-check" in c.source)
    assert len(re.findall(r"^\d+\. ", md.split("## Self-check")[1], re.M)) == len(calls)
    # the old styles are gone: no bare asserts, no local check_answer
    assert "assert" not in tagged["selfcheck"] and "def check_answer" not in tagged["selfcheck"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_unanswered_right_and_wrong_answers(path):
    tagged = _tagged(nbformat.read(path, as_version=4))
    calls = _calls(tagged["selfcheck"])

    ns = {}
    _run(tagged["selfcheck-answers"], ns)
    out = _run(tagged["selfcheck"], ns)  # nothing answered: runs, says so, raises nothing
    assert out.count("Not answered yet: replace the ... with your answer.") == len(calls), out

    right = {var: QUESTIONS[qid].expected() for qid, var in calls}
    out = _run(tagged["selfcheck"], dict(right))
    assert out.count("] Correct.") == len(calls), out

    for qid, var in calls:  # each likely wrong answer gets its own hint, the rest stay right
        q = QUESTIONS[qid]
        for wrong, hint in q.trap_values(q.expected()):
            out = _run(tagged["selfcheck"], {**right, var: wrong})
            assert f"[{qid}] Not quite: {hint}" in out, (qid, wrong, out)
            assert out.count("] Correct.") == len(calls) - 1


def _renderings(value, kind) -> list[str]:
    if kind == "choice":
        return [f"'{value}'", f"({value})", f'"{value}"'] + ([value] if len(value) > 1 else [])
    if kind == "shape":
        v = tuple(int(x) for x in value)
        return [str(v), "x".join(map(str, v)), " x ".join(map(str, v))]
    flat = np.asarray(value, dtype=float).reshape(-1)
    if flat.size > 1:
        return [", ".join(f"{x:g}" for x in flat), " ".join(f"{x:g}" for x in flat)]
    v = float(flat[0])
    return [f"{v:g}", f"{v:.4f}", f"{v:.3f}"] + ([str(int(v))] if v.is_integer() else [])


@pytest.mark.parametrize("qid", list(QUESTIONS))
def test_no_hint_states_the_answer(qid):
    q = QUESTIONS[qid]
    expected = q.expected()
    hints = [q.hint] + [hint for _, hint in q.traps]
    for text in _renderings(expected, q.kind):
        pattern = re.compile(r"(?<![\w.])" + re.escape(text) + r"(?![\w]|\.\d)")
        leaks = [h for h in hints if pattern.search(h)]
        assert not leaks, f"{qid}: a hint states the answer {text!r}: {leaks}"
    for wrong, _ in q.trap_values(expected):  # a trap must be a wrong answer, or it would hide a right one
        assert diagnose(qid, wrong)[0] is False, (qid, wrong)


@pytest.mark.parametrize("answer", ["seven", None, ..., float("nan"), [1, 2], True])
def test_malformed_answers_are_not_checked_and_do_not_raise(answer, capsys):
    for qid in ("02.num_params", "02.W2_shape", "02.bias_gradient", "04.ce_delta"):
        assert check_answer(qid, answer) is False
    out = capsys.readouterr().out
    assert "Correct" not in out and "Traceback" not in out


def test_an_unknown_question_names_the_known_ones():
    with pytest.raises(KeyError, match=r"question_id: expected one of 00\.evaluations"):
        check_answer("02.nope", 1)


def test_a_wrong_answer_outside_the_traps_gets_the_general_hint(capsys):
    assert check_answer("02.num_params", 1234) is False
    assert capsys.readouterr().out.strip() == f"[02.num_params] Not quite. Hint: {QUESTIONS['02.num_params'].hint}"
