"""Every public function of the topic modules has numpydoc Parameters / Returns sections and type hints.

The modules students read beside the lecture (and their fast path) are listed in ``MODULES``;
``CONTRIBUTING.md`` describes the layout these checks enforce.
"""

from __future__ import annotations

import ast
import importlib
import inspect

import pytest

MODULES = [
    "activations",
    "losses",
    "layers",
    "mlp",
    "delta_rule",
    "graph",
    "gradcheck",
    "conv",
    "pooling",
    "cnn",
    "datasets",
    "pyramids",
    "steerable",
    "images",
    "worked_example",
    "fast.conv",
    "fast.pooling",
    "fast.pyramids",
]


def _public_callables(module):
    for name in module.__all__:
        obj = getattr(module, name)
        if inspect.isfunction(obj) and obj.__module__ == module.__name__:
            yield name, obj
        elif inspect.isclass(obj) and obj.__module__ == module.__name__:
            for attr, member in vars(obj).items():
                if inspect.isfunction(member) and (not attr.startswith("_") or attr == "__init__"):
                    yield f"{name}.{attr}", member


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
    if not returns_none and "Returns\n-------" not in doc and not shared:
        problems.append("no numpydoc Returns section")
    if signature.return_annotation is inspect.Signature.empty:
        problems.append("no return type hint")
    unhinted = [p for p in parameters if signature.parameters[p].annotation is inspect.Parameter.empty]
    if unhinted:
        problems.append(f"no type hint for {', '.join(unhinted)}")
    return problems


@pytest.mark.parametrize("module_name", MODULES)
def test_public_functions_have_numpydoc_sections_and_type_hints(module_name):
    module = importlib.import_module(f"course_utils.{module_name}")
    found = {name: _problems(name, f) for name, f in _public_callables(module)}
    assert found, f"course_utils.{module_name} exports no functions: check __all__"
    bad = {name: problems for name, problems in found.items() if problems}
    assert not bad, f"course_utils.{module_name}: {bad}"


@pytest.mark.parametrize("module_name", MODULES)
def test_no_module_imports_another_modules_private_names(module_name):
    # private modules (_checks, fast._scratch) are shared on purpose; their functions are public names
    module = importlib.import_module(f"course_utils.{module_name}")
    tree = ast.parse(inspect.getsource(module))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            source = importlib.import_module(("." * node.level) + (node.module or ""), module.__package__)
            private = [
                alias.name
                for alias in node.names
                if alias.name.startswith("_") and not inspect.ismodule(getattr(source, alias.name, None))
            ]
            assert not private, f"course_utils.{module_name} imports private names {private} from {source.__name__}"
