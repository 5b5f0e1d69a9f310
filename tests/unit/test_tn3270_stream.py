"""3270 pieces without a host: the fixture's data stream and EBCDIC, s3270's buffer, keys, maps."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.legacy_tn3270 import ebcdic
from fixtures.legacy_tn3270.datastream import (
    EOR,
    IAC,
    Screen,
    Telnet,
    decode_address,
    encode_address,
    parse_inbound,
)
from robot_core.drivers.terminal.s3270 import Status, parse_buffer, positions
from robot_core.errors import BotScriptError
from robot_core.script.tn3270 import parse_tn3270_launch, s3270_action
from robot_core.selectors import load_selector_map

# Two rows of what s3270 -utf8 answered to ReadBuffer(Ascii) on the fixture's sign-on test
# screen: a protected kanji label, an unprotected field, a non-display one, SO/SI around kanji.
ROW_LABEL = ("00 SF(c0=e0) 0e e6b08f - e5908d - 0f 00 00 SF(c0=c1,fe=01) 0e e4bc8a - e897a4 - "
             "e38080 - e4b880 - e9838e - 0f 20 61 62 00 00 SF(c0=e0) 00")
ROW_SECRET = "00 SF(c0=e0) 50 41 53 53 00 SF(c0=cd) 73 65 63 72 65 74 00 SF(c0=e0)" + " 00" * 14


def test_buffer_addresses_round_trip_over_the_whole_screen() -> None:
    """Every 24x80 position survives the 12-bit 6-bit-coded address form."""
    assert all(decode_address(encode_address(a)) == a for a in range(24 * 80))
    assert encode_address(0) == b"\x40\x40" and encode_address(1919) == b"\x5d\x7f"


def test_inbound_read_modified_and_telnet_framing() -> None:
    """A Read Modified split across packets, 0xFF doubled, gives the AID and field texts."""
    field = ebcdic.encode("伊藤\u3000一郎 ab", "cp939")
    record = bytes([0x7D]) + encode_address(1) + bytes([0x11]) + encode_address(562) + field
    wire = record.replace(b"\xff", b"\xff\xff") + bytes([IAC, EOR])
    telnet = Telnet()
    got = list(telnet.feed(wire[:5])) + list(telnet.feed(bytes([IAC, 251, 24]) + wire[5:]))
    assert ("cmd", 251, bytes([24])) in got
    inbound = parse_inbound(next(data for kind, _, data in got if kind == "rec"))
    assert inbound.aid == "enter" and inbound.cursor == 1
    assert ebcdic.decode(inbound.fields[562], "cp939") == "伊藤\u3000一郎 ab"
    assert Screen(bytearray(b"\xf5\xc3\xff")).record() == b"\xf5\xc3\xff\xff\xff\xef"


@pytest.mark.parametrize("text", ["北海道虻田郡みらい町湖畔5丁目7番14号\u3000ハイツ緑ヶ丘201",
                                  "Saito 翔太", "U2025-0001", "齋藤\u3000翔太"])
def test_positions_count_what_the_host_buffer_holds(text: str) -> None:
    """The driver's SO/SI arithmetic equals the length of the host's own EBCDIC 939 bytes."""
    assert positions(text) == len(ebcdic.encode(text, "cp939"))
    assert ebcdic.decode(ebcdic.encode(text, "cp930"), "cp930") == text


def test_read_buffer_gives_unprotected_fields_and_hides_non_display() -> None:
    """Protected labels are not fields, SO/SI are not text, a password never reaches a cell."""
    buffer = parse_buffer([ROW_LABEL, ROW_SECRET], Status.parse("U F U C(x) I 2 2 30 0 11 0x0 0"))
    assert [(f.row, f.col, f.cols) for f in buffer.fields()] == [(0, 11, 17), (1, 8, 7)]
    assert buffer.find("氏名") == [(0, 3)]
    assert buffer.value(buffer.fields()[0]) == "伊藤\u3000一郎 ab"
    assert "secret" not in "".join(buffer.lines()) and buffer.value(buffer.fields()[1]) == ""
    assert buffer.hidden_values[(1, 8)] == "secret" and "secret" not in repr(buffer)
    assert buffer.field_at(0, 4) is not None and buffer.field_at(0, 4).protected  # type: ignore[union-attr]
    assert buffer.cursor == (0, 11)


def test_3270_key_names_and_launch_are_checked() -> None:
    """Keys map to s3270 actions; a VT key or a wrong launch is a clear script error."""
    assert [s3270_action(k) for k in ("enter", "pf3", "PF24", "pa1", "clear", "backtab")] == \
        ["Enter", "PF(3)", "PF(24)", "PA(1)", "Clear", "BackTab"]
    with pytest.raises(BotScriptError, match="unknown 3270 key 'ctrl\\+u'"):
        s3270_action("ctrl+u")
    spec = parse_tn3270_launch({"tn3270": {"host": "h", "port": 2323, "codepage": "cp939"}})
    assert (spec.host, spec.port, spec.codepage, spec.model) == ("h", "2323", "cp939", "3278-2")
    with pytest.raises(BotScriptError, match="'encoding' does not go with `tn3270:`"):
        parse_tn3270_launch({"tn3270": {"host": "h"}, "encoding": "utf-8"})
    with pytest.raises(BotScriptError, match="model must be like 3278-2"):
        parse_tn3270_launch({"tn3270": {"host": "h", "model": "vt220"}})


def test_a_3270_map_with_a_vt_setting_fails_at_load_with_its_line(tmp_path: Path) -> None:
    """`tn3270:` with VT `keys:` is refused when the map loads, naming file and line."""
    path = tmp_path / "host.yaml"
    path.write_text("app: host\ndriver: terminal\nlaunch:\n  tn3270: {host: h}\n"
                    "  keys: {next_field: tab}\nscreens:\n  s:\n    targets:\n"
                    "      t: [{text: X}]\n", encoding="utf-8")
    with pytest.raises(BotScriptError) as info:
        load_selector_map(path)
    assert "host.yaml:" in str(info.value) and "'keys' does not go with `tn3270:`" in str(
        info.value)
