"""What the ``robot`` command does with an exception nobody expected: one line, one report.

The operator sees ``error: <type>: <message> (full report: <file>)``; the traceback goes to
``ROBOT_HOME/logs/crash-<time>-<pid>.txt`` (0600 in a 0700 folder; the system's temporary
folder when ``ROBOT_HOME`` cannot hold it). Neither holds a secret: values of environment
variables that name a password, secret, token or key, and the password of any URL, are
masked; the environment itself is never written.
"""

from __future__ import annotations

import contextlib
import os
import platform
import re
import sys
import tempfile
import traceback
from datetime import datetime
from pathlib import Path

from robot_core.home import robot_home

SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE|CREDENTIAL|_KEY$",
                         re.IGNORECASE)
URL_PASSWORD = re.compile(r"(://[^/\s:@]*:)[^@\s/]+@")
MASKED = "***"
MESSAGE_CHARS = 300


def secret_values() -> list[str]:
    """The values to keep out of any report: those of secret-looking environment variables."""
    values = {v for k, v in os.environ.items() if SECRET_NAME.search(k) and len(v) >= 4}
    return sorted(values, key=len, reverse=True)  # longest first: no partial leftovers


def mask(text: str) -> str:
    """``text`` without secret environment values or URL passwords."""
    for value in secret_values():
        text = text.replace(value, MASKED)
    return URL_PASSWORD.sub(rf"\g<1>{MASKED}@", text)


def summary(exc: BaseException) -> str:
    """``<type>: <message>`` on one line, masked and shortened."""
    message = " ".join(str(exc).split())
    if len(message) > MESSAGE_CHARS:
        message = message[:MESSAGE_CHARS] + "…"
    return mask(f"{type(exc).__name__}: {message}" if message else type(exc).__name__)


def write_report(exc: BaseException) -> Path | None:
    """Write the full report of ``exc``; its path, or None if no folder would take it."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    name = f"crash-{stamp}-{os.getpid()}.txt"
    body = mask(_report(exc))
    for folder in _folders():
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if folder.stat().st_uid != os.getuid():
                continue  # a shared temporary folder someone else made: not ours to write
            path = folder / name
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(body)
            return path
        except OSError:
            continue
    return None


def _folders() -> list[Path]:
    folders = []
    with contextlib.suppress(Exception):  # ROBOT_HOME itself may be what is broken
        folders.append(robot_home() / "logs")
    folders.append(Path(tempfile.gettempdir()) / f"robot-crash-{os.getuid()}")
    return folders


def _report(exc: BaseException) -> str:
    from robot_core import __version__  # noqa: PLC0415 - only when reporting

    lines = [
        f"robot {__version__} crashed at {datetime.now().isoformat(timespec='seconds')}",
        f"command: {' '.join(sys.argv)}",
        f"python {platform.python_version()} on {platform.platform()}",
        f"cwd: {os.getcwd()}",
        "",
        *traceback.format_exception(exc),
    ]
    return "\n".join(line.rstrip("\n") for line in lines) + "\n"
