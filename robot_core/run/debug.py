"""Debugging runs: a dry run, Playwright traces of failed cases, a pause before recovering.

``DebugRunner`` is the ``Runner`` with these knobs (``DebugOptions``); a run without any of
them gets the plain ``Runner`` (``make_runner``).

* **Dry run**: setup and steps run on the real screens up to, not including, each step
  marked ``commit: true``; there the case is abandoned through ``recover`` (then ``setup``,
  as after any failure), so nothing is saved. What the steps typed is kept per case
  (``typed``), secrets masked. A case that reached its commit step (or ended without one) is
  ``done`` *in the dry run's own results only*: a dry run never touches the queue
  (``run/dryrun.py``).
* **Trace**: each case is recorded (``drivers/web_debug.py``); the trace of a case that did
  not end ``done`` is kept as ``traces/<case>/trace.zip`` in the run's evidence, scrubbed of
  the run's secrets; the others are dropped.
* **Pause on failure**: after a failed attempt's screenshot, before ``recover``, ``pause``
  is called with one line about the failure (the CLI waits for Enter on the terminal).
* ``observe`` is called before every step (``robot check`` looks at each screen there).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from robot_core.credentials import Credentials
from robot_core.drivers.base import Driver
from robot_core.evidence.audit import AuditTrail
from robot_core.home import RunPaths, safe_name
from robot_core.intake import CaseRow
from robot_core.outcome import CaseResult, Status
from robot_core.run.runner import Runner, _Tries
from robot_core.run.steps import StepContext
from robot_core.script.model import BotScript, Step
from robot_core.vault import MASK


@dataclass(frozen=True)
class DebugOptions:
    """The debugging knobs of one run (all off by default)."""

    dry_run: bool = False
    trace: bool = False
    slow_mo_ms: int = 0
    case: str | None = None  # run this case key only
    pause: Callable[[str], None] | None = None  # after a failure, before recovering
    observe: Callable[[Step, Driver], None] | None = None  # before every step

    @property
    def changes_runner(self) -> bool:
        """Whether the run needs a ``DebugRunner`` rather than the plain ``Runner``."""
        return bool(self.dry_run or self.trace or self.pause or self.observe)


@dataclass(frozen=True)
class Typed:
    """One step of a dry run: what it did, and the value it typed (a secret masked)."""

    step: str
    action: str
    target: str
    value: str


class CommitReached(Exception):
    """A dry run came to a ``commit: true`` step: the case stops here."""


@dataclass
class _Seen:
    typed: dict[str, list[Typed]] = field(default_factory=dict)
    stopped_at: dict[str, str] = field(default_factory=dict)
    traces: dict[str, str] = field(default_factory=dict)


class DebugRunner(Runner):
    """A ``Runner`` that can stop before saving, trace cases and pause on failures."""

    def __init__(self, bot: BotScript, driver: Driver, audit: AuditTrail, paths: RunPaths,
                 env: dict[str, str], credentials: Credentials | None,
                 debug: DebugOptions) -> None:
        super().__init__(bot, driver, audit, paths, env, credentials)
        self.debug = debug
        self.seen = _Seen()

    # -- dry run -----------------------------------------------------------------------------
    def _run_step(self, ctx: StepContext, step: Step, key: str, case_attempt: int) -> None:
        if self.debug.observe is not None:
            self.debug.observe(step, self.driver)
        if self.debug.dry_run and key and getattr(step.args, "commit", False):
            self.audit.event("dry_run_stopped", case=key, step=step.label,
                             target=step.target_name())
            self.seen.stopped_at[key] = step.label
            raise CommitReached(step.label)
        super()._run_step(ctx, step, key, case_attempt)

    def _step_event(self, fields: dict[str, Any], ctx: StepContext, step: Step,
                    started: float, outcome: str, **extra: Any) -> None:
        super()._step_event(fields, ctx, step, started, outcome, **extra)
        key = fields["case"]
        if self.debug.dry_run and key and outcome == "ok":
            value = MASK if step.secret and ctx.shown_value else \
                self.audit.masker.mask(ctx.shown_value)
            self.seen.typed.setdefault(key, []).append(
                Typed(step.label, step.action, step.target_name() or "", value))

    def _attempt(self, case: CaseRow, tries: _Tries, attempt: int) -> CaseResult:
        self.seen.typed[case.key] = []  # an attempt after a failure types it all again
        try:
            return super()._attempt(case, tries, attempt)
        except CommitReached as stop:
            result = tries.result
            result.status, result.error, result.error_kind = Status.DONE, "", ""
            self.recover(stop)  # abandon the form the way a failure would
            return result

    # -- trace and pause ---------------------------------------------------------------------
    def _maybe_recycle(self) -> None:
        super()._maybe_recycle()
        if self.debug.trace:
            tracing = getattr(self.driver, "tracing", None)
            if tracing is not None:
                tracing.start(self.driver.page.context)  # type: ignore[attr-defined]

    def run_case(self, case: CaseRow, *, uncertain: bool = False) -> CaseResult:
        """Enter one case (see ``Runner.run_case``); keep its trace if it failed."""
        result = super().run_case(case, uncertain=uncertain)
        tracing = getattr(self.driver, "tracing", None)
        if self.debug.trace and tracing is not None:
            failed = result.status is not Status.DONE
            path = self.paths.root / "traces" / safe_name(case.key) / "trace.zip"
            kept = tracing.stop(self.driver.page.context,  # type: ignore[attr-defined]
                                path if failed else None, self.audit.masker.values())
            if kept is not None:
                shown = str(kept.relative_to(self.paths.root))
                self.seen.traces[case.key] = shown
                self.audit.event("trace_saved", case=case.key, path=shown)
        return result

    def _fail(self, result: CaseResult, status: Status, exc: Exception, attempt: int,
              *, shot: bool = True) -> CaseResult:
        # Pausing on a failure: the person looking gets its screenshot, weather or not.
        failed = super()._fail(result, status, exc, attempt,
                               shot=shot or self.debug.pause is not None)
        if self.debug.pause is not None:
            seen = f" (screenshot {failed.screenshot})" if failed.screenshot else ""
            self.debug.pause(f"{failed.key}: {failed.error_kind}: {failed.error}{seen}")
        return failed


def make_runner(bot: BotScript, driver: Driver, audit: AuditTrail, paths: RunPaths,
                env: dict[str, str], credentials: Credentials | None,
                debug: DebugOptions) -> Runner:
    """The plain ``Runner``, or a ``DebugRunner`` when a debugging knob is on."""
    if debug.changes_runner:
        return DebugRunner(bot, driver, audit, paths, env, credentials, debug)
    return Runner(bot, driver, audit, paths, env, credentials)
