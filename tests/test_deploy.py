"""deploy/ for Kubernetes: what can be checked without a Docker engine or a cluster.

The Dockerfile, the Zero to JupyterHub values and the exchange volume were not built or deployed
on the machine that wrote them (no Docker engine, no Kubernetes). These tests check what they
can: every file the Dockerfile copies exists and survives its ignore file while solutions/ and
the gradebook do not; the values parse, their Python runs against a stand-in spawner, and the
names they share with the image (exchange path, claim, course id, instructor config, nbgrader's
plugin ids) agree with each other and with the hub this repository proves on one machine.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest
import yaml
from traitlets.config import Config

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"


def _dockerfile():
    """[(instruction, arguments)] with line continuations joined and comments dropped."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def _pattern(rule: str):
    """A .dockerignore pattern as a regular expression (``**`` spans folders, ``*`` does not)."""
    out = ""
    for token in re.split(r"(\*\*/|\*\*|\*|\?)", rule.strip("/")):
        out += {"**/": "(.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}.get(token, re.escape(token))
    return re.compile(out + "$")


def _ignored(path: str) -> bool:
    """Docker's rule: the last pattern of the ignore file that matches a path or a parent decides."""
    rules = [r.strip() for r in (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()]
    rules = [r for r in rules if r and not r.startswith("#")]
    parts = Path(path).parts
    ignored = False
    for rule in rules:
        pattern = _pattern(rule.lstrip("!"))
        if any(pattern.match("/".join(parts[: k + 1])) for k in range(len(parts))):
            ignored = not rule.startswith("!")
    return ignored


def _copies():
    for instruction, args in _dockerfile():
        if instruction == "COPY":
            words = [w for w in args.split() if not w.startswith("--")]
            yield from words[:-1]


def test_the_dockerfile_copies_files_that_exist_and_are_not_ignored():
    sources = list(_copies())
    assert "environment.yml" in sources and "course_utils" in sources
    for source in sources:
        assert (ROOT / source).exists(), f"COPY {source}: no such file in the repository"
        assert not _ignored(source), f"COPY {source}: excluded by deploy/Dockerfile.dockerignore"
        if (ROOT / source).is_dir():
            for path in (ROOT / source).rglob("*.py"):
                assert not _ignored(str(path.relative_to(ROOT))) or "__pycache__" in path.parts


@pytest.mark.parametrize(
    "path",
    [
        "solutions/ps1/ps1.ipynb",
        "solutions/README.md",
        "gradebook.db",
        "submitted/s/ps1/ps1.ipynb",
        "tests/test_hub.py",
        ".venv/bin/python",
        "course_utils/__pycache__/conv.cpython-311.pyc",
    ],
)
def test_the_image_never_gets_the_instructors_material(path):
    assert _ignored(path)


def test_the_image_installs_course_utils_plainly_from_environment_yml():
    runs = " ".join(args for instruction, args in _dockerfile() if instruction == "RUN")
    # the sed removes environment.yml's editable line: it must still be there to remove
    sed = re.search(r"sed -i '/(.+)/d' /tmp/course/environment.yml", runs)
    assert sed, "the RUN line drops `- -e .` from environment.yml"
    pattern = sed.group(1).replace("\\.", r"\.")
    assert [line for line in (ROOT / "environment.yml").read_text().splitlines() if re.search(pattern, line)]
    assert "mamba env update --name base --file /tmp/course/environment.yml" in runs
    pip = [command.strip() for command in re.findall(r"pip install[^&]*", runs)]
    assert pip == ["pip install --no-cache-dir --no-deps /tmp/course"], "a plain install, not editable"


def _exec_config(path: Path) -> Config:
    c = Config()
    exec(compile(path.read_text(), str(path), "exec"), {"get_config": lambda: c, "c": c, "__file__": str(path)})
    return c


def _localhub():
    spec = importlib.util.spec_from_file_location("localhub_for_deploy", DEPLOY / "localhub.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def values():
    return yaml.safe_load((DEPLOY / "z2jh-values.yaml").read_text())


class _User:
    def __init__(self, name, uid):
        self.name, self.id = name, uid


class _Spawner:
    def __init__(self, name, uid):
        self.user = _User(name, uid)
        self.environment = {}
        self.cpu_guarantee = self.cpu_limit = self.mem_guarantee = self.mem_limit = self.storage_capacity = None


def test_the_values_give_each_user_a_uid_and_the_instructors_their_tools(values):
    c = Config()
    exec(compile(values["hub"]["extraConfig"]["course.py"], "extraConfig", "exec"), {"c": c})
    uid = c.KubeSpawner.uid
    assert {uid(_Spawner("a", 1)), uid(_Spawner("b", 2))} == {100001, 100002}, "one uid per user, stable"
    assert c.KubeSpawner.gid == c.KubeSpawner.fs_gid == 100
    student, instructor = _Spawner("student7", 7), _Spawner(sorted(c_instructors(values))[0], 8)
    c.KubeSpawner.pre_spawn_hook(student)
    c.KubeSpawner.pre_spawn_hook(instructor)
    assert student.environment == {} and student.cpu_limit is None
    config_path = instructor.environment["JUPYTER_CONFIG_PATH"]
    copied = [args.split()[-1] for instruction, args in _dockerfile() if instruction == "COPY"]
    assert any(dest.startswith(config_path + "/") for dest in copied), "the image has the instructor's config"
    assert instructor.cpu_limit > 1 and instructor.mem_limit.endswith("G")


def c_instructors(values):
    code = values["hub"]["extraConfig"]["course.py"]
    return set(yaml.safe_load(re.search(r"INSTRUCTORS = (\{.*\})", code).group(1).replace("{", "[").replace("}", "]")))


def test_the_exchange_volume_and_the_image_agree(values):
    image = _exec_config(DEPLOY / "image" / "nbgrader_config.py")
    mounts = values["singleuser"]["storage"]["extraVolumeMounts"]
    assert [m["mountPath"] for m in mounts] == [image.Exchange.root]
    claim = values["singleuser"]["storage"]["extraVolumes"][0]["persistentVolumeClaim"]["claimName"]
    pvc = yaml.safe_load((DEPLOY / "k8s-exchange.yaml").read_text())
    assert pvc["kind"] == "PersistentVolumeClaim" and pvc["metadata"]["name"] == claim
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"], "every user's pod mounts the exchange"
    init = values["singleuser"]["initContainers"][0]
    assert f"chmod 1777 {image.Exchange.root}" in " ".join(init["command"])
    course = _exec_config(ROOT / "nbgrader_config.py")
    assert image.CourseDirectory.course_id == course.CourseDirectory.course_id == _localhub().COURSE_ID


def test_the_image_switches_off_the_instructor_tools_that_exist_for_students():
    hub = _localhub()
    students = json.loads((DEPLOY / "image" / "page_config.json").read_text())["disabledExtensions"]
    instructor = json.loads((DEPLOY / "image" / "instructor" / "page_config.json").read_text())["disabledExtensions"]
    assert sorted(students) == sorted(instructor) == sorted(hub.STUDENT_DISABLED_LAB_PLUGINS)
    assert all(students.values()) and not any(instructor.values())
    static = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "@jupyter" / "nbgrader" / "static"
    bundle = " ".join(p.read_text(errors="replace") for p in static.glob("*.js"))
    for plugin in students:
        assert plugin in bundle, f"{plugin}: no such plugin in nbgrader's JupyterLab extension"
    server = json.loads((DEPLOY / "image" / "jupyter_server_config.json").read_text())["ServerApp"]
    for extension, enabled in server["jpserver_extensions"].items():
        assert importlib.util.find_spec(extension) and enabled is False
