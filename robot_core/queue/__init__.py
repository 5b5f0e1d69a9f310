"""The durable work queue: a ``Store`` protocol, SQLite by default, PostgreSQL for many machines.

``ROBOT_DB`` chooses the backend: unset, the SQLite file ``ROBOT_HOME/queue.db``; a path, that
SQLite file; ``postgresql://user:password@host/db``, one database shared by every robot
machine (``queue/postgres.py``, the ``postgres`` extra).
"""

from __future__ import annotations

import os
from pathlib import Path

from robot_core.outcome import CaseResult, Status
from robot_core.queue.base import Batch, Item, NewItem, QueueError, Store

__all__ = ["Batch", "CaseResult", "Item", "NewItem", "QueueError", "Status", "Store", "open_store"]


def open_store(home: Path) -> Store:
    """The store named by ``ROBOT_DB`` (a PostgreSQL URL or a file), or ``home/queue.db``."""
    url = os.environ.get("ROBOT_DB", "")
    if url.startswith(("postgresql://", "postgres://")):
        try:
            from robot_core.queue.postgres import PostgresStore  # noqa: PLC0415 - optional
        except ImportError as exc:
            raise QueueError("ROBOT_DB names a PostgreSQL database, but its driver is not "
                             "installed: pip install 'robot-core[postgres]'") from exc
        return PostgresStore(url)
    from robot_core.queue.sqlite import SQLiteStore  # noqa: PLC0415 - keeps import light

    return SQLiteStore(Path(url) if url else home / "queue.db")
