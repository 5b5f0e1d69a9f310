"""Finding a selector-map alternative on a terminal screen (a ``Snapshot``).

Every alternative resolves to a ``Region`` of the screen, or to nothing when it is not on
screen now. Positions in maps count from 1; regions count from 0.
"""

from __future__ import annotations

from collections.abc import Sequence

from robot_core.drivers.terminal.screen import Region, Snapshot, width
from robot_core.errors import ApplicationError
from robot_core.script.terminal import numbers
from robot_core.selectors import Alternative, Target


def locate(snap: Snapshot, alt: Alternative, *, unlocked: bool) -> Region | None:  # noqa: PLR0911
    """Where ``alt`` is on ``snap``; None when it is not there."""
    match alt.strategy:
        case "field":
            row, col, length = numbers(alt.value, 3, "field")
            return _inside(snap, Region(row - 1, col - 1, length))
        case "label":
            return _after_label(snap, alt.value)
        case "index":
            fields = snap.fields()
            n = numbers(alt.value, 1, "index")[0]
            return fields[n - 1] if n <= len(fields) else None
        case "text":
            return _text(snap, alt)
        case "row":
            row = numbers(alt.value, 1, "row")[0] - 1
            if row >= snap.rows or not snap.text(row).strip():
                return None
            return Region(row, 0, snap.cols)
        case "area":
            top, left, bottom, right = (n - 1 for n in numbers(alt.value, 4, "area"))
            area = _inside(snap, Region(top, left, right - left + 1, bottom - top + 1))
            return area if area is not None and snap.value(area).strip() else None
        case "cursor":
            row, col = numbers(alt.value, 2, "cursor")
            return Region(row - 1, col - 1, 0) if snap.cursor == (row - 1, col - 1) else None
        case "keyboard":
            return Region(*snap.cursor, 0) if unlocked else None
    return None


def _inside(snap: Snapshot, region: Region) -> Region | None:
    fits = region.row + region.rows <= snap.rows and region.col + region.cols <= snap.cols
    return region if fits else None


def _after_label(snap: Snapshot, label: str) -> Region | None:
    """The first bracketed field that starts after ``label`` on the label's row."""
    for row, col in snap.find(label):
        after = col + width(label)
        for field in snap.fields():
            if field.row == row and field.col > after:
                return field
    return None


def _text(snap: Snapshot, alt: Alternative) -> Region | None:
    if alt.at is not None:
        row, col = (n - 1 for n in numbers(alt.at, 2, "at"))
        if row >= snap.rows:
            return None
        shown = snap.text(row, col, width(alt.value))
        return Region(row, col, width(alt.value)) if shown == alt.value else None
    places = snap.find(alt.value)
    return Region(places[0][0], places[0][1], width(alt.value)) if places else None


def first(snap: Snapshot, target: Target, *, unlocked: bool) -> tuple[Alternative, Region] | None:
    """The first alternative of ``target`` on screen and where it is."""
    for alt in target.alternatives:
        region = locate(snap, alt, unlocked=unlocked)
        if region is not None:
            return alt, region
    return None


def regions(snap: Snapshot, targets: list[Target]) -> list[Region]:
    """Where each of ``targets`` (and its options) is now: what to mask.

    The first alternative on screen counts, as for typing; a target given by position is
    always "on screen", so it is masked on every screen (too much rather than too little).
    """
    out = []
    for target in (*targets, *(o for t in targets for o in t.options.values())):
        hit = first(snap, target, unlocked=True)
        if hit is not None and hit[0].strategy not in {"cursor", "keyboard"}:
            out.append(hit[1])
    return out


def first_of(snap: Snapshot, targets: Sequence[Target]) -> tuple[Target, Region] | None:
    """The first of ``targets`` on the screen, in order, and where it is (VT and 3270)."""
    for target in targets:
        hit = first(snap, target, unlocked=True)
        if hit is not None:
            return target, hit[1]
    return None


def raise_interrupt(snap: Snapshot,
                    interrupts: Sequence[tuple[Target, type[ApplicationError]]]) -> None:
    """Raise the error of the first interrupt target on the screen (a login page, an error)."""
    for target, error in interrupts:
        if first(snap, target, unlocked=True) is not None:
            raise error(f"{target.name} is on screen")
