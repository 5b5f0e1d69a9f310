"""``TerminalDriver``: a VT220 host screen behind the ``Driver`` Protocol.

What the host sends is decoded (its encoding, incrementally: a kanji split across two
packets is not broken) and fed to a ``WideScreen`` under a lock; every look at the screen is
a ``Snapshot`` taken under that lock. Waits sleep on a condition the reader thread notifies,
so a screen that arrives is seen at once, not at the next poll.

The keyboard is *locked* from an Enter/PF key until the host has answered it (any output,
then ``settle_ms`` of quiet), as a 3270's is while X SYSTEM shows: no target counts as on
screen meanwhile, so a wait never mistakes the old screen for the answer, and a host that
never answers is ``NoResponse``, not a missing target.
"""

from __future__ import annotations

import codecs
import os
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyte

from robot_core.drivers.terminal import locate, render
from robot_core.drivers.terminal.screen import Region, Snapshot, WideScreen, snapshot, width
from robot_core.drivers.terminal.transport import PtyTransport, SshTransport
from robot_core.errors import (
    ApplicationError,
    BotScriptError,
    BusinessError,
    NoResponse,
    SystemUnavailable,
    TargetNotFound,
    TransientError,
)
from robot_core.home import project_dir
from robot_core.script.launch import expand
from robot_core.script.terminal import (
    AID,
    TerminalSpec,
    check_encoding,
    key_sequence,
    parse_terminal_launch,
)
from robot_core.selectors import Target

_KEY_WAIT_S = 0.02  # between keystrokes while walking the fields with Tab


class TerminalDriver:
    """``Driver`` for a full-screen VT100/VT220 host over a pseudo-terminal or SSH."""

    def __init__(self, launch: Mapping[str, Any]) -> None:
        self.spec: TerminalSpec = parse_terminal_launch(launch)
        self.encoding = check_encoding(expand(self.spec.encoding))
        self._cond = threading.Condition()
        self._screen = WideScreen(self.spec.cols, self.spec.rows)
        self._stream = pyte.Stream(self._screen)
        self._decoder = codecs.getincrementaldecoder(self.encoding)(errors="replace")
        self._generation = 0
        self._last_output = 0.0
        self._lock_after: int | None = None  # generation when an AID key was sent
        self._transport: PtyTransport | SshTransport | None = None
        self._interrupts: list[tuple[Target, type[ApplicationError]]] = []

    def set_interrupts(self, interrupts: Sequence[tuple[Target, type[ApplicationError]]]) -> None:
        """Targets that end any wait at once with their error (a sign-on screen, a host down)."""
        self._interrupts = list(interrupts)

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        """Connect and wait for the host's first screen (``launch.ready`` text, if given)."""
        self._reset_screen()
        spec = self.spec
        timeout_s = spec.ready_timeout_ms / 1000
        if spec.ssh:
            ssh = {k: expand(v) for k, v in spec.ssh.items()}
            self._transport = SshTransport(ssh, term=spec.term, rows=spec.rows, cols=spec.cols,
                                           timeout_s=timeout_s, on_data=self._received,
                                           on_close=self._closed)
        else:
            env = {**os.environ, "TERM": spec.term, "LINES": str(spec.rows),
                   "COLUMNS": str(spec.cols), **{k: expand(v) for k, v in spec.env.items()}}
            cwd = expand(spec.cwd) if spec.cwd else str(project_dir())
            self._transport = PtyTransport([expand(c) for c in spec.command], cwd=cwd, env=env,
                                           rows=spec.rows, cols=spec.cols,
                                           on_data=self._received, on_close=self._closed)
        if not self._wait(lambda s: (not spec.ready or bool(s.find(spec.ready)))
                          and s.generation > 0, timeout_s):
            self.stop()
            raise SystemUnavailable(f"the host showed no {spec.ready or 'screen'} within "
                                    f"{spec.ready_timeout_ms} ms")

    def stop(self) -> None:
        """Hang up; safe to call twice."""
        if self._transport is not None:
            self._transport.close()
        self._transport = None

    def recycle(self) -> None:
        """A fresh session: hang up and connect again (the runner signs on afterwards)."""
        self.restart()

    def restart(self) -> None:
        """Hang up and connect again from nothing."""
        self.stop()
        self.start()

    def _reset_screen(self) -> None:
        with self._cond:
            self._screen.reset()
            self._decoder.reset()
            self._generation = 0
            self._lock_after = 0  # the first screen is an answer too: let it settle

    def _received(self, data: bytes) -> None:
        text = self._decoder.decode(data)
        with self._cond:
            self._stream.feed(text)
            self._generation += 1
            self._last_output = time.monotonic()
            self._cond.notify_all()

    def _closed(self) -> None:
        with self._cond:
            self._cond.notify_all()

    # -- looking -----------------------------------------------------------------------------
    def _snap(self) -> Snapshot:
        with self._cond:
            return snapshot(self._screen, self._generation)

    def _unlocked(self) -> bool:
        """The host answered the last AID key and has been quiet for ``settle_ms`` since.

        Only an answer to an AID key (a whole new screen, perhaps in several packets) needs
        the quiet; the echo of typing is checked by what it must show, so it waits for none.
        """
        if self._lock_after is None:
            return True
        quiet = time.monotonic() - self._last_output >= self.spec.settle_ms / 1000
        if quiet and self._generation > self._lock_after:
            self._lock_after = None
            return True
        return False

    def _alive(self) -> None:
        if self._transport is None or self._transport.closed:
            raise SystemUnavailable("the host closed the connection")

    def _wait(self, ready: Any, timeout_s: float) -> Any:
        """Wait until ``ready(snapshot)`` is truthy on a settled screen; its value, or None."""
        deadline = time.monotonic() + timeout_s
        while True:
            with self._cond:
                settled = self._unlocked()
                snap = snapshot(self._screen, self._generation) if settled else None
            if snap is not None:
                found = ready(snap)
                if found:
                    return found
                locate.raise_interrupt(snap, self._interrupts)
            if self._transport is None or self._transport.closed:
                return None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            with self._cond:
                self._cond.wait(min(remaining, self.spec.settle_ms / 1000))

    def _find(self, targets: Sequence[Target], timeout_ms: int) -> tuple[Target, Region]:
        """The first of ``targets`` on a settled screen, in order, and where it is."""

        found = self._wait(lambda screen: locate.first_of(screen, targets), timeout_ms / 1000)
        if found is not None:
            return found  # type: ignore[no-any-return]
        self._alive()
        names = ", ".join(t.name for t in targets)
        with self._cond:
            locked = self._lock_after is not None and self._generation <= self._lock_after
        if locked:
            raise NoResponse(f"the host took the key and did not answer within {timeout_ms} ms "
                             f"(waiting for {names})")
        tried = "; ".join(a.describe() for t in targets for a in t.alternatives)
        raise TargetNotFound(f"{names} not on screen within {timeout_ms} ms (tried {tried})")

    def is_visible(self, target: Target) -> bool:
        """Whether the target is on the screen now (while the keyboard is locked: no)."""
        with self._cond:
            if not self._unlocked():
                return False
        return locate.first(self._snap(), target, unlocked=True) is not None

    def wait_any(self, targets: Sequence[Target], timeout_ms: int) -> Target:
        """Wait until one of ``targets`` shows on the host's answer; return it."""
        return self._find(targets, timeout_ms)[0]

    def read_text(self, target: Target, timeout_ms: int) -> str:
        """A field's value (without ``_`` padding), a row's or an area's text."""
        _, region = self._find([target], timeout_ms)
        return self._snap().value(region).strip()

    def read_attribute(self, target: Target, name: str, timeout_ms: int) -> str:
        """A text screen has no attributes (the loader refuses ``attribute:`` off the web)."""
        raise BotScriptError(f"{target.name}: a terminal screen has no attribute {name!r}")

    def current_url(self) -> str:
        """A text screen has no address (the loader refuses ``url:`` off the web)."""
        raise BotScriptError("a terminal screen has no URL")

    def window_title(self) -> str:
        """The screen's first row: where host screens put their title."""
        return self._snap().text(0).strip()

    def wait_gone(self, target: Target, timeout_ms: int) -> None:
        """Wait until the host's answer no longer shows ``target`` (a message, a screen)."""
        if self._wait(lambda snap: locate.first(snap, target, unlocked=True) is None,
                      timeout_ms / 1000):
            return
        self._alive()
        raise TargetNotFound(f"{target.name} still on screen after {timeout_ms} ms")

    # -- typing ------------------------------------------------------------------------------
    def _send(self, text: str) -> None:
        self._alive()
        assert self._transport is not None
        try:
            data = text.encode(self.encoding, errors="strict")
        except UnicodeEncodeError as exc:
            raise BusinessError(f"{text[exc.start:exc.end]!r} cannot be sent in the host's "
                                f"encoding ({self.encoding})") from None
        self._transport.send(data)

    def _key(self, name: str) -> None:
        sequence = key_sequence(name)
        if AID.fullmatch(name.strip().lower()):
            with self._cond:
                self._lock_after = self._generation
        self._send(sequence)

    def goto(self, url: str, timeout_ms: int) -> None:
        """``connect``: open the session if it is closed; ``reconnect``: always a fresh one."""
        what = url.strip().lower()
        if what not in {"connect", "reconnect"}:
            raise BotScriptError(f"a terminal goto is `connect` or `reconnect`, not {url!r}")
        if what == "reconnect" or self._transport is None or self._transport.closed:
            self.restart()

    def _focus(self, target: Target, timeout_ms: int) -> Region:
        """Put the cursor in the target's field, walking the fields with ``next_field``."""
        _, region = self._find([target], timeout_ms)
        deadline = time.monotonic() + timeout_ms / 1000
        for _ in range(len(self._snap().fields()) + 2):
            snap = self._snap()
            if region.contains(*snap.cursor):
                return region
            self._key(self.spec.next_field)
            self._wait(lambda s, before=snap.cursor: s.cursor != before,
                       max(0.0, min(1.0, deadline - time.monotonic())))
        raise TargetNotFound(f"{target.name}: {self.spec.next_field} never reached its field "
                             f"(row {region.row + 1}, column {region.col + 1})")

    def fill(self, target: Target, value: str, timeout_ms: int) -> str:
        """Clear the field, type ``value``, and read it back from the screen."""
        alt = self._alternative(target, timeout_ms)
        region = self._focus(target, timeout_ms)
        if "\n" in value or width(value) > region.cols:
            raise BusinessError(f"{target.name}: the value ({width(value)} columns) does not fit "
                                f"its {region.cols}-column field on one line")
        self._clear(region)
        if not self._wait(lambda s: s.value(region) == "", timeout_ms / 1000):
            self._alive()
            raise TransientError(f"{target.name}: the field was not cleared")
        self._send(value)
        wanted = value.rstrip()
        echoed = self.spec.secret_echo * len(wanted)
        if not self._wait(lambda s: s.value(region) in (wanted, echoed), timeout_ms / 1000):
            self._alive()
            shown = "(secret)" if target.secret else repr(self._snap().value(region))
            raise TransientError(f"{target.name}: the field shows {shown} after typing")
        return alt

    def _clear(self, region: Region) -> None:
        """``clear_field`` (an erase-field key), or ``backspace``: one per character shown

        (typed from where the cursor rests in the field: its end, on most hosts).
        """
        if self.spec.clear_field.strip().lower() not in {"backspace", "bs"}:
            self._key(self.spec.clear_field)
            return
        shown = self._snap().value(region)
        if shown:
            self._send(key_sequence("backspace") * len(shown))  # from the end, where it rests

    def _alternative(self, target: Target, timeout_ms: int) -> str:
        found = self._wait(lambda s: locate.first(s, target, unlocked=True), timeout_ms / 1000)
        if found is None:
            self._find([target], 1)  # raises the right error
        return str(found[0].describe()) if found else ""

    def select(self, target: Target, value: str | None, label: str | None,
               timeout_ms: int) -> str:
        """A terminal list is a code field: type the label (or the value) into it."""
        return self.fill(target, label if label is not None else (value or ""), timeout_ms)

    def set_checked(self, target: Target, checked: bool, timeout_ms: int) -> str:
        """A terminal check box is a one-column field: ``X`` when ticked, blank when not."""
        return self.fill(target, "X" if checked else "", timeout_ms)

    def click(self, target: Target, timeout_ms: int) -> str:
        """Put the cursor on the target (a field, a menu item) and press Enter."""
        alt = self._alternative(target, timeout_ms)
        _, region = self._find([target], timeout_ms)
        if region.cols and any(region == f for f in self._snap().fields()):
            self._focus(target, timeout_ms)
        self._key("enter")
        return alt

    def press(self, target: Target | None, key: str, timeout_ms: int) -> None:
        """Press a key by name (``enter``, ``pf3``, ``ctrl+c``), in the target's field if any."""
        if target is not None:
            self._focus(target, timeout_ms)
        self._key(key)

    # -- evidence ----------------------------------------------------------------------------
    def screenshot(self, path: Path, mask: Sequence[Target], secrets: Sequence[str] = ()) -> Path:
        """The screen as PNG (CJK font) and as ``.txt`` beside it, secrets masked in both."""
        snap = self._snap()
        hidden = render.masked_cells(snap, locate.regions(snap, list(mask)), secrets)
        try:
            return render.save(snap, path, hidden)
        except OSError as exc:
            raise TransientError(f"screenshot failed: {exc}") from exc

    def render_html(self, document: str, path: Path) -> Path:
        """An evidence card (a row rejected at intake) as a text screen: PNG and ``.txt``."""
        return render.save(render.card_snapshot(document, self.spec.rows, self.spec.cols), path,
                           set())
