"""Containers that grow by bytes, not Python objects, so a long export stays cheap.

A Python ``str`` costs 50-80 bytes and a dict entry as much again; at 100,000 rows the
shared strings of a workbook and the keys seen for duplicate detection would be the only
things in intake growing with the file. Here a string is its UTF-8 bytes plus an offset.
"""

from __future__ import annotations

from array import array


class StringTable:
    """Strings by position, in one UTF-8 buffer and an offset array (8 bytes a string)."""

    def __init__(self) -> None:
        self._data = bytearray()
        self._ends = array("Q")

    def append(self, text: str) -> None:
        """Add the next string."""
        self._data += text.encode("utf-8")
        self._ends.append(len(self._data))

    def __getitem__(self, index: int) -> str:
        start = self._ends[index - 1] if index else 0
        return self._data[start:self._ends[index]].decode("utf-8")

    def __len__(self) -> int:
        return len(self._ends)


class KeyIndex:
    """The first row of each key: exact (keys are compared, not just hashed), ~30 bytes a key.

    Open addressing with linear probing over a table of 4-byte slots holding 1 + the key's
    position (0 = empty), kept at most two-thirds full.
    """

    def __init__(self) -> None:
        self._keys = StringTable()
        self._rows = array("I")
        self._table = array("I", bytes(4 * 1024))

    def first_row(self, key: str, row: int) -> int:
        """The row ``key`` was first seen on; ``row`` itself (now recorded) when it is new."""
        slot = self._slot(key, self._table)
        found = self._table[slot]
        if found:
            return self._rows[found - 1]
        self._keys.append(key)
        self._rows.append(row)
        self._table[slot] = len(self._rows)
        if 3 * len(self._rows) > 2 * len(self._table):
            self._grow()
        return row

    def __len__(self) -> int:
        return len(self._rows)

    def _slot(self, key: str, table: array[int]) -> int:
        mask = len(table) - 1
        slot = hash(key) & mask
        while table[slot] and self._keys[table[slot] - 1] != key:
            slot = (slot + 1) & mask
        return slot

    def _grow(self) -> None:
        table = array("I", bytes(8 * len(self._table)))
        for position in range(len(self._rows)):
            table[self._slot(self._keys[position], table)] = position + 1
        self._table = table
