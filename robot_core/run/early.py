"""The browser started while the run is queued: ``robot run``'s first action, sooner.

Playwright's sync API belongs to the thread that starts it, so the browser starts on the
main thread, and what comes before the first case, the heavy imports (openpyxl, SQLite,
the evidence modules), the case file's header, the run folder and the batch, runs on a
second thread (``prepare``). The main thread mostly waits for Node and Chromium (their own
processes, the GIL released), so on two cores the two overlap.

The order a user sees stays: Playwright's driver (Node) starts at once, but Chromium is
launched only once ``prepare`` says ``ready`` (``robot run``: the case file's header found
and the environment checked, before it imports the queue and the evidence); anything
``prepare`` raises before that costs no browser. Whatever ends ``prepare`` early (an
unreadable row, a stop) stops the browser before it is re-raised here, so a failed intake
leaves neither a browser nor a half-written batch (its one transaction rolls back). A
browser that will not start is not an error here: it is stopped, and the worker's first
``start`` meets the same error where it always did (after the batch is queued, so the run
is told and closed as before).

Signals: only the main thread hears them. While the browser starts, the first SIGINT or
SIGTERM only asks to stop (``Stopper.graceful``: Playwright's start cannot be interrupted
without leaving its Node driver behind); ``prepare`` asks before each row it queues and
rolls its batch back, and the browser is stopped once it is up. A second signal stops at
once, as everywhere.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from robot_core.drivers import Driver, make_driver
from robot_core.errors import ConfigError
from robot_core.run.ending import Stopper
from robot_core.script.model import BotScript

T = TypeVar("T")
SWITCH_S = 0.0005  # the GIL's switch interval while the two threads overlap


def environment(bot: BotScript) -> dict[str, str]:
    """The environment variables the bot's templates read; all must be set."""
    missing = sorted(v for v in bot.env_vars if not os.environ.get(v))
    if missing:
        raise ConfigError(f"{bot.file}: set the environment variable(s) {', '.join(missing)}")
    return {name: os.environ[name] for name in bot.env_vars}


def driver_for(bot: BotScript, *, headed: bool = False, slow_mo_ms: int = 0) -> Driver:
    """The driver ``bot`` names, with its map's settings."""
    return make_driver(bot.driver, headed=headed, launch=dict(bot.selectors.launch),
                       slow_mo_ms=slow_mo_ms,
                       response_timeout_ms=bot.selectors.section.response_timeout_ms,
                       block=bot.selectors.section.block)


class _Prepared(Generic[T]):
    """``prepare`` on its own thread: ``ready`` when it says so or ends; its value or error."""

    def __init__(self, prepare: Callable[[Callable[[], None]], T]) -> None:
        self.ready = threading.Event()
        self.done = threading.Event()
        self.value: T | None = None
        self.error: BaseException | None = None
        self._prepare = prepare
        # A daemon: a second signal ends the process without waiting for it (its open
        # transaction then rolls back).
        self._thread = threading.Thread(target=self._run, name="prepare", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self.value = self._prepare(self.ready.set)
        except BaseException as exc:  # handed to the main thread, re-raised there
            self.error = exc
        finally:
            self.done.set()
            self.ready.set()

    def result(self) -> T:
        """Wait for ``prepare``; its value, or its error raised here."""
        self.done.wait()
        if self.error is not None:
            raise self.error
        return self.value  # type: ignore[return-value]  # set, since no error was


def start_while(driver: Driver, prepare: Callable[[Callable[[], None]], T],
                stop: Stopper) -> T:
    """Start ``driver`` (a web driver) on this thread while ``prepare(ready)`` runs on
    another; return what ``prepare`` returned, with the browser up (or left for the worker
    to start, if it would not). ``prepare`` must ask ``stop.requested`` rather than wait for
    a signal, and call ``ready`` once the browser may be launched."""
    begin = getattr(driver, "begin", None)
    switch = sys.getswitchinterval()
    # The main thread answers Playwright's many small messages: it takes the GIL back from
    # ``prepare`` within a fraction of a millisecond, not the default 5 ms per message.
    sys.setswitchinterval(SWITCH_S)
    prepared = _Prepared(prepare)
    try:
        with stop.graceful("starting the browser"):
            if begin is not None:
                begin()  # Node alone: nothing the case file could make wasted
            prepared.ready.wait()
            if prepared.error is None and not stop.requested():  # a stop launches nothing
                _launch(driver)
            return prepared.result()
    except BaseException:
        driver.stop()
        raise
    finally:
        sys.setswitchinterval(switch)


def _launch(driver: Driver) -> None:
    try:
        driver.start()
    except Exception:  # the worker's own start meets it again, where it is told
        driver.stop()
