"""A case row as stored in the queue: JSON, with dates kept as dates."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from robot_core.intake import CaseRow, Problem


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        if "$date" in value:
            return date.fromisoformat(value["$date"])
        if "$datetime" in value:
            return datetime.fromisoformat(value["$datetime"])
    return value


def to_payload(case: CaseRow) -> dict[str, Any]:
    """The typed values and the raw cells (for the results workbook) of one row."""
    return {"values": {k: _encode(v) for k, v in case.values.items()},
            "raw": {k: _encode(v) for k, v in case.raw.items()},
            "problems": [[p.column, p.en, p.ja] for p in case.problems],
            "warnings": [[p.column, p.en, p.ja] for p in case.warnings]}


def from_payload(key: str, row_number: int, payload: dict[str, Any]) -> CaseRow:
    """Rebuild the ``CaseRow`` a worker runs."""
    return CaseRow(row_number, key,
                   {k: _decode(v) for k, v in payload.get("values", {}).items()},
                   {k: _decode(v) for k, v in payload.get("raw", {}).items()},
                   [Problem(*p) for p in payload.get("problems", [])],
                   [Problem(*p) for p in payload.get("warnings", [])])
