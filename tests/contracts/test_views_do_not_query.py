"""Views never query the database themselves: they read through ``selectors`` and ``access`` and
write through services, so every query has one home and every permission check one layer.

A view module is any ``views.py``, ``*_views.py``, ``api.py`` or ``webhooks.py`` under
``agreements/`` or ``messaging/``. The check reads their syntax tree and reports:

- a model manager (``Anything.objects``);
- ``get_object_or_404`` / ``get_list_or_404``;
- a method only a queryset or related manager has (``filter``, ``select_related``, ``order_by``,
  ``annotate``, …), and the argument-less forms of ``all``, ``first``, ``last``, ``exists`` and
  ``count`` (``list.count`` and ``str.count`` always take an argument);
- an import of ``django.db.models`` (``Q``, ``F``, ``Prefetch``, aggregates…) or of
  ``django.db``'s ``models``, ``connection(s)``, ``router`` or ``transaction`` (a transaction
  spanning several writes belongs in one service).

``dict.get``, ``cleaned_data.get``, ``request.POST.get`` and ``dict.values()`` are not queries and
are not reported. Slicing a queryset is not detected; selectors return lists or pages for that.
"""

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("agreements", "messaging")

# Methods no builtin type has: seeing one called means a query is being built or run.
QUERY_METHODS = frozenset(
    {
        "aggregate",
        "alias",
        "annotate",
        "bulk_create",
        "bulk_update",
        "dates",
        "datetimes",
        "defer",
        "difference",
        "distinct",
        "earliest",
        "exclude",
        "extra",
        "filter",
        "get_or_create",
        "in_bulk",
        "intersection",
        "latest",
        "only",
        "order_by",
        "prefetch_related",
        "raw",
        "select_for_update",
        "select_related",
        "union",
        "update_or_create",
        "values_list",
    }
)
# Names builtins share (``list.count(x)``, ``dict.values()``): reported only in their ORM form.
QUERY_METHODS_WITHOUT_ARGUMENTS = frozenset({"all", "count", "exists", "first", "last", "none"})
QUERY_METHODS_WITH_ARGUMENTS = frozenset({"values"})
SHORTCUTS = frozenset({"get_object_or_404", "get_list_or_404"})
DB_NAMES = frozenset({"models", "connection", "connections", "router", "transaction"})


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def _called_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    if isinstance(node.func, ast.Name):
        return node.func.id
    return None


def _chain(node: ast.AST) -> str:
    """``a.b.filter(x=1).first()`` as ``a.b.filter(…).first(…)``: short, and names every step."""
    if isinstance(node, ast.Attribute):
        return f"{_chain(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return f"{_chain(node.func)}(…)"
    if isinstance(node, ast.Name):
        return node.id
    return "…"


def query_violations(source: str, path: str) -> list[Violation]:
    """Every place in ``source`` (a view module's text) that queries the database directly.

    A chain (``Model.objects.filter(…).first()``) is reported once, as a whole.
    """
    found = []
    reported: set[int] = set()

    def report(node: ast.AST, what: str) -> None:
        found.append(Violation(path, node.lineno, what))
        # The outer end of a chain is met first; its inner links are the same query.
        reported.update(id(inner) for inner in ast.walk(node))

    for node in ast.walk(ast.parse(source, filename=path)):
        if id(node) in reported:
            continue
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            report(node, f"uses a model manager ({_chain(node)})")
        elif isinstance(node, ast.Call):
            name = _called_name(node)
            has_arguments = bool(node.args or node.keywords)
            if name in SHORTCUTS:
                report(node, f"calls {name}() (use an access_* helper)")
            elif isinstance(node.func, ast.Attribute) and (
                name in QUERY_METHODS
                or (name in QUERY_METHODS_WITHOUT_ARGUMENTS and not has_arguments)
                or (name in QUERY_METHODS_WITH_ARGUMENTS and has_arguments)
            ):
                report(node.func, f"runs a query: {_chain(node)}")
        elif isinstance(node, ast.ImportFrom) and node.module:
            module = node.module
            names = {alias.name for alias in node.names}
            if module == "django.db.models" or module.startswith("django.db.models."):
                report(node, f"imports {', '.join(sorted(names))} from {module}")
            elif module == "django.db" and names & DB_NAMES:
                report(node, f"imports {', '.join(sorted(names & DB_NAMES))} from django.db")
            elif module == "django.shortcuts" and names & SHORTCUTS:
                report(node, f"imports {', '.join(sorted(names & SHORTCUTS))}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "django.db" or alias.name.startswith("django.db."):
                    report(node, f"imports {alias.name}")
    return sorted(found, key=lambda v: v.line)


def view_modules() -> list[Path]:
    modules = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            if path.name in ("views.py", "api.py", "webhooks.py") or path.name.endswith(
                "_views.py"
            ):
                modules.append(path)
    return modules


def test_view_modules_are_found():
    found = {path.relative_to(ROOT).as_posix() for path in view_modules()}
    assert {
        "agreements/views.py",
        "agreements/token_views.py",
        "messaging/inbox/api.py",
        "messaging/intake/webhooks.py",
        "messaging/escalation/views.py",
    } <= found


def test_views_do_not_query_the_database():
    violations = [
        violation
        for path in view_modules()
        for violation in query_violations(path.read_text(), path.relative_to(ROOT).as_posix())
    ]
    assert not violations, (
        "Views read through selectors/access and write through services; move these:\n"
        + "\n".join(f"  {v}" for v in violations)
    )


BAD_VIEW = """
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404, render

from agreements.models import Membership


def client_list(request):
    clients = Membership.objects.filter(practice=request.membership.practice)
    client = get_object_or_404(Membership, pk=1)
    notes = client.notes.select_related("author").order_by("-created_at")
    with transaction.atomic():
        pass
    return render(request, "x.html", {"clients": clients, "n": notes.count(), "a": notes.all()})


manager = Membership.objects
"""


def test_the_check_catches_a_view_that_queries():
    violations = query_violations(BAD_VIEW, "bad/views.py")
    by_line: dict[int, list[str]] = {}
    for violation in violations:
        by_line.setdefault(violation.line, []).append(violation.what)
    assert by_line[2] == ["imports transaction from django.db"]
    assert by_line[3] == ["imports Q from django.db.models"]
    assert by_line[4] == ["imports get_object_or_404"]
    assert by_line[10] == ["runs a query: Membership.objects.filter(…)"]
    assert by_line[11] == ["calls get_object_or_404() (use an access_* helper)"]
    assert by_line[12] == ["runs a query: client.notes.select_related(…).order_by(…)"]
    assert sorted(by_line[15]) == ["runs a query: notes.all(…)", "runs a query: notes.count(…)"]
    assert by_line[18] == ["uses a model manager (Membership.objects)"]
    assert str(violations[0]) == "bad/views.py:2: imports transaction from django.db"


GOOD_VIEW = """
from django.db import IntegrityError
from django.shortcuts import redirect


def page(request, form, text, data):
    if form.is_valid() and form.cleaned_data.get("start"):
        name = request.POST.get("name") or request.GET.get("q", "")
        total = text.count("x") + [1, 2].count(1)
        return redirect("home", name=name, total=total, values=list(data.values()))
    raise IntegrityError
"""


def test_the_check_allows_reads_that_are_not_queries():
    assert query_violations(GOOD_VIEW, "good/views.py") == []
