"""A batch's results workbook, from the queue, at any time (``robot queue export``)."""

from __future__ import annotations

from pathlib import Path

from robot_core.intake import CaseRow, Intake
from robot_core.outcome import CaseResult, RunOutcome, Status
from robot_core.queue.base import Item, State, Store
from robot_core.queue.payload import from_payload
from robot_core.results import write_results
from robot_core.script.model import BotScript

STATUS_OF = {State.DONE: Status.DONE, State.BUSINESS_FAILED: Status.BUSINESS_FAILED,
             State.FAILED: Status.FAILED}


def batch_outcome(store: Store, batch_id: int, run_id: str = "") -> tuple[Intake, RunOutcome]:
    """The batch's rows as an ``Intake`` and each item's state as a ``CaseResult``."""
    batch = store.batch(batch_id)
    items = store.items(batch=batch_id)
    rows = [from_payload(i.key, i.row_number, i.payload) for i in items]
    intake = Intake(Path(batch.source), batch.sheet, batch.headers, rows)
    outcome = RunOutcome(run_id or f"batch {batch_id}", batch.bot,
                         [_result(i, row) for i, row in zip(items, rows, strict=True)])
    return intake, outcome


def _result(item: Item, row: CaseRow) -> CaseResult:
    return CaseResult(row.key, row.row_number, STATUS_OF.get(item.state, Status.PENDING),
                      outputs=item.outputs, error=item.error, error_kind=item.error_kind,
                      screenshot=item.screenshot, attempts=item.tries)


def export_batch(store: Store, bot: BotScript, batch_id: int, path: Path,
                 run_id: str = "") -> Path:
    """Write the results workbook of ``batch_id`` to ``path``."""
    intake, outcome = batch_outcome(store, batch_id, run_id)
    return write_results(path, intake, outcome, bot.outputs, bot.secret_headers())
