"""Judge an .xlsx by its zip central directory before anything is decompressed or parsed.

A workbook is a zip of XML parts. A zip bomb declares (or hides) gigabytes behind a few
kilobytes, and an XML part can carry a DTD whose entities expand without end. So, before
openpyxl sees the file:

- ``check_archive`` reads only the central directory (``zipfile`` decompresses nothing to
  list members) and refuses a file whose declared sizes, compression ratios or member count
  exceed ``Limits``;
- ``GuardedZip`` is the ``ZipFile`` openpyxl then reads through: every member it opens is a
  ``CappedMember`` that counts the bytes actually inflated (a central directory can lie) and
  refuses any ``<!DOCTYPE``/``<!ENTITY`` in the markup. In XML text a ``<`` is always written
  ``&lt;``, so the byte sequence can only be markup (or a comment or CDATA: refused too);
  parts in UTF-16 are scanned in that form too.

The limits default to far more than any real export needs (a 100,000-row sheet is ~60 MB of
XML) and can be raised from the environment (``ROBOT_XLSX_MAX_MB``, ``ROBOT_XLSX_MAX_PART_MB``,
``ROBOT_XLSX_MAX_RATIO``, ``ROBOT_XLSX_MAX_PARTS``).
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal
from zipfile import BadZipFile, LargeZipFile, ZipFile, ZipInfo

from robot_core.errors import CaseDataError

MB = 1 << 20
#: A ratio is judged only for parts this large: a tiny part's ratio says nothing.
RATIO_FLOOR = 1 * MB
_MARKUP = tuple(m.encode(codec) for m in ("<!DOCTYPE", "<!ENTITY")
                for codec in ("ascii", "utf-16-le", "utf-16-be"))
_OVERLAP = max(len(m) for m in _MARKUP) - 1


@dataclass(frozen=True)
class Limits:
    """What an .xlsx may declare: total and per-part inflated size, ratio, part count."""

    total_bytes: int = 512 * MB
    part_bytes: int = 256 * MB
    ratio: float = 200.0
    parts: int = 10_000

    @classmethod
    def from_env(cls) -> Limits:
        """The defaults, each overridable by its ``ROBOT_XLSX_*`` variable."""
        base = cls()
        return cls(total_bytes=_env_int("ROBOT_XLSX_MAX_MB", base.total_bytes // MB) * MB,
                   part_bytes=_env_int("ROBOT_XLSX_MAX_PART_MB", base.part_bytes // MB) * MB,
                   ratio=float(_env_int("ROBOT_XLSX_MAX_RATIO", int(base.ratio))),
                   parts=_env_int("ROBOT_XLSX_MAX_PARTS", base.parts))


def _env_int(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise CaseDataError(f"{name}={text!r}: must be a positive whole number")
    return int(text)


def check_archive(path: Path, limits: Limits) -> None:
    """Refuse ``path`` (``CaseDataError``) if its central directory breaks ``limits``."""
    try:
        with ZipFile(path) as archive:
            members = archive.infolist()
    except (BadZipFile, LargeZipFile, EOFError, ValueError) as exc:
        raise CaseDataError(f"{path}: not a readable .xlsx workbook ({exc})") from exc
    if len(members) > limits.parts:
        raise CaseDataError(f"{path}: refused: {len(members)} parts in the workbook "
                            f"(at most {limits.parts})")
    total = 0
    for member in members:
        _check_member(path, member, limits)
        total += member.file_size
    if total > limits.total_bytes:
        raise CaseDataError(f"{path}: refused: the workbook declares {_mb(total)} once "
                            f"unpacked (at most {_mb(limits.total_bytes)})")


def _check_member(path: Path, member: ZipInfo, limits: Limits) -> None:
    if member.flag_bits & 0x1:
        raise CaseDataError(f"{path}: encrypted: save it without a password")
    if member.file_size > limits.part_bytes:
        raise CaseDataError(f"{path}: refused: part {member.filename} declares "
                            f"{_mb(member.file_size)} once unpacked (at most "
                            f"{_mb(limits.part_bytes)})")
    if member.file_size >= RATIO_FLOOR:
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > limits.ratio:
            raise CaseDataError(f"{path}: refused: part {member.filename} is compressed "
                                f"{ratio:.0f} to 1 (at most {limits.ratio:.0f} to 1): a zip "
                                "bomb, not an export")


def _mb(size: int) -> str:
    return f"{size / MB:,.0f} MB" if size >= MB else f"{size:,} bytes"


class GuardedZip(ZipFile):
    """A ``ZipFile`` whose members count what they inflate and refuse DTDs and entities."""

    def __init__(self, file: IO[bytes], path: Path, limits: Limits) -> None:
        super().__init__(file)
        self.path, self.limits = path, limits
        self.inflated = 0

    def open(self, name: str | ZipInfo, mode: Literal["r", "w"] = "r",
             pwd: bytes | None = None, *, force_zip64: bool = False) -> Any:
        """A member for reading, capped and scanned (writing is not intake's business)."""
        inner = super().open(name, mode, pwd, force_zip64=force_zip64)
        if mode != "r":
            return inner
        info = name if isinstance(name, ZipInfo) else self.getinfo(name)
        return io.BufferedReader(CappedMember(inner, info, self))


class CappedMember(io.RawIOBase):
    """One member being read: refused once it yields more than declared or than the budget."""

    def __init__(self, inner: IO[bytes], info: ZipInfo, archive: GuardedZip) -> None:
        super().__init__()
        self._inner, self._info, self._archive = inner, info, archive
        self._read = 0
        self._tail = b""

    def readable(self) -> bool:
        """A member is read, never written."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Fill ``buffer`` from the member, counting and scanning what came."""
        data = self._inner.read(len(buffer))
        self._read += len(data)
        self._archive.inflated += len(data)
        where = f"{self._archive.path}: part {self._info.filename}"
        limits = self._archive.limits
        if self._read > min(self._info.file_size, limits.part_bytes) or \
                self._archive.inflated > limits.total_bytes:
            raise CaseDataError(f"{where} unpacks to more than it declares: refused")
        window = self._tail + data
        if any(m in window for m in _MARKUP):
            raise CaseDataError(f"{where}: DTD/entity declarations are not allowed in a "
                                "workbook: refused")
        self._tail = window[-_OVERLAP:]
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        """Close the member."""
        self._inner.close()
        super().close()
