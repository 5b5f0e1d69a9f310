"""A case row as stored in the queue: JSON, with dates kept as dates, secrets sealed.

The typed values and raw cells of secret columns (``secret: true``: My Number, passwords)
never lie in the payload in clear. A ``Sealer`` moves them into one ``sealed`` token
(``robot_core.vault``, bound to the item's bot and key); the clear part keeps ``None`` for
each secret value and a mask for each non-empty secret cell, so the results workbook,
which masks them anyway, still shows that a value was there. When an item finishes the
store sets ``sealed`` to ``null``: its secrets are gone (``ERASED``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from robot_core.errors import SecretsErased
from robot_core.intake import CaseRow, Problem
from robot_core.intake.layout import header_matches
from robot_core.script.model import BotScript
from robot_core.vault import MASK, Vault

SEALED = "sealed"


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


@dataclass(frozen=True)
class Sealer:
    """Which parts of a bot's rows are secret, and the vault that seals them."""

    vault: Vault
    bot: str
    columns: frozenset[str]
    headers: frozenset[str] = frozenset()

    @classmethod
    def for_bot(cls, bot: BotScript, vault: Vault, file_headers: Iterable[str] = (),
                secret_headers: Iterable[str] = ()) -> Sealer:
        """The sealer of ``bot``; ``file_headers`` are a file's headers, of which those in
        ``secret_headers`` (as intake found them) or matching a secret column's name or
        alias (as intake matches headers) are sealed too."""
        known = set(secret_headers)
        aliases = bot.secret_headers()
        headers = {h for h in file_headers if h and (
            h in known or any(header_matches(h, alias) for alias in aliases))}
        return cls(vault, bot.name, frozenset(bot.secret_columns()), frozenset(headers | known))

    def context(self, key: str) -> bytes:
        """The associated data that binds a sealed value to its item."""
        return json.dumps(["robot-queue", self.bot, key], ensure_ascii=False).encode("utf-8")

    def seal(self, key: str, values: dict[str, Any], raw: dict[str, Any]) -> str | None:
        """Move the secret entries out of ``values`` and ``raw`` into a token (None: none)."""
        hidden: dict[str, dict[str, Any]] = {"values": {}, "raw": {}}
        for name in self.columns & values.keys():
            hidden["values"][name] = values[name]
            values[name] = None
        for header in self.headers & raw.keys():
            hidden["raw"][header] = raw[header]
            if raw[header] not in (None, ""):
                raw[header] = MASK
        if not any(v not in (None, "") for part in hidden.values() for v in part.values()):
            return None  # nothing secret in this row: nothing to seal or to lose
        plain = json.dumps(hidden, ensure_ascii=False).encode("utf-8")
        return self.vault.seal(plain, self.context(key))

    def checksum(self, key: str, case: CaseRow) -> str:
        """The keyed checksum of the row's content: its typed values (secrets included,
        never stored) and its problems. Equal rows give equal sums; a sum reveals nothing."""
        content = {"values": {k: _encode(v) for k, v in case.values.items()},
                   "problems": [[p.column, p.en] for p in case.problems]}
        data = json.dumps(content, ensure_ascii=False, sort_keys=True, default=str)
        return self.vault.digest(data.encode("utf-8"), self.context(key))

    def open(self, key: str, token: str) -> dict[str, dict[str, Any]]:
        """The secret entries sealed in ``token``."""
        opened: dict[str, dict[str, Any]] = json.loads(self.vault.open(token, self.context(key)))
        return opened


def to_payload(case: CaseRow, sealer: Sealer | None = None, key: str | None = None,
               ) -> dict[str, Any]:
    """The typed values and the raw cells (for the results workbook) of one row.

    With a ``sealer``, secret columns are sealed, bound to ``key`` (the item's key; the
    row's own by default).
    """
    values = {k: _encode(v) for k, v in case.values.items()}
    raw = {k: _encode(v) for k, v in case.raw.items()}
    payload: dict[str, Any] = {"values": values, "raw": raw}
    if sealer is not None:
        token = sealer.seal(case.key if key is None else key, values, raw)
        if token is not None:
            payload[SEALED] = token
    payload["problems"] = [[p.column, p.en, p.ja] for p in case.problems]
    payload["warnings"] = [[p.column, p.en, p.ja] for p in case.warnings]
    return payload


def from_payload(key: str, row_number: int, payload: dict[str, Any],
                 sealer: Sealer | None = None) -> CaseRow:
    """Rebuild the ``CaseRow`` a worker runs.

    Without a ``sealer`` secret columns stay ``None`` (values) and masked (raw cells): enough
    for a results workbook. With one they are opened; ``SecretsErased`` if the item's were
    erased, ``VaultError`` if they were sealed with another key or belong to another item.
    """
    values = {k: _decode(v) for k, v in payload.get("values", {}).items()}
    raw = {k: _decode(v) for k, v in payload.get("raw", {}).items()}
    if sealer is not None and SEALED in payload:
        token = payload[SEALED]
        if not isinstance(token, str):
            raise SecretsErased(f"item {key!r}: its secret columns were erased when it "
                                "finished; it cannot be typed again from the queue")
        opened = sealer.open(key, token)
        values.update({k: _decode(v) for k, v in opened.get("values", {}).items()})
        raw.update({k: _decode(v) for k, v in opened.get("raw", {}).items()})
    return CaseRow(row_number, key, values, raw,
                   [Problem(*p) for p in payload.get("problems", [])],
                   [Problem(*p) for p in payload.get("warnings", [])])
