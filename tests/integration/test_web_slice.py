"""The web vertical slice against the real fixture registry in a real Chromium."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from fixtures.legacy_web.process import LegacyWebApp
from robot_core.evidence.audit import verify_chain
from robot_core.home import RunPaths
from robot_core.intake import read_cases
from robot_core.outcome import RunOutcome, Status
from robot_core.run.session import RunOptions, run_direct
from robot_core.script.loader import load_bot
from tests.conftest import EXPECTED, ROOT, SAMPLE
from tests.integration.map_copy import selectors_with
from tests.integration.sample_cover import covering_rows, write_rows

pytestmark = pytest.mark.browser
FIELDS = ("case_id", "name", "name_kana", "sex", "birth_date", "postal_code", "address",
          "household_head", "phone", "moved_in", "my_number", "nhi", "remarks")


def run_sample(app: LegacyWebApp, home: Path, monkeypatch: pytest.MonkeyPatch,
               source: Path = SAMPLE, bot_name: str = "resident_registration",
               selectors: Path = ROOT / "selectors",
               bot_file: Path | None = None) -> tuple[RunOutcome, RunPaths]:
    """Run the shipped bot (or ``bot_file``) on ``source`` against ``app`` in this process
    (its maps from ``selectors``, its blocks the shipped ones)."""
    monkeypatch.setenv("REGISTRY_URL", app.url)
    bot = load_bot(bot_file or ROOT / "bots" / f"{bot_name}.yaml", selectors, ROOT / "blocks")
    return run_direct(bot, read_cases(source, bot.input), RunOptions(home))


def assert_landed_exactly(records: list[dict[str, Any]], keys: set[str] | None = None) -> None:
    """Every valid sample case (of ``keys``, if given) is in the registry once, every field
    as expected."""
    counts = Counter(r["case_id"] for r in records)
    assert [k for k, n in counts.items() if n > 1] == []
    by_case = {r["case_id"]: r for r in records}
    expected = {e["case_id"]: e for e in EXPECTED["valid"]
                if keys is None or e["case_id"] in keys}
    assert set(by_case) == set(expected)
    for case_id, want in expected.items():
        got = {f: by_case[case_id][f] for f in FIELDS}
        assert got == {f: want[f] for f in FIELDS}, case_id


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory,
               ) -> Iterator[tuple[LegacyWebApp, RunOutcome, RunPaths]]:
    """The 50-case sample entered once into a fresh registry; shared by the checks below."""
    tmp = tmp_path_factory.mktemp("sample")
    with pytest.MonkeyPatch.context() as monkeypatch, \
            LegacyWebApp(tmp / "registry.db") as app:
        monkeypatch.setenv("REGISTRY_USER", "clerk")
        monkeypatch.setenv("REGISTRY_PASSWORD", "clerk-pass")
        outcome, paths = run_sample(app, tmp / "home", monkeypatch)
        yield app, outcome, paths


def test_sample_lands_exactly(sample_run: tuple[LegacyWebApp, RunOutcome, RunPaths]) -> None:
    """All 46 valid sample cases land field for field; the 4 invalid ones are business failures."""
    app, outcome, paths = sample_run
    assert_landed_exactly(app.dump())
    by_key = {r.key: r for r in outcome.results}
    invalid = {e["case_id"] for e in EXPECTED["invalid"]}
    for key in invalid:
        result = by_key[key]
        assert result.status is Status.BUSINESS_FAILED, key
        assert result.error, key
        assert result.screenshot and (paths.root / result.screenshot).stat().st_size > 1000
    assert {r.key for r in outcome.results if r.status is Status.DONE} == \
        {e["case_id"] for e in EXPECTED["valid"]}
    assert outcome.exit_code == 1
    regnos = {r["case_id"]: r["reg_no"] for r in app.dump()}
    assert all(by_key[k].outputs["registration_number"] == v for k, v in regnos.items())


def test_unknown_postal_code_is_the_legacy_systems_word(
        sample_run: tuple[LegacyWebApp, RunOutcome, RunPaths]) -> None:
    """The postal code only the legacy system rejects fails with its red text, after one try."""
    _, outcome, _ = sample_run
    postal = next(e["case_id"] for e in EXPECTED["invalid"]
                  if e["reason"] == "unknown_postal_code")
    result = next(r for r in outcome.results if r.key == postal)
    assert "郵便番号が存在しません" in result.error
    assert result.attempts == 1
    assert result.error_kind == "BusinessError"


def test_faults_still_land_every_case_exactly_once(registry: Any, robot_env: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    """With 10% HTTP 503s and a session expiring every 20 requests, nothing is lost or doubled
    (the sample's edge-case rows, tests/integration/sample_cover.py: every kind of value)."""
    app = registry(fail_rate=0.1, session_requests=20, seed=7)
    keys = covering_rows()
    source = write_rows(keys, tmp_path / "edge_cases.xlsx")
    outcome, paths = run_sample(app, robot_env, monkeypatch, source=source)
    assert_landed_exactly(app.dump(), set(keys))
    counts = outcome.counts()
    assert counts[Status.DONE] == len([e for e in EXPECTED["valid"] if e["case_id"] in keys])
    assert counts[Status.FAILED] == 0
    events = [json.loads(line) for line in paths.audit.read_text("utf-8").splitlines()]
    recoveries = Counter(e.get("cause") for e in events if e["event"] == "recover")
    assert recoveries["SessionExpired"] > 0 and recoveries["SystemUnavailable"] > 0
    # an expired session sent back to the login form logs in there: no page load for it
    assert 0 < len([e for e in events if e["event"] == "login_on_screen"]) <= \
        recoveries["SessionExpired"]


def test_hung_saves_are_verified_not_retyped(registry: Any, robot_env: Path,
                                             monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    """A save whose answer hangs past the timeout is found by verify, never entered twice."""
    # The map's response timeout tells a hang in 2 s (not a step's 8 s); the fixture's hangs
    # outlast it, so each is a hang to the robot all the same (the work done, the answer late).
    selectors = selectors_with(tmp_path, "registry_web", response_timeout_ms=2000)
    app = registry(hang_rate=0.12, hang_seconds=3, seed=3)
    small = _first_rows(SAMPLE, tmp_path / "twelve.xlsx", 12)
    outcome, paths = run_sample(app, robot_env, monkeypatch, source=small, selectors=selectors)
    records = app.dump()
    assert len(records) == len({r["case_id"] for r in records})
    assert all(r.status is Status.DONE for r in outcome.results
               if r.key in {e["case_id"] for e in EXPECTED["valid"]})
    verified = [json.loads(x) for x in paths.audit.read_text("utf-8").splitlines()
                if '"case_verified"' in x]
    assert verified, "a hang should have sent at least one case through verify"


def test_evidence_is_trustworthy(sample_run: tuple[LegacyWebApp, RunOutcome, RunPaths]) -> None:
    """The audit chain verifies; no password or My Number reaches the audit trail or results."""
    _, outcome, paths = sample_run
    assert verify_chain(paths.audit) is None
    audit = paths.audit.read_text("utf-8")
    secrets = ["clerk-pass"] + [e["my_number"] for e in EXPECTED["valid"]]
    assert [s for s in secrets if s in audit] == []
    book = openpyxl.load_workbook(paths.results)
    cells = [str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row
             if c.value is not None]
    assert [s for s in secrets if any(s in c for c in cells)] == []
    step = next(json.loads(x) for x in audit.splitlines() if '"step"' in x and
                '"target":"form.my_number"' in x)
    assert step["value"] == "********"
    for field in ("run_id", "bot", "case", "step", "action", "target", "attempt",
                  "duration_ms", "outcome"):
        assert field in step
    sheet = book["結果"]
    header = [c.value for c in sheet[1]]
    assert "registration_number" in header and "状態 (status)" in header
    assert sheet.max_row == 51
    assert outcome.run_id in str(paths.root)


def _first_rows(source: Path, target: Path, count: int) -> Path:
    """A copy of the sample with only its first ``count`` cases (title and header kept)."""
    book = openpyxl.load_workbook(source)
    sheet = book.worksheets[0]
    sheet.delete_rows(4 + count, sheet.max_row)
    book.save(target)
    return target
