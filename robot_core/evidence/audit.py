"""The audit trail: one structlog JSON-lines file per run, masked and hash-chained.

Every line carries the hash of the line before it (``prev``) and its own (``hash``, plain
SHA-256), so a deleted or edited line breaks the chain. Each line is also keyed: ``mac`` is
``<key id>:<HMAC-SHA256 of the hash>`` with the audit key (``vault.AUDIT``), which lives
outside the run folder, so a chain recomputed after an edit is told from the one written.
At the run's end its line count and last hash are anchored in the queue database, so a cut
tail or an appended line shows too. ``evidence/verify.py`` checks all of it. Secrets (passwords,
My Numbers) are replaced before a line is written: by field (``value`` of a secret step)
and by content (any known secret value, wherever it appears).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Iterable, MutableMapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import structlog

from robot_core.private import open_append, private_dir
from robot_core.vault import MASK, key_id

GENESIS = "0" * 64
EventDict = MutableMapping[str, Any]
#: Called with every event as written (masked, chained): ``robot_core.testing.capture_events``.
LISTENERS: list[Callable[[dict[str, Any]], None]] = []


class SecretMasker:
    """Processor: replace every known secret value in every string field."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._by_length: dict[int, set[str]] = {}
        self._lengths: list[int] = []  # longest first: a longer secret masks before its parts

    def add(self, values: Iterable[str]) -> None:
        """Remember more secret values (credentials, a case's My Number)."""
        new = {v for v in values if v and len(v) >= 4} - self._secrets
        if new:
            self._secrets |= new
            for value in new:
                self._by_length.setdefault(len(value), set()).add(value)
            self._lengths = sorted(self._by_length, reverse=True)

    def values(self) -> list[str]:
        """The secret values known so far (for masking screenshots)."""
        return sorted(self._secrets)

    def mask(self, text: str) -> str:
        """``text`` with every known secret replaced by ``MASK``.

        A night adds a secret per case, so the text's windows of each secret length are
        looked up in a set (cost grows with the text, not with the night) once that is
        cheaper than looking for each secret in turn.
        """
        if not self._lengths or len(text) < self._lengths[-1]:
            return text
        if len(self._secrets) <= len(text) * len(self._lengths):
            for length in self._lengths:
                for secret in self._by_length[length]:
                    if secret in text:
                        text = text.replace(secret, MASK)
            return text
        for length in self._lengths:
            text = _mask_windows(text, length, self._by_length[length])
        return text

    def __call__(self, _logger: object, _name: str, event: EventDict) -> EventDict:
        if event.pop("secret", False) and event.get("value") not in (None, ""):
            event["value"] = MASK
        for key, value in event.items():
            event[key] = self._deep(value)
        return event

    def _deep(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.mask(value)
        if isinstance(value, dict):
            return {k: self._deep(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._deep(v) for v in value]
        return value


def _mask_windows(text: str, length: int, secrets: set[str]) -> str:
    """Replace, left to right, every ``length``-long window of ``text`` that is a secret."""
    parts: list[str] = []
    start = i = 0
    while i <= len(text) - length:
        if text[i:i + length] in secrets:
            parts += [text[start:i], MASK]
            i = start = i + length
        else:
            i += 1
    return "".join([*parts, text[start:]]) if parts else text


class HashChain:
    """Processor and renderer: JSON with ``prev`` and ``hash`` linking each line to the last,
    and ``mac`` keying it when a key is given (a chain without one is an older robot's)."""

    def __init__(self, prev: str = GENESIS, key: bytes | None = None, lines: int = 0) -> None:
        self.prev = prev
        self.lines = lines
        self._key = key
        self._kid = key_id(key) if key else ""
        self._lock = threading.Lock()

    def __call__(self, _logger: object, _name: str, event: EventDict) -> str:
        with self._lock:
            event["prev"] = self.prev
            body = _canonical(event)
            digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
            self.prev = digest
            self.lines += 1
        if self._key is None:
            return body[:-1] + f',"hash":"{digest}"}}'
        return body[:-1] + f',"hash":"{digest}","mac":"{self._kid}:{mac(self._key, digest)}"}}'


def mac(key: bytes, digest: str) -> str:
    """The HMAC-SHA256 of a line's hash: what only a holder of the audit key can make."""
    return hmac.new(key, digest.encode("ascii"), hashlib.sha256).hexdigest()


def line_hash(event: EventDict) -> str:
    """The plain SHA-256 of a parsed line without its ``hash`` and ``mac``."""
    return hashlib.sha256(_canonical(event).encode("utf-8")).hexdigest()


def _canonical(event: EventDict) -> str:
    return json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str)


def _timestamp(_logger: object, _name: str, event: EventDict) -> EventDict:
    event["ts"] = datetime.now(UTC).isoformat(timespec="milliseconds")
    return event


class _LineWriter:
    """structlog logger that appends one line per event and flushes (a crash loses nothing)."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def msg(self, line: str) -> None:
        with self._lock:
            self._stream.write(line + "\n")
            self._stream.flush()
        for listener in tuple(LISTENERS):  # none outside tests: no cost but this check
            listener(json.loads(line))

    info = warning = error = msg


class AuditTrail:
    """The audit file of one run; ``log`` is a bound structlog logger.

    ``audit_key`` keys every line (``vault.load_key(home, vault.AUDIT)``); without one the
    lines are chained but unkeyed, as an older robot wrote them.
    """

    def __init__(self, path: Path, audit_key: bytes | None = None, **context: Any) -> None:
        private_dir(path.parent)
        self.path = path
        self.masker = SecretMasker()
        self.key = audit_key  # the run's report checks the trail with it; never written
        self.key_id = key_id(audit_key) if audit_key else ""
        lines, prev = _last_hash(path)
        self._stream = open_append(path)  # 0600: it names cases, and who did what
        self.chain = HashChain(prev, audit_key, lines)
        self.log: Any = structlog.wrap_logger(
            _LineWriter(self._stream),
            processors=[structlog.contextvars.merge_contextvars, _timestamp, self.masker,
                        self.chain],
            context_class=dict,
        ).bind(**context)

    def event(self, name: str, **fields: Any) -> None:
        """Write one event."""
        self.log.info(name, **fields)

    def close(self) -> None:
        """Close the file."""
        self._stream.close()


def _last_hash(path: Path) -> tuple[int, str]:
    """Continue the chain of an existing file (a resumed run appends to it): its line count
    and last hash."""
    if not path.exists() or path.stat().st_size == 0:
        return 0, GENESIS
    text = path.read_text(encoding="utf-8").rstrip("\n")
    return text.count("\n") + 1, str(json.loads(text.rsplit("\n", 1)[-1])["hash"])


def verify_chain(path: Path) -> int | None:
    """Check the plain hash chain; return the 1-based number of the first bad line, or None.

    The key and the anchor are checked by ``evidence.verify.verify_audit``, which says what
    kind of damage it found; this is the quick structural check.
    """
    prev = GENESIS
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            try:
                event = json.loads(line)
                claimed = event.pop("hash")
                event.pop("mac", None)
            except (ValueError, KeyError, AttributeError):
                return number
            if event.get("prev") != prev or line_hash(event) != claimed:
                return number
            prev = claimed
    return None
