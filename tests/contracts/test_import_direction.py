"""The allowed import direction, checked on every module of agreements/, messaging/ and
contactpolicy/ (migrations aside), lazy imports inside functions included.

Layers, lowest first; a module may import its own layer or a lower one:

0. pure rules: ``messaging.triage.*``, ``messaging.escalation.machine``,
   ``messaging.escalation.oncall``, ``agreements.business_hours``, ``agreements.phones``,
   ``contactpolicy.crypto``, ``messaging.contactlog.chain``, ``messaging.voice.callflow``,
   ``messaging.between.schedule`` and ``.chart`` — they import nothing but each other: no ORM, no
   models;
1. ``messaging.contactlog``;
2. ``agreements``;
3. ``messaging.notifications``;
4. ``messaging.escalation``;
5. ``messaging.intake``, ``messaging.voice`` (the answering service, another way in) and
   ``messaging.between`` (check-ins and caring messages, whose replies and STOPs intake links);
6. ``messaging.inbox``;
7. the top: ``messaging.oversight``, ``messaging.interop`` (the FHIR export), the contact log's
   own pages (``messaging.contactlog.views`` and ``urls``, which need the role layer of
   ``agreements``) and the runtime — URL and server
   entry points, demo data, management commands, context processors, template tags.

Any ``*.models`` module may be imported from anywhere but the pure layer, and so may the
plumbing: ``contactpolicy.settings``, ``contactpolicy.celery``, ``contactpolicy.queues``,
``contactpolicy.fields``, ``contactpolicy.crypto`` and the apps' configuration.
"""

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("agreements", "messaging", "contactpolicy")

PURE = 0
TOP = 7
LAYER_NAMES = {
    0: "pure rules",
    1: "contact log",
    2: "agreements",
    3: "notifications",
    4: "escalation",
    5: "intake",
    6: "inbox",
    7: "top (oversight and runtime)",
}
PURE_MODULES = (
    "messaging.triage",
    "messaging.escalation.machine",
    "messaging.escalation.oncall",
    "agreements.business_hours",
    "agreements.phones",
    "contactpolicy.crypto",
    "messaging.contactlog.chain",
    "messaging.voice.callflow",
    "messaging.between.schedule",
    "messaging.between.chart",
)
PLUMBING = (
    "contactpolicy",
    "contactpolicy.settings",
    "contactpolicy.celery",
    "contactpolicy.queues",
    "contactpolicy.fields",
    "contactpolicy.crypto",
    "contactpolicy.apps",
    "agreements.apps",
    "messaging",
    "messaging.apps",
    # The log's append-only triggers: raw SQL and a system check, importing nothing of the
    # project; the app configuration installs them after every migrate.
    "messaging.contactlog.triggers",
)
# Most specific first: the first prefix that matches decides.
LAYER_PREFIXES = (
    # The contact log's own pages go through the role layer like every page; the log itself
    # (models, services, selectors, access) sits under everything that writes to it.
    ("messaging.contactlog.views", TOP),
    ("messaging.contactlog.urls", TOP),
    ("messaging.oversight", TOP),
    # Exports to other systems read every package (agreements, messages, the log).
    ("messaging.interop", TOP),
    ("messaging.management", TOP),
    ("messaging.templatetags", TOP),
    ("agreements.demo", TOP),
    ("agreements.context_processors", TOP),
    ("agreements.management", TOP),
    ("messaging.contactlog", 1),
    ("agreements", 2),
    ("messaging.notifications", 3),
    ("messaging.escalation", 4),
    ("messaging.intake", 5),
    # The answering service takes calls in through intake, beside the other ways in.
    ("messaging.voice", 5),
    # Check-ins and caring contacts: replies and STOPs come in through intake, which links
    # them; so the two share a layer.
    ("messaging.between", 5),
    ("messaging.inbox", 6),
    ("contactpolicy", TOP),
)


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def is_models(module: str) -> bool:
    return module.split(".")[-1] == "models" or ".models." in module


def is_plumbing(module: str) -> bool:
    return module in PLUMBING or _within(module, "contactpolicy.settings")


def is_pure(module: str) -> bool:
    return any(_within(module, prefix) for prefix in PURE_MODULES)


def layer_of(module: str) -> int | None:
    if is_pure(module):
        return PURE
    for prefix, layer in LAYER_PREFIXES:
        if _within(module, prefix):
            return layer
    return None


def describe(module: str) -> str:
    layer = layer_of(module)
    return f"{module} (layer {layer}: {LAYER_NAMES[layer]})"


def _importer(module: str) -> str:
    return describe(module) if layer_of(module) is not None else f"{module} (imported everywhere)"


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    importer: str
    imported: str
    why: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.importer} imports {self.imported} — {self.why}"


def project_modules() -> dict[str, Path]:
    """Every module of the three packages, by dotted name (packages by their ``__init__``)."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def imported_modules(
    source: str, *, module: str, is_package: bool, known: set[str]
) -> list[tuple[int, str]]:
    """(line, module) for every import in ``source``, at any depth, relative ones resolved.

    ``from package import name`` counts as importing ``package.name`` when that is a module.
    """
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                found.append((node.lineno, submodule if submodule in known else target))
    return sorted(set(found))


def import_violations(
    source: str, *, module: str, path: str, is_package: bool = False, known: set[str]
) -> list[Violation]:
    importer_layer = layer_of(module)
    # Modules outside every layer (``messaging.models``, the apps' configuration) are imported
    # from everywhere, so they may lean only on models, plumbing and pure rules.
    allowed_up_to = PURE if importer_layer is None else importer_layer
    violations = []
    for line, imported in imported_modules(
        source, module=module, is_package=is_package, known=known
    ):
        top = imported.split(".")[0]
        if importer_layer == PURE:
            if _within(imported, "django.db") or is_models(imported):
                violations.append(
                    Violation(path, line, module, imported, "pure rules must not touch the ORM")
                )
            elif top in PACKAGES and not is_pure(imported):
                violations.append(
                    Violation(
                        path,
                        line,
                        module,
                        imported,
                        f"pure rules import only pure rules, not {describe(imported)}",
                    )
                )
            continue
        if top not in PACKAGES or is_models(imported) or is_plumbing(imported):
            continue
        imported_layer = layer_of(imported)
        if imported_layer is None or imported_layer > allowed_up_to:
            violations.append(
                Violation(
                    path,
                    line,
                    module,
                    imported,
                    f"{_importer(module)} may not import {describe(imported)}",
                )
            )
    return violations


def test_every_module_has_a_layer():
    unplaced = [
        name
        for name in project_modules()
        if layer_of(name) is None and not is_plumbing(name) and not is_models(name)
    ]
    assert not unplaced, f"Place these modules in a layer of this test: {unplaced}"


def test_imports_follow_the_layers():
    modules = project_modules()
    known = set(modules)
    violations = [
        violation
        for name, path in modules.items()
        for violation in import_violations(
            path.read_text(),
            module=name,
            path=path.relative_to(ROOT).as_posix(),
            is_package=path.name == "__init__.py",
            known=known,
        )
    ]
    assert not violations, (
        "These imports go against the allowed direction (lowest first: pure rules, contact "
        "log, agreements, notifications, escalation, intake, inbox, top):\n"
        + "\n".join(f"  {v}" for v in violations)
    )


def test_the_pure_modules_are_checked():
    names = set(project_modules())
    pure = {name for name in names if layer_of(name) == PURE}
    assert {
        "messaging.triage.engine",
        "messaging.triage.detector",
        "messaging.escalation.machine",
        "messaging.escalation.oncall",
        "agreements.business_hours",
    } <= pure


KNOWN = {
    "messaging.inbox.services",
    "messaging.notifications.selectors",
    "messaging.oversight.selectors",
    "messaging.triage.categories",
}

PLANTED_NOTIFICATIONS = """
from contactpolicy.celery import app
from messaging.inbox import services
from messaging.models import Message

from . import selectors


def late():
    from messaging.oversight.selectors import contact_volume

    return contact_volume
"""


def test_the_check_catches_an_import_against_the_direction():
    violations = import_violations(
        PLANTED_NOTIFICATIONS,
        module="messaging.notifications.planted",
        path="messaging/notifications/planted.py",
        known=KNOWN,
    )
    assert [(v.line, v.imported) for v in violations] == [
        (3, "messaging.inbox.services"),
        (10, "messaging.oversight.selectors"),
    ]
    assert str(violations[0]) == (
        "messaging/notifications/planted.py:3: messaging.notifications.planted imports "
        "messaging.inbox.services — messaging.notifications.planted (layer 3: notifications) "
        "may not import messaging.inbox.services (layer 6: inbox)"
    )


PLANTED_PURE = """
from agreements import business_hours
from agreements.models import Membership

from .categories import Category


def late():
    from django.db import models
    from messaging.intake import selectors

    return models, selectors
"""


def test_the_check_catches_the_orm_in_a_pure_module():
    violations = import_violations(
        PLANTED_PURE,
        module="messaging.triage.planted",
        path="messaging/triage/planted.py",
        known=KNOWN | {"agreements.business_hours"},
    )
    assert [(v.line, v.imported, v.why) for v in violations] == [
        (3, "agreements.models", "pure rules must not touch the ORM"),
        (9, "django.db", "pure rules must not touch the ORM"),
        (
            10,
            "messaging.intake",
            "pure rules import only pure rules, not messaging.intake (layer 5: intake)",
        ),
    ]
