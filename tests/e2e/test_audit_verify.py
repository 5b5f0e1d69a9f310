"""``robot audit verify`` as an auditor uses it: tampered copies of a run's trail put to it.

Each trail is written by ``AuditTrail`` with the machine's audit key and anchored in the
queue database by ``seal``, exactly as a run ends; then it is tampered with as a person
with access to the run folder (but not to the key or the database) could, and the console
script must name the kind of damage and the first bad line, and exit 1.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from robot_core.evidence.anchor import audit_key, seal
from robot_core.evidence.audit import AuditTrail, line_hash, mac
from robot_core.queue.sqlite import SQLiteStore
from robot_core.vault import key_id, new_key, parse_key

REPO = Path(__file__).resolve().parents[2]
ROBOT = REPO / ".venv" / "bin" / "robot"
RUN = "20251126-010000-demo-0001"
LINES = 10


def env_for(home: Path) -> dict[str, str]:
    """The environment of an auditor's shell: this home, no key in the environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROBOT_")}
    env.update(ROBOT_HOME=str(home), NO_COLOR="1", COLUMNS="300")
    return env


def verify(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``robot audit verify ARGS`` run as a user would."""
    return subprocess.run([str(ROBOT), "audit", "verify", *args], cwd=REPO, env=env_for(home),
                          capture_output=True, text=True, timeout=60)


def write_run(home: Path, run_id: str = RUN, *, keyed: bool = True, anchored: bool = True,
              lines: int = LINES) -> Path:
    """A run's trail of ``lines`` lines, as a run writes and ends it; its path."""
    path = home / "runs" / run_id / "audit.jsonl"
    trail = AuditTrail(path, audit_key(home) if keyed else None, run_id=run_id, bot="demo")
    trail.event("run_started", input="cases.xlsx", cases=lines - 2)
    for n in range(lines - 2):
        trail.event("case_finished", case=f"U{n + 1}", outcome="done", attempts=1)
    trail.event("run_finished", done=lines - 2, exit_code=0)
    if anchored:
        store = SQLiteStore(home / "queue.db")
        try:
            seal(trail, store, run_id, "demo")
        finally:
            store.close()
    trail.close()
    return path


def rows(path: Path) -> list[str]:
    """The trail's lines, each with its newline."""
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def rehash(events: list[dict[str, object]], start: int, key: bytes | None = None) -> list[str]:
    """Lines re-chained from ``start`` (0-based) on, as a tamperer recomputes them: the old
    ``mac`` kept (they have no key), or made with ``key`` (their own)."""
    out, prev = [], str(events[start - 1]["hash"]) if start else "0" * 64
    for n, event in enumerate(events):
        if n >= start:
            body = {k: v for k, v in event.items() if k not in ("hash", "mac")}
            body["prev"] = prev
            digest = line_hash(dict(body))
            body["hash"] = digest
            if key is not None:
                body["mac"] = f"{key_id(key)}:{mac(key, digest)}"
            elif "mac" in event:
                body["mac"] = event["mac"]
            event = body
        prev = str(event["hash"])
        out.append(json.dumps(event, ensure_ascii=False, sort_keys=True,
                              separators=(",", ":")) + "\n")
    return out


def _edit(lines: list[str]) -> list[str]:
    lines[4] = lines[4].replace('"U4"', '"U9"')
    return lines


def _recompute(lines: list[str]) -> list[str]:
    events = [json.loads(line) for line in _edit(lines)]
    return rehash(events, 4)


def _strip_keys(lines: list[str]) -> list[str]:
    events = [{k: v for k, v in json.loads(line).items() if k != "mac"}
              for line in _edit(lines)]
    return rehash(events, 0)


def _own_key(lines: list[str]) -> list[str]:
    events = [json.loads(line) for line in _edit(lines)]
    return rehash(events, 0, parse_key(new_key(), "theirs"))


def _append(lines: list[str]) -> list[str]:
    events = [json.loads(line) for line in lines]
    events.append({"event": "case_finished", "case": "U99", "outcome": "done",
                   "ts": events[-1]["ts"], "hash": "", "prev": ""})
    return rehash(events, len(events) - 1)


TAMPERING: dict[str, tuple[Callable[[list[str]], list[str]], str, str]] = {
    "edit": (_edit, "edited (line 5)", "line 5 was edited"),
    "delete": (lambda ls: ls[:4] + ls[5:], "deleted (line 5)",
               "a line was deleted between lines 4 and 5"),
    "reorder": (lambda ls: ls[:4] + [ls[5], ls[4]] + ls[6:], "reordered (line 5)",
                "line 5 is out of order"),
    "cut tail": (lambda ls: ls[:-2], "cut (line 9)", "the tail was cut"),
    "append": (_append, "appended (line 11)", "line 11 was appended after the run ended"),
    "recompute without the key": (_recompute, "recomputed (line 5)",
                                  "its hash is valid SHA-256 but its HMAC is wrong"),
    "recompute, keys stripped": (_strip_keys, "recomputed (line 1)",
                                 "line 1 carries no key (HMAC)"),
    "recompute with another key": (_own_key, "recomputed (line 1)",
                                   "the chain was recomputed with another key"),
}


def test_an_intact_run_passes(tmp_path: Path) -> None:
    """A run's trail as it ended, keyed and anchored, passes: exit 0, its lines counted."""
    home = tmp_path / "home"
    write_run(home)
    intact = verify(home, RUN)
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert f"✓ {RUN}: intact: {LINES} lines, keyed" in intact.stdout


@pytest.mark.parametrize("kind", list(TAMPERING))
def test_every_tampering_is_named_with_its_first_bad_line(tmp_path: Path, kind: str) -> None:
    """Each way of tampering with the file exits 1 naming its kind and first bad line."""
    home = tmp_path / "home"
    path = write_run(home)
    tamper, head, words = TAMPERING[kind]
    path.write_text("".join(tamper(rows(path))), encoding="utf-8")
    done = verify(home, RUN)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"✗ {RUN}: {head}: " in done.stdout, done.stdout
    assert words in done.stdout, done.stdout
    assert "Traceback" not in done.stderr


def test_a_missing_key_is_a_finding_not_a_pass(tmp_path: Path) -> None:
    """On a machine without the audit key the plain chain is checked and said intact, but
    the run is not passed: a recomputed chain cannot be ruled out. No key is made."""
    home = tmp_path / "home"
    write_run(home)
    (home / "keys" / "audit.key").unlink()
    done = verify(home, RUN)
    assert done.returncode == 1, done.stdout
    assert "key_missing" in done.stdout and "not on this machine" in done.stdout
    assert not (home / "keys" / "audit.key").exists(), "verifying must never make a key"


def test_a_run_without_an_anchor_says_it_did_not_end(tmp_path: Path) -> None:
    """A run that crashed before its anchor: what is there is verified, and it says so."""
    home = tmp_path / "home"
    write_run(home, anchored=False)
    SQLiteStore(home / "queue.db").close()
    done = verify(home, RUN)
    assert done.returncode == 1, done.stdout
    assert "no_anchor" in done.stdout
    assert f"lines 1–{LINES} are intact and keyed" in done.stdout


def test_an_older_unkeyed_run_is_named_and_not_crashed_on(tmp_path: Path) -> None:
    """A trail an older robot wrote (plain chain, no key, no anchor) reads "unkeyed (older
    robot)", exit 0; an edit in it is still found by the plain chain."""
    home = tmp_path / "home"
    path = write_run(home, keyed=False, anchored=False)
    SQLiteStore(home / "queue.db").close()
    done = verify(home, RUN)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "unkeyed (older robot)" in done.stdout
    path.write_text("".join(_edit(rows(path))), encoding="utf-8")
    assert "edited (line 5)" in verify(home, RUN).stdout


def test_all_checks_every_run_and_a_gone_folder(tmp_path: Path) -> None:
    """--all checks each run folder and each anchored run whose folder is gone; exit 1
    when any has a finding, each named on its own line."""
    home = tmp_path / "home"
    write_run(home, "20251126-010000-demo-0001")
    bad = write_run(home, "20251126-020000-demo-0002")
    gone = write_run(home, "20251126-030000-demo-0003")
    bad.write_text("".join(rows(bad)[:-1]), encoding="utf-8")
    gone.unlink()
    gone.parent.rmdir()
    done = verify(home, "--all")
    assert done.returncode == 1, done.stdout
    out = done.stdout
    assert "✓ 20251126-010000-demo-0001: intact" in out
    assert "✗ 20251126-020000-demo-0002: cut (line 10)" in out
    assert "✗ 20251126-030000-demo-0003: missing" in out
    assert "3 run(s) checked, 2 with findings" in out


def test_a_name_that_is_no_run_is_invalid_input(tmp_path: Path) -> None:
    """RUN that names no run is exit 3 with one line; neither RUN nor --all is a usage error."""
    home = tmp_path / "home"
    write_run(home)
    done = verify(home, "no-such-run")
    assert done.returncode == 3 and "no such run" in done.stderr
    assert verify(home).returncode == 2
