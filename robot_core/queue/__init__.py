"""The durable work queue: a ``Store`` protocol, SQLite by default, PostgreSQL for many machines.

``ROBOT_DB`` chooses the backend: unset, the SQLite file ``ROBOT_HOME/queue.db``; a path, that
SQLite file. (A shared PostgreSQL store for many machines is planned behind the same
``Store`` protocol.)
"""

from __future__ import annotations

import os
from pathlib import Path

from robot_core.queue.base import Batch, Item, NewItem, Outcome, QueueError, State, Store

__all__ = ["Batch", "Item", "NewItem", "Outcome", "QueueError", "State", "Store", "open_store"]


def open_store(home: Path) -> Store:
    """The store named by ``ROBOT_DB``, or ``home/queue.db``."""
    url = os.environ.get("ROBOT_DB", "")
    if url.startswith(("postgresql://", "postgres://")):
        raise QueueError("ROBOT_DB names a PostgreSQL database, but this version of robot "
                         "has only the SQLite queue: unset ROBOT_DB to use "
                         f"{home / 'queue.db'}")
    from robot_core.queue.sqlite import SQLiteStore  # noqa: PLC0415 - keeps import light

    return SQLiteStore(Path(url) if url else home / "queue.db")
