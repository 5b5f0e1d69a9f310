"""Tell an encrypted workbook from an old .xls: both are OLE compound files.

Excel saves a password-protected .xlsx as an OLE compound file (MS-OFFCRYPTO) holding the
streams ``EncryptionInfo`` and ``EncryptedPackage``; an Excel 97-2003 workbook is an OLE
file holding ``Workbook``. Staff need different advice for each, so the directory's entry
names are read (MS-CFB): the header gives the sector size, the FAT sectors (the first 109,
enough for a directory in the first several MB, where writers put it) and the directory's
first sector; the directory is followed along the FAT for a bounded number of sectors.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import IO

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_STREAMS = frozenset({"EncryptionInfo", "EncryptedPackage"})
_END_OF_CHAIN = 0xFFFFFFFE
_MAX_DIRECTORY_SECTORS = 4096
_ENTRY = 128


def is_encrypted_workbook(path: Path) -> bool:
    """Whether OLE file ``path`` is an encrypted OOXML package (not an .xls)."""
    with path.open("rb") as stream:
        try:
            return bool(ENCRYPTED_STREAMS & set(entry_names(stream)))
        except (struct.error, ValueError, OSError):
            return False  # a damaged OLE file: the .xls advice is as good as any


def entry_names(stream: IO[bytes]) -> list[str]:
    """The names in the compound file's directory (bounded, never the whole file)."""
    header = stream.read(512)
    if len(header) < 512 or not header.startswith(OLE_MAGIC):
        raise ValueError("not an OLE compound file")
    shift = struct.unpack_from("<H", header, 0x1E)[0]
    if not 7 <= shift <= 16:
        raise ValueError("bad sector size")
    size = 1 << shift
    directory = struct.unpack_from("<I", header, 0x30)[0]
    fat_sectors = [s for s in struct.unpack_from("<109I", header, 0x4C) if s < _END_OF_CHAIN]
    fat: list[int] = []
    for sector in fat_sectors:
        fat += struct.unpack(f"<{size // 4}I", _sector(stream, sector, size))
    names: list[str] = []
    seen: set[int] = set()
    while directory < _END_OF_CHAIN and directory not in seen and len(seen) < \
            _MAX_DIRECTORY_SECTORS:
        seen.add(directory)
        data = _sector(stream, directory, size)
        for offset in range(0, size, _ENTRY):
            length = struct.unpack_from("<H", data, offset + 0x40)[0]
            if 2 <= length <= 64:
                names.append(data[offset:offset + length - 2].decode("utf-16-le", "replace"))
        directory = fat[directory] if directory < len(fat) else _END_OF_CHAIN
    return names


def _sector(stream: IO[bytes], number: int, size: int) -> bytes:
    stream.seek((number + 1) * size)
    data = stream.read(size)
    if len(data) != size:
        raise ValueError("truncated compound file")
    return data
