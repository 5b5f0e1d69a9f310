"""The worker's decisions (limits, stops, poison cases, uncertain items, crashes), in memory.

Only ``robot_core.testing``: a ``FakeDriver``, a ``MemoryStore`` and ``CrashAt``, injected
through ``RunOptions`` as on every entry path; no browser, no SIGKILL.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_registry import Registry, saved_keys
from helpers import MY_NUMBER, MY_NUMBER_ZERO

from robot_core.intake import read_cases
from robot_core.outcome import Status
from robot_core.queue.base import NewItem
from robot_core.run.ingest import enqueue_file
from robot_core.run.session import RunOptions, open_session, run_direct, run_file, work_queue
from robot_core.run.worker import Worker
from robot_core.script.model import BotScript
from robot_core.testing import CrashAt, Crashed, CrashPoints, FakeDriver, MemoryStore
from robot_core.vault import Vault

ROWS = [("U-0001", "山田 太郎", MY_NUMBER), ("U-0002", "佐藤 花子", MY_NUMBER_ZERO),
        ("U-0003", "鈴木 一郎", MY_NUMBER)]


def _csv(tmp_path: Path, rows: list[tuple[str, str, str]] = ROWS) -> Path:
    path = tmp_path / "cases.csv"
    lines = ["受付番号,氏名,個人番号", *(",".join(r) for r in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _queued(store: MemoryStore, bot: BotScript, tmp_path: Path, home: Path,
            rows: list[tuple[str, str, str]] = ROWS) -> int:
    return enqueue_file(store, bot, _csv(tmp_path, rows), vault=Vault(home)).id


def _options(home: Path, driver: FakeDriver, store: MemoryStore, **knobs: int) -> RunOptions:
    return RunOptions(home, driver_factory=lambda _bot: driver, store=store, **knobs)


def _states(store: MemoryStore) -> dict[str, Status]:
    return {i.key: i.state for i in store.items()}


@pytest.fixture
def worker() -> Iterator[list[Worker]]:
    """Workers built as ``robot work`` builds them; their audit trails closed afterwards."""
    made: list[Worker] = []
    yield made
    for w in made:
        w.audit.close()


def _worker(made: list[Worker], bot: BotScript, home: Path, driver: FakeDriver,
            store: MemoryStore, crash: CrashAt | None = None) -> Worker:
    session = open_session(bot, _options(home, driver, store))
    w = Worker(bot, store, session.runner, session.audit, session.paths.root, home,
               crash=crash or CrashPoints(None))
    made.append(w)
    return w


def test_run_file_enters_every_row_once_and_erases_secrets(
        bot: BotScript, home: Path, tmp_path: Path) -> None:
    """run_file with an injected driver and store: each row lands once, is done with its
    number, the results workbook is written and the sealed My Numbers are erased."""
    app, store = Registry(), MemoryStore()
    outcome, paths, batch = run_file(bot, _csv(tmp_path), _options(home, FakeDriver(app), store))
    assert outcome.exit_code == 0 and paths.results.exists()
    assert saved_keys(app) == ["U-0001", "U-0002", "U-0003"]
    items = store.items(batch=batch.id)
    assert [i.outputs for i in items] == [{"regno": f"RG-000{n}"} for n in (1, 2, 3)]
    assert all(i.payload["sealed"] is None for i in items)


def test_run_direct_takes_the_injected_driver(bot: BotScript, home: Path,
                                              tmp_path: Path) -> None:
    """run_direct (no queue) runs on the driver the options' factory makes."""
    app = Registry()
    intake = read_cases(_csv(tmp_path), bot.input)
    outcome, _paths = run_direct(bot, intake, _options(home, FakeDriver(app), MemoryStore()))
    assert [r.status for r in outcome.results] == [Status.DONE] * 3
    assert saved_keys(app) == ["U-0001", "U-0002", "U-0003"]


def test_the_worker_stops_at_its_limit(bot: BotScript, home: Path, tmp_path: Path) -> None:
    """With limit=2 two items are worked and the third stays pending."""
    app, store = Registry(), MemoryStore()
    _queued(store, bot, tmp_path, home)
    worked, _ = work_queue(bot, _options(home, FakeDriver(app), store, limit=2))
    assert worked == 2
    assert _states(store) == {"U-0001": Status.DONE, "U-0002": Status.DONE,
                              "U-0003": Status.PENDING}


def test_the_worker_stops_when_asked(bot: BotScript, home: Path, tmp_path: Path) -> None:
    """A stop asked for during a case lets that case finish and starts no other."""
    app, store = Registry(), MemoryStore()
    _queued(store, bot, tmp_path, home)
    seen: list[str] = []
    worked, _ = work_queue(bot, _options(home, FakeDriver(app), store),
                           progress=lambda result: seen.append(result.key),
                           stop=lambda: bool(app.saved))
    assert (worked, seen, saved_keys(app)) == (1, ["U-0001"], ["U-0001"])
    assert _states(store)["U-0002"] is Status.PENDING


def test_a_poison_case_is_failed_without_running(bot: BotScript, home: Path,
                                                 tmp_path: Path) -> None:
    """An item claimed more than retry.case times without finishing is failed as PoisonCase
    and the application is never even started."""
    store = MemoryStore()
    _queued(store, bot, tmp_path, home, ROWS[:1])
    for n in range(bot.retry.case):  # three workers took it and died
        item = store.claim(bot.name, f"gone:{n}:x", 60)
        assert item is not None
        store.release(item.id, f"gone:{n}:x", Status.UNCERTAIN)
    driver = FakeDriver(Registry())
    worked, _ = work_queue(bot, _options(home, driver, store))
    (item,) = store.items()
    assert (worked, item.state, item.error_kind) == (1, Status.FAILED, "PoisonCase")
    assert driver.calls == []


def test_an_uncertain_item_already_saved_is_done_without_typing(
        bot: BotScript, home: Path, tmp_path: Path) -> None:
    """An uncertain item the registry already holds is verified and done: no form field typed."""
    store = MemoryStore()
    _queued(store, bot, tmp_path, home, ROWS[:1])
    item = store.claim(bot.name, "other:1:x", 60)
    assert item is not None
    store.release(item.id, "other:1:x", Status.UNCERTAIN)
    app = Registry(saved=[{"form.key": "U-0001"}])
    driver = FakeDriver(app)
    work_queue(bot, _options(home, driver, store))
    done = store.get(item.id)
    assert (done.state, done.outputs) == (Status.DONE, {"regno": "RG-0001"})
    assert [t for t, _ in driver.typed() if (t or "").startswith("form.")] == []
    assert len(app.saved) == 1


def test_a_crash_before_complete_leaves_the_item_uncertain_and_is_not_typed_twice(
        bot: BotScript, home: Path, tmp_path: Path, worker: list[Worker]) -> None:
    """Crashed after the save but before the queue heard of it: the item is uncertain, and
    the next worker verifies it and completes it without typing it again."""
    app, store = Registry(), MemoryStore()
    _queued(store, bot, tmp_path, home, ROWS[:1])
    first = _worker(worker, bot, home, FakeDriver(app), store, CrashAt("before_complete"))
    with pytest.raises(Crashed):
        first.run()
    assert _states(store) == {"U-0001": Status.UNCERTAIN}
    second = FakeDriver(app)
    assert _worker(worker, bot, home, second, store).run() == 1
    assert _states(store) == {"U-0001": Status.DONE}
    assert saved_keys(app) == ["U-0001"] and second.typed()[-1][0] == "search.key"


def test_a_crash_mid_case_before_the_save_types_the_case_on_the_next_run(
        bot: BotScript, home: Path, tmp_path: Path, worker: list[Worker]) -> None:
    """Crashed at the saving click (before it): uncertain; the next worker's verify finds
    nothing, so it types the case, once."""
    app, store = Registry(), MemoryStore()
    _queued(store, bot, tmp_path, home, ROWS[:1])
    crash = CrashAt("step:steps[4] click")
    with pytest.raises(Crashed):
        _worker(worker, bot, home, FakeDriver(app), store, crash).run()
    assert _states(store) == {"U-0001": Status.UNCERTAIN} and app.saved == []
    assert crash.passed_points[-1] == "step:steps[4] click"
    second = FakeDriver(app)
    _worker(worker, bot, home, second, store).run()
    assert _states(store) == {"U-0001": Status.DONE} and saved_keys(app) == ["U-0001"]
    assert "http://registry/search" in [c.value for c in second.verbs("goto")]


def test_a_rejected_row_is_a_business_failure_that_types_nothing(
        bot: BotScript, home: Path, tmp_path: Path) -> None:
    """A row with a wrong My Number check digit is business_failed with an evidence card;
    nothing of it reaches the application's form."""
    store = MemoryStore()
    _queued(store, bot, tmp_path, home, [("U-0009", "田中 次郎", "735658332940")])
    driver = FakeDriver(Registry())
    work_queue(bot, _options(home, driver, store))
    (item,) = store.items()
    assert (item.state, item.error_kind) == (Status.BUSINESS_FAILED, "CaseDataError")
    assert [c.verb for c in driver.calls].count("render_html") == 1
    assert [t for t, _ in driver.typed() if (t or "").startswith("form.")] == []
    assert (home / item.screenshot).exists()


def test_an_item_whose_secrets_were_erased_is_failed_without_running(
        bot: BotScript, home: Path) -> None:
    """An item whose sealed secrets are gone fails as SecretsErased; no driver call is made."""
    store = MemoryStore()
    store.add_batch(bot.name, "x.csv", "sum", "", ["受付番号"], [NewItem(
        "U-0001", 2, {"values": {"case_id": "U-0001"}, "raw": {}, "sealed": None})])
    driver = FakeDriver(Registry())
    work_queue(bot, _options(home, driver, store))
    (item,) = store.items()
    assert (item.state, item.error_kind) == (Status.FAILED, "SecretsErased")
    assert driver.calls == []
