"""The audit key: found as the queue key is, by names of its own, and never made by a check."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from robot_core.evidence.anchor import audit_key, checking_key
from robot_core.vault import AUDIT, QUEUE, VaultError, load_key, new_key, parse_key


def test_the_audit_key_is_its_own_file_and_a_check_never_makes_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Checking finds no key where none is (and makes none); writing makes keys/audit.key
    (0600), apart from the queue key; checking then finds that same key."""
    monkeypatch.delenv("ROBOT_AUDIT_KEY", raising=False)
    monkeypatch.delenv("ROBOT_KEY", raising=False)
    assert checking_key(tmp_path) is None
    assert not (tmp_path / "keys").exists()
    made = audit_key(tmp_path)
    path = tmp_path / "keys" / "audit.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert checking_key(tmp_path) == made
    assert load_key(tmp_path, QUEUE)[0] != made, "the queue key is another key"
    assert sorted(p.name for p in (tmp_path / "keys").iterdir()) == ["audit.key", "queue.key"]


def test_robot_audit_key_wins_and_is_named_when_malformed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ROBOT_AUDIT_KEY is used before any file; a malformed one is refused by its name."""
    text = new_key()
    monkeypatch.setenv("ROBOT_AUDIT_KEY", text)
    assert load_key(tmp_path, AUDIT) == (parse_key(text, "x"), "ROBOT_AUDIT_KEY")
    monkeypatch.setenv("ROBOT_AUDIT_KEY", "nope")
    with pytest.raises(VaultError, match="ROBOT_AUDIT_KEY is not a robot key"):
        checking_key(tmp_path)


def test_an_audit_key_file_others_can_read_is_refused(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A 0644 audit key file is refused naming it as the audit key, not used."""
    monkeypatch.delenv("ROBOT_AUDIT_KEY", raising=False)
    path = tmp_path / "keys" / "audit.key"
    path.parent.mkdir()
    path.write_text(new_key())
    path.chmod(0o644)
    with pytest.raises(VaultError, match=r"the audit key is readable by other users"):
        checking_key(tmp_path)
