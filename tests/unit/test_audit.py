"""The audit trail: JSON lines, masked secrets, and a hash chain that shows tampering."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from helpers import MY_NUMBER

from robot_core.evidence.audit import GENESIS, AuditTrail, SecretMasker, verify_chain
from robot_core.vault import MASK

PASSWORD = "s3cret-Pa55"


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _trail(path: Path, count: int = 5) -> Path:
    """An audit file of ``count`` events."""
    audit = AuditTrail(path, run_id="run-1", bot="demo")
    for i in range(count):
        audit.event("step", step=f"steps[{i}] fill", value=f"値{i}", attempt=1)
    audit.close()
    return path


def test_one_json_line_per_event(tmp_path: Path) -> None:
    """Each event is one JSON line with ts, event, the bound context and the chain fields."""
    path = tmp_path / "runs" / "r" / "audit.jsonl"
    audit = AuditTrail(path, run_id="run-1", bot="demo")
    audit.event("run_started", cases=3)
    audit.event("case_started", case="U1", row=4)
    audit.close()
    first, second = _lines(path)
    assert first["event"] == "run_started"
    assert (first["run_id"], first["bot"], first["cases"]) == ("run-1", "demo", 3)
    assert (second["event"], second["case"], second["row"]) == ("case_started", "U1", 4)
    assert second["run_id"] == "run-1"
    stamp = datetime.fromisoformat(first["ts"])
    assert stamp.tzinfo is not None
    assert first["prev"] == GENESIS
    assert second["prev"] == first["hash"]
    assert len(first["hash"]) == 64
    assert path.read_text(encoding="utf-8").count("\n") == 2


def test_japanese_is_written_as_text(tmp_path: Path) -> None:
    """Non-ASCII values are written as UTF-8 text, not \\u escapes."""
    path = tmp_path / "audit.jsonl"
    audit = AuditTrail(path, run_id="r", bot="demo")
    audit.event("step", value="山田　太郎")
    audit.close()
    assert "山田　太郎" in path.read_text(encoding="utf-8")


def test_known_secret_never_written(tmp_path: Path) -> None:
    """A value added to the masker is replaced wherever it appears in a string field."""
    path = tmp_path / "audit.jsonl"
    audit = AuditTrail(path, run_id="r", bot="demo")
    audit.masker.add([PASSWORD, MY_NUMBER])
    audit.event("step", value=PASSWORD, target="login.password")
    audit.event("case_finished", error=f"番号 {MY_NUMBER} は登録済み ({PASSWORD})")
    audit.event(f"odd {PASSWORD}")
    audit.close()
    raw = path.read_bytes()
    assert PASSWORD.encode() not in raw
    assert MY_NUMBER.encode() not in raw
    lines = _lines(path)
    assert lines[0]["value"] == MASK
    assert lines[1]["error"] == f"番号 {MASK} は登録済み ({MASK})"
    assert verify_chain(path) is None


def test_secret_in_nested_fields_never_written(tmp_path: Path) -> None:
    """A known secret inside a dict or list field (outputs, lists) is masked too."""
    path = tmp_path / "audit.jsonl"
    audit = AuditTrail(path, run_id="r", bot="demo")
    audit.masker.add([MY_NUMBER])
    audit.event("case_finished", outputs={"my_number": MY_NUMBER}, seen=[f"no {MY_NUMBER}"])
    audit.close()
    assert MY_NUMBER.encode() not in path.read_bytes()


def test_secret_step_value_masked(tmp_path: Path) -> None:
    """A step event with secret=True has its value masked and no ``secret`` field."""
    path = tmp_path / "audit.jsonl"
    audit = AuditTrail(path, run_id="r", bot="demo")
    audit.event("step", step="steps[14] fill", value="999988887777", secret=True)
    audit.event("step", step="steps[15] fill", value="visible", secret=False)
    audit.event("step", step="steps[16] click", value="", secret=True)
    audit.close()
    first, second, third = _lines(path)
    assert first["value"] == MASK
    assert "secret" not in first
    assert b"999988887777" not in path.read_bytes()
    assert second["value"] == "visible"
    assert third["value"] == ""


def test_short_values_not_treated_as_secrets() -> None:
    """Values under 4 characters are ignored so that common text is not masked."""
    masker = SecretMasker()
    masker.add(["abc", "", "abcd"])
    assert masker.mask("abc abcd") == f"abc {MASK}"


def test_longest_secret_masked_first() -> None:
    """Overlapping secrets are masked longest first, so no fragment of the long one remains."""
    masker = SecretMasker()
    masker.add(["1234", "12345678"])
    assert masker.mask("x12345678y") == f"x{MASK}y"


@pytest.mark.parametrize("count", [3, 5_000])
def test_a_long_night_of_secrets_masks_like_a_short_one(count: int) -> None:
    """With a secret per case (thousands), every one is still masked, longest first, and
    text around and between them is kept: both ways of looking give the same answer."""
    masker = SecretMasker()
    numbers = [f"{n:012d}" for n in range(100_000_000_000, 100_000_000_000 + count)]
    masker.add([*numbers, "pass-word", "pass-word-long"])
    last = numbers[-1]
    text = f"番号{numbers[0]}と{last}{last}; pass-word-long / pass-word 1000000"
    assert masker.mask(text) == f"番号{MASK}と{MASK}{MASK}; {MASK} / {MASK} 1000000"
    assert masker.mask("99" + last[:-1]) == "99" + last[:-1], "a part of a secret is no secret"
    assert masker.mask("abc") == "abc"


def test_intact_chain_verifies(tmp_path: Path) -> None:
    """An untouched audit file verifies."""
    assert verify_chain(_trail(tmp_path / "audit.jsonl")) is None


def test_empty_file_verifies(tmp_path: Path) -> None:
    """An empty audit file has nothing to contradict."""
    path = tmp_path / "audit.jsonl"
    path.write_text("", encoding="utf-8")
    assert verify_chain(path) is None


def _edit(lines: list[str], index: int) -> list[str]:
    event = json.loads(lines[index])
    event["value"] = "tampered"
    return [*lines[:index], json.dumps(event, ensure_ascii=False) + "\n", *lines[index + 1:]]


@pytest.mark.parametrize(("change", "bad_line"), [
    pytest.param(lambda lines: _edit(lines, 2), 3, id="edit_line_3"),
    pytest.param(lambda lines: _edit(lines, 0), 1, id="edit_first_line"),
    pytest.param(lambda lines: [*lines[:1], *lines[2:]], 2, id="delete_line_2"),
    pytest.param(lambda lines: lines[1:], 1, id="delete_first_line"),
    pytest.param(lambda lines: [lines[0], lines[2], lines[1], *lines[3:]], 2, id="swap_2_3"),
    pytest.param(lambda lines: [*lines[:3], "not json\n", *lines[3:]], 4, id="insert_garbage"),
    pytest.param(lambda lines: [*lines[:4], lines[3]], 5, id="duplicate_line_4"),
    pytest.param(lambda lines: [*lines[:1], lines[1].replace('"hash":"', '"hash":"0'), *lines[2:]],
                 2, id="forge_hash"),
])
def test_tampering_found_at_the_right_line(tmp_path: Path, change: Any, bad_line: int) -> None:
    """Editing, deleting, reordering or inserting lines is reported at the first bad line."""
    path = _trail(tmp_path / "audit.jsonl")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(change(lines)), encoding="utf-8")
    assert verify_chain(path) == bad_line


def test_reopened_trail_continues_the_chain(tmp_path: Path) -> None:
    """A trail reopened on an existing file links its first new line to the last old one."""
    path = _trail(tmp_path / "audit.jsonl", count=2)
    audit = AuditTrail(path, run_id="run-1", bot="demo")
    audit.event("resumed")
    audit.close()
    lines = _lines(path)
    assert len(lines) == 3
    assert lines[2]["prev"] == lines[1]["hash"]
    assert verify_chain(path) is None


def test_separate_trails_do_not_share_a_chain(tmp_path: Path) -> None:
    """A new file starts from the genesis hash even after another trail was written."""
    _trail(tmp_path / "a.jsonl", count=2)
    other = _trail(tmp_path / "b.jsonl", count=1)
    assert _lines(other)[0]["prev"] == GENESIS
