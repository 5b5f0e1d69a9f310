"""``robot run --dry-run``: every case typed into the real screens, none saved.

A dry run uses no queue at all: it reads the case file into memory, runs each case through a
``DebugRunner`` with ``dry_run`` on (it stops before each ``commit: true`` step and abandons
the form through ``recover``), and writes ``dry-run.json`` (per case: how far it got and what
it typed, secrets masked) beside the audit trail and report of its evidence folder. It
writes no results workbook, so nothing of a dry run can pass for a real one: the queue's
cases stay as they were (pending ones stay pending), and a later real run types them all.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from robot_core.drivers.base import Driver
from robot_core.errors import CaseDataError
from robot_core.home import RunPaths
from robot_core.intake import CaseRow, Intake
from robot_core.outcome import CaseResult, RunOutcome, Status
from robot_core.private import private_file
from robot_core.run.debug import DebugRunner, Typed
from robot_core.run.session import RunOptions, open_session
from robot_core.script.model import BotScript

Progress = Callable[[CaseResult], None]


@dataclass
class DryRun:
    """What a dry run did: each case's result, how far it got, what it typed."""

    outcome: RunOutcome
    paths: RunPaths
    stopped_at: dict[str, str]  # case -> the commit step it stopped before
    typed: dict[str, list[Typed]]
    traces: dict[str, str]

    @property
    def report(self) -> Path:
        """``dry-run.json`` of the run."""
        return self.paths.root / "dry-run.json"


def only_case(rows: Sequence[CaseRow], key: str | None, source: Path) -> list[CaseRow]:
    """The rows under their keys; with ``key``, that one case (``CaseDataError`` if absent)."""
    keyed = [row.keyed(source) for row in rows]
    if key is None:
        return keyed
    chosen = [row for row in keyed if row.key == key]
    if not chosen:
        raise CaseDataError(f"{source}: no case {key!r} (--case takes the value of the key "
                            "column)")
    return chosen


def dry_run(bot: BotScript, intake: Intake, options: RunOptions,
            progress: Progress | None = None, stop: Callable[[], bool] = lambda: False,
            driver: Driver | None = None) -> DryRun:
    """Run the cases of ``intake`` up to their commit steps; nothing is saved or queued."""
    options = dataclasses.replace(options,
                                  debug=dataclasses.replace(options.debug, dry_run=True))
    cases = only_case(intake.rows, options.debug.case, intake.path)[: options.limit]
    session = open_session(bot, options, driver)
    runner = session.runner
    assert isinstance(runner, DebugRunner)
    outcome = RunOutcome(session.run_id, bot.name)
    session.audit.event("run_started", input=str(intake.path), cases=len(cases), dry_run=True)
    opened = False
    try:
        for case in cases:
            if stop():
                break
            if not opened:
                runner.open()
                opened = True
            result = runner.run_case(case)
            outcome.results.append(result)
            if progress:
                progress(result)
    finally:
        if opened:
            runner.close()
        done = {r.key for r in outcome.results}
        outcome.results += [CaseResult(c.key, c.row_number, Status.PENDING) for c in cases
                            if c.key not in done]
        run = DryRun(outcome, session.paths, runner.seen.stopped_at, runner.seen.typed,
                     runner.seen.traces)
        private_file(run.report).write_text(
            json.dumps(_summary(run), ensure_ascii=False, indent=1), encoding="utf-8")
        counts = outcome.counts()
        session.audit.event("run_finished", dry_run=True,
                            **{s.value: counts.get(s, 0) for s in Status})
        session.audit.close()
        from robot_core.evidence.report import build_report  # noqa: PLC0415 - at the end

        build_report(session.paths.root)
    return run


def _summary(run: DryRun) -> list[dict[str, object]]:
    return [{"case": r.key, "row": r.row_number, "status": r.status.value,
             "stopped_before": run.stopped_at.get(r.key, ""), "error": r.error,
             "screenshot": r.screenshot, "trace": run.traces.get(r.key, ""),
             "typed": [dataclasses.asdict(t) for t in run.typed.get(r.key, [])]}
            for r in run.outcome.results]
