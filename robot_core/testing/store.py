"""``MemoryStore``: the ``Store`` protocol in memory, for tests of whatever uses a queue.

It passes the same contract tests as SQLite and PostgreSQL (tests/unit/test_queue_store.py):
leases that expire into ``uncertain``, ``reclaim_dead``, priority then age, one item per
(bot, key), every row of every file in its batch, corrections and conflicts of re-ingested
rows, system failures requeued, secrets erased on the states of ``ERASES_SECRETS`` and
``retry`` refused for them, ``cancel`` sparing items in progress.
One lock makes every method atomic, so a worker's heartbeat thread may share it. Items are
copied in and out: changing a returned ``Item`` changes nothing stored. It lives as long as
the object does (``close`` keeps it readable); it is not shared between processes.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from robot_core.outcome import FINAL_STATES, CaseResult, Status
from robot_core.queue.base import (
    CLAIMABLE,
    CORRECTED,
    ERASES_SECRETS,
    AuditAnchor,
    Batch,
    Change,
    Item,
    NewItem,
)
from robot_core.queue.payload import SEALED
from robot_core.queue.rows import compared, erased_error, now, tally


@dataclass(frozen=True)
class _Member:
    """An item's place in one batch: that file's row (SQLite's ``batch_items``)."""

    row_number: int
    item: int
    note: str = ""


def _erase(item: Item) -> None:
    if isinstance(item.payload.get(SEALED), str):
        item.payload = {**item.payload, SEALED: None}


class MemoryStore:
    """``Store`` on a few dictionaries behind one lock."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._items: dict[int, Item] = {}
        self._keys: dict[tuple[str, str], int] = {}
        self._batches: dict[int, Batch] = {}
        self._members: dict[int, list[_Member]] = {}
        self._slots: dict[tuple[str, int], tuple[str, datetime]] = {}  # (app, n): owner, expiry
        self._anchors: dict[str, AuditAnchor] = {}

    # -- writing ---------------------------------------------------------------------------
    def add_batch(self, bot: str, source: str, checksum: str, sheet: str,
                  headers: Sequence[str], items: Iterable[NewItem]) -> Batch:
        """Record the batch, its new items and corrections; nothing is kept if ``items``
        raises."""
        with self._lock:
            batch_id = len(self._batches) + 1
            stamp = now()
            fresh: dict[str, Item] = {}
            members: dict[str, _Member] = {}
            changes: dict[str, tuple[Change, NewItem]] = {}
            total = 0
            next_id = len(self._items) + 1
            for new in items:  # staged: a stop or a bad row half-way adds nothing
                total += 1
                known = self._keys.get((bot, new.key)) or (
                    fresh[new.key].id if new.key in fresh else None)
                if known is None:
                    fresh[new.key] = self._item(bot, batch_id, next_id, new, stamp)
                    known = next_id
                    next_id += 1
                elif new.key not in members and new.key not in fresh:
                    change = self._compare(known, batch_id, new)
                    if change is not None:
                        changes[new.key] = (change, new)
                kind = changes[new.key][0].kind if new.key in changes else ""
                members.setdefault(new.key, _Member(new.row_number, known, kind))
            for key, item in fresh.items():
                self._items[item.id] = item
                self._keys[(bot, key)] = item.id
            for change, new in changes.values():
                if change.kind == CORRECTED:
                    self._correct(self._items[self._keys[(bot, new.key)]], batch_id, new, stamp)
            listed = [c for c, _ in changes.values()]
            corrected, conflicts = tally(listed)
            self._members[batch_id] = list(members.values())
            self._batches[batch_id] = Batch(batch_id, bot, source, checksum, sheet, list(headers),
                                            stamp, len(fresh), total - len(fresh) - len(listed),
                                            corrected, conflicts)
            batch = copy.deepcopy(self._batches[batch_id])
            batch.changes = listed
            return batch

    def _compare(self, item_id: int, batch_id: int, new: NewItem) -> Change | None:
        item = self._items[item_id]
        return compared({"state": item.state.value, "content_sum": item.content_sum,
                         "maybe_saved": item.maybe_saved, "batch": item.batch, "here": False},
                        batch_id, new)

    @staticmethod
    def _correct(item: Item, batch_id: int, new: NewItem, stamp: datetime) -> None:
        """The item takes the corrected row (``correction_sql`` of the SQL stores)."""
        item.batch, item.row_number = batch_id, new.row_number
        item.payload, item.content_sum = copy.deepcopy(new.payload), new.content_sum
        item.state = new.state
        item.attempts = item.tries = item.system_failures = 0
        item.defer_until = None
        item.error_kind, item.error, item.screenshot = new.error_kind, new.error, new.screenshot
        item.outputs = {}
        item.was_uncertain = False
        item.updated_at = stamp

    @staticmethod
    def _item(bot: str, batch: int, item_id: int, new: NewItem, stamp: datetime) -> Item:
        return Item(item_id, bot, batch, new.key, new.row_number, copy.deepcopy(new.payload),
                    new.state, priority=new.priority, due_by=new.due_by,
                    error_kind=new.error_kind, error=new.error, screenshot=new.screenshot,
                    created_at=stamp, updated_at=stamp, content_sum=new.content_sum)

    def claim(self, bot: str, owner: str, lease_s: float, batch: int | None = None,
              ) -> Item | None:
        """Lease the next item (priority, then age); expired leases become uncertain first."""
        with self._lock:
            stamp = now()
            self._expire(stamp)
            chosen = self._in_batch(batch) if batch is not None else None
            ready = [i for i in self._items.values()
                     if i.bot == bot and i.state in CLAIMABLE
                     and (i.defer_until is None or i.defer_until <= stamp)
                     and (chosen is None or i.id in chosen)]
            if not ready:
                return None
            item = min(ready, key=lambda i: (-i.priority, i.id))
            item.was_uncertain = item.state is Status.UNCERTAIN
            item.maybe_saved = item.maybe_saved or item.was_uncertain
            item.state = Status.IN_PROGRESS
            item.lease_owner = owner
            item.lease_expires = stamp + timedelta(seconds=lease_s)
            item.attempts += 1
            item.updated_at = stamp
            return copy.deepcopy(item)

    def _expire(self, stamp: datetime) -> None:
        for item in self._items.values():
            if item.state is Status.IN_PROGRESS and item.lease_expires is not None \
                    and item.lease_expires < stamp:
                self._unlease(item, Status.UNCERTAIN, stamp)

    @staticmethod
    def _unlease(item: Item, state: Status, stamp: datetime) -> None:
        item.state = state
        item.lease_owner = item.lease_expires = None
        item.updated_at = stamp

    def _leased(self, item_id: int, owner: str) -> Item | None:
        item = self._items.get(item_id)
        if item is None or item.lease_owner != owner or item.state is not Status.IN_PROGRESS:
            return None
        return item

    def heartbeat(self, item_id: int, owner: str, lease_s: float) -> bool:
        """Push the lease's expiry forward."""
        with self._lock:
            item = self._leased(item_id, owner)
            if item is not None:
                item.lease_expires = now() + timedelta(seconds=lease_s)
            return item is not None

    def complete(self, item_id: int, owner: str, result: CaseResult) -> bool:
        """Store the result if ``owner`` still holds the lease."""
        with self._lock:
            item = self._leased(item_id, owner)
            if item is None:
                return False
            self._unlease(item, result.status, now())
            item.outputs = dict(result.outputs)
            item.error_kind, item.error = result.error_kind, result.error
            item.screenshot = result.screenshot
            item.tries += max(result.attempts, 1)
            item.maybe_saved = item.maybe_saved or result.maybe_saved
            if result.status in ERASES_SECRETS:
                _erase(item)
            return True

    def requeue(self, item_id: int, owner: str, result: CaseResult, state: Status,
                defer_s: float) -> bool:
        """A system failure back to the queue, deferred."""
        with self._lock:
            item = self._leased(item_id, owner)
            if item is None:
                return False
            stamp = now()
            self._unlease(item, state, stamp)
            item.error_kind, item.error = result.error_kind, result.error
            item.screenshot = result.screenshot
            item.tries += max(result.attempts, 1)
            item.attempts = 0
            item.system_failures += 1
            item.maybe_saved = item.maybe_saved or result.maybe_saved
            item.defer_until = stamp + timedelta(seconds=defer_s)
            return True

    def release(self, item_id: int, owner: str, state: Status, defer_s: float = 0) -> bool:
        """Hand the item back to the queue."""
        with self._lock:
            item = self._leased(item_id, owner)
            if item is None:
                return False
            stamp = now()
            self._unlease(item, state, stamp)
            item.defer_until = stamp + timedelta(seconds=defer_s) if defer_s else None
            return True

    def due_now(self, ids: Sequence[int]) -> int:
        """Deferred waiting items among ``ids`` due at once."""
        with self._lock:
            waiting = [self._items[i] for i in ids if i in self._items
                       and self._items[i].state in CLAIMABLE
                       and self._items[i].defer_until is not None]
            for item in waiting:
                item.defer_until = None
                item.updated_at = now()
            return len(waiting)

    def reclaim_dead(self, host: str, is_alive: Callable[[str], bool]) -> int:
        """Items leased by this host's workers that are gone become uncertain now."""
        with self._lock:
            dead = [i for i in self._items.values() if i.state is Status.IN_PROGRESS
                    and (i.lease_owner or "").startswith(f"{host}:")
                    and not is_alive(i.lease_owner or "")]
            stamp = now()
            for item in dead:
                self._unlease(item, Status.UNCERTAIN, stamp)
            return len(dead)

    def take_slot(self, app: str, limit: int, owner: str, lease_s: float, host: str,
                  is_alive: Callable[[str], bool]) -> bool:
        """The lowest free slot below ``limit``, after freeing expired and dead ones."""
        with self._lock:
            stamp = now()
            expires = stamp + timedelta(seconds=lease_s)
            for key, (holder, until) in list(self._slots.items()):
                gone = holder.startswith(f"{host}:") and holder != owner \
                    and not is_alive(holder)
                if until < stamp or (key[0] == app and gone):
                    del self._slots[key]
            for (slot_app, n), (holder, _) in self._slots.items():
                if slot_app == app and holder == owner:
                    self._slots[(app, n)] = (owner, expires)
                    return True
            free = [n for n in range(limit) if (app, n) not in self._slots]
            if free:
                self._slots[(app, free[0])] = (owner, expires)
            return bool(free)

    def keep_slot(self, app: str, owner: str, lease_s: float) -> bool:
        """Push the slot's expiry forward."""
        with self._lock:
            for (slot_app, n), (holder, _) in self._slots.items():
                if slot_app == app and holder == owner:
                    self._slots[(app, n)] = (owner, now() + timedelta(seconds=lease_s))
                    return True
            return False

    def free_slot(self, app: str, owner: str) -> None:
        """Forget the owner's slot."""
        with self._lock:
            self._slots = {k: v for k, v in self._slots.items()
                           if not (k[0] == app and v[0] == owner)}

    def slot_holders(self, app: str) -> list[str]:
        """Who holds ``app``'s slots now (for tests)."""
        with self._lock:
            return [holder for (slot_app, _), (holder, _) in self._slots.items()
                    if slot_app == app]

    def retry(self, ids: Sequence[int] = (), states: Sequence[Status] = (),
              bot: str | None = None) -> int:
        """Final items back to pending, attempts reset; refused if any lost its secrets."""
        with self._lock:
            chosen = [i for i in self._chosen(ids, states or FINAL_STATES, bot, None)
                      if i.state in FINAL_STATES]
            erased = [i.id for i in chosen if i.state in ERASES_SECRETS
                      and SEALED in i.payload and i.payload[SEALED] is None]
            if erased:
                raise erased_error(erased[:11])
            stamp = now()
            for item in chosen:
                item.state = Status.UNCERTAIN if item.maybe_saved else Status.PENDING
                item.attempts = item.tries = item.system_failures = 0
                item.defer_until = None
                item.error_kind = item.error = item.screenshot = ""
                item.updated_at = stamp
            return len(chosen)

    def cancel(self, ids: Sequence[int] = (), states: Sequence[Status] = (),
               bot: str | None = None, batch: int | None = None) -> int:
        """Cancel items not being worked on, erasing their secrets."""
        with self._lock:
            chosen = [i for i in self._chosen(ids, states or (Status.PENDING, Status.UNCERTAIN),
                                              bot, batch) if i.state is not Status.IN_PROGRESS]
            stamp = now()
            for item in chosen:
                item.state = Status.CANCELLED
                item.updated_at = stamp
                _erase(item)
            return len(chosen)

    def _chosen(self, ids: Sequence[int], states: Iterable[Status], bot: str | None,
                batch: int | None) -> list[Item]:
        """The items a bulk command names, in id order (``item_filter`` of the SQL stores)."""
        wanted, members = set(states), self._in_batch(batch) if batch is not None else None
        return [i for i in sorted(self._items.values(), key=lambda i: i.id)
                if (not ids or i.id in ids) and (not wanted or i.state in wanted)
                and (bot is None or i.bot == bot) and (members is None or i.id in members)]

    def _in_batch(self, batch: int) -> set[int]:
        return {m.item for m in self._members.get(batch, [])}

    # -- reading ---------------------------------------------------------------------------
    def get(self, item_id: int) -> Item:
        """One item by id; ``KeyError`` if unknown."""
        with self._lock:
            return copy.deepcopy(self._items[item_id])

    def items(self, bot: str | None = None, batch: int | None = None,
              states: Sequence[Status] = ()) -> list[Item]:
        """Filtered items in id order; in a batch, in its file's row order, at those rows."""
        with self._lock:
            if batch is None:
                return copy.deepcopy(self._chosen((), states, bot, None))
            return [i for i in self._rows(batch)
                    if (not states or i.state in states) and (bot is None or i.bot == bot)]

    def _rows(self, batch: int) -> list[Item]:
        members = sorted(self._members.get(batch, []), key=lambda m: (m.row_number, m.item))
        return [replace(copy.deepcopy(self._items[m.item]), row_number=m.row_number, note=m.note)
                for m in members]

    def iter_items(self, batch: int, chunk: int = 500) -> Iterator[Item]:
        """The batch's items in row order, as one consistent reading taken at the start."""
        with self._lock:
            rows = self._rows(batch)
        yield from rows

    def batch(self, batch_id: int) -> Batch:
        """One batch by id; ``KeyError`` if unknown."""
        with self._lock:
            return copy.deepcopy(self._batches[batch_id])

    def batches(self, bot: str | None = None) -> list[Batch]:
        """Batches, newest first."""
        with self._lock:
            return [copy.deepcopy(b) for b in sorted(self._batches.values(), key=lambda b: -b.id)
                    if bot is None or b.bot == bot]

    def counts(self, bot: str | None = None) -> dict[tuple[str, int], dict[Status, int]]:
        """Items per state, each under the (bot, batch) that first queued it."""
        out: dict[tuple[str, int], dict[Status, int]] = {}
        with self._lock:
            for item in sorted(self._items.values(), key=lambda i: (i.bot, i.batch)):
                if bot is None or item.bot == bot:
                    per = out.setdefault((item.bot, item.batch), {})
                    per[item.state] = per.get(item.state, 0) + 1
        return out

    def anchor_audit(self, anchor: AuditAnchor) -> None:
        """Keep the run's anchor; a resumed run's moves it forward."""
        with self._lock:
            self._anchors[anchor.run_id] = replace(anchor, anchored_at=now())

    def audit_anchor(self, run_id: str) -> AuditAnchor | None:
        """One run's anchor, or None."""
        with self._lock:
            return self._anchors.get(run_id)

    def audit_anchors(self) -> list[AuditAnchor]:
        """Every anchor, by run id."""
        with self._lock:
            return [self._anchors[k] for k in sorted(self._anchors)]

    def close(self) -> None:
        """Nothing to release; what is stored stays readable (tests look at it afterwards)."""
