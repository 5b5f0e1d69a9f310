"""What happened: the result model of cases and runs (kept apart from the script model)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """Final state of one case."""

    DONE = "done"
    BUSINESS_FAILED = "business_failed"
    FAILED = "failed"
    PENDING = "pending"

    @property
    def ja(self) -> str:
        """The word staff read in the results workbook."""
        return {"done": "完了", "business_failed": "要確認（データ）",
                "failed": "システムエラー", "pending": "未処理"}[self.value]


@dataclass
class CaseResult:
    """The outcome of one case."""

    key: str
    row_number: int
    status: Status
    outputs: dict[str, str] = field(default_factory=dict)
    error: str = ""
    error_kind: str = ""
    screenshot: str = ""
    attempts: int = 0
    duration_ms: int = 0
    verified: bool = False


@dataclass
class RunOutcome:
    """Every case result of one run, in input order."""

    run_id: str
    bot: str
    results: list[CaseResult] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def counts(self) -> Counter[Status]:
        """Number of cases per status."""
        return Counter(r.status for r in self.results)

    @property
    def exit_code(self) -> int:
        """0 all done, 1 business failures, 2 system failures or cases left (DESIGN.md)."""
        counts = self.counts()
        if counts[Status.FAILED] or counts[Status.PENDING]:
            return 2
        return 1 if counts[Status.BUSINESS_FAILED] else 0
