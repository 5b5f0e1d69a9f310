"""``Store.iter_items``: a batch's items streamed in row order, the same on every backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.pg_server import PostgresServer
from robot_core.outcome import CaseResult, Status
from robot_core.queue.base import NewItem, Store
from robot_core.queue.postgres import PostgresStore
from robot_core.queue.sqlite import SQLiteStore
from robot_core.testing import MemoryStore


@pytest.fixture(params=["sqlite", "postgres", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh store of each backend, robot_core.testing's MemoryStore included."""
    if request.param == "memory":
        made: Store = MemoryStore()
    elif request.param == "postgres":
        server: PostgresServer = request.getfixturevalue("pg_server")
        made = PostgresStore(server.new_database())
    else:
        made = SQLiteStore(tmp_path / "queue.db")
    yield made
    made.close()


def _items(keys: list[str], first_row: int = 2) -> list[NewItem]:
    return [NewItem(k, first_row + i, {"values": {"k": k}, "raw": {"h": k}})
            for i, k in enumerate(keys)]


@pytest.mark.parametrize("chunk", [1, 3, 500])
def test_items_of_a_batch_in_row_order_whatever_the_chunk(store: Store, chunk: int) -> None:
    """Every item of the batch comes once, at its row in that file, for any chunk size."""
    store.add_batch("bot", "a.csv", "s1", "", ["h"], _items(["A", "B", "C", "D"]))
    # The second file holds B and D again (already queued) at other rows, and E.
    second = store.add_batch("bot", "b.csv", "s2", "", ["h"], [
        NewItem("E", 2, {"values": {}, "raw": {}}), NewItem("D", 3, {"values": {}, "raw": {}}),
        NewItem("B", 9, {"values": {}, "raw": {}})])
    got = [(i.key, i.row_number) for i in store.iter_items(second.id, chunk)]
    assert got == [("E", 2), ("D", 3), ("B", 9)]
    assert [(i.key, i.row_number) for i in store.iter_items(second.id, chunk)] == \
        [(i.key, i.row_number) for i in store.items(batch=second.id)]


def test_items_carry_their_state_and_payload(store: Store) -> None:
    """A streamed item is the stored one: its state, outputs and payload."""
    batch = store.add_batch("bot", "a.csv", "s1", "", ["h"], _items(["A", "B"]))
    item = store.claim("bot", "me", 60)
    assert item is not None
    store.complete(item.id, "me", CaseResult(item.key, item.row_number, Status.DONE,
                                             outputs={"n": "0012"}))
    first, second = store.iter_items(batch.id)
    assert (first.key, first.state, first.outputs) == ("A", Status.DONE, {"n": "0012"})
    assert (second.state, second.payload["raw"]) == (Status.PENDING, {"h": "B"})


def test_an_unknown_batch_has_no_items(store: Store) -> None:
    """A batch id nobody made streams nothing (no error)."""
    assert list(store.iter_items(42)) == []
