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

from robot_core.intake import CaseStream, case_key, open_cases
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
    """Open ``path`` and add its rows as a batch (``enqueue_cases``); ``CaseDataError`` if
    unreadable."""
    with open_cases(path, bot.input) as cases:
        return enqueue_cases(store, bot, cases, digest=digest, vault=vault)


def enqueue_cases(store: Store, bot: BotScript, cases: CaseStream, *,
                  source: Path | None = None, digest: str | None = None,
                  vault: Vault | None = None) -> Batch:
    """Add the rows of an open ``cases`` stream as a batch; ``CaseDataError`` if unreadable.

    The stream's header was found when it was opened; its rows flow from the file into the
    batch's one transaction, so memory stays flat for any length, and a file that turns out
    unreadable half-way adds nothing. ``source`` is the path the batch records, whose name
    keys a row without a key (``intake.case_key``; the daemon gives the archive path the file
    moves to once queued), by default the stream's own. ``digest`` is the file's ``checksum``
    when the caller has it already (the daemon's inbox does). ``vault`` seals the secret
    columns (by default the key of ``ROBOT_HOME``).
    """
    source = source or cases.path
    digest = digest or checksum(cases.path)
    sealer = Sealer.for_bot(bot, vault or Vault(), cases.headers, cases.secret_headers)
    return store.add_batch(bot.name, str(source.resolve()), digest, cases.sheet,
                           cases.headers, _items(cases, source, sealer))


def _items(cases: CaseStream, source: Path, sealer: Sealer) -> Iterator[NewItem]:
    for case in cases:
        key = case_key(case, source)  # a row without a key: its place in the file
        yield NewItem(key, case.row_number, to_payload(case, sealer, key))
