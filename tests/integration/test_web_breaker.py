"""A registry down for the whole run, once the robot has logged in: the run's breaker stops
it after ``retry.breaker`` cases, every case stays queued, nothing is entered; once the
registry is back, ``robot work`` enters every case once (the shipped bot and map, the real
fixture, a real Chromium)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fixtures.legacy_web.process import LegacyWebApp
from robot_core.errors import SystemDown
from robot_core.outcome import Status
from robot_core.queue import open_store
from robot_core.run.session import RunOptions, run_file, work_queue
from robot_core.script.loader import load_bot
from tests.conftest import ROOT, SAMPLE
from tests.integration.test_web_slice import _first_rows, assert_landed_exactly

pytestmark = pytest.mark.browser
SHIPPED = ROOT / "bots" / "resident_registration.yaml"
SHIPPED_RETRY = "retry: {step: 3, case: 5, backoff_s: 0.2, backoff_max_s: 2}"
# Few attempts, so the bound is a small count: 2 cases × (case 2 + faults 2) attempts.
RETRY = "retry: {step: 2, case: 2, faults: 2, breaker: 2, backoff_s: 0.2, backoff_max_s: 0.4}"
KEYS = [f"U2025-000{n}" for n in range(1, 6)]  # the sample's first five rows, all valid


@pytest.mark.timeout(300)
def test_a_registry_down_for_the_run_stops_it_queued_and_a_later_run_enters_each_once(
        robot_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    text = SHIPPED.read_text("utf-8")
    assert SHIPPED_RETRY in text
    bot_path = tmp_path / "bots" / "resident_registration.yaml"
    bot_path.parent.mkdir()
    bot_path.write_text(text.replace(SHIPPED_RETRY, RETRY), "utf-8")
    rows = _first_rows(SAMPLE, tmp_path / "five.xlsx", len(KEYS))
    db = tmp_path / "registry.db"

    with LegacyWebApp(db, down_after_logins=1) as down:  # every page a 503 after the menu
        monkeypatch.setenv("REGISTRY_URL", down.url)
        bot = load_bot(bot_path, ROOT / "selectors", ROOT / "blocks")
        with pytest.raises(SystemDown) as stopped:
            run_file(bot, rows, RunOptions(robot_env))
        assert down.dump() == []
    reason = stopped.value.reason
    assert reason.startswith("registry_web looks down: 2 cases in a row (U2025-0001, "
                             "U2025-0002) failed on SystemUnavailable after 8 attempts")
    assert reason.endswith("5 case(s) stay queued: robot work resident_registration carries "
                           "on once it is back")
    (trail,) = robot_env.glob("runs/*/audit.jsonl")
    events = [json.loads(line) for line in trail.read_text("utf-8").splitlines()]
    started = [e["case"] for e in events if e["event"] == "case_started"]
    assert started == ["U2025-0001"] * 4 + ["U2025-0002"] * 4  # the bound: 2 × (2 + 2)
    (tripped,) = [e for e in events if e["event"] == "breaker_tripped"]
    assert (tripped["app"], tripped["state"], tripped["queued"]) == ("registry_web",
                                                                    "pending", 5)
    store = open_store(robot_env)
    try:
        items = store.items(bot.name)
        assert {i.key: i.state for i in items} == dict.fromkeys(KEYS, Status.PENDING)
        assert all(i.defer_until is None for i in items)
    finally:
        store.close()

    with LegacyWebApp(db) as healthy:
        monkeypatch.setenv("REGISTRY_URL", healthy.url)
        worked, _ = work_queue(bot, RunOptions(robot_env))
        assert worked == len(KEYS)
        assert_landed_exactly(healthy.dump(), set(KEYS))
