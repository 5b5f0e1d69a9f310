"""Which inbox files are complete: unchanged over ``settle_s``, and readable.

A file still being copied (over SMB, by a slow USB stick, by Excel saving) changes size or
modification time between two looks, so it is left for a later look. A workbook is a zip
whose directory is written last: a truncated one is not yet a valid zip. Such a file gets a
second settle period before it is handed on (and then rejected as damaged): a copy that
paused is not mistaken for a broken export. A file that a process of this machine holds
open for writing (a copy in progress, Samba serving a client) or that Excel has open (its
``~$`` lock file is beside it) is not complete however long it stays the same.
"""

from __future__ import annotations

import glob
import os
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

WORKBOOKS = frozenset({".xlsx", ".xlsm"})
NOTES = (".error.txt", ".duplicate.txt")


@dataclass(frozen=True)
class _Look:
    size: int
    mtime_ns: int
    since: float


class Inbox:
    """The files matching one schedule's glob, and which of them have settled."""

    def __init__(self, pattern: str, rejected: Path, settle_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.pattern = pattern
        self.rejected = rejected.resolve()
        self.settle_s = settle_s
        self.clock = clock
        self._looks: dict[Path, _Look] = {}
        self._ignored: set[Path] = set()
        self._changed_at = clock()

    def files(self) -> list[Path]:
        """Files matching the glob, minus rejected ones, notes and editors' lock files."""
        found = []
        for name in glob.glob(self.pattern, recursive=True):
            path = Path(name).resolve()
            if (path.is_file() and not path.name.startswith(("~$", "."))
                    and not path.name.endswith(NOTES) and self.rejected not in path.parents
                    and path not in self._ignored):
                found.append(path)
        return found

    def complete(self) -> list[Path]:
        """Look at every file; return the settled ones, oldest first."""
        now, ready, present = self.clock(), [], set()
        for path in self.files():
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue  # moved away between the glob and the look
            present.add(path)
            look = self._looks.get(path)
            if look is None or (look.size, look.mtime_ns) != (stat.st_size, stat.st_mtime_ns):
                self._looks[path] = _Look(stat.st_size, stat.st_mtime_ns, now)
                self._changed_at = now
                continue
            if (now - look.since >= self._settle(path) and os.access(path, os.R_OK)
                    and not in_use(path)):
                ready.append((stat.st_mtime_ns, path.name, path))
        for gone in set(self._looks) - present:
            del self._looks[gone]
        return [path for *_, path in sorted(ready)]

    def waiting(self) -> bool:
        """Whether some file was seen but has not settled (or not been dealt with) yet."""
        return bool(self._looks)

    def unchanged_for(self) -> float:
        """Seconds since a file last appeared, grew or was taken."""
        return self.clock() - self._changed_at

    def waiting_files(self) -> list[str]:
        """Names of the files seen but not yet complete."""
        return sorted(path.name for path in self._looks)

    def forget(self, path: Path) -> None:
        """``path`` was taken or rejected: stop looking at it."""
        self._looks.pop(path, None)
        self._changed_at = self.clock()

    def ignore(self, path: Path) -> None:
        """Leave ``path`` alone for the rest of this run (taking it failed unexpectedly)."""
        self.forget(path)
        self._ignored.add(path)

    def _settle(self, path: Path) -> float:
        if path.suffix.lower() in WORKBOOKS and not zipfile.is_zipfile(path):
            return 2 * self.settle_s
        return self.settle_s


def in_use(path: Path) -> bool:
    """Excel has the file open, or a process here holds it open for writing."""
    locks = (path.with_name("~$" + path.name), path.with_name("~$" + path.name[2:]))
    return any(lock.exists() for lock in locks) or held_for_writing(path)


def held_for_writing(path: Path) -> bool:
    """Whether a process of this machine has ``path`` open for writing (Linux ``/proc``).

    Best effort: processes of other users are not visible to an unprivileged daemon, and a
    writer on another machine never is; the settle time covers those.
    """
    target = str(path)
    try:
        pids = [entry.name for entry in os.scandir("/proc") if entry.name.isdigit()]
    except OSError:
        return False
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue  # gone, or not ours to see
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") != target:
                    continue
                flags = _fd_flags(f"/proc/{pid}/fdinfo/{fd}")
            except OSError:
                continue
            if flags & (os.O_WRONLY | os.O_RDWR):
                return True
    return False


def _fd_flags(fdinfo: str) -> int:
    with open(fdinfo, encoding="ascii") as info:
        for line in info:
            if line.startswith("flags:"):
                return int(line.split()[1], 8)
    return 0
