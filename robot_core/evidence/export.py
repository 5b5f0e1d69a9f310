"""A batch's results workbook, from the queue, at any time (``robot queue export``).

The rows stream from the store a chunk at a time into the workbook writer, so a batch of
any length is exported in flat memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from robot_core.evidence.results import Layout, Pair, write_results
from robot_core.outcome import RunOutcome
from robot_core.queue.base import CLAIMABLE, Store
from robot_core.queue.payload import from_payload
from robot_core.script.model import BotScript

CHUNK = 500  # items per read from the store


def batch_pairs(store: Store, batch_id: int) -> Iterator[Pair]:
    """Each item of the batch, in row order, as its case row and its result so far."""
    for item in store.iter_items(batch_id, CHUNK):
        row = from_payload(item.key, item.row_number, item.payload)
        yield row, item.result


def batch_outcome(store: Store, batch_id: int, run_id: str = "") -> RunOutcome:
    """Each item's state as a ``CaseResult`` (its case data is not kept).

    ``meta``: ``deferred``, how many wait to be tried again after a system failure, and
    ``next_try``, when the first of them is due (ISO time, UTC).
    """
    batch = store.batch(batch_id)
    results, due, now = [], [], datetime.now(UTC)
    for item in store.iter_items(batch_id, CHUNK):
        results.append(item.result)
        if item.state in CLAIMABLE and item.defer_until is not None and item.defer_until > now:
            due.append(item.defer_until)
    meta = {"deferred": len(due), "next_try": min(due).isoformat() if due else ""}
    return RunOutcome(run_id or f"batch {batch_id}", batch.bot, results, meta)


def export_batch(store: Store, bot: BotScript, batch_id: int, path: Path,
                 run_id: str = "", stop: Callable[[], bool] = lambda: False) -> Path:
    """Write the results workbook of ``batch_id`` to ``path``; ``stop`` as ``write_results``."""
    batch = store.batch(batch_id)
    layout = Layout(batch.headers, bot.outputs, bot.secret_headers(), batch.source,
                    run_id or f"batch {batch_id}", batch.bot)
    return write_results(path, layout, batch_pairs(store, batch_id), stop)
