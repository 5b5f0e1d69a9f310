"""One batch run: a case file through one worker, with its evidence under ``runs/<run_id>/``.

This is what ``robot run`` calls. It owns the order of things: check the environment, open
the run's files, start the driver once, run every case, always write the results workbook.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from robot_core import credentials as creds
from robot_core.audit import AuditTrail
from robot_core.drivers import Driver, make_driver
from robot_core.errors import ConfigError
from robot_core.home import RunPaths, new_run_id
from robot_core.intake import CaseRow, Intake
from robot_core.outcome import CaseResult, RunOutcome, Status
from robot_core.results import write_results
from robot_core.runner import Runner
from robot_core.script.model import BotScript

Progress = Callable[[CaseRow, CaseResult], None]


@dataclass(frozen=True)
class RunOptions:
    """Knobs of one run."""

    home: Path
    headed: bool = False
    limit: int | None = None


def environment(bot: BotScript) -> dict[str, str]:
    """The environment variables the bot's templates read; all must be set."""
    missing = sorted(v for v in bot.env_vars if not os.environ.get(v))
    if missing:
        raise ConfigError(f"{bot.file}: set the environment variable(s) {', '.join(missing)}")
    return {name: os.environ[name] for name in bot.env_vars}


def run_batch(bot: BotScript, intake: Intake, options: RunOptions,
              progress: Progress | None = None, stop: Callable[[], bool] = lambda: False,
              driver: Driver | None = None) -> tuple[RunOutcome, RunPaths]:
    """Run every case of ``intake``; the results workbook is written even on a crash."""
    env = environment(bot)
    secrets = creds.resolve(bot.credentials) if bot.credentials else None
    run_id = new_run_id(bot.name)
    paths = RunPaths.create(options.home, run_id)
    audit = AuditTrail(paths.audit, run_id=run_id, bot=bot.name)
    outcome = RunOutcome(run_id, bot.name)
    cases = intake.rows[: options.limit] if options.limit else intake.rows
    audit.event("run_started", input=str(intake.path), cases=len(cases), sheet=intake.sheet)
    driver = driver or make_driver(bot.driver, headed=options.headed,
                                   launch=dict(bot.selectors.launch))
    runner = Runner(bot, driver, audit, paths, env, secrets)
    try:
        _work(runner, cases, outcome, progress, stop)
    finally:
        _finish(bot, intake, outcome, paths, audit, cases)
    return outcome, paths


def _work(runner: Runner, cases: Iterable[CaseRow], outcome: RunOutcome,
          progress: Progress | None, stop: Callable[[], bool]) -> None:
    opened = False
    try:
        for case in cases:
            if stop():
                break
            if case.valid and not opened:
                runner.open()  # no browser at all when every row is rejected at intake
                opened = True
            result = runner.run_case(case)
            outcome.results.append(result)
            if progress:
                progress(case, result)
    finally:
        if opened:
            runner.close()


def _finish(bot: BotScript, intake: Intake, outcome: RunOutcome, paths: RunPaths,
            audit: AuditTrail, cases: list[CaseRow]) -> None:
    done = {r.row_number for r in outcome.results}
    outcome.results += [CaseResult(c.key, c.row_number, Status.PENDING) for c in cases
                        if c.row_number not in done]
    secret_headers = {h for n in bot.secret_columns() for h in
                      (*bot.input.columns[n].header, n)}
    shown = Intake(intake.path, intake.sheet, intake.headers, cases)
    write_results(paths.results, shown, outcome, bot.outputs, secret_headers)
    counts = outcome.counts()
    audit.event("run_finished", **{s.value: counts.get(s, 0) for s in Status},
                exit_code=outcome.exit_code, results=str(paths.results))
    audit.close()
