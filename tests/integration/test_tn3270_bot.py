"""The 3270 bot as a user runs it: `robot run` through s3270 into the fixture TN3270 host.

What landed is read from the host's own database (its ``dump``), never from statuses alone.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fixtures.legacy_tn3270.process import LegacyTn3270Host
from robot_core.outcome import Status
from robot_core.queue.sqlite import SQLiteStore
from tests.conftest import EXPECTED, ROOT
from tests.integration.sample_cover import covering_rows, write_rows

ROBOT = Path(sys.executable).parent / "robot"
BOT = "resident_registration_3270"
FIELDS = ("case_id", "name", "name_kana", "sex", "birth_date", "postal_code", "address",
          "household_head", "phone", "moved_in", "my_number", "nhi", "remarks")


@pytest.fixture
def host(tmp_path: Path) -> Iterator[Callable[..., LegacyTn3270Host]]:
    """Start the 3270 fixture host with the given fault switches; stopped after the test."""
    started: list[LegacyTn3270Host] = []

    def start(**switches: Any) -> LegacyTn3270Host:
        app = LegacyTn3270Host(tmp_path / f"host{len(started)}.db", **switches)
        started.append(app.__enter__())
        return app

    yield start
    for app in started:
        app.stop()


def _robot(args: list[str], home: Path, app: LegacyTn3270Host,
           crash: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **app.env(), "ROBOT_HOME": str(home), "ROBOT_PROJECT": str(ROOT),
           "ROBOT_LEASE_S": "30"}
    if crash:
        env["ROBOT_CRASH_AT"] = crash
    return subprocess.run([str(ROBOT), *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=600, check=False)


def _cases(tmp_path: Path, count: int, seed: int) -> tuple[Path, list[dict[str, Any]]]:
    out, expected = tmp_path / "cases.xlsx", tmp_path / "cases.json"
    subprocess.run([sys.executable, "-m", "fixtures.cases.generate", "--count", str(count),
                    "--seed", str(seed), "--invalid", "0", "--out", str(out), "--expected",
                    str(expected)], check=True, cwd=ROOT, capture_output=True)
    valid: list[dict[str, Any]] = json.loads(expected.read_text("utf-8"))["valid"]
    return out, valid


def _exactly_once(app: LegacyTn3270Host, valid: list[dict[str, Any]]) -> list[dict[str, Any]]:
    records = app.dump()
    counts = Counter(r["case_id"] for r in records)
    assert [k for k, n in counts.items() if n > 1] == []
    assert set(counts) == {e["case_id"] for e in valid}
    by_case = {r["case_id"]: r for r in records}
    for want in valid:
        assert {k: by_case[want["case_id"]][k] for k in FIELDS} == want
    return records


def test_sample_lands_exactly_through_3270_with_text_screen_evidence(
        host: Callable[..., LegacyTn3270Host], tmp_path: Path) -> None:
    """Each kind of sample value lands field for field in kanji over EBCDIC 939; invalid fail."""
    app = host()
    keys = covering_rows()  # every kind of value of the sample (tests/integration/sample_cover.py)
    valid = [e for e in EXPECTED["valid"] if e["case_id"] in keys]
    source = write_rows(keys, tmp_path / "edge_cases.xlsx")
    done = _robot(["run", BOT, "--input", str(source)], tmp_path / "home", app)
    assert done.returncode == 1, done.stderr[-2000:]  # the sample has invalid rows on purpose
    records = _exactly_once(app, valid)
    assert any("\u3000" in r["name"] for r in records)
    store = SQLiteStore(tmp_path / "home" / "queue.db")
    items = {i.key: i for i in store.items(BOT)}
    store.close()
    assert {i.outputs["registration_number"] for i in items.values() if i.outputs} == \
        {r["reg_no"] for r in records}
    bad = {e["case_id"] for e in EXPECTED["invalid"]}
    assert {k for k, i in items.items() if i.state is Status.BUSINESS_FAILED} == bad
    postal = items["U2025-0044"]  # passes intake, refused by the host: the screen is evidence
    assert "郵便番号が存在しません" in postal.error
    shots = list((tmp_path / "home").rglob("U2025-0044-*BusinessError.txt"))
    assert shots, "a text screen beside the PNG"
    screen = shots[0].read_text("utf-8")
    assert "郵便番号が存在しません。" in screen and "JUMIN10" in screen
    assert "井上　哲也" in screen  # what was typed stays on the host's screen
    assert "個人番号          ************" in screen  # the non-display field, masked
    texts = [p.read_text("utf-8") for p in (tmp_path / "home").rglob("*.txt")]
    assert [e["case_id"] for e in valid for t in texts if e["my_number"] in t] == []
    assert shots[0].with_suffix(".png").read_bytes()[:4] == b"\x89PNG"


def test_dropped_lines_and_expired_sessions_land_every_case_once(
        host: Callable[..., LegacyTn3270Host], tmp_path: Path) -> None:
    """A 3270 host that hangs up and expires sign-ons still gets each valid case once."""
    app = host(drop_rate=0.06, session_keys=9, latency_ms=20, seed=5)
    out, valid = _cases(tmp_path, 12, seed=17)
    done = _robot(["run", BOT, "--input", str(out)], tmp_path / "home", app)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    _exactly_once(app, valid)
    audit = "".join(p.read_text("utf-8") for p in (tmp_path / "home").rglob("audit.jsonl"))
    assert "SystemUnavailable" in audit and "SessionExpired" in audit


def test_kill_nine_after_the_saving_enter_is_resolved_by_verify(
        host: Callable[..., LegacyTn3270Host], tmp_path: Path) -> None:
    """SIGKILL right after the saving Enter, before the queue hears; verify finds the case."""
    app = host()
    source, valid = _cases(tmp_path, 4, seed=23)
    home = tmp_path / "home"
    first = _robot(["run", BOT, "--input", str(source)], home, app, "step:steps[25] wait_for@2")
    assert first.returncode == -signal.SIGKILL, first.stderr[-2000:]
    final = _robot(["work", BOT], home, app)
    assert final.returncode == 0, final.stdout[-3000:] + final.stderr[-2000:]
    records = _exactly_once(app, valid)
    store = SQLiteStore(home / "queue.db")
    items = store.items(BOT)
    store.close()
    assert all(i.state is Status.DONE for i in items)
    assert any(i.was_uncertain for i in items), "a kill after the saving Enter leaves one"
    assert {i.outputs["registration_number"] for i in items} == {r["reg_no"] for r in records}
