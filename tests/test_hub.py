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
from pathlib import Path

import pytest

from conftest import load_course_script

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("localhub", ROOT / "deploy" / "localhub.py")
localhub = sys.modules.setdefault("localhub", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(localhub)

_missing = [why for ok, why in [
    (os.geteuid() == 0, "root (the hub creates system users)"),
    (shutil.which("configurable-http-proxy"), "configurable-http-proxy (npm install -g configurable-http-proxy)"),
    (shutil.which("bwrap"), "bubblewrap (apt-get install bubblewrap)"),
    (importlib.util.find_spec("jupyterhub"), "jupyterhub (the test extra)"),
] if not ok]
pytestmark = [pytest.mark.skipif(bool(_missing), reason=f"the hub tests need {', '.join(_missing)}"),
              pytest.mark.xdist_group("hub")]  # one hub for the module (course.py: --dist loadgroup)

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
        status, out = user.run("id -un; python -c 'import course_utils, sys; print(course_utils.__file__)'; "
                               "stat -c %a ~")
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
    for path, why in [(solution, "Permission denied"), (gradebook, "Permission denied"),
                      (hub.course_dir / "nbgrader_config.py", "Permission denied"),
                      (repo_solution, "No such file"),            # the repository is hidden from servers
                      (other.home / ".profile", "Permission denied")]:
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
