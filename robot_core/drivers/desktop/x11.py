"""The X display as the desktop driver sees it: windows, focus, pixels and the clipboard.

Windows are read with python-xlib (one round trip per property, cheap enough to poll every
50 ms): their title (``_NET_WM_NAME``, UTF-8, so 台帳登録 compares as text), position, whether
they are mapped, and ``WM_TRANSIENT_FOR`` (set on dialogs: message boxes, confirmations).
No window manager is needed; with one, top-level clients are found one level down, inside
the frames it adds.

The clipboard is served from this process (no xclip): text of any script is pasted with
Ctrl+V rather than typed key by key, and fields are read back by copying them.
"""

from __future__ import annotations

import contextlib
import functools
import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from PIL import Image, ImageGrab

from robot_core.errors import ConfigError, SystemUnavailable, TargetNotFound, TransientError

P = ParamSpec("P")
R = TypeVar("R")
_CLIP_TIMEOUT_S = 5.0
_OWNER_POLL_S = 0.005


def _x_errors(method: Callable[P, R]) -> Callable[P, R]:
    """python-xlib's errors (the X server went away, a bad reply) as ``SystemUnavailable``."""

    @functools.wraps(method)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except Exception as exc:
            if type(exc).__module__.startswith("Xlib"):
                raise SystemUnavailable(f"X display error: {type(exc).__name__}: {exc}") from exc
            raise

    return guarded


@dataclass(frozen=True)
class Window:
    """A top-level window: X id, title, screen box, and whether it is a dialog."""

    id: int
    title: str
    x: int
    y: int
    width: int
    height: int
    dialog: bool
    popup: bool

    @property
    def box(self) -> tuple[int, int, int, int]:
        """``(left, top, right, bottom)`` in screen pixels."""
        return self.x, self.y, self.x + self.width, self.y + self.height

    def contains(self, x: int, y: int) -> bool:
        """Whether the screen point lies inside the window."""
        return self.x <= x < self.x + self.width and self.y <= y < self.y + self.height


class Display:
    """One connection to the X server named by ``$DISPLAY``."""

    def __init__(self, name: str) -> None:
        from Xlib import X, display, error  # noqa: PLC0415 - python-xlib is optional (desktop)

        self.name = name
        self._X = X
        self._xerror = error
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # Xlib prints on an empty Xauthority
                self.dpy: Any = display.Display(name)
        except (error.DisplayError, error.ConnectionClosedError, OSError) as exc:
            raise ConfigError(f"cannot open X display {name!r} ({exc}); start Xvfb "
                              "(Xvfb :99 -screen 0 1280x1024x24) and set DISPLAY") from exc
        self.root: Any = self.dpy.screen().root
        self._net_wm_name = self.dpy.intern_atom("_NET_WM_NAME")
        self._utf8 = self.dpy.intern_atom("UTF8_STRING")
        self._clipboard = self.dpy.intern_atom("CLIPBOARD")
        self._targets = self.dpy.intern_atom("TARGETS")
        self._text = self.dpy.intern_atom("TEXT")
        self._clip_prop = self.dpy.intern_atom("ROBOT_CLIPBOARD")
        self._clip_win: Any = self.root.create_window(-10, -10, 1, 1, 0, X.CopyFromParent)
        self._clip_text = ""
        self._notify: Any = None

    def close(self) -> None:
        """Drop the connection."""
        with contextlib.suppress(self._xerror.ConnectionClosedError):  # server went first
            self._clip_win.destroy()
            self.dpy.close()

    @property
    def client_mask(self) -> int:
        """The bits of an X id that a client chooses (the rest name the client)."""
        return int(self.dpy.display.info.resource_id_mask)

    @property
    def size(self) -> tuple[int, int]:
        """Width and height of the screen."""
        screen = self.dpy.screen()
        return int(screen.width_in_pixels), int(screen.height_in_pixels)

    # -- windows -----------------------------------------------------------------------------
    @_x_errors
    def windows(self) -> list[Window]:
        """Mapped top-level windows, bottom of the stack first."""
        for _ in range(5):
            try:
                found: list[Window] = []
                for child in self.root.query_tree().children:
                    found.extend(self._client(child, depth=0))
                return found
            except self._xerror.BadWindow:
                continue  # a window vanished mid-walk: walk again
        raise TransientError("the window list keeps changing")

    def _client(self, win: Any, depth: int) -> list[Window]:
        try:
            attrs = win.get_attributes()
            if attrs.map_state != self._X.IsViewable:
                return []
            title = self._title(win)
            if title is None and not attrs.override_redirect and depth == 0:
                # a window manager's frame: the client is one level down
                return [w for c in win.query_tree().children for w in self._client(c, 1)]
            geometry = win.get_geometry()
            origin = win.translate_coords(self.root, 0, 0)
            transient = win.get_wm_transient_for()
        except (self._xerror.BadWindow, self._xerror.BadDrawable):
            return []
        return [Window(int(win.id), title or "", -int(origin.x), -int(origin.y),
                       int(geometry.width), int(geometry.height), transient is not None,
                       bool(attrs.override_redirect))]

    def _title(self, win: Any) -> str | None:
        prop = win.get_full_property(self._net_wm_name, self._utf8)
        if prop is not None and prop.value:
            value = prop.value
            return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        name = win.get_wm_name()
        if isinstance(name, bytes):
            return name.decode("latin-1")
        return str(name) if name else None

    def find(self, title: str, *, exact: bool = True) -> Window | None:
        """The top-most mapped window titled ``title`` (or containing it, if not exact)."""
        for win in reversed(self.windows()):
            if (win.title == title) if exact else (title in win.title):
                return win
        return None

    @_x_errors
    def focus(self, win: Window) -> None:
        """Raise ``win`` and give it the keyboard (no window manager needed)."""
        X = self._X  # noqa: N806 - the Xlib constants module is called X everywhere
        try:
            handle = self.dpy.create_resource_object("window", win.id)
            handle.configure(stack_mode=X.Above)
            handle.set_input_focus(X.RevertToParent, X.CurrentTime)
            self.dpy.sync()
        except (self._xerror.BadWindow, self._xerror.BadMatch) as exc:
            raise TransientError(f"window {win.title!r} went away while focusing it") from exc

    @_x_errors
    def focused(self) -> int:
        """The X id of the window holding the keyboard focus (0 if none)."""
        focus = self.dpy.get_input_focus().focus
        return int(getattr(focus, "id", 0) or 0)

    def focused_title(self) -> str:
        """The title of the top-level window holding the focus, else of the topmost one.

        Toolkits give the focus to an inner widget, not to the top-level window; without a
        window manager the window focused last is the top of the stack.
        """
        windows = [w for w in self.windows() if not w.popup]
        focused = self.focused()
        for win in reversed(windows):
            if win.id == focused:
                return win.title
        if not windows:
            raise TargetNotFound("no window is open to read a title from")
        return windows[-1].title

    @_x_errors
    def widget_box(self, x: int, y: int) -> tuple[int, int, int, int] | None:
        """Screen box of the innermost X window under ``(x, y)`` (a Tk or Win32 control)."""
        current = self.root
        box: tuple[int, int, int, int] | None = None
        try:
            for _ in range(32):
                reply = current.translate_coords(self.root, x, y)
                child = reply.child
                if not child or int(getattr(child, "id", 0)) == 0:
                    break
                geometry = child.get_geometry()
                origin = child.translate_coords(self.root, 0, 0)
                left, top = -int(origin.x), -int(origin.y)
                box = (left, top, left + int(geometry.width), top + int(geometry.height))
                current = child
        except (self._xerror.BadWindow, self._xerror.BadDrawable):
            return box
        return box

    @_x_errors
    def keyboard_grabbed(self) -> bool:
        """Whether a program holds a global keyboard grab (an open drop-down list or menu).

        Tk grabs the keyboard only once its popup is mapped *and* has taken the focus, so
        this says the popup is ready for keys; merely being mapped does not.
        """
        X = self._X  # noqa: N806
        status = self.root.grab_keyboard(True, X.GrabModeAsync, X.GrabModeAsync,
                                         X.CurrentTime)
        if status == X.GrabSuccess:
            self.dpy.ungrab_keyboard(X.CurrentTime)
            self.dpy.sync()
            return False
        return True

    # -- pixels ------------------------------------------------------------------------------
    def grab(self, box: tuple[int, int, int, int] | None = None) -> Image.Image:
        """Screen pixels (the whole screen, or ``box``) as an RGB image."""
        try:
            image = ImageGrab.grab(bbox=box, xdisplay=self.name)
        except OSError as exc:
            raise TransientError(f"cannot capture the screen: {exc}") from exc
        return image.convert("RGB")

    # -- clipboard ---------------------------------------------------------------------------
    # The robot's own small window owns CLIPBOARD when it has text to paste, and answers
    # the program's requests for it from ``service()``, called in every wait loop (a paste
    # is only ever waited for). Reading asks the owner to convert CLIPBOARD to UTF-8 text.

    @_x_errors
    def clipboard_owner(self) -> int:
        """X id of the window owning CLIPBOARD (0 when nobody does)."""
        owner = self.dpy.get_selection_owner(self._clipboard)
        return int(getattr(owner, "id", 0) or 0)

    @property
    def clipboard_window(self) -> int:
        """The robot's own clipboard window."""
        return int(self._clip_win.id)

    @_x_errors
    def set_clipboard(self, text: str) -> None:
        """Own CLIPBOARD with ``text`` until a program copies something."""
        self._clip_text = text
        self._clip_win.set_selection_owner(self._clipboard, self._X.CurrentTime)
        self.dpy.sync()
        if self.clipboard_owner() != self.clipboard_window:
            raise TransientError("could not take the clipboard")

    @_x_errors
    def get_clipboard(self, timeout_s: float = _CLIP_TIMEOUT_S) -> str:
        """CLIPBOARD as text ('' when it is empty or holds no text)."""
        owner = self.clipboard_owner()
        if owner == 0:
            return ""
        if owner == self.clipboard_window:
            return self._clip_text
        self._notify = None
        self._clip_win.convert_selection(self._clipboard, self._utf8, self._clip_prop,
                                         self._X.CurrentTime)
        self.dpy.flush()
        deadline = time.monotonic() + timeout_s
        while self._notify is None:
            self.service()
            if self._notify is None:
                if time.monotonic() >= deadline:
                    raise TransientError("the clipboard owner did not answer")
                time.sleep(_OWNER_POLL_S / 2)
        if self._notify.property == self._X.NONE:
            return ""
        prop = self._clip_win.get_full_property(self._clip_prop, self._X.AnyPropertyType)
        self._clip_win.delete_property(self._clip_prop)
        if prop is None:
            return ""
        value = prop.value
        return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)

    @_x_errors
    def service(self) -> None:
        """Answer pending clipboard requests and collect the answers to ours."""
        while self.dpy.pending_events():
            event = self.dpy.next_event()
            if event.type == self._X.SelectionRequest:
                self._answer(event)
            elif event.type == self._X.SelectionNotify \
                    and int(event.requestor.id) == self.clipboard_window:
                self._notify = event

    def _answer(self, request: Any) -> None:
        from Xlib import Xatom  # noqa: PLC0415 - python-xlib is optional (desktop)
        from Xlib.protocol import event  # noqa: PLC0415

        target, prop = request.target, request.property or request.target
        requestor = request.requestor
        if request.selection != self._clipboard:
            prop = self._X.NONE
        elif target == self._targets:
            requestor.change_property(prop, Xatom.ATOM, 32,
                                      [self._targets, self._utf8, Xatom.STRING, self._text])
        elif target in (self._utf8, self._text):
            requestor.change_property(prop, self._utf8, 8, self._clip_text.encode("utf-8"))
        elif target == Xatom.STRING:
            requestor.change_property(prop, Xatom.STRING, 8,
                                      self._clip_text.encode("latin-1", "replace"))
        else:
            prop = self._X.NONE
        requestor.send_event(event.SelectionNotify(
            time=request.time, requestor=requestor, selection=request.selection,
            target=target, property=prop), event_mask=0)
        self.dpy.flush()

    def wait_owner_change(self, before: int, timeout_s: float) -> bool:
        """Wait until CLIPBOARD changes hands (a program copied), serving requests meanwhile."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self.service()
            if self.clipboard_owner() != before:
                return True
            time.sleep(_OWNER_POLL_S)
        return self.clipboard_owner() != before

    @_x_errors
    def release_clipboard(self) -> None:
        """Leave CLIPBOARD unowned, so a pasted or copied secret does not linger."""
        from Xlib.protocol import request  # noqa: PLC0415 - python-xlib is optional (desktop)

        self._clip_text = ""
        request.SetSelectionOwner(display=self.dpy.display, window=self._X.NONE,
                                  selection=self._clipboard, time=self._X.CurrentTime)
        self.dpy.sync()
