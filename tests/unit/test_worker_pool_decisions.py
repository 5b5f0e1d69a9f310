"""Several workers on one queue, in memory: each case entered once, ``max_sessions`` kept.

Workers are threads here (each its own ``Worker``, runner and ``FakeDriver`` on its own fake
registry), sharing one ``MemoryStore``; the real processes are in tests/e2e/test_workers.py.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import Counter
from pathlib import Path

from fake_registry import Registry, saved_keys
from helpers import MY_NUMBER

from robot_core.outcome import Status
from robot_core.run.ingest import enqueue_file
from robot_core.run.session import RunOptions, open_session
from robot_core.run.worker import Worker
from robot_core.script.app_section import AppSection
from robot_core.script.model import BotScript
from robot_core.testing import Call, FakeDriver, MemoryStore
from robot_core.testing.driver import Result
from robot_core.vault import Vault

CASES = 24


class Sessions:
    """Counts the fake app's logged-in browsers: now, and the most at once."""

    def __init__(self) -> None:
        self.now = self.peak = 0
        self.lock = threading.Lock()

    def handler(self, app: Registry) -> FakeDriver:
        """A driver on ``app`` whose start and stop are counted."""
        def answer(call: Call) -> Result:
            with self.lock:
                if call.verb == "start":
                    self.now += 1
                    self.peak = max(self.peak, self.now)
                elif call.verb == "stop":
                    self.now -= 1
            if call.verb == "click":
                time.sleep(0.002)  # a little latency, so workers overlap when allowed to
            return app(call)
        return FakeDriver(answer)


def _limited(bot: BotScript, max_sessions: int | None) -> BotScript:
    selectors = dataclasses.replace(bot.selectors, section=AppSection(max_sessions))
    return dataclasses.replace(bot, selectors=selectors)


def _queue(store: MemoryStore, bot: BotScript, tmp_path: Path, home: Path) -> None:
    path = tmp_path / "cases.csv"
    rows = [f"U-{n:04d},山田 {n},{MY_NUMBER}" for n in range(1, CASES + 1)]
    path.write_text("受付番号,氏名,個人番号\n" + "\n".join(rows) + "\n", encoding="utf-8")
    enqueue_file(store, bot, path, vault=Vault(home))


def _work(bot: BotScript, home: Path, store: MemoryStore, size: int,
          sessions: Sessions) -> list[Registry]:
    """``size`` workers at once until the queue is dry; each one's fake registry."""
    apps = [Registry() for _ in range(size)]
    workers = []
    for app in apps:
        driver = sessions.handler(app)
        session = open_session(bot, RunOptions(home, driver_factory=lambda _b, d=driver: d,
                                               store=store))
        workers.append(Worker(bot, store, session.runner, session.audit, session.paths.root,
                              home, alive=lambda _owner: True))
    threads = [threading.Thread(target=w.run) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for w in workers:
        w.audit.close()
    return apps


def test_four_workers_enter_every_case_exactly_once(bot: BotScript, home: Path,
                                                    tmp_path: Path) -> None:
    """Four workers on one queue: every case lands in some registry once, none twice."""
    store, sessions = MemoryStore(), Sessions()
    _queue(store, bot, tmp_path, home)
    apps = _work(bot, home, store, 4, sessions)
    landed = Counter(key for app in apps for key in saved_keys(app))
    assert sorted(landed) == [f"U-{n:04d}" for n in range(1, CASES + 1)]
    assert set(landed.values()) == {1}
    assert all(i.state is Status.DONE for i in store.items())
    assert sessions.peak > 1  # they did work side by side (the next test's limit bites)


def test_max_sessions_one_never_lets_two_workers_log_in_at_once(bot: BotScript, home: Path,
                                                               tmp_path: Path) -> None:
    """With ``max_sessions: 1`` four workers take turns: one browser at a time, all done."""
    limited, store, sessions = _limited(bot, 1), MemoryStore(), Sessions()
    _queue(store, limited, tmp_path, home)
    apps = _work(limited, home, store, 4, sessions)
    assert sessions.peak == 1
    assert sorted(k for app in apps for k in saved_keys(app)) == \
        [f"U-{n:04d}" for n in range(1, CASES + 1)]
    assert store.slot_holders(limited.app) == []  # every slot given back


def test_max_sessions_two_lets_two_in_and_no_third(bot: BotScript, home: Path,
                                                   tmp_path: Path) -> None:
    """With ``max_sessions: 2`` three workers never have more than two browsers open."""
    limited, store, sessions = _limited(bot, 2), MemoryStore(), Sessions()
    _queue(store, limited, tmp_path, home)
    _work(limited, home, store, 3, sessions)
    assert sessions.peak == 2
    assert all(i.state is Status.DONE for i in store.items())


def test_a_dead_workers_slot_is_freed_for_the_next(home: Path) -> None:
    """A slot held by a worker of this host that is gone is taken over at once; a live
    holder's slot is not, until its lease runs out."""
    store = MemoryStore()
    assert store.take_slot("app", 1, "host:1:a", 60, "host", lambda _o: True)
    assert not store.take_slot("app", 1, "host:2:b", 60, "host", lambda _o: True)
    assert store.take_slot("app", 1, "host:2:b", 60, "host", lambda o: o != "host:1:a")
    assert store.slot_holders("app") == ["host:2:b"]
    assert not store.take_slot("app", 1, "other:3:c", 60, "other", lambda _o: False)
    assert store.take_slot("app", 1, "other:3:c", 0, "other", lambda _o: True) is False
    store.free_slot("app", "host:2:b")
    assert store.take_slot("app", 1, "other:3:c", 0.01, "other", lambda _o: True)
    time.sleep(0.02)  # its lease runs out: the next taker gets it
    assert store.take_slot("app", 1, "host:4:d", 60, "host", lambda _o: True)
