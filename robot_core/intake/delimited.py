"""Read CSV and TSV exports: streamed through the ``csv`` module, in flat memory.

Encoding (``input.encoding``): a declared encoding wins (``shift_jis`` is read as CP932, the
Windows superset Excel and every Japanese business system actually write). ``auto`` looks
for a byte-order mark (UTF-8 → ``utf-8-sig``; UTF-16, as Excel's "Unicode text" writes), then
decodes the whole file as strict UTF-8 in 1 MB steps, and falls back to CP932. A byte the
encoding cannot read is a ``CaseDataError`` naming the line: a wrong character is never typed
into a legacy system.

``.csv`` is comma-separated; ``.tsv`` and ``.txt`` are tab-separated. A field written as
``="0481501"`` (the trick exports use so that Excel keeps the zero) is read as ``0481501``.

Parsing is strict, so that one record never swallows another: a stray quote inside a field
or a quote never closed is a ``CaseDataError`` naming the physical line where the record
starts; so is a record running over more than ``MAX_RECORD_LINES`` lines or four times
``MAX_FIELD_CHARS`` characters (a legitimate multi-line remark is far shorter). Each record
carries its starting line (``Record.line``) so that the stream can refuse one whose number
of fields differs from the header's, or whose quoted field holds whole records.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from robot_core.errors import CaseDataError

BLOCK = 1 << 20
MAX_RECORD_LINES = 100
MAX_FIELD_CHARS = 32_767  # Excel's own limit for one cell; a record may hold four of them
DECLARED = {"utf-8": "utf-8-sig", "cp932": "cp932", "shift_jis": "cp932", "utf-16": "utf-16"}
_EXCEL_TEXT = re.compile(r'="(.*)"', re.DOTALL)
Row = tuple[str | None, ...]


class Record(tuple[str | None, ...]):
    """The fields of one CSV record, the physical line (1-based) where it starts, and the
    delimiter it was split at."""

    line: int
    delimiter: str

    def check(self, path: Path, width: int) -> None:
        """Refuse a record whose field count is not the header's ``width``, or one that
        swallowed others: a quoted field holding a line that is a record of its own (as many
        delimiters as a record has) is a quote that was never closed."""
        if not self:
            return  # a blank line
        if len(self) != width:
            raise CaseDataError(f"{path}: line {self.line}: {len(self)} fields where the "
                                f"header has {width} (a stray quote or delimiter?)")
        for field in self:
            for part in (field or "").splitlines()[1:]:
                if part.count(self.delimiter) >= max(width - 1, 2):
                    raise CaseDataError(f"{path}: line {self.line}: a quoted field runs over "
                                        "lines that read as records of their own (a quote "
                                        "that is never closed?)")


def record(fields: Row, line: int, delimiter: str) -> Record:
    """A ``Record`` of ``fields`` starting on ``line``."""
    made = Record(fields)
    made.line, made.delimiter = line, delimiter
    return made


def detect_encoding(path: Path) -> str:
    """``utf-8-sig``, ``utf-16``, ``utf-8`` or ``cp932``: what ``auto`` reads ``path`` as."""
    with path.open("rb") as stream:
        head = stream.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        stream.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")("strict")
        try:
            for block in iter(lambda: stream.read(BLOCK), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp932"
    return "utf-8"


@dataclass
class TextSource:
    """A CSV/TSV file: one table, named after the file."""

    path: Path
    encoding: str
    delimiter: str
    _handle: IO[Any] | None = None

    @property
    def names(self) -> list[str]:
        """The one table's name."""
        return [self.path.name]

    @property
    def hidden(self) -> list[str]:
        """A text file hides nothing."""
        return []

    def tables(self) -> Iterator[tuple[str, Iterator[Row]]]:
        """The file's rows, decoded and split."""
        binary = self.path.open("rb")
        if self.encoding == "utf-16":
            self._handle = io.TextIOWrapper(binary, encoding="utf-16", newline="")
            yield "", self._rows(self._handle)
        else:
            self._handle = binary
            yield "", self._rows(self._lines(binary))

    def close(self) -> None:
        """Release the file."""
        if self._handle is not None:
            self._handle.close()

    def _rows(self, lines: Iterator[str]) -> Iterator[Row]:
        start = [1]  # where the record being read starts, seen by _bounded
        reader = csv.reader(_bounded(self.path, lines, start), delimiter=self.delimiter,
                            strict=True)
        try:
            for fields in reader:
                yield record(tuple(_field(f) for f in fields), start[0], self.delimiter)
                start[0] = reader.line_num + 1
        except UnicodeDecodeError as exc:  # UTF-16, decoded a block at a time
            raise CaseDataError(f"{self.path}: not {self.encoding} text ({exc.reason}); "
                                "declare input.encoding") from exc
        except csv.Error as exc:
            raise CaseDataError(f"{self.path}: line {start[0]}: {_csv_reason(exc)}") from exc

    def _lines(self, stream: IO[bytes]) -> Iterator[str]:
        """Decode line by line (a newline byte is never part of a UTF-8 or CP932 character),
        so that an undecodable byte is reported on its own line."""
        decoder = codecs.getincrementaldecoder(self.encoding)("strict")
        for number, line in enumerate(stream, start=1):
            try:
                yield decoder.decode(line)
            except UnicodeDecodeError as exc:
                name = self.encoding.removesuffix("-sig")
                raise CaseDataError(f"{self.path}: line {number} is not {name} text "
                                    f"({exc.reason}); declare input.encoding") from exc


def _bounded(path: Path, lines: Iterator[str], start: list[int]) -> Iterator[str]:
    """``lines``, refused once the record begun on line ``start[0]`` runs on too long."""
    chars = 0
    for number, line in enumerate(lines, start=1):
        chars = chars + len(line) if start[0] < number else len(line)
        if number - start[0] >= MAX_RECORD_LINES or chars > MAX_FIELD_CHARS * 4:
            raise CaseDataError(f"{path}: line {start[0]}: a record runs on for more than "
                                f"{MAX_RECORD_LINES} lines or {MAX_FIELD_CHARS * 4:,} "
                                "characters (a quote that is never closed?)")
        yield line


def _csv_reason(exc: csv.Error) -> str:
    text = str(exc)
    if "unexpected end of data" in text or "EOF" in text:
        return "a quote is opened and never closed"
    if "expected" in text and "after" in text:
        return "a quote inside a field that is not doubled (write \"\" for a quote)"
    if "field larger" in text:
        return f"a field too long to be a cell ({text})"
    return text


def _field(text: str) -> str | None:
    if text == "":
        return None
    match = _EXCEL_TEXT.fullmatch(text)
    return match.group(1) if match else text


def open_text(path: Path, declared: str) -> TextSource:
    """A ``TextSource`` for ``path`` with the declared (or detected) encoding."""
    encoding = DECLARED.get(declared) or detect_encoding(path)
    delimiter = "," if path.suffix.lower() == ".csv" else "\t"
    return TextSource(path, encoding, delimiter)
