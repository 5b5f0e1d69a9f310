"""Typing and reading through the clipboard: kanji and kana arrive whole, and come back.

The driver serves CLIPBOARD itself (it owns it); a field is read by copying it (Ctrl+C)
and waiting until the program has taken the clipboard over.
"""

from __future__ import annotations

import time

from robot_core.drivers.desktop.input import Input
from robot_core.drivers.desktop.locate import Hit
from robot_core.drivers.desktop.x11 import Display

_COPY_WAIT_S = 2.0  # a field that holds text answers Ctrl+C within this
_EMPTY_WAIT_S = 0.15  # ...and one that is empty never does: how long to give it
_PASTE_POLL_S = 0.04  # copy again this often while a paste is still arriving
_RULE = "-" * 10


class Clipboard:
    """The clipboard of one display, and the keys that fill and copy a field."""

    def __init__(self, display: Display, keyboard: Input,
                 select_all: tuple[str, ...] = ("ctrl", "a")) -> None:
        self.display = display
        self.keyboard = keyboard
        self.select_all = select_all  # launch.select_all: not every toolkit knows Ctrl+A

    def own(self, text: str) -> int:
        """Put ``text`` on the clipboard (the robot owns it); returns the owner's id."""
        self.display.set_clipboard(text)
        return self.display.clipboard_window

    def copy(self, owner: int, *, select_all: bool, wait_s: float = _EMPTY_WAIT_S) -> str:
        """Select all (optional), Ctrl+C, and the clipboard once the program has taken it.

        Nothing copied (an empty field does not take the clipboard) reads as ''.
        """
        if select_all:
            self.keyboard.chord(self.select_all)
        self.keyboard.chord(["ctrl", "c"])
        if self.display.wait_owner_change(owner, wait_s):
            return self.display.get_clipboard()
        return ""

    def read_back(self, owner: int, value: str) -> str:
        """Copy the field until it shows ``value`` (or ``_COPY_WAIT_S`` is over).

        A paste is asynchronous: the program fetches the clipboard while it goes on handling
        queued keys, so the first Ctrl+C may come before the text is in. Poll, never sleep.
        """
        deadline = time.monotonic() + _COPY_WAIT_S
        while True:
            got = self.copy(owner, select_all=True, wait_s=_PASTE_POLL_S if value else
                             _EMPTY_WAIT_S)
            if same(got, value) or time.monotonic() >= deadline:
                return got
            if got:
                owner = self.own("")  # take the clipboard back before copying again

    def read_field(self) -> str:
        """The focused field's text (Ctrl+A, Ctrl+C)."""
        owner = self.own("")
        return strip_text_end(self.copy(owner, select_all=True))

    def read_dialog(self, hit: Hit) -> str:
        """A message box's message (Ctrl+C, as Windows allows); its title if it cannot copy."""
        assert hit.window is not None
        if self.display.focused() != hit.window.id:
            self.display.focus(hit.window)
        owner = self.own("")
        text = self.copy(owner, select_all=False, wait_s=_COPY_WAIT_S / 2)
        return message_of(text) if text else hit.window.title


def strip_text_end(text: str) -> str:
    """``text`` without the final line break a multi-line text box copies along."""
    # A multi-line text box copies its final line break along with the text.
    return text[:-1] if text.endswith("\n") else text


def same(got: str, wanted: str) -> bool:
    """Equal, or a masked field showing one mask character per character typed."""
    got = strip_text_end(got)
    if got == wanted:
        return True
    return bool(wanted) and len(got) == len(wanted) and len(set(got)) == 1 \
        and got[0] in "*●•"


def message_of(text: str) -> str:
    """The message part of a Windows message box copied with Ctrl+C."""
    lines = text.replace("\r\n", "\n").split("\n")
    rules = [i for i, line in enumerate(lines) if line.strip().startswith(_RULE)
             and set(line.strip()) == {"-"}]
    if len(rules) >= 3:
        return "\n".join(lines[rules[1] + 1:rules[2]]).strip()
    return text.strip()
