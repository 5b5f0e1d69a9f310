"""Where robot keeps its files: everything under ``ROBOT_HOME`` (default ``./var``)."""

from __future__ import annotations

import getpass
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from robot_core.errors import ConfigError


def robot_home() -> Path:
    """``ROBOT_HOME`` or ``./var``."""
    return Path(os.environ.get("ROBOT_HOME", "var")).resolve()


def who() -> str:
    """The account robot runs as, for the evidence (never fails: ``uid N`` at worst)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (a bare container)
        return f"uid {os.getuid()}"


def project_dir() -> Path:
    """The folder holding ``bots/`` and ``selectors/``: ``ROBOT_PROJECT`` or the current one."""
    return Path(os.environ.get("ROBOT_PROJECT", ".")).resolve()


def new_run_id(bot: str) -> str:
    """Sortable and unique: ``20251126-052806-resident_registration-3fa2``."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{bot}-{secrets.token_hex(2)}"


def contained(path: Path, *roots: Path) -> Path:
    """``path`` resolved, if it lies inside one of ``roots``; else ``ConfigError``.

    Defence in depth: names are checked as identifiers when a script is loaded, and every
    path built from one is checked again here before anything is written to it.
    """
    resolved = path.resolve()
    for root in roots:
        if resolved == root.resolve() or resolved.is_relative_to(root.resolve()):
            return resolved
    where = " or ".join(str(r) for r in roots)
    raise ConfigError(f"{path}: refusing a path outside {where}")


def safe_name(text: str) -> str:
    """A file-name-safe form of a case key."""
    return re.sub(r"[^\w.-]+", "_", text, flags=re.UNICODE).strip("_") or "case"


@dataclass(frozen=True)
class RunPaths:
    """The files of one run under ``ROBOT_HOME/runs/<run_id>/``."""

    root: Path

    @classmethod
    def create(cls, home: Path, run_id: str) -> RunPaths:
        """Make the run's folders (0700: they hold case data); the run id stays in ``home``."""
        root = contained(home / "runs" / run_id, home / "runs")
        paths = cls(root)
        # mkdir(parents=True) would give the parents the umask's mode: make each level.
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        for folder in (home / "runs", root, paths.screenshots):
            folder.mkdir(exist_ok=True, mode=0o700)
        return paths

    @property
    def audit(self) -> Path:
        """The JSON-lines audit trail."""
        return self.root / "audit.jsonl"

    @property
    def screenshots(self) -> Path:
        """Screenshots of failures and evidence."""
        return self.root / "screenshots"

    @property
    def results(self) -> Path:
        """The results workbook."""
        return self.root / "results.xlsx"

    def screenshot(self, key: str, attempt: int, kind: str) -> Path:
        """``screenshots/<case>-a<attempt>-<kind>.png``."""
        name = f"{safe_name(key)}-a{attempt}-{safe_name(kind)}.png"
        return contained(self.screenshots / name, self.screenshots)
