"""A worker's session slot: the application's licence limit (``app: {max_sessions: N}``).

A worker holds one of the app's ``max_sessions`` slots in the queue database from before it
logs in until its browser is closed, so no more than N workers are logged in at once, on
this machine or any other sharing the queue. The slot is a lease, kept alive by a heartbeat
thread like an item's: a worker killed with ``kill -9`` loses its slot when the lease runs out
(at once for a dead worker of this machine, which the next taker sees is gone).

A worker that finds every slot taken waits, looking again every ``POLL_S``, for as long as
the queue still holds work for it and no stop is asked for.
"""

from __future__ import annotations

import random
import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType

from robot_core.evidence.audit import AuditTrail
from robot_core.queue.base import Store

POLL_S = 0.5


class SessionSlot:
    """One worker's claim on a slot of ``app`` (a no-op when the app sets no limit)."""

    def __init__(self, store: Store, app: str, limit: int | None, owner: str, lease_s: float,
                 audit: AuditTrail, is_alive: Callable[[str], bool]) -> None:
        self.store, self.app, self.limit, self.owner = store, app, limit, owner
        self.lease_s = lease_s
        self.audit = audit
        self.is_alive = is_alive
        self.held = False
        self.lost = False  # the lease ran out under us: stop at the next case boundary
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def take(self, stop: Callable[[], bool], work_left: Callable[[], bool]) -> bool:
        """Hold a slot (waiting for one if need be); False if a stop or an empty queue
        ended the wait first."""
        if self.limit is None or self.held:
            return True
        waited = 0.0
        started = time.monotonic()
        while not self.store.take_slot(self.app, self.limit, self.owner, self.lease_s,
                                       socket.gethostname(), self.is_alive):
            if not waited:
                self.audit.event("session_slot_waiting", app=self.app, max_sessions=self.limit)
            if stop() or not work_left():
                return False
            # Jitter: workers that all wait for one slot do not all ask at the same moment.
            time.sleep(POLL_S * random.uniform(0.8, 1.2))
            waited = time.monotonic() - started
        self.held = True
        self.audit.event("session_slot_taken", app=self.app, max_sessions=self.limit,
                         waited_s=round(waited, 2))
        self._stop.clear()
        self._thread = threading.Thread(target=self._beat, daemon=True, name="session-slot")
        self._thread.start()
        return True

    def _beat(self) -> None:
        while not self._stop.wait(self.lease_s / 3):
            if not self.store.keep_slot(self.app, self.owner, self.lease_s):
                self.lost = True
                self.audit.event("session_slot_lost", app=self.app)
                return

    def free(self) -> None:
        """Stop the heartbeat and give the slot back."""
        if not self.held:
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.store.free_slot(self.app, self.owner)
        self.held = False
        self.audit.event("session_slot_freed", app=self.app)

    def __enter__(self) -> SessionSlot:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.free()
