"""Corrections from staff, problems said at queue time, and system failures that heal by
themselves: the decisions of ingest and the worker, in memory (``robot_core.testing``)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fake_registry import BOT, Registry, make_bot, saved_keys
from helpers import MY_NUMBER, MY_NUMBER_ZERO

from robot_core.errors import SystemUnavailable
from robot_core.evidence.export import batch_outcome
from robot_core.intake import open_cases
from robot_core.outcome import Status
from robot_core.run.ingest import ingest_cases
from robot_core.run.session import RunOptions, run_file, work_queue
from robot_core.script.model import BotScript
from robot_core.testing import FakeDriver, MemoryStore
from robot_core.vault import Vault

FAST = "retry: {step: 3, case: 3, backoff_s: 0, backoff_max_s: 0"


def _bot(tmp_path: Path, **retry: float) -> BotScript:
    extra = "".join(f", {k}: {v}" for k, v in retry.items())
    return make_bot(tmp_path / "project", BOT.replace(FAST, FAST + extra))


def _csv(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    lines = ["受付番号,氏名,個人番号", *(",".join(r) for r in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _options(home: Path, app: Registry, store: MemoryStore) -> RunOptions:
    return RunOptions(home, driver_factory=lambda _bot: FakeDriver(app), store=store)


def _down(times: int) -> dict[str, list[BaseException]]:
    """The entry page answers with an error page ``times`` times (an outage: the bots here
    have no weather allowance, ``faults: 0``, so it outlasts the case's attempts)."""
    return {"http://registry/entry": [SystemUnavailable("503") for _ in range(times)]}


def _events(home: Path, name: str) -> list[dict[str, object]]:
    lines = [json.loads(line) for trail in sorted(home.glob("runs/*/audit.jsonl"))
             for line in trail.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line["event"] == name]


def test_the_summary_names_rows_that_will_fail_by_column_never_value(
        bot: BotScript, home: Path, tmp_path: Path) -> None:
    """Queueing says which rows will fail and in which column; no value appears."""
    rows = [("U-1", "山田 太郎", MY_NUMBER), ("U-2", "", MY_NUMBER),
            ("U-3", "鈴木 一郎", "735658332940")]
    store = MemoryStore()
    with open_cases(_csv(tmp_path / "a.csv", rows), bot.input) as cases:
        ingested = ingest_cases(store, bot, cases, vault=Vault(home))
    text = ingested.summary()
    assert text == "batch 1: 3 new, 0 already queued (2 will fail: row 3 氏名, row 4 個人番号)"
    assert "735658332940" not in text


def test_a_business_failure_fixed_in_a_second_file_lands_once(
        bot: BotScript, home: Path, tmp_path: Path) -> None:
    """Row with a bad My Number: business_failed; the fixed file corrects it, it lands once,
    and the audit trail records the correction by checksums, never by value."""
    app, store = Registry(), MemoryStore()
    bad = [("U-1", "山田 太郎", MY_NUMBER), ("U-2", "佐藤 花子", "735658332940")]
    first, _, _ = run_file(bot, _csv(tmp_path / "a.csv", bad), _options(home, app, store))
    assert [r.status for r in first.results] == [Status.DONE, Status.BUSINESS_FAILED]
    fixed = [("U-1", "山田 太郎", MY_NUMBER), ("U-2", "佐藤 花子", MY_NUMBER_ZERO)]
    said: list[str] = []
    second, _, batch = run_file(bot, _csv(tmp_path / "b.csv", fixed), _options(home, app, store),
                                on_batch=lambda ingested: said.append(ingested.summary()))
    assert said == ["batch 2: 0 new, 1 corrected, 1 already queued"]
    assert [r.status for r in second.results] == [Status.DONE, Status.DONE]
    assert saved_keys(app) == ["U-1", "U-2"]
    assert app.saved[1]["form.my_number"] == MY_NUMBER_ZERO
    (event,) = _events(home, "case_corrected")
    assert (event["case"], event["state"]) == ("U-2", "business_failed")
    assert event["old_sum"] != event["new_sum"] and MY_NUMBER_ZERO not in json.dumps(event)
    assert batch.corrected == 1


def test_a_done_case_with_changed_data_is_a_conflict_and_not_typed_again(
        bot: BotScript, home: Path, tmp_path: Path) -> None:
    """A done case whose row changed: reported as a conflict, and the registry is unchanged."""
    app, store = Registry(), MemoryStore()
    run_file(bot, _csv(tmp_path / "a.csv", [("U-1", "山田 太郎", MY_NUMBER)]),
             _options(home, app, store))
    said: list[str] = []
    outcome, _, _ = run_file(bot, _csv(tmp_path / "b.csv", [("U-1", "山田 次郎", MY_NUMBER)]),
                             _options(home, app, store),
                             on_batch=lambda ingested: said.append(ingested.summary()))
    assert said == ["batch 2: 0 new, 1 conflict, 0 already queued "
                    "(1 conflict: row 2 done, not entered again)"]
    assert [(r.status, r.conflict) for r in outcome.results] == [(Status.DONE, True)]
    assert [r["form.name"] for r in app.saved] == ["山田 太郎"]
    assert [e["case"] for e in _events(home, "case_conflict")] == ["U-1"]


def test_a_system_failure_is_requeued_and_lands_on_its_next_try(
        home: Path, tmp_path: Path) -> None:
    """A round that fails for system reasons goes back to the queue, and lands next round."""
    bot = _bot(tmp_path, system_failures=2, system_backoff_s=0, faults=0)
    app, store = Registry(fail=_down(9)), MemoryStore()  # 3 case attempts x 3 step attempts
    outcome, _, _ = run_file(bot, _csv(tmp_path / "a.csv", [("U-1", "山田 太郎", MY_NUMBER)]),
                             _options(home, app, store))
    assert [r.status for r in outcome.results] == [Status.DONE]
    assert saved_keys(app) == ["U-1"]
    (event,) = _events(home, "case_requeued")
    assert (event["round"], event["state"]) == (1, "pending")
    assert store.items()[0].system_failures == 1


def test_the_last_try_stays_failed(home: Path, tmp_path: Path) -> None:
    """Bounded: after system_failures requeues the case stays failed, for a person."""
    bot = _bot(tmp_path, system_failures=2, system_backoff_s=0, faults=0)
    app, store = Registry(fail=_down(99)), MemoryStore()
    outcome, _, _ = run_file(bot, _csv(tmp_path / "a.csv", [("U-1", "山田 太郎", MY_NUMBER)]),
                             _options(home, app, store))
    assert [r.status for r in outcome.results] == [Status.FAILED]
    assert len(_events(home, "case_requeued")) == 2 and app.saved == []
    assert store.items()[0].system_failures == 2


def test_a_run_does_not_wait_for_a_deferred_case(home: Path, tmp_path: Path) -> None:
    """The run ends at once and reports the case deferred and when; a later worker, once it
    is due, enters it."""
    # An hour's deferral: a run that waited for it would be stopped by the test's timeout.
    bot = _bot(tmp_path, system_failures=1, system_backoff_s=3600, faults=0)
    app, store = Registry(fail=_down(9)), MemoryStore()
    started = time.monotonic()
    outcome, _, _ = run_file(bot, _csv(tmp_path / "a.csv", [("U-1", "山田 太郎", MY_NUMBER)]),
                             _options(home, app, store))
    assert time.monotonic() - started < 600, "the run did not wait for the deferred case"
    assert [r.status for r in outcome.results] == [Status.PENDING]
    assert outcome.meta["deferred"] == 1 and outcome.meta["next_try"]
    assert outcome.exit_code == 2 and app.saved == []
    work_queue(bot, _options(home, app, store))  # not due yet: nothing is entered
    assert store.items()[0].state is Status.PENDING and app.saved == []
    store._items[1].defer_until = datetime.now(UTC) - timedelta(seconds=1)  # an hour on
    work_queue(bot, _options(home, app, store))
    assert store.items()[0].state is Status.DONE and saved_keys(app) == ["U-1"]
    assert batch_outcome(store, 1).meta["deferred"] == 0


def test_a_failure_after_the_save_without_verify_stays_failed(
        home: Path, tmp_path: Path) -> None:
    """A bot that marks no saving click and cannot verify: a system failure may have saved
    the case, so it is not requeued blindly and stays failed for a person."""
    text = BOT.replace(FAST, FAST + ", system_failures: 2, system_backoff_s: 0, faults: 0")
    text = text.replace("{target: form.save, commit: true}", "form.save")
    start, end = text.index("verify:"), text.index("steps:")
    bot = make_bot(tmp_path / "project", text[:start] + text[end:])
    fail: dict[str, list[BaseException]] = {"done.regno": [SystemUnavailable("503")
                                                            for _ in range(20)]}
    app, store = Registry(fail=fail), MemoryStore()
    outcome, _, _ = run_file(bot, _csv(tmp_path / "a.csv", [("U-1", "山田 太郎", MY_NUMBER)]),
                             _options(home, app, store))
    assert [r.status for r in outcome.results] == [Status.FAILED]
    assert _events(home, "case_requeued") == [] and store.items()[0].maybe_saved
