"""The terminal screen (pyte with East Asian width fixed), key names and terminal selector maps."""

from __future__ import annotations

from pathlib import Path

import pyte
import pytest
from PIL import Image

from robot_core.drivers.terminal import locate, render
from robot_core.drivers.terminal.render import masked_cells, screen_text
from robot_core.drivers.terminal.screen import Region, WideScreen, snapshot
from robot_core.errors import BotScriptError
from robot_core.script.terminal import key_sequence, parse_terminal_launch
from robot_core.selectors import Alternative, load_selector_map


def _screen(text: str, cols: int = 20, rows: int = 3) -> WideScreen:
    screen = WideScreen(cols, rows)
    pyte.Stream(screen).feed(text)
    return screen


def test_kanji_takes_two_columns_and_columns_stay_aligned() -> None:
    """A row of kanji reads back whole, and text after it sits at the right column."""
    snap = snapshot(_screen("氏名 [伊藤　一郎__]"), 1)
    assert snap.text(0).rstrip() == "氏名 [伊藤　一郎__]"
    assert snap.find("[") == [(0, 5)]
    assert snap.fields() == [Region(0, 6, 12)]  # 10 columns of name, 2 of padding
    assert snap.value(snap.fields()[0]) == "伊藤　一郎"


def test_kanji_in_the_last_column_wraps_instead_of_being_cut() -> None:
    """A full-width character that does not fit wraps to the next row, as a real VT does."""
    snap = snapshot(_screen("x" * 19 + "漢"), 1)
    assert snap.text(0) == "x" * 19 + " "
    assert snap.text(1, 0, 2) == "漢"


def test_overwriting_half_a_kanji_blanks_the_other_half() -> None:
    """Writing over either half of a kanji leaves a space, never a stray half or a shift."""
    snap = snapshot(_screen("漢字\x1b[1;2Hab"), 1)
    assert snap.text(0, 0, 4) == " ab "
    snap = snapshot(_screen("漢字\x1b[1;1Hz"), 1)
    assert snap.text(0, 0, 4) == "z 字"


def test_label_index_text_at_and_row_strategies_find_the_right_region(tmp_path: Path) -> None:
    """Alternatives resolve by label, index, text-at, message row and cursor position."""
    screen = _screen("\x1b[1;1H JUMIN10\x1b[2;1H氏名 [____]\x1b[3;1Hエラーです", cols=30)
    snap = snapshot(screen, 1)
    path = tmp_path / "m.yaml"
    path.write_text(
        "app: t\ndriver: terminal\nlaunch: {command: [x]}\nscreens:\n  s:\n    targets:\n"
        "      name: [{label: 氏名}]\n      first: [{index: 1}]\n"
        "      title: [{text: JUMIN10, at: '1,2'}]\n      wrong: [{text: JUMIN10, at: '1,1'}]\n"
        "      error: [{row: 3}]\n      here: [{cursor: '3,11'}]\n"
        "      there: [{cursor: '3,6'}]\n", encoding="utf-8")
    targets = load_selector_map(path).targets

    def where(name: str) -> Region | None:
        hit = locate.first(snap, targets[name], unlocked=True)
        return hit[1] if hit else None
    assert where("s.name") == Region(1, 6, 4) == where("s.first")
    assert where("s.title") == Region(0, 1, 7)
    assert where("s.wrong") is None
    assert where("s.error") == Region(2, 0, 30)
    assert snap.value(Region(2, 0, 30)) == "エラーです"
    assert where("s.here") is not None and where("s.there") is None  # after 5 kanji: col 11


def test_secret_cells_are_stars_in_the_text_screen() -> None:
    """A secret field and a secret value anywhere are masked; a masked kanji keeps its columns."""
    snap = snapshot(_screen("番号 [123456789012]\x1b[2;1H再掲 123456789012 山田", cols=30), 1)
    hidden = masked_cells(snap, [Region(0, 6, 12)], ["123456789012"])
    text = screen_text(snap, hidden)
    assert "123456789012" not in text
    assert text.splitlines()[0] == "番号 [" + "*" * 12 + "]"
    assert "山田" in text.splitlines()[1]


def test_key_names_give_vt220_sequences() -> None:
    """enter, tab, pf3, pf13 and ctrl+c send what a VT220 sends; a made-up key is refused."""
    assert key_sequence("Enter") == "\r"
    assert key_sequence("pf3") == key_sequence("f3") == "\x1bOR"
    assert key_sequence("pf12") == "\x1b[24~"
    assert key_sequence("pf13") == "\x1b[1;2P"
    assert key_sequence("ctrl+c") == "\x03"
    with pytest.raises(BotScriptError, match="unknown terminal key"):
        key_sequence("pf25")


def test_a_bad_position_is_a_line_and_column_error(tmp_path: Path) -> None:
    """`field: 5,20` (no length) is refused at load with the map's file:line."""
    path = tmp_path / "bad.yaml"
    path.write_text("app: t\ndriver: terminal\nlaunch: {command: [x]}\nscreens:\n  s:\n"
                    "    targets:\n      f: [{field: '5,20'}]\n", encoding="utf-8")
    with pytest.raises(BotScriptError, match="field needs 3 whole numbers") as caught:
        load_selector_map(path)
    assert caught.value.location is not None and caught.value.location.line == 7


def test_launch_needs_one_way_in_and_a_known_encoding() -> None:
    """Exactly one of command/ssh; Shift_JIS and EUC-JP are accepted by their usual names."""
    assert parse_terminal_launch({"command": ["x"], "encoding": "Shift_JIS"}).encoding == \
        "shift_jis"
    assert parse_terminal_launch({"ssh": {"host": "h"}, "encoding": "EUC-JP"}).encoding == \
        "euc-jp"
    with pytest.raises(BotScriptError, match="either"):
        parse_terminal_launch({"command": ["x"], "ssh": {"host": "h"}})
    with pytest.raises(BotScriptError, match="encoding"):
        parse_terminal_launch({"command": ["x"], "encoding": "latin-9"})


def test_underlined_or_reverse_cells_are_fields_too() -> None:
    """A curses form's underlined slot counts as a field, found by its label and its index."""
    snap = snapshot(_screen("Name: \x1b[4mJohn      \x1b[0m Age: \x1b[7m  \x1b[0m", cols=30), 1)
    assert snap.fields() == [Region(0, 6, 10), Region(0, 22, 2)]
    assert snap.value(snap.fields()[0]) == "John"
    assert locate.locate(snap, Alternative("label", "Age:"), unlocked=True) == Region(0, 22, 2)


def test_the_png_paints_masked_cells_black_and_draws_the_rest(tmp_path: Path) -> None:
    """A masked cell is a black box in the PNG; an unmasked kanji leaves green ink."""
    snap = snapshot(_screen("番号 123456789012 山田", cols=30), 1)
    hidden = masked_cells(snap, [], ["123456789012"])
    path = render.save(snap, tmp_path / "shot.png", hidden)
    image = Image.open(path).convert("RGB")

    def cell(col: int) -> set[tuple[int, int, int]]:
        x, y = render.PAD + col * render.CELL_W, render.PAD
        return {image.getpixel((x + dx, y + dy)) for dx in range(1, render.CELL_W - 1)
                for dy in range(1, render.CELL_H - 1)}

    assert cell(8) == {(0, 0, 0)}  # inside the masked number
    assert any(p[1] > 150 for p in cell(18))  # 山 is drawn
    assert "123456789012" not in path.with_suffix(".txt").read_text("utf-8")
