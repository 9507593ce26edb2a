"""A class on a real JupyterHub (deploy/localhub.py, the code behind `python3 course.py hub`).

One hub for the whole module (pytest-xdist group "hub"): JupyterHub with configurable-http-proxy,
PAM logins of local system users made for this run (random names), each user's own JupyterLab
started by the local process spawner in the class environment, and nbgrader's exchange in a
temporary folder. Every user logs in through the login form and drives their own server with
their own token; the teardown proves that no account, home, folder or process of the run is left.

Needs root, configurable-http-proxy (npm) and bubblewrap; `.ci/run` installs them. Where one is
missing the tests are skipped and say which.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import load_course_script

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("localhub", ROOT / "deploy" / "localhub.py")
localhub = sys.modules.setdefault("localhub", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(localhub)

_missing = [
    why
    for ok, why in [
        (os.geteuid() == 0, "root (the hub creates system users)"),
        (shutil.which("configurable-http-proxy"), "configurable-http-proxy (npm install -g configurable-http-proxy)"),
        (shutil.which("bwrap"), "bubblewrap (apt-get install bubblewrap)"),
        (importlib.util.find_spec("jupyterhub"), "jupyterhub (the test extra)"),
    ]
    if not ok
]
pytestmark = [
    pytest.mark.skipif(bool(_missing), reason=f"the hub tests need {', '.join(_missing)}"),
    pytest.mark.xdist_group("hub"),
]  # one hub for the module (course.py: --dist loadgroup)

COURSE = localhub.COURSE_ID


@pytest.fixture(scope="module")
def hub():
    """The class hub, every server started, every user logged in with a token; cleaned up at the end."""
    class_hub = localhub.ClassHub(prefix="t15", students=4, log=lambda msg: None)
    users = {}
    try:
        class_hub.setup()
        class_hub.start()
        class_hub.start_servers([a.name for a in class_hub.accounts])
        for account in class_hub.accounts:
            user = localhub.HubUser(class_hub, account)
            assert user.login(), f"{account.name} could not log in with the password the set-up gave"
            user.new_token()
            users[account.name] = user
        class_hub.users = users
        yield class_hub
    finally:
        for user in users.values():
            try:
                user.close()
            except Exception:
                pass
        uids = {}
        for account in class_hub.accounts:
            try:
                uids[account.name] = pwd.getpwnam(account.name).pw_uid
            except KeyError:
                pass
        hub_pid = class_hub.proc.pid if class_hub.proc else None
        problems = class_hub.cleanup()
        # nothing of the run is left: no process, no account, no home, no folder
        assert problems == [], problems
        for name, uid in uids.items():
            assert localhub.pids_of_uid(uid) == [] or not localhub._alive(localhub.pids_of_uid(uid)), name
            with pytest.raises(KeyError):
                pwd.getpwnam(name)
            assert not Path("/home", name).exists(), name
        assert hub_pid is None or not localhub._alive([hub_pid])
        assert class_hub.root is None or not class_hub.root.exists()


def test_the_login_form_checks_system_passwords(hub):
    student = hub.students[0]
    assert not localhub.HubUser(hub, student).login(password="not-" + student.password)
    assert not localhub.HubUser(hub, hub.students[1]).login(password=student.password)
    assert localhub.HubUser(hub, student).login()


def test_each_user_runs_their_own_server_in_the_class_environment(hub):
    for account in hub.accounts:
        user = hub.users[account.name]
        status, out = user.run(
            "id -un; python -c 'import course_utils, sys; print(course_utils.__file__)'; stat -c %a ~"
        )
        assert status == 0, out
        name, module, home_mode = out.split()[:3]
        assert name == account.name
        assert module.startswith(str(hub.env)) and "site-packages" in module, module
        assert home_mode == "700"


def test_students_cannot_read_solutions_the_gradebook_or_each_other(hub):
    student, other = hub.users[hub.students[0].name], hub.students[1]
    instructor = hub.users[hub.instructor.name]
    solution = hub.course_dir / "solutions" / "ps1" / "ps1.ipynb"
    gradebook = hub.course_dir / "gradebook.db"
    repo_solution = ROOT / "solutions" / "ps1" / "ps1.ipynb"
    # the files exist, and their owner reads them (so a failure below is a refusal, not a typo)
    assert repo_solution.exists()
    status, out = instructor.run(f"head -c 20 {solution} && head -c 15 {gradebook}")
    assert status == 0 and '"cells"' in out and "SQLite format" in out, out
    for path, why in [
        (solution, "Permission denied"),
        (gradebook, "Permission denied"),
        (hub.course_dir / "nbgrader_config.py", "Permission denied"),
        (repo_solution, "No such file"),  # the repository is hidden from servers
        (other.home / ".profile", "Permission denied"),
    ]:
        status, out = student.run(f"cat {path}")
        assert status != 0 and why in out, (path, out)
    status, out = student.run(f"ls {ROOT}")
    assert status == 0 and out.strip() == "", f"the repository should look empty to a student: {out!r}"
    # through the hub: another student's server refuses this student's token
    for path in ["api/contents/", "api/terminals", "assignments?course_id=" + COURSE]:
        response = student.server("GET", path, owner=other.name)
        assert response.status_code == 403, (path, response.status_code)
    response = student.server("GET", "api/contents/", owner=hub.instructor.name)
    assert response.status_code == 403
    # the instructor's tools are not in a student's server
    assert student.server("GET", "formgrader/api/assignments").status_code == 404


def test_course_py_hub_says_it_needs_root(monkeypatch, capsys):
    course = load_course_script()
    monkeypatch.setattr(course.os, "geteuid", lambda: 1000)
    assert course.main(["hub"]) == 1
    assert "needs root" in capsys.readouterr().out


def test_the_hub_refuses_a_bad_class_size():
    with pytest.raises(localhub.HubError, match="students: expected 1 to 500, got 0"):
        localhub.ClassHub(students=0)


# -------------------------------------------------------------------------------------------------
# the class workflow: release, fetch, submit, collect, grade, feedback
# -------------------------------------------------------------------------------------------------
PS = "ps1"
# what each student hands in (tests/fixtures/submissions/ps1.py defines the work and its scores)
PLAN = {1: ["correct"], 2: ["partial"], 3: ["wrong", "correct"], 4: ["correct"]}  # 3 submits twice
LATE = 4  # 4 submits after the due date


def _ok(response, what):
    assert response.status_code == 200, f"{what}: {response.status_code} {response.text[:500]}"
    body = response.json()
    if isinstance(body, dict) and "success" in body:
        assert body["success"], f"{what}: {str(body.get('value') or body.get('log') or body)[-2000:]}"
    return body


def _notebook(user, path, owner=None):
    body = _ok(user.server("GET", f"api/contents/{path}", owner=owner), f"read {path}")
    return body["content"]


@pytest.fixture(scope="module")
def released(hub):
    """ps1 generated and released by the instructor with the formgrader (the REST API behind its buttons)."""
    instructor = hub.users[hub.instructor.name]
    _ok(instructor.server("POST", f"formgrader/api/assignment/{PS}/assign"), "generate")
    _ok(instructor.server("POST", f"formgrader/api/assignment/{PS}/release"), "release")
    return PS


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (apt-get install chromium)")
def test_a_student_logs_in_and_sees_the_problem_set_in_jupyterlab(hub, released, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")
    student = hub.students[-1]
    with sync_api.sync_playwright() as p:
        from course_utils.demos.drive import CHROMIUM_ARGS

        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{hub.url}/hub/login", wait_until="domcontentloaded")
            page.fill("#username_input", student.name)
            page.fill("#password_input", student.password)
            page.click("#login_submit")
            page.wait_for_url(f"**/user/{student.name}/lab**", timeout=120_000)
            page.get_by_role("menuitem", name="Nbgrader", exact=True).click(timeout=120_000)
            page.get_by_text("Assignment List", exact=True).click()
            released_list = page.locator("#released_assignments_list")
            released_list.get_by_text(released, exact=True).wait_for(timeout=60_000)
            page.screenshot(path=str(tmp_path / "assignment-list.png"))  # kept for a look when a run fails
            fetch = released_list.get_by_role("button", name="Fetch")
            assert fetch.count() == 1, "ps1 is offered for fetching"
            assert COURSE in released_list.inner_text()
        finally:
            browser.close()


def test_a_problem_set_goes_round_the_class(hub, released):
    import json

    import nbformat

    sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "submissions"))
    from _harness import build_submission, load_fixture

    fixture = load_fixture(PS)
    instructor = hub.users[hub.instructor.name]
    students = {k: hub.users[a.name] for k, a in enumerate(hub.students, 1)}
    solution = nbformat.read(ROOT / "solutions" / PS / f"{PS}.ipynb", as_version=4)
    listing = {"course_id": COURSE, "assignment_id": PS}

    # 1. the instructor has generated and released ps1 (the `released` fixture)
    # 2. each student sees it, fetches it into their home, works on it and submits (3 twice, 4 late)
    submitted = {}
    for k, student in students.items():
        if k == LATE:  # the due date passes: the instructor sets it to now (Formgrader's "edit assignment")
            now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
            body = {"duedate_notimezone": now, "duedate_timezone": "UTC"}
            assert _ok(instructor.server("PUT", f"formgrader/api/assignment/{PS}", body), "due date")["duedate"]
        released = _ok(student.server("GET", f"assignments?course_id={COURSE}"), "list")["value"]
        assert [(a["assignment_id"], a["status"]) for a in released] == [(PS, "released")], released
        _ok(student.server("POST", "assignments/fetch", listing), "fetch")
        fetched = nbformat.from_dict(_notebook(student, f"{PS}/{PS}.ipynb"))
        assert "YOUR CODE HERE" in json.dumps(fetched) and "BEGIN SOLUTION" not in json.dumps(fetched)
        for version in PLAN[k]:
            work = build_submission(fetched, solution, fixture.STUDENTS[version])
            _ok(
                student.server(
                    "PUT", f"api/contents/{PS}/{PS}.ipynb", {"type": "notebook", "format": "json", "content": work}
                ),
                "save",
            )
            after = _ok(student.server("POST", "assignments/submit", listing), f"submit {version}")["value"]
            submitted[k] = work
        mine = [a for a in after if a["status"] == "submitted"]
        assert len(mine) == 1 and len(mine[0]["submissions"]) == len(PLAN[k]), mine

    # students cannot list what others handed in (nbgrader's exchange modes; names end in random bits)
    inbound = hub.exchange / COURSE / "inbound"
    assert len(os.listdir(inbound)) == 5, "five submissions in the exchange"
    status, out = students[1].run(f"ls {inbound}")
    assert status != 0 and "Permission denied" in out, out

    # 3. the instructor collects: the latest submission of each student
    _ok(instructor.server("POST", f"formgrader/api/assignment/{PS}/collect"), "collect")
    course = localhub.COURSE_FOLDER
    names = {c["name"] for c in _ok(instructor.server("GET", f"api/contents/{course}/submitted"), "ls")["content"]}
    assert names == {s.name for s in students.values()}
    second = _notebook(instructor, f"{course}/submitted/{students[3].name}/{PS}/{PS}.ipynb")
    assert [c["source"] for c in second["cells"]] == [c.source for c in submitted[3].cells], (
        "collect must take the second submission of student 3"
    )

    # 4. grading with the course's grader, in a terminal of the instructor's own server
    status, out = instructor.run(f"cd ~/{course} && python -m course_utils.grading autograde {PS}")
    assert status == 0, out
    for student in students.values():
        assert student.name in out, out

    # scores per part, through the formgrader's API
    expected = {
        1: fixture.EXPECTED["correct"],
        2: fixture.EXPECTED["partial"],
        3: fixture.EXPECTED["correct"],
        4: fixture.EXPECTED["correct"],
    }
    notebooks = _ok(instructor.server("GET", f"formgrader/api/submitted_notebooks/{PS}/{PS}"), "notebooks")
    by_student = {nb["student"]: nb for nb in notebooks}
    for k, student in students.items():
        grades = _ok(
            instructor.server("GET", f"formgrader/api/grades?submission_id={by_student[student.name]['id']}"), "grades"
        )
        auto = {g["name"]: g["auto_score"] for g in grades if g["name"] in expected[k]}
        assert auto == {gid: float(p) for gid, p in expected[k].items()}, (student.name, auto)
    submissions = {s["student"]: s for s in _ok(instructor.server("GET", f"formgrader/api/submissions/{PS}"), "subs")}
    duedate = _ok(instructor.server("GET", f"formgrader/api/assignment/{PS}"), "assignment")["duedate"]
    assert duedate, "the due date was set"
    for k, student in students.items():
        late = submissions[student.name]["timestamp"] > duedate
        assert late == (k == LATE), (student.name, submissions[student.name]["timestamp"], duedate)
    scores = {k: submissions[s.name]["code_score"] for k, s in students.items()}
    assert scores == {k: float(sum(expected[k].values())) for k in students}

    # 5. feedback: generated (hidden tests removed) and released by the instructor ...
    _ok(instructor.server("POST", f"formgrader/api/assignment/{PS}/generate_feedback"), "generate_feedback")
    _ok(instructor.server("POST", f"formgrader/api/assignment/{PS}/release_feedback"), "release_feedback")
    # ... and each student fetches their own, which shows their own score
    # the grader's secret (it seeds each student's hidden inputs) stays in the instructor's course directory
    secret_path = hub.course_dir / "reports" / "grading-secret"
    status, secret = instructor.run(f"cat {secret_path}")
    assert status == 0 and secret.strip(), "the grader keeps its secret in the course directory"
    status, out = students[1].run(f"cat {secret_path}")
    assert status != 0 and "Permission denied" in out, out
    for k, student in students.items():
        _ok(student.server("POST", "assignments/fetch_feedback", listing), "fetch_feedback")
        folders = _ok(student.server("GET", f"api/contents/{PS}/feedback"), "feedback")["content"]
        assert len(folders) == 1, f"{student.name}: one feedback, for the submission that was graded: {folders}"
        page = _ok(student.server("GET", f"api/contents/{folders[0]['path']}/{PS}.html?format=text&type=file"), "page")[
            "content"
        ]
        assert f"Score: {scores[k]:.1f} / 16.0" in page or f"Score: {scores[k]} / 16" in page, page[:3000]
        assert secret.strip() not in page, "the grading secret in the feedback"

    # nobody reads anyone else's feedback: not through the hub, not in the exchange
    response = students[1].server("GET", f"api/contents/{PS}/feedback", owner=students[2].name)
    assert response.status_code == 403
    status, out = students[1].run(f"ls {hub.exchange / COURSE / 'feedback'}")
    assert status != 0 and "Permission denied" in out, out
    status, out = students[1].run(f"cat ~{students[2].name}/{PS}/feedback/*/{PS}.html")
    assert status != 0 and "Permission denied" in out, out
