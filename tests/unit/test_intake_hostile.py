"""Hostile and broken case files: refused before they are expanded or parsed, in one line.

Every file is generated here, in ``tmp_path``: zip bombs (declared and lying), DTDs and
entities, an encrypted workbook (an OLE compound file built byte by byte), an empty file,
a damaged zip, repeated headers, and CSV records that would swallow one another.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from helpers import REPO, write_workbook

from robot_core.errors import CaseDataError
from robot_core.intake import open_cases, read_cases
from robot_core.intake.ole import entry_names
from robot_core.intake.zipguard import MB, Limits
from robot_core.script.model import InputSpec

SPEC = InputSpec.model_validate({"key": "id", "columns": {
    "id": {"header": "受付番号", "required": True}, "name": {"header": "氏名"},
    "note": {"header": "備考"}}})
SHEET = "xl/worksheets/sheet1.xml"


def workbook(tmp_path: Path, name: str = "base.xlsx") -> Path:
    """A small valid workbook: a header and one case."""
    return write_workbook(tmp_path / name, [["受付番号", "氏名", "備考"], ["A1", "山田", "x"]])


def rewrite(source: Path, target: Path, parts: dict[str, bytes]) -> Path:
    """``source`` with the members named in ``parts`` replaced (or added)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, parts.get(info.filename, old.read(info.filename)))
        for name in parts.keys() - set(old.namelist()):
            new.writestr(name, parts[name])
    return target


def refusal(path: Path, spec: InputSpec = SPEC) -> str:
    """The one-line refusal of ``path``."""
    with pytest.raises(CaseDataError) as caught:
        read_cases(path, spec)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(str(path)), message
    return message


@pytest.fixture(scope="module")
def gigabyte_sheet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workbook whose sheet really inflates to 1 GiB (streamed spaces, ~5 MB on disk)."""
    folder = tmp_path_factory.mktemp("bomb")
    base = workbook(folder)
    path = folder / "bomb.xlsx"
    with zipfile.ZipFile(base) as old, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED,
                                                         compresslevel=1) as new:
        for info in old.infolist():
            if info.filename != SHEET:
                new.writestr(info.filename, old.read(info.filename))
        with new.open(SHEET, "w", force_zip64=True) as sheet:
            block = b" " * (16 * MB)
            for _ in range(64):
                sheet.write(block)
    return path


def test_empty_file_says_empty(tmp_path: Path) -> None:
    """A 0-byte file, whatever its suffix, is refused as empty."""
    for name in ("cases.xlsx", "cases.csv"):
        (tmp_path / name).write_bytes(b"")
        assert refusal(tmp_path / name).endswith(": the file is empty")


def test_truncated_zip_is_one_line(tmp_path: Path) -> None:
    """A workbook cut in half is refused as not a readable workbook, no traceback."""
    data = workbook(tmp_path).read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) // 2])
    assert "not a readable .xlsx workbook" in refusal(path)


def test_gigabyte_sheet_is_refused_fast_in_little_memory(gigabyte_sheet: Path) -> None:
    """A sheet inflating to 1 GiB is refused from the directory in < 5 s and < 150 MB RSS."""
    script = (
        "import json, sys, time\n"
        "from pathlib import Path\n"
        "from robot_core.errors import CaseDataError\n"
        "from robot_core.intake import read_cases\n"
        "from robot_core.script.model import InputSpec\n"
        "spec = InputSpec.model_validate(json.loads(sys.argv[2]))\n"
        "start = time.monotonic()\n"
        "try:\n"
        "    read_cases(Path(sys.argv[1]), spec)\n"
        "    message = None\n"
        "except CaseDataError as exc:\n"
        "    message = str(exc)\n"
        # VmHWM, not ru_maxrss: Linux carries the forking parent's peak over into the child
        "status = Path('/proc/self/status').read_text().splitlines()\n"
        "rss = int(next(l.split()[1] for l in status if l.startswith('VmHWM:'))) / 1024\n"
        "print(json.dumps({'s': time.monotonic() - start, 'mb': rss, 'message': message}))\n")
    spec = json.dumps(SPEC.model_dump(mode="json"))
    done = subprocess.run([sys.executable, "-c", script, str(gigabyte_sheet), spec], cwd=REPO,
                          capture_output=True, text=True, timeout=60, check=True)
    result = json.loads(done.stdout)
    print(f"1 GiB sheet refused in {result['s']:.3f} s, peak RSS {result['mb']:.0f} MB")
    assert "declares 1,024 MB once unpacked" in result["message"]
    assert result["s"] < 5 and result["mb"] < 150


def test_highly_compressed_part_is_a_bomb(tmp_path: Path) -> None:
    """A part compressed a thousand to one is refused even under the size limits."""
    pad = {"xl/media/pad.bin": bytes(64 * MB)}
    message = refusal(rewrite(workbook(tmp_path), tmp_path / "ratio.xlsx", pad))
    assert "part xl/media/pad.bin is compressed" in message and "zip bomb" in message


def test_part_count_limit_from_the_environment(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """``ROBOT_XLSX_MAX_PARTS`` lowers the member count a workbook may have."""
    monkeypatch.setenv("ROBOT_XLSX_MAX_PARTS", "5")
    assert Limits.from_env().parts == 5
    assert "parts in the workbook (at most 5)" in refusal(workbook(tmp_path))


def test_lying_central_directory_is_caught_while_reading(tmp_path: Path) -> None:
    """A sheet declaring fewer bytes than it inflates to is refused, not read past its word."""
    base = workbook(tmp_path)
    with zipfile.ZipFile(base) as archive:
        sheet = archive.read(SHEET)
    padded = sheet.replace(b"<sheetData>", b"<sheetData>" + b" " * (2 * MB))
    path = rewrite(base, tmp_path / "liar.xlsx", {SHEET: padded})
    data = bytearray(path.read_bytes())
    name = SHEET.encode()
    central = data.find(b"PK\x01\x02", data.find(name) + 1)
    while data[central + 46:central + 46 + len(name)] != name:
        central = data.find(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 24, len(sheet))  # uncompressed size: a lie
    path.write_bytes(bytes(data))
    message = refusal(path)
    assert "sheet '受付一覧'" in message or "declares" in message
    assert "not a readable .xlsx workbook" in message or "more than it declares" in message


@pytest.mark.parametrize("part", [SHEET, "xl/workbook.xml", "[Content_Types].xml"])
def test_dtd_and_entities_are_refused(tmp_path: Path, part: str) -> None:
    """A DOCTYPE with entities in any part (ours or openpyxl's to parse) is refused."""
    with zipfile.ZipFile(workbook(tmp_path)) as archive:
        xml = archive.read(part)
    declaration = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    head, _, rest = xml.partition(b"?>")
    path = rewrite(tmp_path / "base.xlsx", tmp_path / "dtd.xlsx",
                   {part: head + b"?>" + declaration + rest})
    assert "DTD/entity declarations are not allowed" in refusal(path)


def test_openpyxl_parses_through_defusedxml() -> None:
    """openpyxl found defusedxml, so the parts it parses itself refuse entities too."""
    assert openpyxl.DEFUSEDXML is True


def compound_file(names: list[str]) -> bytes:
    """A minimal OLE compound file (MS-CFB v3): a FAT sector and a directory of ``names``."""
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<III", header, 0x2C, 1, 1, 0)  # one FAT sector; directory at sector 1
    struct.pack_into("<III", header, 0x38, 4096, 0xFFFFFFFE, 0)
    struct.pack_into("<II", header, 0x44, 0xFFFFFFFE, 0)
    struct.pack_into("<109I", header, 0x4C, 0, *([0xFFFFFFFF] * 108))
    fat = struct.pack("<128I", 0xFFFFFFFD, 0xFFFFFFFE, *([0xFFFFFFFF] * 126))
    directory = bytearray(512)
    for i, name in enumerate(["Root Entry", *names][:4]):
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        directory[i * 128:i * 128 + len(encoded)] = encoded
        struct.pack_into("<HB", directory, i * 128 + 0x40, len(encoded), 5 if i == 0 else 2)
    return bytes(header + fat + directory)


def test_encrypted_workbook_says_save_without_password(tmp_path: Path) -> None:
    """An OLE file holding EncryptionInfo and EncryptedPackage is an encrypted workbook."""
    path = tmp_path / "locked.xlsx"
    path.write_bytes(compound_file(["EncryptionInfo", "EncryptedPackage"]))
    with path.open("rb") as stream:
        assert entry_names(stream) == ["Root Entry", "EncryptionInfo", "EncryptedPackage"]
    assert refusal(path) == f"{path}: encrypted: save it without a password"


def test_old_xls_keeps_its_advice(tmp_path: Path) -> None:
    """An OLE file holding a Workbook stream is an .xls: save it as .xlsx."""
    path = tmp_path / "old.xls"
    path.write_bytes(compound_file(["Workbook"]))
    assert "Excel 97-2003 workbook (.xls)" in refusal(path)


def test_headers_equal_after_normalising_name_both_xlsx_columns(tmp_path: Path) -> None:
    """``氏名`` and ``氏名　`` (a full-width space) in one header refuse the workbook."""
    path = write_workbook(tmp_path / "c.xlsx", [["受付番号", "氏名", "備考", "x", "氏名\u3000"],
                                                ["A1", "山田", "", "", "佐藤"]])
    assert "row 1: columns B and E have the same header ('氏名' and '氏名', alike once" in \
        refusal(path)


def test_headers_equal_after_normalising_name_both_csv_columns(tmp_path: Path) -> None:
    """In a CSV the two columns are named by number, on the header's line."""
    path = tmp_path / "c.csv"
    path.write_text("受付番号,氏名,ＮＯＴＥ,note\nA1,山田,a,b\n", encoding="utf-8")
    spec = SPEC.model_copy(update={"columns": {**SPEC.columns, "note": SPEC.columns["note"]
                                               .model_copy(update={"header": ("note",)})}})
    assert refusal(path, spec) == (f"{path}: line 1: columns 3 and 4 have the same header "
                                   "('ＮＯＴＥ' and 'note', alike once width, case and spaces are "
                                   "ignored): rename one")


def test_unterminated_quote_never_swallows_the_next_records(tmp_path: Path) -> None:
    """A quote opened on line 2 and closed on line 4 refuses the file naming line 2."""
    path = tmp_path / "c.csv"
    path.write_text('受付番号,氏名,備考\nA1,山田,"窓口\nA2,佐藤,123456789018\nA3,鈴木,"\n',
                    encoding="utf-8")
    assert refusal(path) == (f"{path}: line 2: a quoted field runs over lines that read as "
                             "records of their own (a quote that is never closed?)")


def test_quote_never_closed_names_its_line(tmp_path: Path) -> None:
    """A quote still open at the end of the file refuses it, naming where the record began."""
    path = tmp_path / "c.csv"
    path.write_text('受付番号,氏名,備考\nA1,山田,x\nA2,"佐藤,y\nA3,鈴木,z\n', encoding="utf-8")
    assert refusal(path) == f"{path}: line 3: a quote is opened and never closed"


def test_stray_quote_after_a_closed_one(tmp_path: Path) -> None:
    """``"山田"x`` (text after a closing quote) is a strict-parsing refusal naming its line."""
    path = tmp_path / "c.csv"
    path.write_text('受付番号,氏名,備考\nA1,"山田"x,y\n', encoding="utf-8")
    assert refusal(path).startswith(f"{path}: line 2: a quote inside a field")


def test_more_fields_than_the_header(tmp_path: Path) -> None:
    """A record with an extra field refuses the file, naming the line."""
    path = tmp_path / "c.csv"
    path.write_text("受付番号,氏名,備考\nA1,山田,x\nA2,佐藤,y,z\n", encoding="utf-8")
    assert refusal(path) == (f"{path}: line 3: 4 fields where the header has 3 (a stray quote "
                             "or delimiter?)")


def test_legitimate_multiline_field_is_read(tmp_path: Path) -> None:
    """A closed quoted field over two lines is one field; the next record keeps its line."""
    path = tmp_path / "c.csv"
    path.write_text('受付番号,氏名,備考\nA1,山田,"一行目\n二行目"\nA2,佐藤,z\n', encoding="utf-8")
    spec = SPEC.model_copy(update={"columns": {**SPEC.columns, "note": SPEC.columns["note"]
                                               .model_copy(update={"allow": ("newline",)})}})
    rows = read_cases(path, spec).rows
    assert [(r.key, r.values["note"]) for r in rows] == [("A1", "一行目\n二行目"), ("A2", "z")]


def test_a_field_running_over_a_hundred_lines_is_refused(tmp_path: Path) -> None:
    """A quoted field running on past the bound is refused naming where it started."""
    path = tmp_path / "c.csv"
    path.write_text('受付番号,氏名,備考\nA1,山田,"' + "行\n" * 150 + '"\n', encoding="utf-8")
    assert refusal(path).startswith(f"{path}: line 2: a record runs on for more than 100 lines")


def test_shared_string_index_past_the_table_is_one_line(tmp_path: Path) -> None:
    """A cell pointing at shared string 99 of none is a refusal, not a traceback."""
    source = workbook(tmp_path)
    with zipfile.ZipFile(source) as old:
        sheet = old.read("xl/worksheets/sheet1.xml").decode("utf-8")
    broken = sheet.replace('t="inlineStr"><is><t>山田</t></is>', 't="s"><v>99</v>', 1)
    assert broken != sheet
    path = rewrite(source, tmp_path / "index.xlsx",
                   {"xl/worksheets/sheet1.xml": broken.encode("utf-8")})
    assert "not a readable .xlsx workbook (IndexError" in refusal(path)


def test_guard_leaves_a_normal_workbook_alone(tmp_path: Path) -> None:
    """The guard reads a normal workbook through: same rows as before."""
    with open_cases(workbook(tmp_path), SPEC, limits=Limits()) as cases:
        assert [(r.key, r.values["name"]) for r in cases] == [("A1", "山田")]
