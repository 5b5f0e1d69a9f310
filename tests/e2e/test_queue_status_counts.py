"""``robot queue status`` reads true: a re-ingest that added nothing shows as such, and every
case is counted once, under the batch that first queued it."""

from __future__ import annotations

import re
from pathlib import Path

from robot_core.outcome import CaseResult, Status
from robot_core.queue.base import NewItem
from robot_core.queue.sqlite import SQLiteStore

from test_prune import robot

BOT = "resident_registration"


def _items(keys: range) -> list[NewItem]:
    return [NewItem(f"U{k:04d}", k + 1, {"values": {"case_id": f"U{k:04d}"}, "raw": {}})
            for k in keys]


def test_a_reingest_shows_0_new_and_cases_are_counted_once(tmp_path: Path) -> None:
    """Batch 1 queues 50, batch 2 (the same export) 0 new and 50 already queued with no
    counts of its own, batch 3 adds 5; the states sum to the 55 cases in the queue."""
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    store = SQLiteStore(home / "queue.db")
    try:
        store.add_batch(BOT, "/in/export.xlsx", "c1", "s", ["h"], _items(range(50)))
        store.add_batch(BOT, "/in/export.xlsx", "c1", "s", ["h"], _items(range(50)))
        store.add_batch(BOT, "/in/more.xlsx", "c2", "s", ["h"], _items(range(45, 55)))
        item = store.claim(BOT, "w:1:a", 30)
        assert item is not None
        store.complete(item.id, "w:1:a", CaseResult(item.key, item.row_number, Status.DONE))
    finally:
        store.close()
    done = robot(home, "queue", "status")
    assert done.returncode == 0, done.stderr
    # bot, batch, file, new, already queued, then done, business_failed, failed, pending
    rows = {int(m[0]): [c.strip() for c in m[1:]] for m in re.findall(
        r"│ \S+ +│ (\d+) +│ (\S+) +│ (\d+) +│ (\d+) +│ (\d*) +│ +│ +│ (\d*) +│", done.stdout)}
    assert rows == {1: ["export.xlsx", "50", "0", "1", "49"],
                    2: ["export.xlsx", "0", "50", "", ""],
                    3: ["more.xlsx", "5", "5", "", "5"]}, done.stdout
    assert "55 case(s) queued, each counted once" in done.stdout
