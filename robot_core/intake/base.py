"""What every case-file format gives intake: a ``Source`` of tables, each a stream of rows.

One module per format opens a file as a ``Source``: ``xlsx`` (a workbook's sheets),
``delimited`` (one CSV/TSV table); ``stream`` searches its tables for the header and reads
the cases.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol

Row = Sequence[Any]


class Source(Protocol):
    """An open case file: the tables to search for the header, in order."""

    @property
    def names(self) -> list[str]:
        """Every table (sheet) name."""

    @property
    def hidden(self) -> list[str]:
        """Tables not searched because they are hidden."""

    def tables(self) -> Iterator[tuple[str, Iterator[Row]]]:
        """(name, rows from row 1) for each table to search."""

    def close(self) -> None:
        """Release the file."""
