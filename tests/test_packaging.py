"""The set-up files agree with each other and with the README."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(req: str) -> str:
    return re.split(r"[<>=!~ \[]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _spec(req: str) -> str:
    return req.strip()[len(_name(req)) :].replace(" ", "").replace("==", "=")


def test_environment_yml_lists_the_runtime_dependencies_of_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_deps = {_name(r): _spec(r) for r in project["dependencies"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {
        _name(d): _spec(d) for d in env["dependencies"] if isinstance(d, str) and _name(d) not in ("python", "pip")
    }
    assert conda == pip_deps, f"environment.yml {conda} != pyproject.toml {pip_deps}"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```(?:bash|sh)?\n(.*?)```", readme, flags=re.S)
    commands = [
        line.strip() for b in blocks for line in b.splitlines() if line.strip() and not line.strip().startswith("#")
    ]
    assert len(commands) >= 2, "README must start with the two set-up commands"
    open_cmd, test_cmd = commands[0], commands[1]
    assert "lab" in open_cmd and "test" in test_cmd, (open_cmd, test_cmd)
    ci = (ROOT / ".ci" / "run").read_text()
    assert test_cmd in ci.splitlines(), f".ci/run must call the README's test command {test_cmd!r}"
