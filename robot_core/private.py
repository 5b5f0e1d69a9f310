"""Files only this user may read: 0600 files in 0700 folders.

The ``robot`` command sets ``umask 077`` when it starts, so everything it writes is private.
Library users may not go through the command, so the files that hold case data (the queue,
the daemon's ledger, keys, audit trails, logs) are also created and tightened explicitly
here: defence in depth.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """Create ``path`` and any missing parents as 0700 folders; an existing one is left be.

    ``Path.mkdir(parents=True)`` gives the parents the default mode, so each missing level
    is made here, top down.
    """
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        try:
            os.mkdir(folder, DIR_MODE)
        except FileExistsError:
            continue  # another process made it meanwhile
        os.chmod(folder, DIR_MODE)  # the umask may have taken bits away, never added
    return path


def tighten(path: Path, mode: int = FILE_MODE) -> None:
    """Make an existing file of ours ``mode`` (0600); a file someone else owns is left be."""
    try:
        if path.stat().st_mode & 0o777 != mode:
            os.chmod(path, mode)
    except (FileNotFoundError, PermissionError):
        return


def private_file(path: Path) -> Path:
    """Make sure ``path`` exists as a 0600 file (created empty if missing) in its folder."""
    private_dir(path.parent)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE))
    tighten(path)
    return path


def open_append(path: Path) -> IO[str]:
    """``path`` opened for appending text, created 0600 (and tightened if it was not)."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
    tighten(path)
    return os.fdopen(fd, "a", encoding="utf-8")


def tighten_sqlite(path: Path) -> None:
    """A SQLite file and its ``-wal``/``-shm`` companions, 0600.

    SQLite creates the companions with the database file's mode, so a private database
    makes private companions; tightening them too covers files made before.
    """
    for suffix in ("", "-wal", "-shm", "-journal"):
        tighten(path.with_name(path.name + suffix))
