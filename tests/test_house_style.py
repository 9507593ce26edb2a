"""Every public function of ``course_utils`` has numpydoc Parameters / Returns sections and type hints.

The modules are discovered, not listed: every module of the package except private ones (``_checks``,
``fast._scratch``, ``grading._harness``, ``__main__``). A module's public functions are the functions
and the public methods (and ``__init__``'s hints) of the classes it defines and exports: its
``__all__``, or every name without a leading underscore when it has none. A module that defines
nothing public (a re-export shim such as ``demos_mlp``, a package's ``__init__``) has nothing to check.
``CONTRIBUTING.md`` describes the layout these checks enforce.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import pkgutil
from pathlib import Path

import pytest

import course_utils


def _module_names(private: bool) -> list[str]:
    names = []
    for info in pkgutil.walk_packages(course_utils.__path__, "course_utils."):
        parts = info.name.split(".")[1:]
        if parts[-1] == "__main__" or (not private and any(part.startswith("_") for part in parts)):
            continue
        names.append(info.name)
    return sorted(names)


def _public_callables(module):
    names = getattr(module, "__all__", None)
    if names is None:
        names = [name for name in vars(module) if not name.startswith("_")]
    for name in names:
        obj = getattr(module, name)
        if getattr(obj, "__module__", None) != module.__name__:
            continue  # re-exported: checked where it is defined
        if inspect.isfunction(obj):
            yield name, obj
        elif inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if isinstance(member, (staticmethod, classmethod)):
                    member = member.__func__
                if not inspect.isfunction(member) or member.__module__ != module.__name__:
                    continue  # e.g. the __init__ typing.Protocol puts in a protocol class
                if not attr.startswith("_") or attr == "__init__":
                    yield f"{name}.{attr}", member


ALL_MODULES = _module_names(private=True)
PUBLIC_MODULES = _module_names(private=False)
CHECKED = [name for name in PUBLIC_MODULES if any(_public_callables(importlib.import_module(name)))]


def test_discovery_finds_every_kind_of_module():
    for name in (
        "course_utils.conv",
        "course_utils.fast.conv",
        "course_utils.demos.base",
        "course_utils.plotting",
        "course_utils.grading.api",
        "course_utils.grading.engine",
        "course_utils.selfcheck",
    ):
        assert name in CHECKED, f"{name} is not checked"
    assert "course_utils._checks" not in CHECKED and "course_utils.grading._harness" not in CHECKED


@pytest.mark.parametrize("name", ["course_utils.demos_mlp", "course_utils.demos_cnn", "course_utils.demos_pyramids"])
def test_the_old_demo_modules_only_re_export(name):
    module = importlib.import_module(name)
    assert name not in CHECKED
    own = [n for n, obj in vars(module).items() if getattr(obj, "__module__", None) == name and not n.startswith("__")]
    assert not own, f"{name} defines {own}: it is no longer a shim, so it must be documented and checked"


def _problems(name, function):
    doc = inspect.getdoc(function) or ""
    signature = inspect.signature(function)
    parameters = [p for p in signature.parameters if p not in ("self", "cls")]
    problems = []
    if name.endswith(".__init__"):  # documented in the class docstring; hints still needed
        unhinted = [p for p in parameters if signature.parameters[p].annotation is inspect.Parameter.empty]
        return [f"no type hint for {', '.join(unhinted)}"] if unhinted else []
    shared = "Parameters and returns as" in doc  # a naive version pointing at its vectorized twin
    if parameters and "Parameters\n----------" not in doc and not shared:
        problems.append("no numpydoc Parameters section")
    returns_none = signature.return_annotation in (None, "None")
    if not returns_none and "Returns\n-------" not in doc and "Yields\n------" not in doc and not shared:
        problems.append("no numpydoc Returns section")
    if signature.return_annotation is inspect.Signature.empty:
        problems.append("no return type hint")
    unhinted = [p for p in parameters if signature.parameters[p].annotation is inspect.Parameter.empty]
    if unhinted:
        problems.append(f"no type hint for {', '.join(unhinted)}")
    return problems


def test_the_check_can_fail():
    def undocumented(x, y=1):
        return x + y

    def documented(x: int) -> int:
        """Add one.

        Parameters
        ----------
        x : int
            A number.

        Returns
        -------
        int
            ``x + 1``.
        """
        return x + 1

    assert _problems("undocumented", undocumented) == [
        "no numpydoc Parameters section",
        "no numpydoc Returns section",
        "no return type hint",
        "no type hint for x, y",
    ]
    assert _problems("documented", documented) == []


@pytest.mark.parametrize("module_name", CHECKED)
def test_public_functions_have_numpydoc_sections_and_type_hints(module_name):
    module = importlib.import_module(module_name)
    found = {name: _problems(name, f) for name, f in _public_callables(module)}
    bad = {name: problems for name, problems in found.items() if problems}
    assert not bad, f"{module_name}: {bad}"


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def _private_imports(name: str, path: str) -> list[str]:
    """Private names of another course_utils module that the module ``name`` (source ``path``) imports or reads.

    Static: the module is parsed, not imported (``grading._harness`` takes over the process's stdio
    when imported).
    """
    package = name if path.endswith("__init__.py") else name.rpartition(".")[0]
    found, modules = [], {}  # modules: local name -> course_utils module it is bound to
    for node in ast.walk(ast.parse(Path(path).read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("course_utils"):
                    modules[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom):
            source = importlib.util.resolve_name("." * node.level + (node.module or ""), package)
            if not source.startswith("course_utils"):
                continue
            for alias in node.names:
                if _is_module(f"{source}.{alias.name}"):
                    modules[alias.asname or alias.name] = f"{source}.{alias.name}"
                elif alias.name.startswith("_"):
                    found.append(f"{source}.{alias.name}")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            other = modules.get(node.value.id)
            if other and other != name and node.attr.startswith("_") and not node.attr.startswith("__"):
                found.append(f"{other}.{node.attr}")
    return found


@pytest.mark.parametrize("module_name", ALL_MODULES)
def test_no_module_imports_another_modules_private_names(module_name):
    # private modules (_checks, fast._scratch) are shared on purpose; their functions are public names
    private = _private_imports(module_name, importlib.util.find_spec(module_name).origin)
    assert not private, f"{module_name} uses private names of other modules: {private}"


def test_the_private_import_check_can_fail(tmp_path):
    (tmp_path / "hs_probe.py").write_text(
        "from course_utils.conv import _output_shape\nfrom course_utils import pooling\npooling._windows\n"
    )
    assert _private_imports("course_utils.hs_probe", str(tmp_path / "hs_probe.py")) == [
        "course_utils.conv._output_shape",
        "course_utils.pooling._windows",
    ]
