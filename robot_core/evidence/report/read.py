"""Read a run's audit trail, one line at a time, into what the report shows.

A night can leave 10,000 cases of ~20 steps each: the file is streamed, each case keeps a
small summary, and each step is kept as a short tuple whose strings are indices into one
shared table (step names, actions and targets repeat on every case).

Every string comes from a case file or the legacy system, so none is trusted: control and
bidirectional-override characters are shown as ``⟨U+202E⟩`` (a key cannot read backwards),
and very long strings are cut.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_TEXT = 2000  # characters of one value shown; an error page pasted whole is cut
MAX_CASE_STEPS = 400  # step rows kept per case (retries can repeat a case's steps)
MAX_SESSION_ROWS = 500  # login, recovery and other run-level rows kept
_RAW_CACHE = 200_000  # distinct raw values remembered (bounds memory on a huge night)
# C0/C1 controls (tab and newline kept), bidi embeddings, overrides, isolates and marks.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                     "\u2066-\u2069\u2028\u2029\ufeff]")
# Fields every line carries (or the chain adds): never shown as details of an event.
_PLUMBING = frozenset({"event", "ts", "prev", "hash", "run_id", "bot", "secret"})


def clean(value: Any, limit: int = MAX_TEXT) -> str:
    """``value`` as text safe to show: unsafe characters made visible, cut to ``limit``."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    text = _UNSAFE.sub(lambda m: f"⟨U+{ord(m.group()):04X}⟩", text)
    if len(text) > limit:
        text = f"{text[:limit]}…(+{len(text) - limit})"
    return text


class Strings:
    """One table of distinct strings; rows hold their indices."""

    def __init__(self) -> None:
        self.table: list[str] = [""]
        self._index: dict[str, int] = {"": 0}
        self._raw: dict[Any, int] = {"": 0, None: 0}  # values seen before, uncleaned

    def __call__(self, value: Any) -> int:
        try:
            return self._raw[value]  # step names, actions, targets: seen on every case
        except (KeyError, TypeError):
            pass
        text = clean(value)
        found = self._index.get(text)
        if found is None:
            found = self._index[text] = len(self.table)
            self.table.append(text)
        if type(value) is str and len(self._raw) < _RAW_CACHE:
            self._raw[value] = found
        return found


#: The columns of one step row (indices into ``Strings`` except the three numbers).
STEP_COLUMNS = ("step", "action", "target", "matched", "value", "attempt", "step_attempt",
                "duration_ms", "outcome", "error")


@dataclass
class CaseRecord:
    """One case as the audit tells it."""

    key: str
    row: int = 0
    status: str = ""  # "" until case_finished or case_rejected: the run stopped in it
    attempts: int = 0
    duration_ms: int = 0
    error: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    screenshot: str = ""  # the final one (relative to the run folder)
    shots: list[str] = field(default_factory=list)  # every one taken for the case
    verified: bool = False
    steps: list[tuple[int, ...]] = field(default_factory=list)
    steps_dropped: int = 0


@dataclass
class RunRecord:
    """The run as a whole: who, where, when, and how it ended."""

    run_id: str = ""
    bot: str = ""
    user: str = ""
    host: str = ""
    input: str = ""
    started: str = ""
    ended: str = ""
    lines: int = 0
    unreadable: list[int] = field(default_factory=list)  # line numbers that were not JSON
    finished: dict[str, Any] | None = None  # the last run_finished event
    stopped: str = ""  # why the run stopped taking cases (the breaker), if it did
    batches: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class AuditRead:
    """Everything the report needs from one audit file."""

    run: RunRecord
    cases: dict[str, CaseRecord]  # in the order the cases first appear
    strings: Strings
    session: list[tuple[int, ...]]  # step rows outside any case (log in, recover)
    events: list[tuple[str, str, str]]  # (ts, event, detail) of notable run-level events
    events_dropped: int = 0


def read_audit(path: Path) -> AuditRead:
    """Stream ``path`` (JSON lines) into an ``AuditRead``."""
    found = AuditRead(RunRecord(), {}, Strings(), [], [])
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            found.run.lines = number
            try:
                event = json.loads(line)
            except ValueError:
                found.run.unreadable.append(number)
                continue
            if isinstance(event, dict):
                _take(found, event)
    return found


def _take(found: AuditRead, event: dict[str, Any]) -> None:
    run, name, ts = found.run, event.get("event"), event.get("ts")
    if isinstance(ts, str):
        run.started = run.started or ts
        run.ended = ts
    if not run.run_id:
        run.run_id = clean(event.get("run_id", ""), 200)
        run.bot = clean(event.get("bot", ""), 200)
    handler = _HANDLERS.get(name) if isinstance(name, str) else None
    if handler is not None:
        handler(found, event)
    else:
        _note(found, event)


def _case(found: AuditRead, event: dict[str, Any]) -> CaseRecord:
    key = clean(event.get("case", ""), 500)
    record = found.cases.get(key)
    if record is None:
        record = found.cases[key] = CaseRecord(key)
    return record


def _number(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _step(found: AuditRead, event: dict[str, Any]) -> None:
    get, text = event.get, found.strings
    row = (text(get("step")), text(get("action")), text(get("target")), text(get("matched")),
           text(get("value")), _number(get("attempt")), _number(get("step_attempt")),
           _number(get("duration_ms")), text(get("outcome")), text(get("error")))
    if not event.get("case"):
        if len(found.session) < MAX_SESSION_ROWS:
            found.session.append(row)
        return
    record = _case(found, event)
    if len(record.steps) < MAX_CASE_STEPS:
        record.steps.append(row)
    else:
        record.steps_dropped += 1


def _started(found: AuditRead, event: dict[str, Any]) -> None:
    record = _case(found, event)
    record.row = _number(event.get("row")) or record.row
    record.attempts = max(record.attempts, _number(event.get("attempt")))


def _ended(found: AuditRead, event: dict[str, Any]) -> None:
    record = _case(found, event)
    rejected = event.get("event") == "case_rejected"
    record.status = "business_failed" if rejected else clean(event.get("outcome", ""), 40)
    record.row = _number(event.get("row")) or record.row
    record.attempts = _number(event.get("attempts")) or record.attempts
    record.duration_ms = _number(event.get("duration_ms"))
    record.error = clean(event.get("error", ""))
    record.verified = bool(event.get("verified"))
    outputs = event.get("outputs")
    if isinstance(outputs, dict):
        record.outputs = {clean(k, 200): clean(v) for k, v in outputs.items()}
    record.screenshot = clean(event.get("screenshot", ""), 500)
    if record.screenshot and record.screenshot not in record.shots:
        record.shots.append(record.screenshot)


def _shot(found: AuditRead, event: dict[str, Any]) -> None:
    shot = clean(event.get("path", ""), 500)
    if not event.get("case"):
        _note(found, event)
    elif shot:
        _case(found, event).shots.append(shot)


def _verified(found: AuditRead, event: dict[str, Any]) -> None:
    _case(found, event)  # a verify that found the case is followed by case_finished


def _run_started(found: AuditRead, event: dict[str, Any]) -> None:
    _identity(found, event)
    found.run.input = found.run.input or clean(event.get("input", ""), 500)


def _identity(found: AuditRead, event: dict[str, Any]) -> None:
    """Who ran it and where, if the run wrote it down (``user``, ``host``)."""
    run = found.run
    run.user = run.user or clean(event.get("user", ""), 200)
    run.host = run.host or clean(event.get("host", ""), 200)


def _session_started(found: AuditRead, event: dict[str, Any]) -> None:
    _identity(found, event)
    _note(found, event)


def _batch(found: AuditRead, event: dict[str, Any]) -> None:
    found.run.batches.append({k: event.get(k) for k in ("batch", "new", "already_queued")})
    found.run.input = found.run.input or clean(event.get("source", ""), 500)


def _back_in_queue(found: AuditRead, event: dict[str, Any]) -> None:
    """A case sent back to the queue (a system failure's round, the breaker): it is queued
    again, ``pending`` or ``uncertain``, not failed."""
    state = event.get("state")
    if event.get("case") and state in ("pending", "uncertain"):
        _case(found, event).status = str(state)
    if event.get("event") == "breaker_tripped":
        found.run.stopped = clean(event.get("reason", ""))
    _note(found, event)


def _run_finished(found: AuditRead, event: dict[str, Any]) -> None:
    found.run.finished = event


def _note(found: AuditRead, event: dict[str, Any]) -> None:
    """A run-level event (session started, a recovery, a failed log-in) for the timeline."""
    if len(found.events) >= MAX_SESSION_ROWS:
        found.events_dropped += 1
        return
    ts, name = clean(event.get("ts", ""), 40), clean(event.get("event", ""), 100)
    detail = ", ".join(f"{clean(k, 100)}={clean(v, 300)}" for k, v in event.items()
                       if k not in _PLUMBING)
    found.events.append((ts, name, detail))


_HANDLERS = {
    "step": _step,
    "case_started": _started,
    "case_finished": _ended,
    "case_rejected": _ended,
    "case_verified": _verified,
    "screenshot": _shot,
    "run_started": _run_started,
    "session_started": _session_started,
    "batch_ingested": _batch,
    "run_finished": _run_finished,
    "case_requeued": _back_in_queue,
    "breaker_tripped": _back_in_queue,
}
