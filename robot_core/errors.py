"""The one error tree of robot.

::

    RobotError
    ├── BotScriptError        a bot script or selector map is wrong (file:line:column, key)
    ├── ConfigError           the machine is not set up: a missing variable or credential
    ├── CaseDataError         a case file cannot be read at all (file, sheet, row, column)
    └── CaseFailure           one case did not go through
        ├── BusinessError     the data is wrong for the legacy system: never retried
        └── ApplicationError  the legacy system or the robot failed: retried
            ├── TransientError     a hiccup worth repeating the same step for
            ├── TargetNotFound     no alternative of a target appeared in time
            ├── SessionExpired     the legacy system logged the robot out
            ├── SystemUnavailable  the legacy system answered with an error page
            └── NoResponse         the legacy system accepted a request and never answered

``BusinessError`` is what Robocorp calls ``BusinessException`` and UiPath a business rule
exception: staff must fix the data. ``ApplicationError`` is the system exception: the robot
recovers (reload, log in again, restart) and tries the case again.
"""

from __future__ import annotations

from dataclasses import dataclass


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
    """The legacy system showed an error page (HTTP 503 and the like)."""


class NoResponse(ApplicationError):
    """A request to the legacy system went unanswered: the system froze, not the screen."""
