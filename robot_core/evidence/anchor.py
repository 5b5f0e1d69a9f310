"""Keying and anchoring a run's audit trail: the audit key, and the anchor at the run's end.

The key is found as the queue's is (``vault.load_key`` with ``vault.AUDIT``): writing a run
makes it on first use; checking one never does (``checking_key``), so a machine without
the key says so instead of inventing another. The anchor goes to the queue database, away
from the run folder, once the trail is closed (``seal``).
"""

from __future__ import annotations

from pathlib import Path

from robot_core.evidence.audit import AuditTrail
from robot_core.queue.base import AuditAnchor, Store
from robot_core.vault import AUDIT, find_key, load_key


def audit_key(home: Path) -> bytes:
    """The key that keys every audit line written on this machine (made on first use)."""
    return load_key(home, AUDIT)[0]


def checking_key(home: Path) -> bytes | None:
    """The audit key to check a trail with, or None where this machine has none."""
    found = find_key(home, AUDIT)
    return found[0] if found else None


def anchor_of(trail: AuditTrail, run_id: str, bot: str) -> AuditAnchor:
    """What ``trail`` is now: its line count, last hash and key."""
    return AuditAnchor(run_id, bot, trail.chain.lines, trail.chain.prev, trail.key_id)


def seal(trail: AuditTrail, store: Store, run_id: str, bot: str) -> AuditAnchor:
    """Close ``trail`` and anchor it in ``store``; the anchor kept."""
    trail.close()
    anchor = anchor_of(trail, run_id, bot)
    store.anchor_audit(anchor)
    return anchor
