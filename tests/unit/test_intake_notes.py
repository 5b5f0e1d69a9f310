"""The daemon says at queue time which rows of a file will fail, by row and column."""

from __future__ import annotations

import shutil

import pytest
import test_receive_once as receiving
from helpers import SAMPLE_XLSX

from robot_core.daemon.context import RunContext
from robot_core.daemon.receive import Receiver
from robot_core.intake import read_cases
from robot_core.vault import new_key

CSV_HEADER = ("受付番号,氏名,フリガナ,性別,生年月日,郵便番号,住所,世帯主,電話番号,転入日,個人番号,"
              "国保加入,備考")
ctx, paths = receiving.ctx, receiving.paths  # a run context over a real queue and ledger


def test_a_queued_file_gets_a_note_naming_the_rows_that_will_fail(
        ctx: RunContext, monkeypatch: pytest.MonkeyPatch) -> None:
    """Taking the sample in writes outbox/sample_queued.txt and the ledger note at once:
    each rejected row by number and column, and none of the file's values."""
    monkeypatch.setenv("ROBOT_KEY", new_key())
    source = ctx.paths.inbox / "sample.xlsx"
    shutil.copy(SAMPLE_XLSX, source)
    bad = [c for c in read_cases(source, ctx.bot.input).rows if c.problems]
    entry = Receiver(ctx).receive(source)
    named = ", ".join(f"row {c.row_number} {c.problems[0].column}" for c in bad)
    expected = f"batch 1: 50 new, 0 already queued ({len(bad)} will fail: {named})"
    assert entry.state == "queued" and entry.note == expected
    note = (ctx.paths.outbox / "sample_queued.txt").read_text(encoding="utf-8")
    assert expected in note
    for case in bad:
        assert not any(str(v) in note for v in case.raw.values() if v not in (None, ""))
    (queued,) = [f for name, f in ctx.events.events if name == "intake_queued"]  # type: ignore[attr-defined]
    assert queued["summary"] == expected and queued["will_fail"] == len(bad)


def test_a_queued_csv_gets_the_same_note(ctx: RunContext, monkeypatch: pytest.MonkeyPatch,
                                         ) -> None:
    """A .csv export is named row by row and column by column in its delivery note too."""
    monkeypatch.setenv("ROBOT_KEY", new_key())
    source = ctx.paths.inbox / "export.csv"
    rows = [f"{key},山田　太郎,{kana},男,1980/01/02,0481501,北海道虻田郡みらい町栄町1丁目,,"
            f"0142-55-1234,2025/07/01,{number},○," for key, kana, number in (
                ("U1", "ヤマダ　タロウ", "735658332945"), ("U2", "yamada", "735658332945"),
                ("U3", "ヤマダ　タロウ", "735658332946"))]
    source.write_text("\n".join([CSV_HEADER, *rows, ""]), encoding="utf-8")
    entry = Receiver(ctx).receive(source)
    expected = "batch 1: 3 new, 0 already queued (2 will fail: row 3 フリガナ, row 4 個人番号)"
    assert entry.state == "queued" and entry.note == expected
    note = (ctx.paths.outbox / "export_queued.txt").read_text(encoding="utf-8")
    assert expected in note and "yamada" not in note and "735658332946" not in note
