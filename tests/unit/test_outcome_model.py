"""One outcome model and one case key, from the case file to the queue, audit and results,
and a case file read once on every path; in memory, with ``robot_core.testing``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from fake_registry import Registry, count_opens
from helpers import MY_NUMBER
from openpyxl import load_workbook

from robot_core.evidence.export import batch_outcome, batch_pairs, export_batch
from robot_core.intake import case_key, open_cases, read_cases
from robot_core.outcome import CaseResult, Status
from robot_core.queue.base import NewItem
from robot_core.run.session import RunOptions, run_direct, run_file
from robot_core.script.model import BotScript
from robot_core.testing import FakeDriver, MemoryStore, capture_events

KEYLESS = "cases.csv#row3"  # the second row of cases.csv has no 受付番号


@pytest.fixture
def cases(tmp_path: Path) -> Path:
    """Three rows; the middle one lacks its key."""
    path = tmp_path / "cases.csv"
    path.write_text("受付番号,氏名,個人番号\n"
                    f"U-0001,山田 太郎,{MY_NUMBER}\n"
                    f",佐藤 花子,{MY_NUMBER}\n"
                    f"U-0003,鈴木 一郎,{MY_NUMBER}\n", encoding="utf-8")
    return path


def _options(home: Path, store: MemoryStore) -> RunOptions:
    return RunOptions(home, driver_factory=lambda _bot: FakeDriver(Registry()), store=store)


def _keys_in(events: list[dict[str, Any]]) -> set[str]:
    return {e["case"] for e in events if e.get("event") in ("case_finished", "case_rejected")}


def test_case_key_is_the_key_or_the_place_in_the_file(cases: Path, bot: BotScript) -> None:
    """A row's case key is its key column's value, or ``<file name>#row<N>`` without one."""
    rows = read_cases(cases, bot.input).rows
    assert [case_key(r, cases) for r in rows] == ["U-0001", KEYLESS, "U-0003"]
    assert [r.keyed(cases).key for r in rows] == ["U-0001", KEYLESS, "U-0003"]


def test_a_keyless_row_has_one_key_in_queue_audit_and_results(
        cases: Path, bot: BotScript, home: Path) -> None:
    """Through the queue, a row without a key is ``cases.csv#row3`` in its queue item, its
    audit line, its results row and the run's outcome."""
    store = MemoryStore()
    with capture_events() as events:
        outcome, _paths, batch = run_file(bot, cases, _options(home, store))
    assert [i.key for i in store.items(batch=batch.id)] == ["U-0001", KEYLESS, "U-0003"]
    assert _keys_in(events) == {"U-0001", KEYLESS, "U-0003"}
    pairs = list(batch_pairs(store, batch.id))
    assert [(row.key, result.key) for row, result in pairs][1] == (KEYLESS, KEYLESS)
    assert [r.key for r in outcome.results] == ["U-0001", KEYLESS, "U-0003"]


def test_a_keyless_row_has_the_same_key_without_the_queue(
        cases: Path, bot: BotScript, home: Path) -> None:
    """run_direct gives a row without a key the key the queue would: in its audit line and
    its result."""
    with capture_events() as events:
        outcome, _paths = run_direct(bot, read_cases(cases, bot.input),
                                     _options(home, MemoryStore()))
    assert [r.key for r in outcome.results] == ["U-0001", KEYLESS, "U-0003"]
    assert _keys_in(events) == {"U-0001", KEYLESS, "U-0003"}


def test_progress_hears_each_result_as_the_queue_stores_it(
        cases: Path, bot: BotScript, home: Path) -> None:
    """run_file's progress callback gets each case's CaseResult, the one the store keeps."""
    store = MemoryStore()
    heard: list[CaseResult] = []
    _outcome, _paths, batch = run_file(bot, cases, _options(home, store), progress=heard.append)
    assert [r.key for r in heard] == ["U-0001", KEYLESS, "U-0003"]
    stored = {i.key: i.result for i in store.items(batch=batch.id)}
    assert all(stored[r.key].status is r.status and stored[r.key].error == r.error
               for r in heard)


def test_results_and_outcome_show_cancelled_and_uncertain(tmp_path: Path,
                                                          bot: BotScript) -> None:
    """An item left uncertain or cancelled is shown as such in the results workbook and the
    run's outcome (never as pending), and a run with them does not exit 0."""
    store = MemoryStore()
    items = [NewItem(k, n, {"values": {}, "raw": {"受付番号": k}})
             for n, k in enumerate(["D", "U", "C", "P"], start=2)]
    batch = store.add_batch(bot.name, "cases.csv", "x", "", ["受付番号"], items)
    done, uncertain = store.claim(bot.name, "w:1:a", 30), store.claim(bot.name, "w:1:a", 30)
    assert done is not None and uncertain is not None
    store.complete(done.id, "w:1:a", CaseResult(done.key, done.row_number, Status.DONE))
    store.release(uncertain.id, "w:1:a", Status.UNCERTAIN)
    store.cancel([store.items(bot.name)[2].id])
    outcome = batch_outcome(store, batch.id)
    assert [r.status for r in outcome.results] == [Status.DONE, Status.UNCERTAIN,
                                                   Status.CANCELLED, Status.PENDING]
    assert outcome.exit_code == 2
    book = load_workbook(export_batch(store, bot, batch.id, tmp_path / "results.xlsx"))
    sheet = book["結果"]
    column = [c.value for c in sheet[1]].index("状態 (status)") + 1
    assert [sheet.cell(row=r, column=column).value for r in range(2, 6)] == [
        "完了 (done)", "確認待ち（登録済みか不明） (uncertain)", "取消 (cancelled)",
        "未処理 (pending)"]
    summary = dict(book["集計"].iter_rows(values_only=True))
    assert (summary["未処理 (pending)"], summary["取消 (cancelled)"],
            summary["確認待ち（登録済みか不明） (uncertain)"]) == (1, 1, 1)
    assert "処理中 (in_progress)" not in summary, "a status no case has is not listed"




@pytest.mark.parametrize("given", ["path", "stream"])
def test_run_file_reads_the_case_file_once(cases: Path, bot: BotScript, home: Path,
                                           monkeypatch: pytest.MonkeyPatch, given: str) -> None:
    """run_file, given the file or the stream ``robot run`` opened, reads it once, into the
    batch, closes it, and the batch counts every row."""
    opened = count_opens(monkeypatch)
    source = open_cases(cases, bot.input) if given == "stream" else cases
    _outcome, _paths, batch = run_file(bot, source, _options(home, MemoryStore()))
    assert opened == [cases]
    assert batch.new + batch.duplicates == 3
    assert str(cases.resolve()) not in _open_files(), "the file is let go once queued"


def _open_files() -> set[str]:
    fds = Path("/proc/self/fd")
    return {os.path.realpath(fd) for fd in fds.iterdir() if fd.is_symlink()}
