"""Read CSV and TSV exports: streamed through the ``csv`` module, in flat memory.

Encoding (``input.encoding``): a declared encoding wins (``shift_jis`` is read as CP932, the
Windows superset Excel and every Japanese business system actually write). ``auto`` looks
for a byte-order mark (UTF-8 → ``utf-8-sig``; UTF-16, as Excel's "Unicode text" writes), then
decodes the whole file as strict UTF-8 in 1 MB steps, and falls back to CP932. A byte the
encoding cannot read is a ``CaseDataError`` naming the line: a wrong character is never typed
into a legacy system.

``.csv`` is comma-separated; ``.tsv`` and ``.txt`` are tab-separated. A field written as
``="0481501"`` (the trick exports use so that Excel keeps the zero) is read as ``0481501``.
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
DECLARED = {"utf-8": "utf-8-sig", "cp932": "cp932", "shift_jis": "cp932", "utf-16": "utf-16"}
_EXCEL_TEXT = re.compile(r'="(.*)"', re.DOTALL)
Row = tuple[str | None, ...]


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
        reader = csv.reader(lines, delimiter=self.delimiter)
        try:
            for fields in reader:
                yield tuple(_field(f) for f in fields)
        except UnicodeDecodeError as exc:  # UTF-16, decoded a block at a time
            raise CaseDataError(f"{self.path}: not {self.encoding} text ({exc.reason}); "
                                "declare input.encoding") from exc
        except csv.Error as exc:
            raise CaseDataError(f"{self.path}: line {reader.line_num}: {exc}") from exc

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
