"""Pruning old runs: the bulky evidence goes, what an auditor needs stays.

Of each run folder under ``ROBOT_HOME/runs`` older than the cut-off, ``screenshots/``,
``traces/``, ``report.html`` and loose pictures or trace archives are removed. Kept:
``audit.jsonl`` (every action, masked, keyed: small, and what ``robot audit verify`` checks
against the anchor in the queue database, which prune never touches), ``results.xlsx`` and
a ``summary.json`` written here from the run's ``run_finished`` line (counts, exit code, and
what was pruned when), so a pruned run still says what it did.

Nothing outside ``ROBOT_HOME/runs`` is touched: a ``runs`` folder that is a symlink is
refused, a run folder that is one is skipped, and a symlink inside a run is removed as a
link, never followed (what it points at stays).
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from robot_core.errors import ConfigError
from robot_core.home import contained
from robot_core.private import FILE_MODE

SUMMARY = "summary.json"
BULKY_NAMES = ("screenshots", "traces", "report.html")
BULKY_SUFFIXES = (".png", ".jpg", ".zip", ".webm")
BUSY_S = 600  # a trail written to this recently belongs to a run still going: left alone


@dataclass
class Pruned:
    """What a prune removed (or, dry, would remove)."""

    runs: int = 0
    files: int = 0
    bytes: int = 0
    skipped: list[str] = field(default_factory=list)  # run folders left alone, and why


def run_started(folder: Path) -> datetime:
    """When the run began: from its id (``20251126-052806-…``), else its folder's mtime."""
    try:
        return datetime.strptime(folder.name[:15], "%Y%m%d-%H%M%S").astimezone(UTC)
    except ValueError:
        return datetime.fromtimestamp(folder.lstat().st_mtime, UTC)


def prune_runs(home: Path, older_than: timedelta, dry_run: bool = False,
               now: datetime | None = None) -> Pruned:
    """Prune every run under ``home/runs`` that started before ``now - older_than``."""
    runs = home / "runs"
    if runs.is_symlink():
        raise ConfigError(f"{runs}: is a symlink; refusing to prune what it points at")
    pruned = Pruned()
    if not runs.is_dir():
        return pruned
    cutoff = (now or datetime.now(UTC)) - older_than
    for entry in sorted(os.scandir(runs), key=lambda e: e.name):
        folder = Path(entry.path)
        if entry.is_symlink() or not entry.is_dir(follow_symlinks=False):
            pruned.skipped.append(f"{entry.name}: not a run folder (a symlink or a file)")
            continue
        contained(folder, runs)
        if run_started(folder) >= cutoff:
            continue
        if _busy(folder):
            pruned.skipped.append(f"{entry.name}: its audit trail is still being written")
            continue
        files, size = _prune_run(folder, runs, dry_run)
        if files:
            pruned.runs += 1
            pruned.files += files
            pruned.bytes += size
    return pruned


def _busy(folder: Path) -> bool:
    try:
        written = (folder / "audit.jsonl").lstat().st_mtime
    except OSError:
        return False
    return datetime.now(UTC).timestamp() - written < BUSY_S


def _bulky(folder: Path) -> list[Path]:
    return [p for p in sorted(folder.iterdir())
            if p.name in BULKY_NAMES or p.suffix.lower() in BULKY_SUFFIXES]


def _prune_run(folder: Path, runs: Path, dry_run: bool) -> tuple[int, int]:
    files = size = 0
    for path in _bulky(folder):
        contained(path.parent, runs)  # the folder holding it, resolved: inside runs/
        removed, freed = _remove(path, dry_run)
        files, size = files + removed, size + freed
    if files and not dry_run:
        _write_summary(folder, files, size)
    return files, size


def _remove(path: Path, dry_run: bool) -> tuple[int, int]:
    """Remove ``path`` (a folder with all in it); never follows a symlink. (files, bytes)."""
    info = path.lstat()
    if stat.S_ISDIR(info.st_mode):
        files = size = 0
        for child in sorted(path.iterdir()):
            removed, freed = _remove(child, dry_run)
            files, size = files + removed, size + freed
        if not dry_run:
            path.rmdir()
        return files, size
    if not dry_run:
        path.unlink()  # a symlink goes as a link: what it points at is not touched
    return 1, 0 if stat.S_ISLNK(info.st_mode) else info.st_size


def _write_summary(folder: Path, files: int, size: int) -> None:
    """``summary.json``: the run's last ``run_finished`` and what was pruned; 0600."""
    summary: dict[str, Any] = {"run_id": folder.name, "run_finished": _finished(folder)}
    target = folder / SUMMARY
    if target.is_file() and not target.is_symlink():
        summary["pruned_before"] = json.loads(target.read_text(encoding="utf-8"))
    summary["pruned"] = {"at": datetime.now(UTC).isoformat(timespec="seconds"),
                         "files": files, "bytes": size}
    temporary = folder / f".{SUMMARY}.{os.getpid()}"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(summary, out, ensure_ascii=False, indent=1)
    os.replace(temporary, target)


def _finished(folder: Path) -> dict[str, Any] | None:
    """The run's last ``run_finished`` event, or None (it crashed)."""
    audit = folder / "audit.jsonl"
    found: dict[str, Any] | None = None
    if audit.is_file() and not audit.is_symlink():
        with audit.open("rb") as lines:
            for raw in lines:
                if b'"run_finished"' in raw:
                    try:
                        event = json.loads(raw)
                    except ValueError:
                        continue
                    if event.get("event") == "run_finished":
                        found = {k: v for k, v in event.items() if k not in ("prev", "hash", "mac")}
    return found


def parse_age(text: str) -> timedelta:
    """``90d``, ``12w``, ``36h``: a span of days, weeks or hours."""
    units = {"d": timedelta(days=1), "w": timedelta(weeks=1), "h": timedelta(hours=1)}
    number, unit = text.strip()[:-1], text.strip()[-1:].lower()
    if unit not in units or not number.isdigit():
        raise ConfigError(f"--older-than {text!r}: give a number of days, weeks or hours, "
                          "such as 90d, 12w or 36h")
    return int(number) * units[unit]
