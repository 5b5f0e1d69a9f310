"""Contract tests of the queue ``Store``: every backend passes the same ones."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import stat
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from helpers import SHIPPED_BOTS, SHIPPED_SELECTORS

from fixtures.pg_server import PostgresServer
from robot_core.evidence.audit import MASK
from robot_core.intake import CaseRow
from robot_core.outcome import CaseResult, Status
from robot_core.queue import open_store
from robot_core.queue.base import AuditAnchor, Item, NewItem, QueueError, Store
from robot_core.queue.payload import Sealer, from_payload, to_payload
from robot_core.queue.postgres_schema import MIGRATIONS as PG_MIGRATIONS
from robot_core.queue.postgres import PostgresStore
from robot_core.queue.sqlite import SQLiteStore
from robot_core.script.loader import load_bot
from robot_core.testing import MemoryStore
from robot_core.vault import Vault

BACKENDS = ["sqlite", "postgres"]  # backends with a database beside them (files, processes)


def _where(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> str:
    if backend == "postgres":
        server: PostgresServer = request.getfixturevalue("pg_server")
        return server.new_database()
    return str(tmp_path / "queue.db")


@pytest.fixture(params=BACKENDS)
def where(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a fresh queue of each backend lives: a file path, or a new PostgreSQL database."""
    return _where(request, request.param, tmp_path)


def _open(where: str, **options: Any) -> Store:
    if where.startswith("postgresql://"):
        return PostgresStore(where, **options)
    return SQLiteStore(Path(where), **options)


@pytest.fixture(params=[*BACKENDS, "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh store of each backend, robot_core.testing's MemoryStore included."""
    made = MemoryStore() if request.param == "memory" else \
        _open(_where(request, request.param, tmp_path))
    yield made
    made.close()


def _items(keys: list[str], priority: int = 0) -> list[NewItem]:
    return [NewItem(k, i + 4, {"values": {"case_id": k}, "raw": {}}, priority=priority)
            for i, k in enumerate(keys)]


def finished(item: Item, status: Status, *outputs: dict[str, str], **fields: Any) -> CaseResult:
    """The result a worker completes ``item`` with."""
    return CaseResult(item.key, item.row_number, status, *outputs, **fields)


def test_reingest_adds_nothing(store: Store) -> None:
    """The same keys queued twice are new once, then all duplicates, yet in both batches."""
    first = store.add_batch("bot", "a.xlsx", "sum", "s", ["h"], _items(["A", "B", "C"]))
    second = store.add_batch("bot", "a.xlsx", "sum", "s", ["h"], _items(["B", "C", "D"]))
    assert (first.new, first.duplicates) == (3, 0)
    assert (second.new, second.duplicates) == (1, 2)
    assert [i.key for i in store.items("bot")] == ["A", "B", "C", "D"]
    assert [i.key for i in store.items(batch=second.id)] == ["B", "C", "D"]
    other_bot = store.add_batch("other", "a.xlsx", "sum", "s", ["h"], _items(["A"]))
    assert other_bot.new == 1


def test_claim_order_and_lease(store: Store) -> None:
    """Claims take higher priority first, then oldest; each claim leases and counts."""
    store.add_batch("bot", "a", "x", "s", [], _items(["low1", "low2"]))
    store.add_batch("bot", "b", "y", "s", [], _items(["high"], priority=5))
    claimed = [store.claim("bot", "w:1:a", 30) for _ in range(4)]
    assert [c.key if c else None for c in claimed] == ["high", "low1", "low2", None]
    first = claimed[0]
    assert first is not None
    assert first.state is Status.IN_PROGRESS and first.attempts == 1
    assert first.lease_owner == "w:1:a" and first.lease_expires is not None


def test_claim_limited_to_a_batch(store: Store) -> None:
    """A worker told to work one batch never takes another batch's items."""
    store.add_batch("bot", "a", "x", "s", [], _items(["A1", "A2"]))
    b = store.add_batch("bot", "b", "y", "s", [], _items(["B1"]))
    got = store.claim("bot", "w:1:a", 30, batch=b.id)
    assert got is not None and got.key == "B1"
    assert store.claim("bot", "w:1:a", 30, batch=b.id) is None


def test_complete_needs_the_lease(store: Store) -> None:
    """Only the lease owner can complete an item; the outcome is stored with its outputs."""
    store.add_batch("bot", "a", "x", "s", [], _items(["A"]))
    item = store.claim("bot", "w:1:a", 30)
    assert item is not None
    assert not store.complete(item.id, "w:2:b", finished(item, Status.DONE))
    assert store.complete(item.id, "w:1:a", finished(item, Status.DONE, {"regno": "RG-1"}))
    done = store.get(item.id)
    assert done.state is Status.DONE and done.outputs == {"regno": "RG-1"}
    assert done.lease_owner is None
    assert not store.complete(item.id, "w:1:a", finished(item, Status.FAILED))


def test_complete_stores_the_case_result_and_the_item_gives_it_back(store: Store) -> None:
    """A completed item keeps the result's status, outputs, error, error kind and screenshot,
    counts its attempts (at least one) as tries, and ``Item.result`` hands all of it back."""
    store.add_batch("bot", "a", "x", "s", [], _items(["A", "B"]))
    first, second = store.claim("bot", "w:1:a", 30), store.claim("bot", "w:1:a", 30)
    assert first is not None and second is not None
    assert store.complete(first.id, "w:1:a", finished(
        first, Status.BUSINESS_FAILED, {"regno": ""}, error="住所が不正です",
        error_kind="BusinessError", screenshot="runs/r1/screenshots/A.png", attempts=3))
    assert store.complete(second.id, "w:1:a", finished(second, Status.FAILED))
    assert store.get(first.id).result == CaseResult(
        "A", 4, Status.BUSINESS_FAILED, {"regno": ""}, error="住所が不正です",
        error_kind="BusinessError", screenshot="runs/r1/screenshots/A.png", attempts=3)
    assert store.get(second.id).result.attempts == 1


def test_expired_lease_becomes_uncertain(store: Store) -> None:
    """A lease that runs out (a crashed worker) makes the item uncertain; its next claim says
    so."""
    store.add_batch("bot", "a", "x", "s", [], _items(["A"]))
    item = store.claim("bot", "w:1:a", 0.05)
    assert item is not None
    time.sleep(0.1)
    again = store.claim("bot", "w:2:b", 30)
    assert again is not None and again.id == item.id
    assert again.was_uncertain and again.attempts == 2
    assert not item.was_uncertain


def test_heartbeat_keeps_the_lease(store: Store) -> None:
    """A heartbeat pushes the expiry out, so the item is not taken from a live worker."""
    store.add_batch("bot", "a", "x", "s", [], _items(["A"]))
    item = store.claim("bot", "w:1:a", 0.2)
    assert item is not None
    for _ in range(4):
        time.sleep(0.1)
        assert store.heartbeat(item.id, "w:1:a", 0.2)
    assert store.claim("bot", "w:2:b", 30) is None
    assert not store.heartbeat(item.id, "w:2:b", 30)


def test_dead_workers_items_are_reclaimed_at_once(store: Store) -> None:
    """Items held by this host's dead workers turn uncertain without waiting for the lease."""
    store.add_batch("bot", "a", "x", "s", [], _items(["A", "B"]))
    dead = store.claim("bot", "host:111:a", 300)
    alive = store.claim("bot", "host:222:b", 300)
    assert dead is not None and alive is not None
    n = store.reclaim_dead("host", lambda owner: owner == "host:222:b")
    assert n == 1
    assert store.get(dead.id).state is Status.UNCERTAIN
    assert store.get(alive.id).state is Status.IN_PROGRESS


def test_release_defers(store: Store) -> None:
    """A released item waits out its deferral before anyone can claim it again."""
    store.add_batch("bot", "a", "x", "s", [], _items(["A"]))
    item = store.claim("bot", "w:1:a", 30)
    assert item is not None
    assert store.release(item.id, "w:1:a", Status.PENDING, defer_s=0.2)
    assert store.claim("bot", "w:1:a", 30) is None
    time.sleep(0.25)
    assert store.claim("bot", "w:1:a", 30) is not None


def test_due_now_lifts_a_deferral_and_keeps_the_round(store: Store) -> None:
    """The breaker's requeued cases come due at once, their error and round kept; an item
    in hand or finished is left alone."""
    store.add_batch("bot", "a", "x", "s", [], _items(["A", "B", "C"]))
    a, b, c = (store.claim("bot", "w:1:a", 30) for _ in range(3))
    assert a is not None and b is not None and c is not None
    failed = finished(a, Status.FAILED, error="503", error_kind="SystemUnavailable")
    assert store.requeue(a.id, "w:1:a", failed, Status.PENDING, 3600)
    store.complete(b.id, "w:1:a", finished(b, Status.DONE))
    assert store.claim("bot", "w:1:a", 30) is None  # A waits an hour
    assert store.due_now([a.id, b.id, c.id]) == 1
    again = store.get(a.id)
    assert again.defer_until is None and again.system_failures == 1 and again.error == "503"
    assert store.get(b.id).state is Status.DONE and store.get(c.id).state is Status.IN_PROGRESS
    claimed = store.claim("bot", "w:1:a", 30)
    assert claimed is not None and claimed.id == a.id
    assert store.due_now([]) == 0


def test_retry_and_cancel(store: Store) -> None:
    """Retry puts final items back with attempts reset; cancel spares items in progress."""
    store.add_batch("bot", "a", "x", "s", [], _items(["A", "B", "C"]))
    a = store.claim("bot", "w:1:a", 30)
    b = store.claim("bot", "w:1:a", 30)
    assert a is not None and b is not None
    store.complete(a.id, "w:1:a", finished(a, Status.FAILED, error="boom"))
    assert store.retry(states=[Status.FAILED]) == 1
    again = store.get(a.id)
    assert again.state is Status.PENDING and again.attempts == 0 and again.error == ""
    assert store.cancel(bot="bot", states=[Status.PENDING, Status.IN_PROGRESS]) == 2
    assert store.get(b.id).state is Status.IN_PROGRESS
    assert Counter(i.state for i in store.items("bot")) == {Status.CANCELLED: 2,
                                                           Status.IN_PROGRESS: 1}


def test_counts_per_batch(store: Store) -> None:
    """Counts are given per bot and batch, by state."""
    first = store.add_batch("bot", "a", "x", "s", [], _items(["A", "B"]))
    item = store.claim("bot", "w:1:a", 30)
    assert item is not None
    store.complete(item.id, "w:1:a", finished(item, Status.DONE))
    assert store.counts("bot") == {("bot", first.id): {Status.DONE: 1, Status.PENDING: 1}}


def test_two_threads_never_take_the_same_item(store: Store) -> None:
    """Two threads sharing one store (a worker and its heartbeat, say) take each item once."""
    store.add_batch("bot", "a", "x", "s", [], _items([f"K{i}" for i in range(200)]))
    taken: dict[str, list[int]] = {"h:1:t": [], "h:2:t": []}

    def drain(owner: str) -> None:
        while (item := store.claim("bot", owner, 60)) is not None:
            taken[owner].append(item.id)
            store.heartbeat(item.id, owner, 60)
            store.complete(item.id, owner, finished(item, Status.DONE))

    threads = [threading.Thread(target=drain, args=(owner,)) for owner in taken]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    everything = taken["h:1:t"] + taken["h:2:t"]
    assert sorted(everything) == sorted({i.id for i in store.items("bot")})
    assert len(everything) == 200


def test_a_batch_that_fails_half_way_adds_nothing(store: Store) -> None:
    """Rows that stop coming half-way (an unreadable row, a stop) leave no batch and no item."""
    def rows() -> Iterator[NewItem]:
        yield from _items(["A", "B"])
        raise RuntimeError("row 6 unreadable")

    with pytest.raises((RuntimeError, QueueError)):
        store.add_batch("bot", "a", "x", "s", [], rows())
    assert store.items("bot") == [] and store.batches("bot") == []
    assert store.add_batch("bot", "a", "x", "s", [], _items(["A"])).new == 1


def _claim_all(where: str, owner: str, out: multiprocessing.Queue, go: object) -> None:  # type: ignore[type-arg]
    store = _open(where)
    go.wait()  # type: ignore[attr-defined]
    taken = []
    while (item := store.claim("bot", owner, 60)) is not None:
        taken.append(item.id)
        time.sleep(0.001)  # a little work, so the two really interleave
        store.complete(item.id, owner, finished(item, Status.DONE))
    store.close()
    out.put(taken)


def test_two_processes_never_take_the_same_item(where: str) -> None:
    """Two worker processes draining one queue take every item exactly once between them."""
    seed = _open(where)
    seed.add_batch("bot", "a", "x", "s", [], _items([f"K{i}" for i in range(400)]))
    seed.close()
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    go = ctx.Event()
    workers = [ctx.Process(target=_claim_all, args=(where, f"h:{n}:t", out, go))
               for n in range(2)]
    for w in workers:
        w.start()
    time.sleep(1.5)  # both processes are up and waiting
    go.set()
    taken = [out.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=30)
    assert all(taken), "both workers should have claimed something"
    everything = taken[0] + taken[1]
    assert len(everything) == 400 and len(set(everything)) == 400


def test_corrupt_database_is_a_clear_error(tmp_path: Path) -> None:
    """A queue file that is not a database gives a QueueError naming it; the file is untouched."""
    path = tmp_path / "queue.db"
    garbage = b"this is not sqlite" * 100
    path.write_bytes(garbage)
    with pytest.raises(QueueError, match="damaged") as caught:
        SQLiteStore(path)
    assert str(path) in str(caught.value)
    assert path.read_bytes() == garbage


def test_locked_database_is_a_clear_error_and_loses_nothing(tmp_path: Path) -> None:
    """While another program holds the write lock, writes fail clearly and change nothing."""
    path = tmp_path / "queue.db"
    store = SQLiteStore(path, busy_timeout_ms=200)
    store.add_batch("bot", "a", "x", "s", [], _items(["A"]))
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(QueueError, match="locked"):
            store.add_batch("bot", "b", "y", "s", [], _items(["B"]))
        with pytest.raises(QueueError, match="locked"):
            store.claim("bot", "w:1:a", 30)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert [i.key for i in store.items("bot")] == ["A"]
    assert store.claim("bot", "w:1:a", 30) is not None


def test_schema_is_versioned(tmp_path: Path) -> None:
    """The file records its schema version; a file from a newer robot is refused clearly."""
    path = tmp_path / "queue.db"
    SQLiteStore(path).close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] >= 1
    db.execute("PRAGMA user_version = 99")
    db.commit()
    db.close()
    with pytest.raises(QueueError, match="newer robot"):
        SQLiteStore(path)


def test_postgres_locked_database_is_a_clear_error_and_loses_nothing(
        pg_server: PostgresServer) -> None:
    """While another session locks the items table, writes fail clearly and change nothing."""
    url = pg_server.new_database()
    store = PostgresStore(url, busy_timeout_ms=300)
    store.add_batch("bot", "a", "x", "s", [], _items(["A"]))
    with psycopg.connect(url) as blocker:
        blocker.execute("LOCK TABLE items IN ACCESS EXCLUSIVE MODE")
        with pytest.raises(QueueError, match=r"locked by another program \(waited 0.3 s\)"):
            store.add_batch("bot", "b", "y", "s", [], _items(["B"]))
        with pytest.raises(QueueError, match="locked"):
            store.claim("bot", "w:1:a", 30)
    assert [i.key for i in store.items("bot")] == ["A"]
    assert [b.source for b in store.batches("bot")] == ["a"]
    assert store.claim("bot", "w:1:a", 30) is not None
    store.close()


def test_postgres_schema_is_versioned(pg_server: PostgresServer) -> None:
    """The database records its schema version; one from a newer robot is refused clearly."""
    url = pg_server.new_database()
    PostgresStore(url).close()
    PostgresStore(url).close()  # a second machine starting finds it migrated
    with psycopg.connect(url) as db:
        assert db.execute("SELECT version FROM robot_schema").fetchall() == [
            (len(PG_MIGRATIONS),)]
        db.execute("UPDATE robot_schema SET version = 99")
    with pytest.raises(QueueError, match="newer robot"):
        PostgresStore(url)


def test_unreachable_postgres_is_a_clear_error_without_the_password(tmp_path: Path) -> None:
    """No server there: a QueueError naming the database, and never its password."""
    url = f"postgresql://robot:s3cret-pw@/queue?host={tmp_path}&port=1"
    with pytest.raises(QueueError, match="cannot reach the queue database") as caught:
        PostgresStore(url, connect_timeout_s=2)
    assert "s3cret-pw" not in str(caught.value)
    assert "robot:***@" in str(caught.value)


def test_robot_db_chooses_the_backend(pg_server: PostgresServer, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """ROBOT_DB: a PostgreSQL URL opens the shared store; a path, that SQLite file."""
    monkeypatch.setenv("ROBOT_DB", pg_server.new_database())
    store = open_store(tmp_path)
    assert isinstance(store, PostgresStore)
    store.close()
    monkeypatch.setenv("ROBOT_DB", str(tmp_path / "elsewhere.db"))
    store = open_store(tmp_path)
    assert isinstance(store, SQLiteStore) and store.path == tmp_path / "elsewhere.db"
    store.close()


# -- secrets at rest: sealed in the payload, erased when an item finishes ---------------------
SECRET = "735658332945"  # a valid My Number of the committed sample
BOT = load_bot(SHIPPED_BOTS / "resident_registration.yaml", SHIPPED_SELECTORS)
HEADERS = ["受付番号", "個人番号"]


def _sealer(tmp_path: Path) -> Sealer:
    return Sealer.for_bot(BOT, Vault(tmp_path, key=os.urandom(32)), HEADERS)


def _secret_items(sealer: Sealer, keys: list[str]) -> list[NewItem]:
    cases = [CaseRow(i + 4, k, {"case_id": k, "my_number": SECRET},
                     {"受付番号": k, "個人番号": SECRET}) for i, k in enumerate(keys)]
    return [NewItem(c.key, c.row_number, to_payload(c, sealer, c.key)) for c in cases]


def _everything_stored(where: str) -> str:
    """Every value of every table, as text, read beside the store (sqlite3 or psycopg)."""
    if where.startswith("postgresql://"):
        with psycopg.connect(where) as db:
            tables = [r[0] for r in db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
            return "\n".join(str(row[0]) for t in tables
                             for row in db.execute(f'SELECT t::text FROM "{t}" t'))
    db = sqlite3.connect(where)
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return "\n".join(repr(row) for t in tables for row in db.execute(f'SELECT * FROM "{t}"'))
    finally:
        db.close()


def test_secret_columns_are_stored_sealed(where: str, tmp_path: Path) -> None:
    """No My Number in any table of the database; a worker's sealer gets it back."""
    store = _open(where)
    sealer = _sealer(tmp_path)
    store.add_batch("resident_registration", "a", "x", "s", HEADERS,
                    _secret_items(sealer, ["A", "B"]))
    stored = _everything_stored(where)
    assert SECRET not in stored and "A" in stored
    item = store.claim("resident_registration", "w:1:a", 30)
    store.close()
    assert item is not None
    case = from_payload(item.key, item.row_number, item.payload, sealer)
    assert case.values["my_number"] == SECRET and case.raw["個人番号"] == SECRET


def test_finishing_erases_secrets_but_failed_keeps_them(store: Store, tmp_path: Path) -> None:
    """done, business_failed and cancelled items lose their sealed secrets in the same update;
    a failed item keeps them sealed, so a retry can still type it."""
    sealer = _sealer(tmp_path)
    store.add_batch("resident_registration", "a", "x", "s", HEADERS,
                    _secret_items(sealer, ["D", "B", "F", "C"]))
    for state in (Status.DONE, Status.BUSINESS_FAILED, Status.FAILED):
        item = store.claim("resident_registration", "w:1:a", 30)
        assert item is not None
        assert store.complete(item.id, "w:1:a", finished(item, state))
    assert store.cancel(bot="resident_registration", states=[Status.PENDING]) == 1
    items = {i.key: i for i in store.items("resident_registration")}
    for key in ("D", "B", "C"):
        assert items[key].payload["sealed"] is None, key
        assert items[key].payload["raw"]["個人番号"] == MASK, "the workbook still masks it"
    failed = items["F"]
    assert isinstance(failed.payload["sealed"], str)
    assert from_payload("F", 6, failed.payload, sealer).values["my_number"] == SECRET


def test_retry_refuses_items_whose_secrets_were_erased(store: Store, tmp_path: Path) -> None:
    """Retrying a done case whose My Number was erased is refused, changing nothing; a failed
    one goes back to pending with its secrets."""
    sealer = _sealer(tmp_path)
    store.add_batch("resident_registration", "a", "x", "s", HEADERS,
                    _secret_items(sealer, ["D", "F"]))
    done = store.claim("resident_registration", "w:1:a", 30)
    failed = store.claim("resident_registration", "w:1:a", 30)
    assert done is not None and failed is not None
    store.complete(done.id, "w:1:a", finished(done, Status.DONE))
    store.complete(failed.id, "w:1:a", finished(failed, Status.FAILED, error="down"))
    with pytest.raises(QueueError, match=rf"item\(s\) {done.id} finished, so their secret "
                                         "columns were erased"):
        store.retry(states=[Status.DONE, Status.FAILED])
    assert store.get(failed.id).state is Status.FAILED, "a refused retry changes nothing"
    assert store.retry([failed.id]) == 1
    again = store.claim("resident_registration", "w:1:a", 30)
    assert again is not None and again.id == failed.id
    assert from_payload("F", 5, again.payload, sealer).values["my_number"] == SECRET


def test_items_without_secrets_still_retry(store: Store) -> None:
    """A done item that never had a secret column is retried as before."""
    store.add_batch("bot", "a", "x", "s", [], _items(["A"]))
    item = store.claim("bot", "w:1:a", 30)
    assert item is not None
    store.complete(item.id, "w:1:a", finished(item, Status.DONE))
    assert "sealed" not in store.get(item.id).payload
    assert store.retry([item.id]) == 1


def test_sqlite_files_are_private(tmp_path: Path) -> None:
    """queue.db, its -wal and -shm are 0600, in a folder made 0700, whatever the umask."""
    old = os.umask(0o022)
    try:
        store = SQLiteStore(tmp_path / "home" / "queue.db")
        store.add_batch("bot", "a", "x", "s", [], _items(["A"]))
        files = [tmp_path / "home" / n for n in ("queue.db", "queue.db-wal", "queue.db-shm")]
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in files}
        store.close()
    finally:
        os.umask(old)
    assert modes == {"queue.db": 0o600, "queue.db-wal": 0o600, "queue.db-shm": 0o600}
    assert stat.S_IMODE((tmp_path / "home").stat().st_mode) == 0o700


def test_a_mismatch_is_final_erases_secrets_and_is_never_claimed_again(store: Store,
                                                                       tmp_path: Path) -> None:
    """A `mismatch` item (saved with other values) is finished like `done`: its My Number is
    erased, no worker claims it, and a retry is refused rather than typing blanks."""
    sealer = _sealer(tmp_path)
    store.add_batch("resident_registration", "a", "x", "s", HEADERS, _secret_items(sealer, ["M"]))
    item = store.claim("resident_registration", "w:1:a", 30)
    assert item is not None
    assert store.complete(item.id, "w:1:a", finished(
        item, Status.MISMATCH, {"registration_number": "RG-000001"},
        error="saved, but done.name: expected '山田 太郎', read '山田 太'"))
    stored = store.get(item.id)
    assert stored.state is Status.MISMATCH and stored.payload["sealed"] is None
    assert stored.outputs == {"registration_number": "RG-000001"}
    assert store.claim("resident_registration", "w:1:a", 30) is None
    with pytest.raises(QueueError, match="secret columns were erased"):
        store.retry(states=[Status.MISMATCH])
    assert store.counts("resident_registration") == {
        ("resident_registration", 1): {Status.MISMATCH: 1}}


def test_a_mismatch_without_secrets_goes_back_to_pending_on_retry(store: Store) -> None:
    """A person's `queue retry --state mismatch` takes a secret-free mismatch back to pending."""
    store.add_batch("bot", "a", "x", "s", [], _items(["A"]))
    item = store.claim("bot", "w:1:a", 30)
    assert item is not None
    store.complete(item.id, "w:1:a", finished(item, Status.MISMATCH, error="differs"))
    assert store.retry(states=[Status.MISMATCH]) == 1
    assert store.get(item.id).state is Status.PENDING and store.get(item.id).error == ""


def test_session_slots_are_bounded_kept_and_freed(store: Store) -> None:
    """Each store gives at most ``limit`` slots of an app, gives the same owner its own slot
    back, frees a dead local owner's slot and an expired one, and frees on request."""
    alive = {"hostA:1", "hostA:2", "hostB:9"}
    is_alive = alive.__contains__
    assert store.take_slot("reg", 2, "hostA:1", 60, "hostA", is_alive)
    assert store.take_slot("reg", 2, "hostB:9", 60, "hostA", is_alive)
    assert not store.take_slot("reg", 2, "hostA:2", 60, "hostA", is_alive)  # full
    assert store.take_slot("reg", 2, "hostA:1", 60, "hostA", is_alive)  # its own, again
    assert store.take_slot("other", 1, "hostA:2", 60, "hostA", is_alive)  # apps apart
    alive.discard("hostA:1")  # killed -9 on this machine: its slot is free at once
    assert store.take_slot("reg", 2, "hostA:3", 60, "hostA", is_alive)
    store.free_slot("reg", "hostB:9")
    assert store.keep_slot("reg", "hostA:3", 60) and not store.keep_slot("reg", "hostB:9", 60)
    assert store.take_slot("reg", 2, "hostC:1", 0.05, "hostC", is_alive)
    time.sleep(0.2)  # hostC:1's lease ran out: its slot is free for anyone
    assert store.take_slot("reg", 2, "hostB:7", 60, "hostB", is_alive)


def test_counts_each_case_once_under_the_batch_that_queued_it(store: Store) -> None:
    """A re-ingest that adds nothing has no counts of its own; one that adds a case counts
    only that case: the counts sum to the items in the queue, never more."""
    first = store.add_batch("bot", "a.xlsx", "sum", "s", ["h"], _items(["A", "B", "C"]))
    again = store.add_batch("bot", "a.xlsx", "sum", "s", ["h"], _items(["A", "B", "C"]))
    more = store.add_batch("bot", "b.xlsx", "sum", "s", ["h"], _items(["C", "D"]))
    counts = store.counts("bot")
    assert counts == {("bot", first.id): {Status.PENDING: 3},
                      ("bot", more.id): {Status.PENDING: 1}}
    assert (again.new, again.duplicates) == (0, 3)
    assert sum(n for per in counts.values() for n in per.values()) == len(store.items("bot"))


def test_audit_anchors_are_kept_and_moved_forward(store: Store) -> None:
    """An anchor reads back as written; anchoring the same run again (a resumed run) moves
    it forward instead of adding a second; an unknown run has none."""
    store.anchor_audit(AuditAnchor("run-1", "bot", 10, "a" * 64, "kid1"))
    store.anchor_audit(AuditAnchor("run-2", "bot", 3, "b" * 64, "kid1"))
    store.anchor_audit(AuditAnchor("run-1", "bot", 12, "c" * 64, "kid1"))
    found = store.audit_anchor("run-1")
    assert found is not None and (found.lines, found.last_hash, found.key_id) == \
        (12, "c" * 64, "kid1")
    assert found.anchored_at is not None
    assert [a.run_id for a in store.audit_anchors()] == ["run-1", "run-2"]
    assert store.audit_anchor("run-3") is None
