"""Two robot machines share one PostgreSQL queue: every case entered once, by one of them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from fixtures.pg_server import PostgresServer
from robot_core.outcome import Status
from robot_core.queue.postgres import PostgresStore
from robot_core.vault import new_key
from tests.conftest import EXPECTED, ROOT
from tests.integration.sample_cover import covering_rows, write_rows

pytestmark = pytest.mark.browser
ROBOT = Path(sys.executable).parent / "robot"


@pytest.mark.timeout(600)
def test_two_machines_share_one_postgres_queue(registry: Any, robot_env: Path, tmp_path: Path,
                                               pg_server: PostgresServer) -> None:
    """``robot run`` on one machine queues the sample's edge-case rows
    (tests/integration/sample_cover.py) and starts; ``robot work`` on a second
    (its own ROBOT_HOME, its own browser) joins in. The registry ends with every valid case
    exactly once, both machines entered some, and ``robot queue`` on either sees it all."""
    app = registry(latency_ms=60)
    keys = covering_rows()
    valid = [e["case_id"] for e in EXPECTED["valid"] if e["case_id"] in keys]
    source = write_rows(keys, tmp_path / "edge_cases.xlsx")
    url = pg_server.new_database()
    # Every machine sharing a queue holds the same key (docs/operations.md).
    base = {**os.environ, "REGISTRY_URL": app.url, "ROBOT_DB": url, "ROBOT_KEY": new_key()}
    machines = {name: {**base, "ROBOT_HOME": str(tmp_path / name)} for name in ("a", "b")}

    first = subprocess.Popen([str(ROBOT), "run", "resident_registration", "--input",
                              str(source)], env=machines["a"], cwd=ROOT, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert first.stdout is not None
    line = ""
    while " done " not in line:  # the batch is queued and machine a is entering cases
        line = first.stdout.readline()
        assert line, "robot run ended before its first case"
    second = _robot("work", "resident_registration", env=machines["b"])
    _, err_a = first.communicate(timeout=500)
    # 1: business failures (the 4 invalid rows); 2 if machine b still held a case when a
    # wrote its results. What counts is the queue and the registry, checked below.
    assert first.returncode in (1, 2), err_a
    assert second.returncode in (0, 1), second.stderr

    records = app.dump()
    landed = Counter(r["case_id"] for r in records)
    assert landed == Counter(valid), "each valid case once"

    store = PostgresStore(url)
    try:
        items = store.items("resident_registration")
    finally:
        store.close()
    assert len(items) == len(keys) and all(i.state.final for i in items)
    assert Counter(i.state for i in items) == {Status.DONE: len(valid),
                                               Status.BUSINESS_FAILED: len(keys) - len(valid)}
    regno = {r["case_id"]: r["reg_no"] for r in records}
    assert all(i.outputs["registration_number"] == regno[i.key] for i in items
               if i.state is Status.DONE)

    entered_by = {name: sum(1 for e in _audit_events(tmp_path / name) if e.get("event") ==
                            "case_finished" and e.get("outcome") == "done") for name in "ab"}
    assert entered_by["a"] > 0 and entered_by["b"] > 0, entered_by
    assert entered_by["a"] + entered_by["b"] == len(valid)

    status = _robot("queue", "status", env=machines["b"])
    assert status.returncode == 0 and source.name in status.stdout, status.stderr
    target = tmp_path / "export.xlsx"
    exported = _robot("queue", "export", "--batch", "1", str(target), env=machines["b"])
    assert exported.returncode == 0, exported.stderr
    sheet = openpyxl.load_workbook(target)["結果"]
    header = [c.value for c in sheet[1]]
    statuses = Counter(row[header.index("状態 (status)")].value
                       for row in sheet.iter_rows(min_row=2))
    assert sum(statuses.values()) == len(keys)
    assert sum(n for s, n in statuses.items() if s.endswith("(done)")) == len(valid)


def _robot(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ROBOT), *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=500, check=False)


def _audit_events(home: Path) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for trail in home.glob("runs/*/audit.jsonl"):
        events += [json.loads(line) for line in trail.read_text("utf-8").splitlines() if line]
    return events
