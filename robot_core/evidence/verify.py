"""Checking a run's audit trail as an auditor would: what is wrong, and at which line.

Three things are checked, each catching what the one before cannot:

1. the plain SHA-256 chain (``prev`` and ``hash``): an edited line no longer matches its
   hash; a deleted line leaves the next one pointing at a hash no line has; moved lines
   point at a hash that is elsewhere in the file;
2. the anchor kept in the queue database when the run ended (``AuditAnchor``): fewer lines
   than anchored is a cut tail, more is an appended line, another last hash a chain that
   was recomputed;
3. the key (``mac``, HMAC-SHA256 with the audit key, which never lies in the run folder): a
   line whose hash is right but whose HMAC is wrong was re-hashed by someone without it.

A trail with no ``mac`` anywhere and no anchor is an older robot's: its plain chain is
checked, and the verdict says what it cannot rule out. ``verify_audit`` reads the file once,
streaming; only a broken link is looked into again (to tell a deletion from a move).
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from robot_core.evidence.audit import GENESIS, line_hash, mac
from robot_core.queue.base import AuditAnchor
from robot_core.vault import key_id

INTACT = "intact"
UNKEYED = "unkeyed"  # an older robot's trail: chained, never keyed nor anchored
EDITED = "edited"
DELETED = "deleted"
REORDERED = "reordered"
CUT = "cut"
APPENDED = "appended"
RECOMPUTED = "recomputed"
WRONG_KEY = "wrong_key"
KEY_MISSING = "key_missing"
NO_ANCHOR = "no_anchor"
UNREADABLE = "unreadable"
MISSING = "missing"
SOUND = frozenset({INTACT, UNKEYED})


@dataclass(frozen=True)
class Verdict:
    """What the check found: its ``kind``, the first bad ``line`` (1-based) and a sentence."""

    kind: str
    message: str
    line: int | None = None
    lines: int = 0

    @property
    def ok(self) -> bool:
        """Nothing found (an older robot's unkeyed trail whose plain chain holds is sound)."""
        return self.kind in SOUND


@dataclass
class _Scan:
    """What one pass over the file learnt."""

    lines: int = 0
    last_hash: str = GENESIS
    at_anchor: str = ""  # the hash of the anchored last line, when the file reaches it
    keyed: int = 0  # lines carrying a mac
    first_unkeyed: int = 0  # the first line without one
    broken: Verdict | None = None  # edited or unreadable line, or a broken link
    link_break: tuple[int, str] | None = None  # (line, the prev it names)
    bad_mac: Verdict | None = None
    last_event: str = ""
    kids: set[str] = field(default_factory=set)


def verify_audit(path: Path, key: bytes | None, anchor: AuditAnchor | None) -> Verdict:
    """The verdict on ``path``, checked with the audit ``key`` (None: not on this machine)
    against the run's ``anchor`` (None: there is none)."""
    if not path.is_file():
        return Verdict(MISSING, f"{path}: the audit trail is gone (the run was anchored with "
                                f"{anchor.lines} lines)" if anchor else f"{path}: no audit trail")
    scan = _scan(path, key, anchor)
    if scan.link_break is not None:
        return _link_verdict(path, *scan.link_break)
    if scan.broken is not None:
        return scan.broken
    keyed = scan.keyed > 0 or bool(anchor and anchor.key_id)
    return (_against_anchor(scan, anchor) or _unkeyed_line(scan, keyed)
            or _hash_mismatch(scan, anchor)
            or _key_verdict(scan, key, anchor, keyed) or _final(scan, anchor, keyed))


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    with path.open("rb") as stream:
        yield from enumerate(stream, start=1)


def _scan(path: Path, key: bytes | None, anchor: AuditAnchor | None) -> _Scan:
    scan = _Scan()
    ours = key_id(key) if key else ""
    for number, raw in _lines(path):
        scan.lines = number
        try:
            event = json.loads(raw.decode("utf-8"))
            claimed = event.pop("hash")
            sealed = event.pop("mac", None)
        except UnicodeDecodeError:
            scan.broken = Verdict(UNREADABLE, f"line {number} is not UTF-8: not a line the "
                                              "robot wrote", number)
            return scan
        except (ValueError, KeyError, TypeError, AttributeError):
            scan.broken = Verdict(EDITED, f"line {number} was edited: it is no longer a "
                                          "line the robot wrote (no JSON with a hash)", number)
            return scan
        if not isinstance(claimed, str) or line_hash(event) != claimed:
            scan.broken = Verdict(EDITED, f"line {number} was edited: its content no longer "
                                          "matches its hash", number)
            return scan
        if event.get("prev") != scan.last_hash:
            scan.link_break = (number, str(event.get("prev")))
            return scan
        scan.last_hash = claimed
        scan.last_event = str(event.get("event", ""))
        if anchor is not None and number == anchor.lines:
            scan.at_anchor = claimed
        if sealed is None:
            scan.first_unkeyed = scan.first_unkeyed or number
        else:
            scan.keyed += 1
            if scan.bad_mac is None:
                scan.bad_mac = _check_mac(number, claimed, sealed, key, ours, scan,
                                          anchor.key_id if anchor else "")
    return scan


def _unkeyed_line(scan: _Scan, keyed: bool) -> Verdict | None:
    """In a keyed trail, a line without a key (and before any wrongly keyed one)."""
    number = scan.first_unkeyed
    if not keyed or not number or (scan.bad_mac and (scan.bad_mac.line or 0) < number):
        return scan.bad_mac
    return Verdict(RECOMPUTED, f"line {number} carries no key (HMAC) though the run was keyed: "
                               "it was written or re-hashed without the audit key", number)


def _check_mac(number: int, digest: str, sealed: Any, key: bytes | None, ours: str,
               scan: _Scan, anchored: str) -> Verdict | None:
    """The verdict on one line's key, or None when it holds (or cannot be checked here)."""
    if not isinstance(sealed, str) or ":" not in sealed:
        return Verdict(RECOMPUTED, f"line {number}: its key (HMAC) is not one the robot "
                                   "writes: it was re-hashed without the audit key", number)
    kid, _, given = sealed.partition(":")
    scan.kids.add(kid)
    if key is None:
        return None  # said once for the whole trail (KEY_MISSING)
    if kid != ours:
        return _other_key(number, kid, ours, anchored)
    if not hmac.compare_digest(given, mac(key, digest)):
        return Verdict(RECOMPUTED, f"line {number}: its hash is valid SHA-256 but its HMAC is "
                                   "wrong: the chain was recomputed after an edit, without the "
                                   "audit key", number)
    return None


def _other_key(number: int, kid: str, ours: str, anchored: str) -> Verdict:
    """A line keyed with another key than this machine's: the run's, or a re-keying."""
    if anchored == ours:  # the run ended keyed with this machine's key: re-keyed since
        return Verdict(RECOMPUTED, f"line {number} names audit key {kid}, but the run was "
                                   f"anchored with {ours}: the chain was recomputed with "
                                   "another key", number)
    if number == 1:
        return Verdict(WRONG_KEY, f"the trail was keyed with audit key {kid}; this "
                                  f"machine's is {ours}: check it where it was written, or "
                                  "set ROBOT_AUDIT_KEY to that machine's key", number)
    return Verdict(RECOMPUTED, f"line {number} names audit key {kid}, the lines before it "
                               f"{ours}: it was re-keyed", number)


def _link_verdict(path: Path, number: int, prev: str) -> Verdict:
    """A line that does not follow the one before it: deleted lines, or moved ones."""
    where = next((n for n, raw in _lines(path) if _claimed(raw) == prev), None)
    if where is None or prev == GENESIS:
        before = "before line 1 (the head was cut)" if number == 1 else \
            f"between lines {number - 1} and {number}"
        return Verdict(DELETED, f"line {number}: a line was deleted {before}; the line that "
                                "is now there names a hash no line has", number)
    return Verdict(REORDERED, f"line {number} is out of order: it follows what is now line "
                              f"{where}", number)


def _claimed(raw: bytes) -> str:
    try:
        return str(json.loads(raw.decode("utf-8")).get("hash", ""))
    except (ValueError, AttributeError):
        return ""


def _against_anchor(scan: _Scan, anchor: AuditAnchor | None) -> Verdict | None:
    """A cut tail or appended lines, as told by the line count anchored at the run's end."""
    if anchor is None:
        return None
    if scan.lines < anchor.lines:
        return Verdict(CUT, f"the tail was cut: the trail ends at line {scan.lines}, but the run "
                            f"ended with {anchor.lines} lines (lines {scan.lines + 1}–"
                            f"{anchor.lines} are gone)", scan.lines + 1, scan.lines)
    if scan.lines > anchor.lines and scan.at_anchor == anchor.last_hash:
        return Verdict(APPENDED, f"line {anchor.lines + 1} was appended after the run ended "
                                 f"(anchored with {anchor.lines} lines; the file has "
                                 f"{scan.lines})", anchor.lines + 1, scan.lines)
    return None


def _hash_mismatch(scan: _Scan, anchor: AuditAnchor | None) -> Verdict | None:
    if anchor is None or scan.at_anchor == anchor.last_hash:
        return None
    return Verdict(RECOMPUTED, f"line {anchor.lines}'s hash is not the one anchored when the run "
                               "ended: the chain was recomputed", anchor.lines, scan.lines)


def _key_verdict(scan: _Scan, key: bytes | None, anchor: AuditAnchor | None,
                 keyed: bool) -> Verdict | None:
    if not keyed:
        return None
    kid = anchor.key_id if anchor and anchor.key_id else ", ".join(sorted(scan.kids))
    if key is None:
        return Verdict(KEY_MISSING, f"keyed with audit key {kid}, which is not on this machine "
                                    "(ROBOT_AUDIT_KEY, keyring robot/audit-key, ROBOT_HOME/keys/"
                                    f"audit.key): the plain chain of {scan.lines} lines is "
                                    "intact, but a chain recomputed without the key cannot be "
                                    "ruled out", None, scan.lines)
    if anchor is not None and anchor.key_id and anchor.key_id != key_id(key):
        return Verdict(WRONG_KEY, f"the run was anchored with audit key {anchor.key_id}; this "
                                  f"machine's is {key_id(key)}", None, scan.lines)
    return None


def _final(scan: _Scan, anchor: AuditAnchor | None, keyed: bool) -> Verdict:
    if anchor is not None:
        how = "keyed" if keyed else "unkeyed"
        return Verdict(INTACT, f"intact: {scan.lines} lines, {how}, matching the anchor kept "
                               "when the run ended", None, scan.lines)
    if not keyed:
        return Verdict(UNKEYED, f"unkeyed (older robot): the plain SHA-256 chain of "
                                f"{scan.lines} lines is intact; a recomputed chain or a cut "
                                "tail cannot be ruled out", None, scan.lines)
    last = f"; its last line is {scan.last_event!r}" if scan.last_event else ""
    return Verdict(NO_ANCHOR, f"no anchor: the run did not end cleanly (crashed or killed"
                              f"{last}); lines 1–{scan.lines} are intact and keyed, but lines "
                              "after them may be missing", None, scan.lines)
