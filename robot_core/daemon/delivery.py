"""The end of a batch: its results workbook in the outbox, a summary event, a notification.

A batch is finished when none of its items can still change by itself (no ``pending``,
``in_progress`` or ``uncertain``). Each input file gets one ``<name>_results.xlsx``; the
name is recorded before the workbook is written, so a crash rewrites the same file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from robot_core.daemon.context import RunContext
from robot_core.daemon.ledger import Entry
from robot_core.daemon.notify import notify
from robot_core.daemon.paths import unique
from robot_core.evidence.export import export_batch
from robot_core.outcome import Status


def finished_counts(ctx: RunContext, batch: int) -> dict[str, int] | None:
    """Items per state if every item of ``batch`` is final, else None."""
    counts = {s.value: 0 for s in Status}
    for item in ctx.store.items(batch=batch):
        if not item.state.final:
            return None
        counts[item.state.value] += 1
    return counts


def deliver_finished(ctx: RunContext) -> list[Entry]:
    """Deliver every queued file of the schedule whose batch is finished."""
    delivered = []
    for entry in ctx.ledger.in_state(ctx.schedule.name, "queued"):
        if entry.batch is None or entry.bot != ctx.bot.name:
            continue
        counts = finished_counts(ctx, entry.batch)
        if counts is not None:
            deliver(ctx, entry, counts)
            delivered.append(ctx.ledger.get(entry.id))
    return delivered


def deliver(ctx: RunContext, entry: Entry, counts: dict[str, int]) -> None:
    """Write the results workbook, record the summary, notify, mark delivered."""
    assert entry.batch is not None
    if entry.results:
        target = ctx.paths.inside(Path(entry.results))
    else:
        target = unique(ctx.paths.inside(ctx.paths.outbox
                                         / f"{Path(entry.name).stem}_results.xlsx"))
        ctx.ledger.results(entry.id, target)
    ctx.paths.outbox.mkdir(parents=True, exist_ok=True, mode=0o700)
    export_batch(ctx.store, ctx.bot, entry.batch, target, ctx.run_id)
    summary = summarise(ctx, entry, counts, target)
    ctx.events.event("batch_summary", **summary)
    # Notified before the entry is marked: a crash in between notifies twice, never not.
    notify(ctx.schedule.spec.notify, summary, ctx.events)
    ctx.ledger.delivered(entry.id)


def summarise(ctx: RunContext, entry: Entry, counts: dict[str, int],
              results: Path) -> dict[str, Any]:
    """The facts staff and the audit trail get about one finished file."""
    return {
        "schedule": ctx.schedule.name, "bot": ctx.bot.name, "file": entry.name,
        "batch": entry.batch, "total": sum(counts.values()),
        "done": counts[Status.DONE.value],
        "business_failed": counts[Status.BUSINESS_FAILED.value],
        "failed": counts[Status.FAILED.value], "cancelled": counts[Status.CANCELLED.value],
        "mismatch": counts[Status.MISMATCH.value],
        "conflicts": ctx.store.batch(entry.batch).conflicts if entry.batch else 0,
        "queued": entry.note, "results": str(results), "archived": entry.archived,
    }
