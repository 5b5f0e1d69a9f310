"""``capture_events``: every audit event of a block, as ``structlog.testing.capture_logs``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from robot_core.evidence.audit import LISTENERS


@contextmanager
def capture_events() -> Iterator[list[dict[str, Any]]]:
    """Collect each audit event written inside the block, as written (masked, hash-chained).

    ``event`` is the event's name; every other field is as in ``audit.jsonl``. Events of
    every trail of the process are collected, in the order they were written.
    """
    events: list[dict[str, Any]] = []

    def listen(event: dict[str, Any]) -> None:
        events.append(event)

    LISTENERS.append(listen)
    try:
        yield events
    finally:
        LISTENERS.remove(listen)


def named(events: list[dict[str, Any]], *names: str) -> list[dict[str, Any]]:
    """The captured events called one of ``names``."""
    return [e for e in events if e.get("event") in names]
