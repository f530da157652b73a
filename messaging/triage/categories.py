"""Triage categories, most severe first (DESIGN.md → Triage)."""

from enum import StrEnum


class Category(StrEnum):
    CRISIS = "crisis"
    URGENT = "urgent"
    CLINICAL = "clinical"
    LOGISTICS = "logistics"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]

    @property
    def label(self) -> str:
        return _LABELS[self]


_SEVERITY = {
    Category.CRISIS: 3,
    Category.URGENT: 2,
    Category.CLINICAL: 1,
    Category.LOGISTICS: 0,
}

_LABELS = {
    Category.CRISIS: "Crisis",
    Category.URGENT: "Urgent",
    Category.CLINICAL: "Therapy content",
    Category.LOGISTICS: "Scheduling and admin",
}

SEVERITY_ORDER: tuple[Category, ...] = (
    Category.CRISIS,
    Category.URGENT,
    Category.CLINICAL,
    Category.LOGISTICS,
)


def most_severe(*categories: Category | str | None) -> Category:
    """The more severe of the given categories; detection may raise, never lower."""
    present = [Category(c) for c in categories if c]
    if not present:
        return Category.LOGISTICS
    return max(present, key=lambda c: c.severity)
