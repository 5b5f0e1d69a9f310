"""What happened to a case: one ``Status`` and one ``CaseResult``, from the runner to the
queue to the results workbook.

It sits in the foundation because every layer that carries a case's outcome needs it: the
queue stores a ``CaseResult`` (``Store.complete``) and hands it back on its items
(``Item.result``), the runner makes one per case, a session reports each to its progress
callback, and evidence writes (row, result) pairs into the results workbook. The statuses
are the states of the queue's state machine (``queue/base.py`` draws it): the final ones,
which only an operator's ``retry`` undoes, and the live ones.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """Where a case stands: live (pending, in_progress, uncertain) or final.

    ``mismatch`` is final: the saving click went through, and what the legacy system shows
    afterwards (an ``expect`` step) is not what the case says. The record may be wrong in
    the legacy system, so no worker types it again; a person looks (``run/steps/expect.py``).
    """

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    UNCERTAIN = "uncertain"
    DONE = "done"
    BUSINESS_FAILED = "business_failed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    MISMATCH = "mismatch"

    @property
    def ja(self) -> str:
        """The word staff read in the results workbook."""
        return JA[self]

    @property
    def final(self) -> bool:
        """No worker will touch the case again without an operator's ``retry``."""
        return self in FINAL_STATES


JA = {Status.PENDING: "未処理", Status.IN_PROGRESS: "処理中",
      Status.UNCERTAIN: "確認待ち（登録済みか不明）", Status.DONE: "完了",
      Status.BUSINESS_FAILED: "要確認（データ）", Status.FAILED: "システムエラー",
      Status.CANCELLED: "取消", Status.MISMATCH: "要確認（登録内容の不一致）"}
FINAL_STATES = frozenset({Status.DONE, Status.BUSINESS_FAILED, Status.FAILED,
                          Status.CANCELLED, Status.MISMATCH})
# Counted in every summary (results workbook, terminal); the others only when present.
ALWAYS_SHOWN = (Status.DONE, Status.BUSINESS_FAILED, Status.FAILED, Status.PENDING)


def shown(counts: Mapping[Status, int]) -> list[Status]:
    """The statuses a summary lists: the usual four, then any other that has cases."""
    return [*ALWAYS_SHOWN, *(s for s in Status if s not in ALWAYS_SHOWN and counts.get(s))]


@dataclass
class CaseResult:
    """The outcome of one case, as the runner made it or as the queue last stored it.

    ``screenshot`` is relative to the run folder while a run holds it, relative to
    ``ROBOT_HOME`` once stored (``Worker`` rebases it); ``run_id`` is the run that made it.
    """

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
    run_id: str = ""
    # The case may be in the legacy system already (a failed attempt got past the saving
    # click, or could not tell): a correction may not replace it, a requeue verifies first.
    maybe_saved: bool = False
    # This file's row differs from a case that can no longer take it (done, uncertain,
    # mismatch, …): shown to staff as a conflict, never typed.
    conflict: bool = False


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
        if any(n for s, n in counts.items() if s not in (Status.DONE, Status.BUSINESS_FAILED)):
            return 2  # failed, or left: pending, uncertain, in progress elsewhere, cancelled
        return 1 if counts[Status.BUSINESS_FAILED] else 0
