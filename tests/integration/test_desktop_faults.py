"""The ledger client under real Xvfb, killed between fill and commit, restarted with an empty
``setup``, and checked with ``expect`` before and after its saving click.

Each test runs the real ``robot run`` on a copy of the shipped project with the client's
fault switches (``--die-after-pastes``, ``--no-login``, ``--confirm-other-name``); what
landed is read from the client's own database and compared with the export, field by field.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.desktop_env import client_pids, dump, xvfb
from tests.integration.test_desktop import assert_landed_exactly, sample_keys
from tests.integration.test_desktop_program import project, run_robot

#: Before the saving click: the name field reads back as typed, the form has the keyboard.
#: After it: the name 登録完了 shows is the case's name.
EXPECTS = {
    '  - fill: {target: form.remarks, value: "{{ case.remarks }}"}\n':
        '  - fill: {target: form.remarks, value: "{{ case.remarks }}"}\n'
        '  - expect: {target: form.name, equals: "{{ case.name }}"}\n'
        "  - expect: {window_title: true, equals: 台帳登録}\n",
    "  - extract: {target: done.dialog, into: ledger_number, pattern: 'LD-\\d{6}'}\n":
        "  - extract: {target: done.dialog, into: ledger_number, pattern: 'LD-\\d{6}'}\n"
        "  - extract: {target: done.dialog, into: shown_name, pattern: '氏名：(.+)'}\n"
        '  - expect: {output: shown_name, equals: "{{ case.name }}"}\n',
}


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    """A fresh Xvfb for this module."""
    with xvfb() as name:
        yield name


def _section(bot: Path, name: str, following: str, new: str) -> None:
    """Replace the bot's top-level ``name:`` section (up to ``following:``) with ``new``."""
    text = bot.read_text("utf-8")
    start, end = text.index(f"\n{name}:"), text.index(f"\n{following}:")
    bot.write_text(text[:start] + new + text[end:], "utf-8")


def test_a_client_killed_between_fill_and_commit_lands_each_case_once(
        display: str, tmp_path: Path) -> None:
    """SIGKILL on the 5th paste (mid-form, before 保存): the client is restarted and
    logged into, the case typed again, and every case lands exactly once, field by field."""
    root = project(tmp_path, switches=["--die-after-pastes", "5"])
    run = run_robot(tmp_path, display, root, 1)
    valid, _ = sample_keys(1)
    assert run.code == 2, run.output  # --limit leaves the rest of the file pending
    assert (tmp_path / "ledger.db.died").exists(), "the client was never killed"
    assert_landed_exactly(dump(tmp_path / "ledger.db"), valid)
    (first,) = valid
    assert run.finished()[first]["attempts"] == 2
    assert all(run.finished()[k]["outcome"] == "done" for k in valid)
    assert run.of("program_restarted"), run.of("recover")
    assert any("signal 9" in e["error"] for e in run.of("recover")), run.of("recover")
    assert client_pids(tmp_path / "ledger.db") == []


def test_a_dead_client_is_restarted_with_an_empty_setup(display: str, tmp_path: Path) -> None:
    """A client that needs no login (``setup: []``) killed mid-form is started again anyway
    before the next step; the case is typed again and every case lands once."""
    root = project(tmp_path, switches=["--die-after-pastes", "5", "--no-login"])
    mapping = root / "selectors/ledger_desktop.yaml"
    text = mapping.read_text("utf-8")
    mapping.write_text(text.replace("ready: ログイン - 台帳管理システム",
                                    "ready: 台帳管理システム"), "utf-8")
    bot = root / "bots/ledger_entry.yaml"
    _section(bot, "setup", "verify", "\nsetup: []\n")
    _section(bot, "recover", "watch", "\nrecover:\n  - goto: 台帳管理システム\n")
    run = run_robot(tmp_path, display, root, 1)
    valid, _ = sample_keys(1)
    assert run.code == 2, run.output
    assert (tmp_path / "ledger.db.died").exists(), "the client was never killed"
    assert_landed_exactly(dump(tmp_path / "ledger.db"), valid)
    assert all(run.finished()[k]["outcome"] == "done" for k in valid)
    assert len(run.of("program_restarted")) == 1, run.of("recover")


def test_expect_reads_back_a_field_the_window_title_and_the_confirmation(
        display: str, tmp_path: Path) -> None:
    """Before 保存 the name field and the focused window's title are read back; after it
    the name 登録完了 shows: all as the case says, the case is done and lands once."""
    root = project(tmp_path, switches=[], bot_edit=EXPECTS)
    run = run_robot(tmp_path, display, root, 1)
    valid, _ = sample_keys(1)
    assert run.code == 2, run.output
    assert_landed_exactly(dump(tmp_path / "ledger.db"), valid)
    (key,) = valid
    assert run.finished()[key]["outcome"] == "done"
    expects = [e for e in run.of("step") if e["action"] == "expect"]
    assert [(e["outcome"], e["matched"]) for e in expects] == [("ok", "as expected")] * 3
    assert expects[1]["value"] == "台帳登録"


def test_a_confirmation_showing_another_name_is_a_mismatch(display: str,
                                                           tmp_path: Path) -> None:
    """登録完了 shows another name than the case's: the case ends ``mismatch`` (never
    ``done``), is not typed again, and the ledger holds exactly one record of it."""
    root = project(tmp_path, switches=["--confirm-other-name"], bot_edit=EXPECTS)
    run = run_robot(tmp_path, display, root, 1)
    valid, _ = sample_keys(1)
    (key,) = valid
    result = run.finished()[key]
    assert result["outcome"] == "mismatch", run.output
    assert result["attempts"] == 1
    assert "saved, but" in result["error"] and "shown_name" in result["error"]
    assert [r["case_id"] for r in dump(tmp_path / "ledger.db")] == [key]
    assert run.of("case_verified") == []
