"""Robot Framework keyword library of the held-out bench: the CSV export as a list of rows."""

from __future__ import annotations

import csv
from pathlib import Path


def read_cases(path: str) -> list[dict[str, str]]:
    """Every row of the export, keyed by its Japanese headers."""
    with Path(path).open(encoding="utf-8", newline="") as rows:
        return list(csv.DictReader(rows))


def date_parts(text: str) -> list[str]:
    """``2019/04/05`` → ``['2019', '4', '5']`` (the three selects' option values)."""
    return [str(int(part)) for part in text.split("/")]
