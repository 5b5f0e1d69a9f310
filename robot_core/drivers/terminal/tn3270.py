"""``Tn3270Driver``: an IBM 3270 host, through ``s3270``, behind the ``Driver`` Protocol.

The screen is what ``ReadBuffer(Ascii)`` shows: cells and the host's own fields with their
attribute bytes, so ``label:`` and ``index:`` count only *unprotected* fields, typing into a
protected one is refused before a key is pressed, and a non-display field (a password,
個人番号) is blank in every look and every screenshot. The keyboard is the 3270's own:
locked from an AID key (Enter, PF3) until the host answers and restores it; a host that
never does is ``NoResponse``; a dropped connection is ``SystemUnavailable``.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from robot_core.drivers.terminal import locate, render
from robot_core.drivers.terminal.s3270 import S3270, Buffer3270, S3270Error, parse_buffer, positions
from robot_core.drivers.terminal.screen import Region
from robot_core.errors import (
    ApplicationError,
    BotScriptError,
    BusinessError,
    ConfigError,
    NoResponse,
    SystemUnavailable,
    TargetNotFound,
    TransientError,
)
from robot_core.script.launch import expand
from robot_core.script.tn3270 import Tn3270Spec, parse_tn3270_launch, s3270_action
from robot_core.selectors import Target

_STEP_S = 0.25    # one Wait() inside a longer wait: interrupts and timeouts are seen this often
_ACTION_S = 10.0  # an action that does not wait for the host answers within this


class Tn3270Driver:
    """``Driver`` for a 3270 host reached over TN3270 by an ``s3270`` child process."""

    def __init__(self, launch: Mapping[str, Any]) -> None:
        self.spec: Tn3270Spec = parse_tn3270_launch(launch)
        self._s3270: S3270 | None = None
        self._interrupts: list[tuple[Target, type[ApplicationError]]] = []
        self._cursor_hint = ""

    def set_interrupts(self, interrupts: Sequence[tuple[Target, type[ApplicationError]]]) -> None:
        """Targets that end any wait at once with their error (a sign-on screen, a host down)."""
        self._interrupts = list(interrupts)

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        """Start s3270, connect, and wait for the first screen (``launch.ready`` text)."""
        spec = self.spec
        codepage, host, port = expand(spec.codepage), expand(spec.host), expand(spec.port)
        program = expand(spec.s3270)
        if shutil.which(program) is None:
            raise ConfigError(f"the 3270 driver needs s3270 (Debian: apt-get install s3270); "
                              f"{program!r} is not on PATH")
        self._s3270 = S3270([program, "-utf8", "-codepage", codepage, "-model", spec.model])
        timeout_s = spec.ready_timeout_ms / 1000
        try:
            self._do("Set(aidWait,false)")    # AID keys return at once; we wait ourselves
            self._do("Set(unlockDelay,false)")  # no 350 ms pause after the host unlocks
            self._check_codepage(codepage)
            self._do(f"Connect({'L:' if spec.tls else ''}{host}:{port})", timeout_s)
        except S3270Error as exc:
            self.stop()
            raise SystemUnavailable(f"cannot reach the 3270 host {host}:{port}: {exc}") from None
        if not self._wait(lambda b: not spec.ready or bool(b.find(spec.ready)), timeout_s):
            self.stop()
            raise SystemUnavailable(f"the host showed no {spec.ready or 'screen'} within "
                                    f"{spec.ready_timeout_ms} ms")

    def _check_codepage(self, wanted: str) -> None:
        """s3270 falls back to its default on a code page it does not know: say so instead."""
        known = {name.lower() for line in self._do("Query(CodePages)")[0]
                 for i, name in enumerate(line.split()) if i != 1}  # the 2nd word: sbcs/dbcs
        if wanted.lower() not in known:
            self.stop()
            raise ConfigError(f"s3270 does not know the host code page {wanted!r} "
                              "(`s3270 -codepage help` lists them)")

    def stop(self) -> None:
        """Hang up and end s3270; safe to call twice."""
        if self._s3270 is not None:
            self._s3270.close()
        self._s3270 = None

    def recycle(self) -> None:
        """A fresh session: hang up and connect again (the runner signs on afterwards)."""
        self.restart()

    def restart(self) -> None:
        """Hang up and connect again from nothing."""
        self.stop()
        self.start()

    # -- talking to s3270 --------------------------------------------------------------------
    def _do(self, command: str, timeout_s: float = _ACTION_S) -> tuple[list[str], Any]:
        if self._s3270 is None:
            raise SystemUnavailable("not connected to the 3270 host")
        return self._s3270.action(command, timeout_s)

    def _read(self) -> tuple[Buffer3270, Any]:
        """The screen now, and s3270's status line."""
        try:
            lines, status = self._do("ReadBuffer(Ascii)")
        except S3270Error as exc:
            raise SystemUnavailable(f"the 3270 emulator stopped answering: {exc}") from None
        return parse_buffer(lines, status), status

    def _connected(self) -> bool:
        if self._s3270 is None or not self._s3270.alive:
            return False
        try:
            return bool(self._do("Query(ConnectionState)")[0][0] != "not-connected")
        except (S3270Error, IndexError):
            return False

    def _wait(self, ready: Callable[[Buffer3270], Any], timeout_s: float) -> Any:
        """Wait until the keyboard is unlocked and ``ready(buffer)`` is truthy; its value."""
        deadline = time.monotonic() + timeout_s
        while True:
            buffer, status = self._read()
            if not status.connected:
                return None
            if status.keyboard == "U":
                found = ready(buffer)
                if found:
                    return found
                locate.raise_interrupt(buffer, self._interrupts)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            step = min(remaining, _STEP_S)
            what = "Unlock" if status.keyboard == "L" else "Output"
            with contextlib.suppress(S3270Error):  # the step ran out, or the line dropped
                self._do(f"Wait({step:.2f},{what})", step + _ACTION_S)

    def _find(self, targets: Sequence[Target], timeout_ms: int) -> tuple[Target, Region]:
        """The first of ``targets`` on the host's (answered) screen, in order, and where."""

        found = self._wait(lambda screen: locate.first_of(screen, targets), timeout_ms / 1000)
        if found is not None:
            return found  # type: ignore[no-any-return]
        status = self._read()[1]
        if not status.connected:
            raise SystemUnavailable("the 3270 host closed the connection")
        names = ", ".join(t.name for t in targets)
        if status.keyboard == "L":
            raise NoResponse(f"the host took the key and did not answer within {timeout_ms} ms "
                             f"(waiting for {names})")
        tried = "; ".join(a.describe() for t in targets for a in t.alternatives)
        raise TargetNotFound(f"{names} not on screen within {timeout_ms} ms (tried {tried})")

    # -- looking -----------------------------------------------------------------------------
    def is_visible(self, target: Target) -> bool:
        """Whether the target is on the screen now (while the keyboard is locked: no)."""
        buffer, status = self._read()
        return status.keyboard == "U" and locate.first(buffer, target, unlocked=True) is not None

    def wait_any(self, targets: Sequence[Target], timeout_ms: int) -> Target:
        """Wait until one of ``targets`` shows on the host's answer; return it."""
        return self._find(targets, timeout_ms)[0]

    def read_text(self, target: Target, timeout_ms: int) -> str:
        """A field's value, a row's or an area's text (a non-display field reads blank)."""
        _, region = self._find([target], timeout_ms)
        return self._read()[0].value(region).strip()

    def read_attribute(self, target: Target, name: str, timeout_ms: int) -> str:
        """A 3270 screen has no named attributes (the loader refuses ``attribute:`` here)."""
        raise BotScriptError(f"{target.name}: a terminal screen has no attribute {name!r}")

    def current_url(self) -> str:
        """A text screen has no address (the loader refuses ``url:`` off the web)."""
        raise BotScriptError("a terminal screen has no URL")

    def window_title(self) -> str:
        """The screen's first row: where host screens put their title."""
        return self._read()[0].text(0).strip()

    def wait_gone(self, target: Target, timeout_ms: int) -> None:
        """Wait until the host's answer no longer shows ``target``."""
        if self._wait(lambda b: locate.first(b, target, unlocked=True) is None,
                      timeout_ms / 1000):
            return
        if not self._connected():
            raise SystemUnavailable("the 3270 host closed the connection")
        raise TargetNotFound(f"{target.name} still on screen after {timeout_ms} ms")

    # -- typing ------------------------------------------------------------------------------
    def _key(self, name: str) -> None:
        action = s3270_action(name)
        try:
            self._do(action)
        except S3270Error as exc:
            if not self._connected():
                raise SystemUnavailable("the 3270 host closed the connection") from None
            raise TransientError(f"the terminal refused {name}: {exc}") from None
        # after an AID key the keyboard is locked: every look waits for the host's answer

    def goto(self, url: str, timeout_ms: int) -> None:
        """``connect``: open the session if it is closed; ``reconnect``: always a fresh one."""
        what = url.strip().lower()
        if what not in {"connect", "reconnect"}:
            raise BotScriptError(f"a terminal goto is `connect` or `reconnect`, not {url!r}")
        if what == "reconnect" or not self._connected():
            self.restart()

    def _input_field(self, target: Target, timeout_ms: int) -> tuple[str, Region, bool]:
        """The target's unprotected field: (alternative used, region, non-display)."""
        found = self._wait(lambda b: (locate.first(b, target, unlocked=True), b),
                           timeout_ms / 1000)
        if found is None or found[0] is None:
            self._find([target], 1)  # raises the right error
            raise TargetNotFound(f"{target.name} not on screen")
        (alt, region), buffer = found
        field = buffer.field_at(region.row, region.col)
        if field is None or field.protected:
            raise BotScriptError(f"{target.name}: row {region.row + 1}, column "
                                 f"{region.col + 1} is protected on this screen; a 3270 host "
                                 "takes typing only in unprotected fields")
        return alt.describe(), field.region, field.hidden

    def fill(self, target: Target, value: str, timeout_ms: int) -> str:
        """Move to the field, erase it (EraseEOF), type ``value``, and read it back."""
        alt, region, hidden = self._input_field(target, timeout_ms)
        if "\n" in value or positions(value) > region.cols:
            raise BusinessError(f"{target.name}: the value ({positions(value)} positions with "
                                f"SO/SI) does not fit its {region.cols}-position field")
        try:
            self._do(f"MoveCursor({region.row},{region.col})")
            self._do("EraseEOF")
            if value:
                self._do(f'String("{_quoted(value)}")')
        except S3270Error as exc:
            self._reset()
            shown = "a secret value" if target.secret or hidden else repr(value)
            raise BusinessError(f"{target.name}: the terminal refused {shown} ({exc})") from None
        buffer = self._read()[0]
        got = buffer.hidden_values.get((region.row, region.col)) if hidden \
            else buffer.value(region)
        if got != value.rstrip():
            shown = "(secret)" if target.secret or hidden else repr(got)
            raise TransientError(f"{target.name}: the field shows {shown} after typing")
        return alt

    def _reset(self) -> None:
        with contextlib.suppress(S3270Error):  # the next look reports the state
            self._do("Reset")

    def select(self, target: Target, value: str | None, label: str | None,
               timeout_ms: int) -> str:
        """A 3270 list is a code field: type the label (or the value) into it."""
        return self.fill(target, label if label is not None else (value or ""), timeout_ms)

    def set_checked(self, target: Target, checked: bool, timeout_ms: int) -> str:
        """A 3270 check box is a one-position field: ``X`` when ticked, blank when not."""
        return self.fill(target, "X" if checked else "", timeout_ms)

    def click(self, target: Target, timeout_ms: int) -> str:
        """Put the cursor on the target (a field, a menu item) and press Enter."""
        _, region = self._find([target], timeout_ms)
        self._move(region)
        self._key("enter")
        return next((a.describe() for a in target.alternatives), "")

    def _move(self, region: Region) -> None:
        try:
            self._do(f"MoveCursor({region.row},{region.col})")
        except S3270Error as exc:
            raise TransientError(f"cannot move the cursor: {exc}") from None

    def press(self, target: Target | None, key: str, timeout_ms: int) -> None:
        """Press a 3270 key by name (``enter``, ``pf3``, ``clear``), in the target's field."""
        s3270_action(key)  # an unknown key is a script error before anything moves
        if target is not None:
            self._move(self._find([target], timeout_ms)[1])
        self._key(key)

    # -- evidence ----------------------------------------------------------------------------
    def screenshot(self, path: Path, mask: Sequence[Target], secrets: Sequence[str] = ()) -> Path:
        """The screen as PNG and ``.txt``; non-display fields, secret targets and any secret
        value on screen masked in both."""
        buffer = self._read()[0]
        regions = locate.regions(buffer, list(mask))
        regions += [f.region for f in buffer.all_fields if f.hidden]
        hidden = render.masked_cells(buffer, regions, secrets)
        try:
            return render.save(buffer, path, hidden)
        except OSError as exc:
            raise TransientError(f"screenshot failed: {exc}") from exc

    def render_html(self, document: str, path: Path) -> Path:
        """An evidence card (a row rejected at intake) as a text screen: PNG and ``.txt``."""
        return render.save(render.card_snapshot(document, 24, 80), path, set())


def _quoted(text: str) -> str:
    """``text`` inside an s3270 String("..."): backslashes and quotes escaped."""
    return text.replace("\\", "\\\\").replace('"', '\\"')
