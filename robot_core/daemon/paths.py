"""Where the daemon keeps its files, all under ``ROBOT_HOME``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from robot_core.home import contained


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

    def inside(self, path: Path) -> Path:
        """``path`` resolved, or ``ConfigError`` if a name led it out of ``ROBOT_HOME``."""
        return contained(path, self.home)

    def lock(self, name: str) -> Path:
        """The lock file of one schedule."""
        return self.inside(self.locks / f"{name}.lock")

    def run_dir(self, run_id: str) -> Path:
        """``runs/<run_id>/`` of one scheduled run."""
        return self.inside(self.home / "runs" / run_id)

    def make(self) -> DaemonPaths:
        """Create every folder, private to the robot's user (0700)."""
        self.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        for folder in (self.inbox, self.rejected, self.archive, self.outbox, self.locks):
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
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
