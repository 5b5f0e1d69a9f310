"""Contract tests of corrections, conflicts and requeued system failures: every store.

The ``store`` fixture is the contract fixture of test_queue_store.py (SQLite, PostgreSQL on
a throwaway server, MemoryStore).
"""

from __future__ import annotations

import time

import pytest
import test_queue_store as contract

from robot_core.outcome import Status
from robot_core.queue.base import NewItem, Store

store = contract.store  # the contract fixture: every backend
finished = contract.finished


def _row(key: str, name: str, row: int = 2, problem: str = "") -> NewItem:
    """A row as ingest makes it: content and its checksum (here simply the name)."""
    payload = {"values": {"case_id": key, "name": name}, "raw": {"氏名": name},
               "problems": [["フリガナ", problem, problem]] if problem else []}
    return NewItem(key, row, payload, content_sum=f"sum-{name}-{problem}")


def _first(store: Store, *rows: NewItem) -> int:
    return store.add_batch("bot", "first.xlsx", "f1", "s", ["氏名"], list(rows)).id


def _finish(store: Store, status: Status, **fields: object) -> int:
    item = store.claim("bot", "w:1:a", 30)
    assert item is not None
    assert store.complete(item.id, "w:1:a", finished(item, status, **fields))
    return item.id


def test_a_pending_case_takes_its_correction(store: Store) -> None:
    """A pending case met again with other content takes the new row, in the new batch."""
    _first(store, _row("A", "山田"))
    second = store.add_batch("bot", "second.xlsx", "f2", "s", ["氏名"], [_row("A", "山本", 5)])
    assert (second.new, second.duplicates, second.corrected, second.conflicts) == (0, 0, 1, 0)
    (change,) = second.changes
    assert (change.kind, change.state, change.old_sum, change.new_sum) == (
        "corrected", "pending", "sum-山田-", "sum-山本-")
    (item,) = store.items(batch=second.id)
    assert (item.payload["values"]["name"], item.state, item.row_number, item.note) == (
        "山本", Status.PENDING, 5, "corrected")
    assert store.batch(second.id).corrected == 1


@pytest.mark.parametrize("status", [Status.BUSINESS_FAILED, Status.FAILED])
def test_a_case_that_failed_before_any_save_is_corrected_and_pending_again(
        store: Store, status: Status) -> None:
    """business_failed, or failed before the saving click: corrected, pending, its error,
    attempts and tries cleared, so the new row is typed afresh."""
    _first(store, _row("A", "ﾔﾏﾀﾞ", problem="not katakana"))
    _finish(store, status, error="フリガナ: カタカナで入力してください", attempts=3)
    second = store.add_batch("bot", "second.xlsx", "f2", "s", ["氏名"], [_row("A", "ヤマダ")])
    assert second.corrected == 1
    (item,) = store.items()
    assert (item.state, item.error, item.attempts, item.tries, item.maybe_saved) == (
        Status.PENDING, "", 0, 0, False)
    assert item.payload["problems"] == [] and item.content_sum == "sum-ヤマダ-"
    claimed = store.claim("bot", "w:1:a", 30)
    assert claimed is not None and claimed.payload["values"]["name"] == "ヤマダ"


def test_a_done_case_with_changed_data_is_a_conflict_and_changes_nothing(store: Store) -> None:
    """done: the new row is a conflict, noted on that batch's row only; the item is unchanged."""
    first = _first(store, _row("A", "山田"), _row("B", "佐藤", 3))
    done = _finish(store, Status.DONE, outputs={"regno": "RG-1"})
    second = store.add_batch("bot", "second.xlsx", "f2", "s", ["氏名"],
                             [_row("A", "山本"), _row("B", "佐藤", 3)])
    assert (second.new, second.duplicates, second.corrected, second.conflicts) == (0, 1, 0, 1)
    assert [(c.key, c.kind, c.state) for c in second.changes] == [("A", "conflict", "done")]
    item = store.get(done)
    assert (item.state, item.outputs, item.payload["values"]["name"]) == (
        Status.DONE, {"regno": "RG-1"}, "山田")
    again = {i.key: i for i in store.items(batch=second.id)}
    assert again["A"].note == "conflict" and again["A"].result.conflict
    assert not again["B"].result.conflict
    assert not any(i.result.conflict for i in store.items(batch=first))


def test_a_failure_that_may_have_saved_the_case_is_a_conflict(store: Store) -> None:
    """failed after the saving click (maybe_saved): never corrected; nor an uncertain case."""
    _first(store, _row("A", "山田"), _row("B", "佐藤", 3))
    _finish(store, Status.FAILED, error="no response", maybe_saved=True)
    item = store.claim("bot", "w:1:a", 30)
    assert item is not None and store.release(item.id, "w:1:a", Status.UNCERTAIN)
    second = store.add_batch("bot", "second.xlsx", "f2", "s", ["氏名"],
                             [_row("A", "山本"), _row("B", "佐々木", 3)])
    assert [(c.key, c.state) for c in second.changes] == [("A", "failed"), ("B", "uncertain")]
    assert second.conflicts == 2
    assert {i.key: i.payload["values"]["name"] for i in store.items()} == {"A": "山田",
                                                                           "B": "佐藤"}


def test_an_uncertain_claim_is_remembered_after_it_fails(store: Store) -> None:
    """An item claimed while uncertain, then failed, still may be saved: a conflict."""
    _first(store, _row("A", "山田"))
    item = store.claim("bot", "w:1:a", 30)
    assert item is not None and store.release(item.id, "w:1:a", Status.UNCERTAIN)
    _finish(store, Status.FAILED, error="down")
    assert store.get(item.id).maybe_saved
    second = store.add_batch("bot", "second.xlsx", "f2", "s", ["氏名"], [_row("A", "山本")])
    assert second.conflicts == 1 and store.get(item.id).state is Status.FAILED


def test_same_content_or_no_checksum_is_a_duplicate(store: Store) -> None:
    """The same row again, or a row without a checksum, changes nothing."""
    _first(store, _row("A", "山田"), NewItem("B", 3, {"values": {}}))
    second = store.add_batch("bot", "second.xlsx", "f2", "s", ["氏名"],
                             [_row("A", "山田"), _row("B", "佐藤", 3)])
    assert (second.new, second.duplicates, second.corrected, second.conflicts) == (0, 2, 0, 0)
    assert second.changes == []


def test_the_same_key_twice_in_one_file_keeps_its_first_row(store: Store) -> None:
    """Within one file a key's first row counts: a later one neither corrects nor conflicts."""
    _first(store, _row("A", "山田"))
    second = store.add_batch("bot", "second.xlsx", "f2", "s", ["氏名"],
                             [_row("A", "山本"), _row("A", "山口", 9)])
    assert (second.corrected, second.conflicts, len(second.changes)) == (1, 0, 1)
    assert store.items()[0].payload["values"]["name"] == "山本"


def test_requeue_defers_a_system_failure_and_counts_it(store: Store) -> None:
    """requeue: pending again, not claimable before its time, its error kept, attempts reset,
    one system failure counted; a worker that lost the lease cannot requeue."""
    _first(store, _row("A", "山田"))
    item = store.claim("bot", "w:1:a", 30)
    assert item is not None
    assert not store.requeue(item.id, "w:9:z", finished(item, Status.FAILED), Status.PENDING, 0)
    result = finished(item, Status.FAILED, error="down", error_kind="SystemUnavailable",
                      attempts=3)
    assert store.requeue(item.id, "w:1:a", result, Status.PENDING, 0.4)
    held = store.get(item.id)
    assert (held.state, held.error, held.attempts, held.tries, held.system_failures) == (
        Status.PENDING, "down", 0, 3, 1)
    assert store.claim("bot", "w:1:a", 30) is None, "deferred: not yet"
    time.sleep(0.5)
    again = store.claim("bot", "w:1:a", 30)
    assert again is not None and again.id == item.id and again.attempts == 1


def test_retry_of_a_case_that_may_be_saved_makes_it_uncertain(store: Store) -> None:
    """queue retry of a failure that may have saved the case: uncertain (verified first)."""
    _first(store, _row("A", "山田"), _row("B", "佐藤", 3))
    _finish(store, Status.FAILED, error="no response", maybe_saved=True)
    _finish(store, Status.FAILED, error="down")
    assert store.retry(states=[Status.FAILED]) == 2
    assert {i.key: i.state for i in store.items()} == {"A": Status.UNCERTAIN,
                                                       "B": Status.PENDING}
