"""Run cases through a bot's steps: retries, recovery, screenshots and audit events.

One ``Runner`` is one worker session: it starts the driver once, runs ``setup`` (log in),
then takes cases one at a time. For each case:

* a ``TransientError`` repeats the step (bounded exponential backoff);
* a ``BusinessError`` (red text on the form) ends the case: screenshot, no retry;
* a ``RecordMismatch`` (an ``expect`` after the saving click disagreed) ends the case
  ``mismatch``: screenshot, no retry (``run/steps/expect.py``);
* any other ``ApplicationError``: screenshot, ``recover`` steps, ``setup`` again (log in),
  then the case again, up to ``retry.case`` attempts. Before every attempt after the
  first, ``verify`` asks the legacy system whether the case already landed, so a save that
  went through behind a timeout is never typed twice.

How many attempts, which errors repeat what and how long to wait between attempts is the
bot's one retry policy, ``run/retries.py``; this module only says what an attempt is.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from tenacity import RetryError

from robot_core.credentials import Credentials
from robot_core.drivers.base import Driver, Launched, PageAware
from robot_core.errors import (
    ApplicationError,
    BotScriptError,
    BusinessError,
    ErrorPage,
    RecordMismatch,
    SessionExpired,
    TargetNotFound,
    TransientError,
    error_kind,
)
from robot_core.evidence.audit import AuditTrail
from robot_core.evidence.cards import HtmlRenderer, rejection_card
from robot_core.home import RunPaths, who
from robot_core.intake import CaseRow
from robot_core.outcome import CaseResult, Status
from robot_core.run.program import CaseProgram
from robot_core.run.relogin import logged_in_target, login_shown, shortcut, still_logged_in
from robot_core.run.resume import resume_at
from robot_core.run.retries import Budget, Retries
from robot_core.run.steps import RUN, StepContext
from robot_core.run.steps.control import clock, run_steps
from robot_core.script.actions import ACTIONS
from robot_core.script.model import BotScript, Step

WATCH_ERRORS: dict[str, type[ApplicationError]] = {
    "session_expired": SessionExpired,
    "system_unavailable": ErrorPage,
}


@dataclass
class _Tries:
    """One case's attempts so far: the result, whether the case may be saved already, and
    where the next attempt starts (``run/resume.py``: a step, with the context as it was)."""

    result: CaseResult
    maybe_saved: bool
    budget: Budget
    at: int = 0  # the top-level step running (or failed)
    marks: dict[int, object | None] = field(default_factory=dict)  # page mark at each start
    resume: tuple[int, StepContext] | None = None


class Runner:
    """One worker session of one bot."""

    def __init__(self, bot: BotScript, driver: Driver, audit: AuditTrail, paths: RunPaths,
                 env: Mapping[str, str], credentials: Credentials | None, *,
                 retries: Retries | None = None) -> None:
        self.bot = bot
        self.retries = retries or Retries(bot.retry)
        self.driver = driver
        self.audit = audit
        self.paths = paths
        self.env = dict(env)
        self.credentials = credentials
        self.cases_since_recycle = 0
        self.on_step: Callable[[Step], None] = lambda _step: None
        self._mask_targets = bot.selectors.secret_targets()
        self._secret_columns = bot.secret_columns()
        self._secret_headers = bot.secret_headers()
        if credentials is not None:
            audit.masker.add([credentials.password])
        self.program = CaseProgram(driver, audit.masker.mask)

    # -- session -----------------------------------------------------------------------------
    def open(self) -> None:
        """Start the application and log in."""
        self.driver.start()
        facts = self.driver.launch_facts() if isinstance(self.driver, Launched) else {}
        self.audit.event("session_started", driver=self.bot.driver, app=self.bot.app,
                         user=who(), host=socket.gethostname(), **facts)
        self._setup_with_retries()

    def close(self) -> None:
        """Stop the application."""
        self.driver.stop()
        self.audit.event("session_stopped")

    def _watching(self, all_watches: bool) -> None:
        # Setup and recovery start from the login page, which a session watch may well
        # name; error pages are watched throughout.
        self.driver.set_interrupts([
            (self.bot.selectors.get(w.target), WATCH_ERRORS[w.means])
            for w in self.bot.watch if all_watches or w.means != "session_expired"])

    def _setup_with_retries(self, *, here: bool = False) -> None:
        """Log in; a failure retries, and from the second failure on restarts the app.
        ``here``: the first attempt skips setup's opening goto (its screen is shown)."""
        for attempt in self.retries.setup(failed=self._setup_failed, restart=self.driver.restart):
            with attempt:
                number = attempt.retry_state.attempt_number
                start = 1 if here and number == 1 else 0
                self._watching(False)
                self._run_block(self._context(None), self.bot.setup[start:], key="",
                                attempt=number)
                self._watching(True)

    def _setup_failed(self, attempt: int, exc: ApplicationError) -> None:
        self.audit.event("setup_failed", attempt=attempt, error=exc.reason)

    # -- cases -------------------------------------------------------------------------------
    def run_case(self, case: CaseRow, *, uncertain: bool = False) -> CaseResult:
        """Enter one case; never raises for a case-level failure."""
        started = time.monotonic()
        self.audit.masker.add(self._secret_values(case))
        if not case.valid:
            return self._rejected(case)
        self._revive()
        self._maybe_recycle()
        result = self._attempts(case, uncertain)
        result.duration_ms = int((time.monotonic() - started) * 1000)
        self.audit.event("case_finished", case=case.key, outcome=result.status.value,
                         attempts=result.attempts, duration_ms=result.duration_ms,
                         error=result.error, screenshot=result.screenshot,
                         outputs=result.outputs, verified=result.verified)
        self.cases_since_recycle += 1
        return result

    def _attempts(self, case: CaseRow, uncertain: bool) -> CaseResult:
        tries = _Tries(CaseResult(case.key, case.row_number, Status.FAILED), uncertain,
                       self.retries.budget())
        try:
            for attempt in self.retries.case(recover=partial(self._recover, tries),
                                             budget=tries.budget):
                with attempt:
                    return self._attempt(case, tries, attempt.retry_state.attempt_number)
        except RetryError:
            pass  # every attempt failed: the last one's result (error, screenshot) stands
        return tries.result

    def _attempt(self, case: CaseRow, tries: _Tries, attempt: int) -> CaseResult:
        """One attempt; an ``ApplicationError`` leaves for the policy to try again."""
        result = tries.result
        result.attempts = attempt
        start, ctx = tries.resume or (0, self._context(case))
        tries.resume, tries.at = None, -1  # -1: no step of the case's own has run yet
        self.audit.event("case_started", case=case.key, row=case.row_number,
                         attempt=attempt, uncertain=tries.maybe_saved,
                         **({"resumed_at": self.bot.steps[start].label} if start else {}))
        try:
            if tries.maybe_saved and self.bot.verify and self._verify(ctx, case, attempt):
                return self._done(result, ctx, verified=True)
            self.program.begin(ctx)
            self._run_steps_from(ctx, tries, start, key=case.key, attempt=attempt)
            self.program.end(ctx, finished=True)
            return self._done(result, ctx, verified=False)
        except BusinessError as exc:
            result.maybe_saved = tries.maybe_saved  # an earlier attempt's save may stand
            return self._fail(result, Status.BUSINESS_FAILED, exc, attempt)
        except RecordMismatch as exc:  # saved, with other values: a person looks, no retry
            result.outputs = dict(ctx.outputs)  # a registration number finds the record
            return self._fail(result, Status.MISMATCH, exc, attempt)
        except BotScriptError as exc:
            result.maybe_saved = tries.maybe_saved
            return self._fail(result, Status.FAILED, exc, attempt)
        except ApplicationError as exc:
            # Weather paid from its allowance is retried for certain: no screenshot of a
            # 503 page, a login page or a hung one (the step's audit line says what it was);
            # a failure that may be the case's last always has one.
            self._fail(result, Status.FAILED, exc, attempt, shot=not tries.budget.free(exc))
            # Without a `commit: true` click we cannot tell how far a failed attempt got.
            tries.maybe_saved = tries.maybe_saved or ctx.committed or not self.bot.marks_commit
            result.maybe_saved = tries.maybe_saved  # the queue keeps it: no blind correction
            tries.resume = self._resume(ctx, tries, exc)
            raise
        finally:
            self.program.end(ctx, finished=False)  # no-op when the steps all ran

    def _run_steps_from(self, ctx: StepContext, tries: _Tries, start: int, *, key: str,
                        attempt: int) -> None:
        """The case's steps from the top-level step ``start``, each one's page mark noted."""
        if not start:
            tries.marks.clear()
        steps = self.bot.steps
        for index in range(start, len(steps)):
            tries.at = index
            tries.marks[index] = self._page_mark()
            if not run_steps(ctx, steps[index:index + 1],
                             lambda step: self._run_step(ctx, step, key, attempt)):
                return

    def _page_mark(self) -> object | None:
        return self.driver.page_mark() if isinstance(self.driver, PageAware) else None

    def _resume(self, ctx: StepContext, tries: _Tries,
                exc: ApplicationError) -> tuple[int, StepContext] | None:
        """Where the next attempt may start, if not at the first step (``run/resume.py``)."""
        if tries.maybe_saved or ctx.committed or self.bot.driver != "web":
            return None
        start = resume_at(self.bot, tries.at, tries.marks, self._page_mark(), exc)
        return None if start is None else (start, ctx)

    def _recover(self, tries: _Tries, cause: Exception) -> None:
        """Before a resumed attempt nothing is recovered: the screen it starts on is there
        (or its own ``goto`` opens it, in a session kept); else ``recover``."""
        if tries.resume is None:
            self.recover(cause)
            return
        self.audit.event("recover", cause=error_kind(cause), error=str(cause), steps=False,
                         shortcut="resume", resume_at=self.bot.steps[tries.resume[0]].label)
        self._watching(True)

    def _verify(self, ctx: StepContext, case: CaseRow, attempt: int) -> bool:
        self._run_block(ctx, self.bot.verify, key=case.key, attempt=attempt)
        self.audit.event("case_verified", case=case.key, found=bool(ctx.found),
                         outputs=ctx.outputs)
        return bool(ctx.found)

    def _done(self, result: CaseResult, ctx: StepContext, *, verified: bool) -> CaseResult:
        result.status = Status.DONE
        result.outputs = dict(ctx.outputs)
        result.verified = verified
        result.error = result.error_kind = result.screenshot = ""
        return result

    def _fail(self, result: CaseResult, status: Status, exc: Exception, attempt: int,
              *, shot: bool = True) -> CaseResult:
        result.status = status
        result.error_kind = error_kind(exc)
        result.error = self.audit.masker.mask(getattr(exc, "reason", str(exc)))
        if shot:
            result.screenshot = self._screenshot(result.key, attempt, result.error_kind)
        return result

    def _rejected(self, case: CaseRow) -> CaseResult:
        reason = " / ".join(str(p) for p in case.problems)
        picture = self._rejection_card(case)
        self.audit.event("case_rejected", case=case.key, row=case.row_number, error=reason,
                         screenshot=picture)
        return CaseResult(case.key, case.row_number, Status.BUSINESS_FAILED, error=reason,
                          error_kind="CaseDataError", screenshot=picture)

    def _rejection_card(self, case: CaseRow) -> str:
        if not isinstance(self.driver, HtmlRenderer):
            return ""
        document = rejection_card(self.bot.name, case.key, case.row_number, "input",
                                  [(p.column, p.ja, p.en) for p in case.problems])
        path = self.paths.screenshot(case.key or f"row{case.row_number}", 0, "rejected")
        try:
            self.driver.render_html(document, path)
        except Exception as exc:
            self.audit.event("screenshot_failed", case=case.key, error=str(exc))
            return ""
        return str(path.relative_to(self.paths.root))

    # -- recovery ----------------------------------------------------------------------------
    def recover(self, cause: Exception) -> None:
        """``recover`` steps, then ``setup`` (which restarts the app if it keeps failing)
        unless the logged-in screen still shows; less when a page of the next attempt's own
        leaves the screen recover would bring back (``relogin.shortcut``)."""
        short = shortcut(self.bot, cause)
        self.audit.event("recover", cause=error_kind(cause), error=str(cause),
                         steps=short is None, **({"shortcut": short} if short else {}))
        if self._revive(setup=False):  # a program that exited: setup follows in any case
            short = None
        if short == "resume":  # the next attempt's own goto leaves the error page
            self._watching(True)
            return
        if short == "login":  # an expired session: setup's own goto leaves wherever it is
            shown = login_shown(self.bot, self.driver)  # unless its screen is already here
            if shown:
                self.audit.event("login_on_screen", shown=shown)
            self._setup_with_retries(here=bool(shown))
            return
        try:
            self._watching(False)
            self._run_block(self._context(None), self.bot.recover, key="", attempt=1)
        except ApplicationError as exc:
            self.audit.event("recover_failed", error=exc.reason)  # setup starts afresh anyway
        if still_logged_in(self.bot, self.driver):  # a login that still works is kept
            self.audit.event("login_kept", shown=logged_in_target(self.bot))
            self._watching(True)
            return
        self._setup_with_retries()

    def _revive(self, *, setup: bool = True) -> bool:
        """A program that exited is started again (and logged into) before the next step;
        whether it had."""
        if not self.program.revive():
            return False
        self.audit.event("program_restarted")
        self.cases_since_recycle = 0  # as fresh as a recycled one
        if setup:
            self._setup_with_retries()
        return True

    def _maybe_recycle(self) -> None:
        every = self.bot.session.recycle_every
        if every and self.cases_since_recycle >= every:
            self.audit.event("recycle", after_cases=self.cases_since_recycle)
            self.driver.recycle()
            self.cases_since_recycle = 0
            self._setup_with_retries()

    # -- steps -------------------------------------------------------------------------------
    def _context(self, case: CaseRow | None) -> StepContext:
        variables: dict[str, Any] = {
            "case": dict(case.values) if case else {},
            "env": self.env,
            "secret": self.credentials.as_template_values() if self.credentials else {},
            **clock(self.bot.timezone),
        }
        key = case.key if case else "session"
        return StepContext(self.bot, self.driver, variables,
                           capture=lambda name: self._screenshot(key, 0, name))

    def _run_block(self, ctx: StepContext, steps: tuple[Step, ...], *, key: str,
                   attempt: int) -> None:
        # if/repeat/use steps nest: every step, nested or not, goes through _run_step
        run_steps(ctx, steps, lambda step: self._run_step(ctx, step, key, attempt))

    def _run_step(self, ctx: StepContext, step: Step, key: str, case_attempt: int) -> None:
        action = ACTIONS[step.action]
        # The saving click is never repeated blindly: its faults go to verify-then-retry.
        for attempt in self.retries.step(action, commit=step.once):
            with attempt:
                self._attempt_step(ctx, step, key, case_attempt,
                                   attempt.retry_state.attempt_number, RUN[step.action])

    def _attempt_step(self, ctx: StepContext, step: Step, key: str, case_attempt: int,
                      step_attempt: int, run: Callable[[StepContext, Step], None]) -> None:
        ctx.matched = ctx.shown_value = ""
        self.on_step(step)
        started = time.monotonic()
        fields: dict[str, Any] = {"case": key, "step": step.label, "action": step.action,
                                  "target": step.target_name(), "attempt": case_attempt,
                                  "step_attempt": step_attempt}
        try:
            run(ctx, step)
            self.program.step_ok(step)
        except BusinessError as exc:
            # Red text on a login or error page is not a verdict on the data.
            interrupted = self._watch_shown(exc.reason)
            if interrupted is not None:
                self._step_event(fields, ctx, step, started, "error",
                                 error=f"{error_kind(interrupted)}: {interrupted.reason}")
                raise interrupted from None
            self._step_event(fields, ctx, step, started, "business_error", error=exc.reason)
            raise
        except RecordMismatch as exc:
            self._step_event(fields, ctx, step, started, "mismatch", error=exc.reason)
            raise
        except ApplicationError as exc:
            exc = self._classify(exc)
            self._step_event(fields, ctx, step, started, "error",
                             error=f"{error_kind(exc)}: {exc.reason}")
            raise exc from None
        self._step_event(fields, ctx, step, started, "ok")

    def _step_event(self, fields: dict[str, Any], ctx: StepContext, step: Step, started: float,
                    outcome: str, **extra: Any) -> None:
        self.audit.event("step", **fields, value=ctx.shown_value, secret=step.secret,
                         matched=ctx.matched, outcome=outcome,
                         duration_ms=int((time.monotonic() - started) * 1000), **extra)

    def _classify(self, exc: ApplicationError) -> ApplicationError:
        """A missing target may really be a logged-out or error page: say which."""
        if not isinstance(exc, TargetNotFound | TransientError):
            return exc
        return self._watch_shown(exc.reason) or exc

    def _watch_shown(self, detail: str) -> ApplicationError | None:
        """The error of the first watch target on screen now, if any."""
        for watch in self.bot.watch:
            try:
                shown = self.driver.is_visible(self.bot.selectors.get(watch.target))
            except ApplicationError:
                continue
            if shown:
                return WATCH_ERRORS[watch.means](f"{watch.target} shown ({detail})")
        return None

    # -- evidence ----------------------------------------------------------------------------
    def _screenshot(self, key: str, attempt: int, kind: str) -> str:
        path = self.paths.screenshot(key or "session", attempt, kind)
        try:
            self.driver.screenshot(path, self._mask_targets, self.audit.masker.values())
        except ApplicationError as exc:
            self.audit.event("screenshot_failed", case=key, error=exc.reason)
            return ""
        self.audit.event("screenshot", case=key, path=str(path.relative_to(self.paths.root)))
        return str(path.relative_to(self.paths.root))

    def _secret_values(self, case: CaseRow) -> list[str]:
        return case.secret_values(self._secret_columns, self._secret_headers)
