"""``FakeDriver``: the ``Driver`` seam answered by a function, as httpx's ``MockTransport`` is.

Every call the runner makes becomes a ``Call`` (verb, target name, value, raw arguments),
is recorded in ``driver.calls`` and handed to the handler, which returns the result (the
text of a ``read_text``, the target name a ``wait_any`` saw, whether ``is_visible``) or
raises a robot error (``TargetNotFound``, ``TransientError``, ``SystemUnavailable`` …)::

    def handler(call: Call) -> str | bool | None:
        if call.verb == "read_text" and call.target == "done.regno":
            return "RG-0001"
        return None

    driver = FakeDriver(handler)

``screenshot`` (and ``render_html``, for rejection cards) write a real one-pixel PNG, so
evidence paths exist. Interrupts (``set_interrupts``: the bot's ``watch`` targets) are
honoured as a real driver does: a wait that finds nothing (the handler raised
``TargetNotFound``) ends with the interrupt's error when the handler says its target is
visible. Those probes go to the handler but are not recorded: ``calls`` is what the runner
asked.

The program hooks of a desktop driver (``CaseAware``) are calls too: ``begin_case`` and
``end_case`` (value ``finished`` or ``stopped``; ``args`` holds ``unconfirmed``) and
``revive`` (the handler's truth: the program had exited and was started again). A handler
answering a text to ``begin_case`` or ``end_case`` plays a per-case program that printed
it and exited with 0 (outputs ``exit_code`` and ``stdout``); raising ``SystemUnavailable``
plays one that failed.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from robot_core.errors import ApplicationError, TargetNotFound
from robot_core.selectors import Target

#: The verbs of ``Call``: one per ``Driver`` method (plus ``render_html``).
VERBS = ("start", "goto", "click", "fill", "select", "set_checked", "press", "read_text",
         "read_attribute", "current_url", "window_title", "is_visible", "wait_any",
         "wait_gone", "screenshot", "render_html", "recycle", "restart", "stop",
         "begin_case", "end_case", "revive")
_WAITS = frozenset({"click", "fill", "select", "set_checked", "press", "read_text",
                    "read_attribute", "wait_any", "wait_gone"})


@dataclass(frozen=True)
class Call:
    """One call of the runner on the driver."""

    verb: str
    target: str | None = None  # the target's ``screen.name`` (None: no target, or wait_any)
    value: str | None = None  # typed text, chosen option, "true"/"false", key, url or path
    args: tuple[Any, ...] = ()  # the raw arguments (Target objects, timeouts)
    targets: tuple[str, ...] = ()  # every target named (``wait_any``: all of them)


Result = str | bool | None
Handler = Callable[[Call], Result]


def _png() -> bytes:
    """A valid 1×1 grey PNG, made without an imaging library."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1×1, 8-bit greyscale
    pixels = zlib.compress(b"\x00\x80")  # filter byte, one grey pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + \
        chunk(b"IEND", b"")


PNG = _png()


def _ignore(_call: Call) -> Result:
    return None


class FakeDriver:
    """A ``Driver`` (and ``HtmlRenderer``) that asks ``handler`` and records every call."""

    def __init__(self, handler: Handler = _ignore) -> None:
        self.handler = handler
        self.calls: list[Call] = []
        self.interrupts: list[tuple[Target, type[ApplicationError]]] = []
        self.running = False
        #: which document the screen shows (``PageAware``): a test that models navigation
        #: sets a number and changes it when the screen would; None: cannot tell (the default)
        self.document: int | None = None

    # -- what the tests read -----------------------------------------------------------------
    def verbs(self, *verbs: str) -> list[Call]:
        """The recorded calls of these verbs (all calls when none are named)."""
        return [c for c in self.calls if not verbs or c.verb in verbs]

    def typed(self) -> list[tuple[str | None, str | None]]:
        """(target, value) of every ``fill``, in order: what reached the application."""
        return [(c.target, c.value) for c in self.calls if c.verb == "fill"]

    # -- the seam ----------------------------------------------------------------------------
    def _ask(self, call: Call) -> Result:
        self.calls.append(call)
        try:
            return self.handler(call)
        except TargetNotFound:
            if call.verb in _WAITS:
                self._interrupted()
            raise

    def _interrupted(self) -> None:
        """Raise the error of the first interrupt whose target the handler says is shown."""
        for target, error in self.interrupts:
            probe = Call("is_visible", target.name, None, (target,), (target.name,))
            if _truth(self.handler(probe)):
                raise error(f"{target.name} shown")

    def _on(self, verb: str, target: Target | None, value: str | None, *args: Any) -> Result:
        names = (target.name,) if target is not None else ()
        return self._ask(Call(verb, target.name if target else None, value,
                              (target, *args) if target is not None else args, names))

    def page_mark(self) -> object | None:
        """``document`` (not a recorded call)."""
        return self.document

    def set_interrupts(self, interrupts: Sequence[tuple[Target, type[ApplicationError]]]) -> None:
        """Remember the targets that end a wait with their error."""
        self.interrupts = list(interrupts)

    def start(self) -> None:
        """Open the (fake) application."""
        self._ask(Call("start"))
        self.running = True

    def stop(self) -> None:
        """Close it; safe twice."""
        self._ask(Call("stop"))
        self.running = False

    def recycle(self) -> None:
        """Throw away the session."""
        self._ask(Call("recycle"))

    def restart(self) -> None:
        """Close and start again."""
        self._ask(Call("restart"))
        self.running = True

    def begin_case(self, variables: Mapping[str, Any]) -> dict[str, str]:
        """A case's steps start; a text answer is a per-case program's output."""
        return _program(self._ask(Call("begin_case", None, None, (dict(variables),))))

    def end_case(self, *, finished: bool, unconfirmed: bool,
                 committed: bool = False) -> dict[str, str]:
        """A case's steps are over; a text answer is a per-case program's output."""
        value = "finished" if finished else "stopped"
        return _program(self._ask(Call("end_case", None, value, (unconfirmed, committed))))

    def revive(self) -> bool:
        """Whether the (fake) program had exited and was started again."""
        restarted = _truth(self._ask(Call("revive")))
        self.running = self.running or restarted
        return restarted

    def goto(self, url: str, timeout_ms: int) -> None:
        """Navigate."""
        self._ask(Call("goto", None, url, (url, timeout_ms)))

    def click(self, target: Target, timeout_ms: int) -> str:
        """Click; the handler's text, else the target's first alternative, is what matched."""
        return _matched(self._on("click", target, None, timeout_ms), target)

    def fill(self, target: Target, value: str, timeout_ms: int) -> str:
        """Type ``value``."""
        return _matched(self._on("fill", target, value, timeout_ms), target)

    def select(self, target: Target, value: str | None, label: str | None,
               timeout_ms: int) -> str:
        """Pick an option; ``Call.value`` is the value, or the label when no value is given."""
        chosen = value if value is not None else label
        return _matched(self._on("select", target, chosen, value, label, timeout_ms), target)

    def set_checked(self, target: Target, checked: bool, timeout_ms: int) -> str:
        """Tick or untick; ``Call.value`` is "true" or "false"."""
        return _matched(self._on("set_checked", target, str(checked).lower(), timeout_ms),
                        target)

    def press(self, target: Target | None, key: str, timeout_ms: int) -> None:
        """Press a key."""
        self._on("press", target, key, key, timeout_ms)

    def read_text(self, target: Target, timeout_ms: int) -> str:
        """The handler's text ("" when it returns None)."""
        result = self._on("read_text", target, None, timeout_ms)
        return "" if result is None else str(result)

    def read_attribute(self, target: Target, name: str, timeout_ms: int) -> str:
        """The handler's text ("" when it returns None); ``Call.value`` is the attribute."""
        result = self._on("read_attribute", target, name, name, timeout_ms)
        return "" if result is None else str(result)

    def current_url(self) -> str:
        """The handler's text ("" when it returns None)."""
        result = self._ask(Call("current_url"))
        return "" if result is None else str(result)

    def window_title(self) -> str:
        """The handler's text ("" when it returns None)."""
        result = self._ask(Call("window_title"))
        return "" if result is None else str(result)

    def is_visible(self, target: Target) -> bool:
        """The handler's answer: a bool, or "true"/"false"; None is not visible."""
        return _truth(self._on("is_visible", target, None))

    def wait_any(self, targets: Sequence[Target], timeout_ms: int) -> Target:
        """The target the handler names; the first one when it returns None."""
        names = tuple(t.name for t in targets)
        result = self._ask(Call("wait_any", None, None, (tuple(targets), timeout_ms), names))
        if result is None or result is True:
            return targets[0]
        for target in targets:
            if target.name == result:
                return target
        raise TargetNotFound(f"fake handler answered {result!r}, not one of {', '.join(names)}")

    def wait_gone(self, target: Target, timeout_ms: int) -> None:
        """Gone at once, unless the handler raises (``TargetNotFound``: it stayed)."""
        self._on("wait_gone", target, None, timeout_ms)

    def screenshot(self, path: Path, mask: Sequence[Target], secrets: Sequence[str] = ()) -> Path:
        """Write a tiny real PNG at ``path`` (the handler may raise instead)."""
        self._ask(Call("screenshot", None, str(path), (path, tuple(mask), tuple(secrets))))
        return _write_png(path)

    def render_html(self, document: str, path: Path) -> Path:
        """Write a tiny real PNG for an HTML card (a rejected row's evidence)."""
        self._ask(Call("render_html", None, str(path), (document, path)))
        return _write_png(path)


def _truth(result: Result) -> bool:
    if isinstance(result, str):
        return result.strip().lower() in {"true", "1", "yes"}
    return bool(result)


def _program(result: Result) -> dict[str, str]:
    return {"exit_code": "0", "stdout": result} if isinstance(result, str) else {}


def _matched(result: Result, target: Target) -> str:
    if isinstance(result, str):
        return result
    first = target.alternatives[0].describe() if target.alternatives else target.name
    return f"fake {first}"


def _write_png(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(PNG)
    return path
