"""The audit chain's verdict for the report, checked beside the reading on a big night.

``verify_chain`` hashes every line again: on a night of 10,000 cases that costs as much as
reading the file for the report, so from ``PARALLEL_FROM`` bytes on it runs in a second
process (spawned, not forked: the caller may hold a browser's threads) while this one reads.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from robot_core.evidence.audit import verify_chain

PARALLEL_FROM = 20_000_000  # bytes of audit trail (about 2,000 cases)
UNREADABLE = -1


def chain_verdict(audit: Path) -> int | None:
    """The first bad line (1-based); None when intact; ``UNREADABLE`` when not UTF-8."""
    try:
        return verify_chain(audit)
    except ValueError:  # UnicodeDecodeError: bytes no line of ours was written as
        return UNREADABLE


def start_verdict(audit: Path) -> Callable[[], int | None]:
    """Start checking ``audit``; the returned function waits for and gives the verdict."""
    if audit.stat().st_size < PARALLEL_FROM:
        return lambda: chain_verdict(audit)
    try:
        pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        future: Future[int | None] = pool.submit(chain_verdict, audit)
    except (OSError, RuntimeError):  # no second process here: check in this one
        return lambda: chain_verdict(audit)

    def verdict() -> int | None:
        try:
            return future.result()
        except (BrokenProcessPool, OSError):
            return chain_verdict(audit)
        finally:
            pool.shutdown(cancel_futures=True)

    return verdict
