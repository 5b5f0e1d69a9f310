"""Put a case file into the queue as one batch.

Every row becomes a ``pending`` item. A row rejected at intake carries its problems: the
worker turns it into a business failure with an evidence card, never touching the legacy
system. The unique key (bot, case key) makes re-ingesting a file, or an overlapping one,
a no-op. Secret columns are sealed before they reach the store (``queue/payload.py``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from robot_core.intake import CaseStream, open_cases
from robot_core.queue.base import Batch, NewItem, Store
from robot_core.queue.payload import Sealer, to_payload
from robot_core.script.model import BotScript
from robot_core.vault import Vault


def checksum(path: Path) -> str:
    """SHA-256 of the file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def enqueue_file(store: Store, bot: BotScript, path: Path, digest: str | None = None,
                 vault: Vault | None = None) -> Batch:
    """Read ``path`` and add its rows as a batch; ``CaseDataError`` if unreadable.

    Rows stream from the file into the batch's one transaction, so memory stays flat for
    any length, and a file that turns out unreadable half-way adds nothing. ``digest`` is the
    file's ``checksum`` when the caller has it already (the daemon's inbox does). ``vault``
    seals the secret columns (by default the key of ``ROBOT_HOME``).
    """
    digest = digest or checksum(path)
    with open_cases(path, bot.input) as cases:
        sealer = Sealer.for_bot(bot, vault or Vault(), cases.headers, cases.secret_headers)
        return store.add_batch(bot.name, str(path.resolve()), digest, cases.sheet,
                               cases.headers, _items(cases, sealer))


def _items(cases: CaseStream, sealer: Sealer) -> Iterator[NewItem]:
    for case in cases:
        # A row without a key still needs a unique one: its position in this file.
        key = case.key or f"{cases.path.name}#row{case.row_number}"
        yield NewItem(key, case.row_number, to_payload(case, sealer, key))
