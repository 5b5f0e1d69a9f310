"""The one error tree of robot, and the one table of exit codes keyed on it.

::

    RobotError                      exit 2 unless a branch below says otherwise
    ├── BotScriptError          3   a bot script, selector map or schedule is wrong (file:line:col)
    │   └── CaptureError        3   robot capture cannot do what was asked (tools/capture)
    ├── ConfigError             3   the machine is not set up: a missing variable or credential
    │   └── VaultError          3   the queue's key is missing, unsafe or another one (vault.py)
    ├── CaseDataError           3   a case file cannot be read at all (file, sheet, row, column)
    ├── QueueError              2   the queue database cannot be used (locked, damaged, unreachable)
    │   └── QueueRefused        3   the queue was asked for what it cannot do (no batch 7)
    │       └── SecretsErased   3   an item's secret columns were erased: it cannot be typed again
    ├── DaemonRunningError      2   another daemon already runs on this ROBOT_HOME
    ├── AlreadyRunningError     2   another run of the same schedule holds its lock
    ├── SystemDown              2   the breaker: case after case met the system down; run stopped
    └── CaseFailure             2   one case did not go through
        ├── BusinessError       1   the data is wrong for the legacy system: never retried
        ├── RecordMismatch      2   saved, but the legacy system shows other values: never retried
        └── ApplicationError    2   the legacy system or the robot failed: retried
            ├── TransientError     a hiccup worth repeating the same step for
            ├── TargetNotFound     no alternative of a target appeared in time
            ├── SessionExpired     the legacy system logged the robot out
            ├── SystemUnavailable  the legacy system cannot be reached or used
            │   └── ErrorPage      it answered with an error page (a 503): its weather
            ├── NoResponse         the legacy system accepted a request and never answered
            └── ReadBackDiffers    before the saving click, a read-back is not what was meant

Beside the tree, ``StopRequested`` (a ``KeyboardInterrupt``): the operator asked to stop now.

``BusinessError`` is what Robocorp calls ``BusinessException`` and UiPath a business rule
exception: staff must fix the data. ``ApplicationError`` is the system exception: the robot
recovers (reload, log in again, restart) and tries the case again.

**Exit codes.** A command that ends with one of these errors exits with ``exit_code(exc)``:
the code of the nearest class in ``EXIT_CODES`` along the error's MRO. 3 means the input
(a bot, a case file, the set-up, the request) is wrong and nothing was done; 2 means the
system failed (the queue database, a lock, the legacy system) or, for anything outside the
tree, robot itself (the CLI then writes a crash report). ``robot run`` also exits 0 (every
case done), 1 (some business failures) or 2 (system failures remain) by its outcome; a
signal gives 128 + its number (130 SIGINT, 143 SIGTERM); a reader that went away, 1.
"""

from __future__ import annotations

from dataclasses import dataclass


class StopRequested(KeyboardInterrupt):
    """The operator asked to stop now: the workbook being written is dropped.

    A ``KeyboardInterrupt``, so no ``except Exception`` swallows it; outside the tree.
    """


class RobotError(Exception):
    """Base of every error robot raises on purpose."""


@dataclass(frozen=True)
class Location:
    """Where in a YAML file something is: 1-based line and column."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class BotScriptError(RobotError):
    """A bot script, selector map or schedule is invalid; nothing has run."""

    def __init__(self, message: str, location: Location | None = None, key: str = "") -> None:
        self.message = message
        self.location = location
        self.key = key
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        key = f"{self.key}: " if self.key else ""
        return f"{where}{key}{self.message}"


class ConfigError(RobotError):
    """The environment lacks something the bot needs (a URL, a credential)."""


class CaseDataError(RobotError):
    """A case file cannot be taken in at all (not a workbook, no header row, ...)."""


class QueueError(RobotError):
    """The queue database cannot be used (locked, corrupt, unreachable); nothing was changed."""


class QueueRefused(QueueError):
    """The queue cannot do what was asked (no such batch, …); nothing was changed."""


class SecretsErased(QueueRefused):
    """The item's secret columns were erased when it finished; it cannot be typed again."""


class DaemonRunningError(RobotError):
    """Another daemon already runs on this ROBOT_HOME (it would fire every job twice)."""


class AlreadyRunningError(RobotError):
    """Another run of the same schedule holds its lock."""


class SystemDown(RobotError):
    """The run's breaker (``retry.breaker``): that many cases in a row failed on the legacy
    system itself (each spent its weather allowance), with none going through between. The
    worker took no further case; what is left stays queued. A verdict on the run, not on a
    case: never retried by the runner (``run/breaker.py``)."""

    def __init__(self, reason: str, app: str = "") -> None:
        self.app = app
        self.reason = reason
        super().__init__(reason)


class CaseFailure(RobotError):
    """One case failed; ``reason`` is what staff read in the results workbook."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class BusinessError(CaseFailure):
    """The legacy system (or intake) rejected the data: never retried."""


class ApplicationError(CaseFailure):
    """The legacy system or the robot failed; the case is worth another attempt."""


class TransientError(ApplicationError):
    """A short-lived fault (detached element, 503 on navigation) worth retrying the step."""


class TargetNotFound(ApplicationError):
    """No alternative of a target appeared before the timeout."""


class SessionExpired(ApplicationError):
    """The legacy system's session ended: log in again, then redo the case."""


class SystemUnavailable(ApplicationError):
    """The legacy system cannot be reached or used: refused, closed, its window gone."""


class ErrorPage(SystemUnavailable):
    """The legacy system answered with an error page (HTTP 5xx, its own "unavailable"
    screen): the system's weather, which passes; retried from ``retry.faults``. Reported
    as ``SystemUnavailable``, the word operators and reports already use for both."""

    kind = "SystemUnavailable"


def error_kind(exc: BaseException) -> str:
    """The error's name in the audit trail, the queue and the reports."""
    kind = getattr(type(exc), "kind", None)
    return kind if isinstance(kind, str) else type(exc).__name__


class NoResponse(ApplicationError):
    """A request to the legacy system went unanswered: the system froze, not the screen."""


class ReadBackDiffers(ApplicationError):
    """Before the saving click, a field or screen reads back other than the case says.

    Nothing is saved yet, so it is a system failure like any other: recover, try again.
    """


class RecordMismatch(CaseFailure):
    """After the saving click, the legacy system shows other values than the case says.

    Not an ``ApplicationError``: it is never retried, at any level. The case ends
    ``mismatch`` for a person to look at the record in the legacy system.
    """


EXIT_OK = 0
EXIT_BUSINESS = 1  # robot run: some cases are business failures (staff fix the data)
EXIT_SYSTEM = 2
EXIT_INVALID = 3
EXIT_PIPE = 1  # as rich, click and the Python docs do for a reader that went away

#: The exit code of each branch of the tree; ``exit_code`` takes the nearest along the MRO.
EXIT_CODES: dict[type[RobotError], int] = {
    RobotError: EXIT_SYSTEM,
    BotScriptError: EXIT_INVALID,
    ConfigError: EXIT_INVALID,
    CaseDataError: EXIT_INVALID,
    QueueError: EXIT_SYSTEM,
    QueueRefused: EXIT_INVALID,
    DaemonRunningError: EXIT_SYSTEM,
    AlreadyRunningError: EXIT_SYSTEM,
    SystemDown: EXIT_SYSTEM,
    CaseFailure: EXIT_SYSTEM,
    BusinessError: EXIT_BUSINESS,
    ApplicationError: EXIT_SYSTEM,
}


def exit_code(exc: BaseException) -> int:
    """The exit code of a command that ends with ``exc``: 2 for anything outside the tree."""
    for cls in type(exc).__mro__:
        code = EXIT_CODES.get(cls)
        if code is not None:
            return code
    return EXIT_SYSTEM
