"""A worker: claim items from the queue, run them, record the outcome, until the queue is dry.

Exactly-once rests on three things here: a lease kept alive by a heartbeat thread while a
case runs; items of crashed workers turned ``uncertain`` (at once for workers of this machine
that are gone, on lease expiry for others); and the runner's ``verify`` before an uncertain
item is typed again.

A case that ends ``failed`` (a system failure) goes back to the queue by itself, later each
time (``retry.system_failures``, ``Retries.requeue_s``): ``pending``, or ``uncertain`` when a
failed attempt may have saved it (then only if the bot can ``verify``; otherwise it stays
``failed`` for a person to check). A worker whose queue holds only deferred items ends: the
next ``robot work`` or the daemon's next pass takes them when they are due.

When ``retry.breaker`` cases in a row have failed on the system itself (``run/breaker.py``),
the worker takes no other case: the one in hand goes back as on a stop (``uncertain`` if it
may have been saved; one that may have been saved and cannot be verified stays ``failed``),
the streak's earlier cases, requeued, are due at once (``Store.due_now``),
a ``breaker_tripped`` event names the app and what was seen, and ``run`` raises
``SystemDown`` (exit 2) once the browser is closed; what is left stays queued.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from robot_core.errors import SecretsErased, SystemDown
from robot_core.evidence.audit import AuditTrail
from robot_core.intake import CaseRow
from robot_core.outcome import CaseResult, Status
from robot_core.queue.base import CLAIMABLE, Item, Store
from robot_core.queue.payload import Sealer, from_payload
from robot_core.run.breaker import Breaker
from robot_core.run.crash_points import CRASH_ENV, CrashPoints
from robot_core.run.runner import Runner
from robot_core.run.slots import SessionSlot
from robot_core.script.model import BotScript
from robot_core.vault import Vault, VaultError

# What a runner may end a case with; anything else would be a bug, stored as a system failure.
RUNNER_ENDS = frozenset({Status.DONE, Status.BUSINESS_FAILED, Status.FAILED,
                         Status.MISMATCH})
# Failed, but not for a reason time heals: the bot itself is wrong.
NOT_REQUEUED = frozenset({"BotScriptError"})
DEFAULT_LEASE_S = float(os.environ.get("ROBOT_LEASE_S", "60"))


def worker_id() -> str:
    """``host:pid:token``: unique, and tells this machine which of its workers are gone."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def owner_alive(owner: str) -> bool:
    """Whether the worker process behind ``owner`` (of this host) still runs."""
    try:
        pid = int(owner.split(":")[1])
    except (IndexError, ValueError):
        return False
    if pid == os.getpid():
        return False  # an earlier process with our pid; the caller knows its own owner id
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """A killed worker whose parent died too may linger unreaped: it holds nothing."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False  # no /proc (not Linux): trust the signal check
    return stat.rsplit(")", 1)[-1].split()[0] in {"Z", "X"}


class Heartbeat:
    """Keeps an item's lease alive from a background thread while its case runs."""

    def __init__(self, store: Store, item_id: int, owner: str, lease_s: float) -> None:
        self.args = (store, item_id, owner, lease_s)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True, name="heartbeat")

    def _beat(self) -> None:
        store, item_id, owner, lease_s = self.args
        while not self._stop.wait(lease_s / 3):
            store.heartbeat(item_id, owner, lease_s)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Worker:
    """Works one bot's queue (optionally one batch) with one runner."""

    bot: BotScript
    store: Store
    runner: Runner
    audit: AuditTrail
    run_root: Path
    home: Path
    batch: int | None = None
    limit: int | None = None
    lease_s: float = DEFAULT_LEASE_S
    stop: Callable[[], bool] = lambda: False
    on_result: Callable[[CaseResult], None] | None = None  # each result, as stored
    owner: str = field(default_factory=worker_id)
    crash: CrashPoints = field(default_factory=lambda: CrashPoints(os.environ.get(CRASH_ENV)))
    vault: Vault | None = None  # opens sealed secrets; by default the key of ``home``
    alive: Callable[[str], bool] = owner_alive  # is this machine's lease owner still running?

    def __post_init__(self) -> None:
        self._sealer = Sealer.for_bot(self.bot, self.vault or Vault(self.home))
        self.breaker = Breaker(self.bot.app, self.bot.retry.breaker)
        self.down: SystemDown | None = None  # set when the breaker trips

    def run(self) -> int:
        """Work until the queue is empty, ``limit`` is reached or a stop is requested."""
        revived = self.store.reclaim_dead(socket.gethostname(), self._alive)
        self.audit.event("worker_started", owner=self.owner, uncertain_reclaimed=revived,
                         batch=self.batch)
        worked, opened = 0, False
        self.runner.on_step = lambda step: self.crash.passed(f"step:{step.label}")
        slot = SessionSlot(self.store, self.bot.app, self.bot.selectors.section.max_sessions,
                           self.owner, self.lease_s, self.audit, self._alive)
        try:
            while not self.stop() and not slot.lost and self.down is None and (
                    self.limit is None or worked < self.limit):
                # The licence slot before the first claim: a worker waiting for one holds
                # no item another could be working on.
                if not slot.take(self.stop, self._work_left):
                    break
                item = self.store.claim(self.bot.name, self.owner, self.lease_s, self.batch)
                if item is None:
                    break
                case = self._case(item)  # before the browser: a wrong key stops here
                if case is not None:
                    if not opened:
                        self._open(item)
                        opened = True
                    self._work(item, case)
                worked += 1
        finally:
            try:
                if opened:
                    self.runner.close()
            finally:
                slot.free()  # only once the browser (and its session) is gone
            self.audit.event("worker_stopped", owner=self.owner, worked=worked,
                             **({"reason": "breaker"} if self.down else {}))
        if self.down is not None:
            raise self.down
        return worked

    def _alive(self, owner: str) -> bool:
        return owner == self.owner or self.alive(owner)

    def _work_left(self) -> bool:
        """Whether the queue still holds an item this worker could claim."""
        return self._claimable() > 0

    def _claimable(self) -> int:
        """Items of this bot (and batch) waiting in the queue, deferred ones included."""
        return sum(n for (_, batch), counts in self.store.counts(self.bot.name).items()
                   if self.batch is None or batch == self.batch
                   for state, n in counts.items() if state in CLAIMABLE)

    def _open(self, item: Item) -> None:
        """Open the application; if it will not open, the claimed item goes back pending
        (nothing of it was typed), so the queue reads true while the system is down."""
        try:
            self.runner.open()
        except BaseException:
            self.store.release(item.id, self.owner, Status.PENDING)
            raise

    def _case(self, item: Item) -> CaseRow | None:
        """The item's case, its secrets opened; None when the item was settled here."""
        if item.attempts > self.bot.retry.case:
            # Claimed again and again without finishing: the case itself stops the worker.
            self.store.complete(item.id, self.owner, CaseResult(
                item.key, item.row_number, Status.FAILED, error_kind="PoisonCase",
                error=f"taken {item.attempts - 1} times without finishing; check it by hand",
                run_id=self.run_root.name))
            return None
        try:
            return from_payload(item.key, item.row_number, item.payload, self._sealer)
        except SecretsErased as exc:
            self.store.complete(item.id, self.owner, CaseResult(
                item.key, item.row_number, Status.FAILED, error_kind="SecretsErased",
                error=str(exc), run_id=self.run_root.name))
            return None
        except VaultError:
            self.store.release(item.id, self.owner, Status.PENDING)  # nothing was typed
            raise

    def _work(self, item: Item, case: CaseRow) -> None:
        finished = False
        try:
            with Heartbeat(self.store, item.id, self.owner, self.lease_s):
                result = self.runner.run_case(case, uncertain=item.was_uncertain)
            self.crash.passed("before_complete")
            stored = self._stored(result)
            down = self.breaker.record(stored, item.id)
            finished = down is not None and self._tripped(item, stored, down)
            finished = finished or self._requeued(item, stored)
            if not finished:
                self.store.complete(item.id, self.owner, stored)
                finished = True
                if self.on_result:
                    self.on_result(stored)
        finally:
            if not finished:
                # Stopped mid-case (a second Ctrl-C): it may have been saved; verify first.
                self.store.release(item.id, self.owner, Status.UNCERTAIN)

    def _tripped(self, item: Item, result: CaseResult, down: SystemDown) -> bool:
        """The breaker tripped on this case: no other case is taken, and this one goes back
        to the queue as on a stop (no round of ``system_failures`` spent, due at once).
        False when it may have been saved and the bot cannot verify: the usual path decides."""
        saved = result.maybe_saved or item.maybe_saved
        state = Status.UNCERTAIN if saved else Status.PENDING
        held = (not saved or bool(self.bot.verify)) and self.store.release(
            item.id, self.owner, state)
        self.store.due_now(self.breaker.items()[:-1])  # requeued deferred: the system's fault
        queued = self._claimable()
        self.down = SystemDown(f"{down.reason}; {queued} case(s) stay queued: robot work "
                               f"{self.bot.name} carries on once it is back", down.app)
        self.audit.event("breaker_tripped", app=down.app, case=item.key,
                         state=state.value if held else "", queued=queued,
                         cases=[r.key for _, r in self.breaker.streak], error=result.error,
                         reason=self.down.reason)
        return held

    def _requeued(self, item: Item, result: CaseResult) -> bool:
        """Send a system failure back to the queue for a later try, if it has tries left."""
        if result.status is not Status.FAILED or result.error_kind in NOT_REQUEUED:
            return False
        delay = self.runner.retries.requeue_s(item.system_failures)
        saved = result.maybe_saved or item.maybe_saved
        if delay is None or (saved and not self.bot.verify):
            return False  # the last try, or a save nobody can check: a person looks
        state = Status.UNCERTAIN if saved else Status.PENDING
        if not self.store.requeue(item.id, self.owner, result, state, delay):
            return False
        self.audit.event("case_requeued", case=item.key, state=state.value, after_s=delay,
                         round=item.system_failures + 1, error=result.error)
        return True

    def _stored(self, result: CaseResult) -> CaseResult:
        """``result`` as the queue keeps it: screenshot relative to ``home``, this run's id."""
        screenshot = ""
        if result.screenshot:
            screenshot = str((self.run_root / result.screenshot).relative_to(self.home))
        status = result.status if result.status in RUNNER_ENDS else Status.FAILED
        return dataclasses.replace(result, status=status, screenshot=screenshot,
                                   attempts=max(result.attempts, 1), run_id=self.run_root.name)
