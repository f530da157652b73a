"""The test suite's own layout: test modules never import one another or a ``conftest``.

Shared builders live in support modules, any module under tests/ that is neither a test module
(``test_*.py``) nor a ``conftest.py``: ``tests.factories`` for the world, people, agreements,
messages and property-test generators, and package-local ones such as
``tests.services.stub_twilio`` (the fake provider the real workers load by dotted path).
Importing a test module re-collects its tests under a second name and couples unrelated files;
importing a conftest bypasses pytest's own loading of it. So ``conftest.py`` files hold only
fixtures and hooks, and what they build with comes from the support modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent


def _is_test_module(path: Path) -> bool:
    return path.name.startswith("test_") or path.name == "conftest.py"


def _module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported_modules(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    """Every module ``path`` imports, absolute (relative imports resolved), with its line.

    ``from package import name`` yields both ``package`` and ``package.name``: the name may be
    a submodule."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_name(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            found.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
    return found


def _test_modules_by_name() -> dict[str, Path]:
    return {_module_name(path): path for path in TESTS.rglob("*.py") if _is_test_module(path)}


def test_the_walk_sees_the_suite():
    names = _test_modules_by_name()
    # Guards the walk itself: a wrong root would find nothing and pass.
    assert "tests.conftest" in names
    assert "tests.contracts.test_test_layout" in names
    assert len(names) > 30


def test_no_test_module_or_conftest_is_imported():
    targets = _test_modules_by_name()
    offences = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted(TESTS.rglob("*.py"))
        for line, module in _imported_modules(path)
        if module in targets
    ]
    assert offences == [], "move shared helpers to tests/factories.py:\n" + "\n".join(offences)


def test_the_check_catches_each_form_of_import(tmp_path):
    """The forms the suite used to have (absolute, relative, parent-relative) are all seen."""
    package = tmp_path / "tests" / "browser"
    package.mkdir(parents=True)
    sample = package / "test_sample.py"
    sample.write_text(
        "from tests.intake.test_intake import receive\n"
        "from .conftest import sign_in\n"
        "from ..conftest import PASSWORD\n"
        "from tests.triage import test_triage_engine\n"
        "import tests.factories\n"
    )
    modules = {module for _, module in _imported_modules(sample, root=tmp_path)}
    assert {
        "tests.intake.test_intake",
        "tests.browser.conftest",
        "tests.conftest",
        "tests.triage.test_triage_engine",
    } <= modules
    assert "tests.factories" in modules


def _public_functions(path: Path) -> list[ast.FunctionDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
    ]


def _is_fixture(function: ast.FunctionDef) -> bool:
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute) and target.attr == "fixture":
            return True
    return False


@pytest.mark.parametrize(
    "conftest",
    sorted(TESTS.rglob("conftest.py")),
    ids=lambda path: str(path.relative_to(ROOT)),
)
def test_conftest_files_hold_only_fixtures_and_hooks(conftest):
    helpers = [
        function.name
        for function in _public_functions(conftest)
        if not (_is_fixture(function) or function.name.startswith("pytest_"))
    ]
    assert helpers == [], f"{conftest.name}: move {helpers} to tests/factories.py"
