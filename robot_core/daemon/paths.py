"""Where the daemon keeps its files, all under ``ROBOT_HOME``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DaemonPaths:
    """``inbox/``, ``inbox/rejected/``, ``archive/``, ``outbox/``, ``jobs.db``, ``daemon.log``."""

    home: Path

    @property
    def inbox(self) -> Path:
        """Where staff drop their exports (a schedule's ``inbox:`` glob is relative to it)."""
        return self.home / "inbox"

    @property
    def rejected(self) -> Path:
        """Files that could not be taken in, each with a ``.error.txt`` beside it."""
        return self.inbox / "rejected"

    @property
    def archive(self) -> Path:
        """Every file taken (queued or duplicate), by the day it was taken."""
        return self.home / "archive"

    @property
    def outbox(self) -> Path:
        """One ``<input>_results.xlsx`` per finished input file."""
        return self.home / "outbox"

    @property
    def jobs_db(self) -> Path:
        """APScheduler's job store and the daemon's ledger of files taken."""
        return self.home / "jobs.db"

    @property
    def jobs_url(self) -> str:
        """The SQLAlchemy URL of ``jobs.db``."""
        return f"sqlite:///{self.jobs_db}"

    @property
    def log(self) -> Path:
        """The daemon's own log (JSON lines): loads, fire times, job errors."""
        return self.home / "daemon.log"

    @property
    def locks(self) -> Path:
        """Lock files: one run per schedule, one intake pass at a time."""
        return self.home / "locks"

    def make(self) -> DaemonPaths:
        """Create every folder."""
        for folder in (self.inbox, self.rejected, self.archive, self.outbox, self.locks):
            folder.mkdir(parents=True, exist_ok=True)
        return self


def unique(path: Path) -> Path:
    """``path``, or ``name_2.ext``, ``name_3.ext``… if taken: nothing is ever overwritten."""
    if not path.exists():
        return path
    n = 2
    while True:
        candidate = path.with_name(f"{path.stem}_{n}{path.suffix}")
        if not candidate.exists():
            return candidate
        n += 1
