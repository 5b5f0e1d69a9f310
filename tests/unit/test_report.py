"""The HTML run report, built from a synthetic audit trail written as a run writes it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from robot_core.errors import ConfigError
from robot_core.evidence.audit import AuditTrail
from robot_core.evidence.report import build_report, chain, shots
from robot_core.evidence.report.read import clean
from robot_core.queue.base import AuditAnchor
from robot_core.vault import key_id, new_key, parse_key

HOSTILE = '</script><script>alert(1)</script><img src=x onerror=alert(2)>\u202eKCAH'


def _png(path: Path, colour: tuple[int, int, int]) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (40, 30), colour).save(path)
    return str(path.relative_to(path.parent.parent))


def _case(audit: AuditTrail, key: str, outcome: str, *, error: str = "", shot: str = "",
          steps: int = 3) -> None:
    audit.event("case_started", case=key, row=4, attempt=1, uncertain=False)
    for n in range(steps):
        last = n == steps - 1 and outcome != "done"
        audit.event("step", case=key, step=f"steps[{n}] fill", action="fill",
                    target="form.name", attempt=1, step_attempt=1, value=f"値{n}",
                    secret=False, matched="label 氏名", duration_ms=12,
                    outcome="business_error" if last else "ok",
                    **({"error": error} if last else {}))
    if shot:
        audit.event("screenshot", case=key, path=shot)
    audit.event("case_finished", case=key, outcome=outcome, attempts=1, duration_ms=900,
                error=error, screenshot=shot, outputs={"registration_number": "R1"}
                if outcome == "done" else {}, verified=False)


def _run(run_dir: Path, *, hostile: bool = False, key: bytes | None = None) -> Path:
    """A run of four cases: two done (one hostile-keyed), a business failure with a
    screenshot, a rejected row; plus a log-in step outside any case."""
    audit = AuditTrail(run_dir / "audit.jsonl", key, run_id=run_dir.name, bot="demo")
    audit.event("run_started", input="cases.xlsx", cases=4)
    audit.event("session_started", driver="web", app="demo")
    audit.event("step", case="", step="setup[0] goto", action="goto", target="", attempt=1,
                step_attempt=1, value="", secret=False, matched="", outcome="ok",
                duration_ms=40)
    _case(audit, "U1", "done")
    _case(audit, HOSTILE if hostile else "U2", "done")
    shot = _png(run_dir / "screenshots" / "U3-a1-BusinessError.png", (200, 30, 30))
    _case(audit, "U3", "business_failed", error="郵便番号が見つかりません", shot=shot)
    audit.event("case_rejected", case="U4", row=7, error="生年月日: not a date", screenshot="")
    audit.event("run_finished", done=2, business_failed=2, failed=0, pending=0, exit_code=1,
                results=str(run_dir / "results.xlsx"))
    audit.close()
    return run_dir


def _data(html: str) -> dict[str, Any]:
    block = re.search(r'<script type="application/json" id="report-data">(.*?)</script>',
                      html, re.S)
    assert block is not None
    return dict(json.loads(block.group(1)))


def _count(html: str, status: str) -> int:
    found = re.search(rf'id="count-{status}">(\d+)<', html)
    assert found is not None, status
    return int(found.group(1))


def test_counts_and_cases_match_the_run(tmp_path: Path) -> None:
    """The summary's counts are the run's; every case is listed with status, steps, outputs."""
    html = build_report(_run(tmp_path / "run-1")).read_text(encoding="utf-8")
    assert (_count(html, "done"), _count(html, "business_failed"), _count(html, "failed"),
            _count(html, "pending")) == (2, 2, 0, 0)
    assert html.startswith('<!DOCTYPE html>\n<html lang="ja">')
    data = _data(html)
    cases = {c[0]: c for c in data["cases"]}
    assert {k: c[1] for k, c in cases.items()} == {
        "U1": "done", "U2": "done", "U3": "business_failed", "U4": "business_failed"}
    assert cases["U1"][6] == [["registration_number", "R1"]]
    assert [data["strings"][r[8]] for r in cases["U3"][10]] == ["ok", "ok", "business_error"]
    assert data["strings"][cases["U3"][10][-1][9]] == "郵便番号が見つかりません"
    assert len(data["session"]) == 1  # the log-in step belongs to no case
    assert "1 — 要確認のデータあり" in html and "robot queue retry" not in html
    assert "results.xlsx の「要確認（データ）」の行" in html  # what staff do next


def test_hostile_keys_cannot_become_markup(tmp_path: Path) -> None:
    """A key holding ``</script>``, an ``<img onerror>`` and a bidi override stays data."""
    html = build_report(_run(tmp_path / "run-2", hostile=True)).read_text(encoding="utf-8")
    assert html.count("<script") == 2  # the data block and the page's own script
    assert "<img" not in html and "</script><script>" not in html
    assert "\u202e" not in html
    keys = [c[0] for c in _data(html)["cases"]]
    assert clean(HOSTILE) in keys and "⟨U+202E⟩KCAH" in clean(HOSTILE)
    assert "innerHTML" not in html and "insertAdjacentHTML" not in html


def test_a_failures_screenshot_is_inlined_and_a_stray_path_is_not_read(tmp_path: Path) -> None:
    """The failure's PNG is in the page as a data: URI; a path outside screenshots/ is ignored."""
    run_dir = _run(tmp_path / "run-3")
    html = build_report(run_dir).read_text(encoding="utf-8")
    data = _data(html)
    u3 = next(c for c in data["cases"] if c[0] == "U3")
    picture = data["shots"][u3[7]]
    assert picture["inline"] and picture["src"].startswith("data:image/png;base64,iVBORw0KGgo")
    assert picture["href"] == "screenshots/U3-a1-BusinessError.png"
    table = shots.Shots(run_dir)
    assert table.add("../run-3/audit.jsonl", inline=True) is None
    assert table.add("/etc/passwd", inline=True) is None


def test_the_inline_budget_links_what_does_not_fit(tmp_path: Path) -> None:
    """Past the budget a failure's screenshot is linked beside the report, not inlined."""
    run_dir = _run(tmp_path / "run-4")
    table = shots.Shots(run_dir, budget=10)
    index = table.add("screenshots/U3-a1-BusinessError.png", inline=True)
    assert index is not None
    assert table.table[index] == {"href": "screenshots/U3-a1-BusinessError.png",
                                  "src": "screenshots/U3-a1-BusinessError.png",
                                  "inline": False}


@pytest.mark.parametrize("parallel", [False, True])
def test_a_broken_chain_is_reported_with_its_line(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  parallel: bool) -> None:
    """A keyed, anchored run reads "intact"; an edited line shows as "line 5 was edited",
    whether checked here or in a second process (as on a big night), which gets the key
    and anchor too."""
    if parallel:
        monkeypatch.setattr(chain, "PARALLEL_FROM", 0)
    key = parse_key(new_key(), "test")
    run_dir = _run(tmp_path / "run-5", key=key)
    anchor = _anchor(run_dir, key)
    html = build_report(run_dir, key, anchor).read_text(encoding="utf-8")
    assert "改ざんなし (intact)" in html and 'data-kind="intact"' in html
    audit = run_dir / "audit.jsonl"
    lines = audit.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[4] = lines[4].replace("値0", "値X")  # U1's first step
    audit.write_text("".join(lines), encoding="utf-8")
    html = build_report(run_dir, key, anchor).read_text(encoding="utf-8")
    assert "line 5 was edited" in html and "改ざんなし" not in html


def test_an_older_unkeyed_run_says_so(tmp_path: Path) -> None:
    """A trail an older robot wrote (no keys, no anchor) reads "unkeyed (older robot)"."""
    html = build_report(_run(tmp_path / "run-7")).read_text(encoding="utf-8")
    assert "unkeyed (older robot)" in html and 'data-kind="unkeyed"' in html


def _anchor(run_dir: Path, key: bytes) -> AuditAnchor:
    lines = (run_dir / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    return AuditAnchor(run_dir.name, "demo", len(lines), json.loads(lines[-1])["hash"],
                       key_id(key))


def test_a_run_cut_short_is_counted_from_its_cases(tmp_path: Path) -> None:
    """Without run_finished the counts come from the cases, and one the run stopped inside
    is listed as unfinished, with the exit code not recorded."""
    run_dir = tmp_path / "run-6"
    audit = AuditTrail(run_dir / "audit.jsonl", run_id="run-6", bot="demo")
    _case(audit, "U1", "done")
    audit.event("case_started", case="U2", row=5, attempt=1, uncertain=False)
    audit.close()
    html = build_report(run_dir).read_text(encoding="utf-8")
    assert _count(html, "done") == 1 and _count(html, "unfinished") == 1
    assert "the run did not finish" in html
    assert "robot work demo" in html


def test_a_folder_without_an_audit_trail_is_refused(tmp_path: Path) -> None:
    """build_report on a folder that is not a run says so (ConfigError: exit 3 in the CLI)."""
    with pytest.raises(ConfigError, match=r"no audit\.jsonl"):
        build_report(tmp_path)
