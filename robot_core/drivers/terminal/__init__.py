"""The terminal driver: full-screen VT100/VT220 hosts over a pseudo-terminal or SSH, and
IBM 3270 hosts over TN3270 through ``s3270`` (``launch: tn3270:``: see ``tn3270.py``).

The map's ``launch:`` says how to reach the host: ``command:`` (a local program on a
pseudo-terminal) or ``ssh: {host, port, user, password, known_hosts}``; ``encoding:``
(utf-8, shift_jis, cp932, euc-jp), ``rows``/``cols`` (24x80), ``term`` (vt220), ``ready``
(text of the first screen), ``keys: {next_field: tab, clear_field: ctrl+u}``, ``settle_ms``.

Targets (``TERMINAL_STRATEGIES`` in ``robot_core.script.terminal``; rows and columns count
from 1, a full-width kanji takes two columns):

``field: "5,20,10"``   an input field at row 5, column 20, 10 columns wide.
``label: 氏名``         the first ``[...]`` field after that text on the same row.
``index: 3``           the third ``[...]`` field of the screen, in reading order. VT screens
                       carry no field attributes, so a *field* is a bracketed slot, its free
                       part shown as ``_`` (a field's value is read without that padding),
                       or a run of underlined / reverse-video cells (curses forms).
``text: 転入届入力``     the screen shows the text; with ``at: "1,30"`` only at that place.
``row: 24``            the message line: on screen while it is not blank.
``area: "5,1,20,80"``  a rectangle (top, left, bottom, right): on screen while not blank;
                       ``extract`` reads its lines.
``cursor: "5,20"``     the cursor is there.
``keyboard: unlocked`` the host has answered the last Enter/PF key and gone quiet.

``fill`` walks to the field with ``next_field`` (Tab) until the cursor is in it, clears it
(``clear_field``), types, and reads the field back until it shows the value (or as many
``secret_echo`` characters, for a password); a value wider than the field is a
``BusinessError``. ``select`` types the label/value into a code field, ``check`` types ``X``
or clears. ``press`` takes key names: enter, tab, backtab, esc, pf1..pf24 (f1..f24),
ctrl+a..ctrl+z, arrows, home, end. ``click`` puts the cursor on a field and presses Enter.
``goto: connect`` (re)opens a dropped session, ``goto: reconnect`` always starts afresh.
Screenshots are the text screen drawn as PNG (Noto Sans Mono CJK) and saved as ``.txt``
beside it; secret targets, and any secret value on screen, are masked in both.

Modules: ``driver`` (the ``Driver``), ``screen`` (pyte with East Asian width fixed,
snapshots, fields), ``locate`` (alternatives to screen regions), ``transport`` (pty, SSH),
``render`` (screenshots), ``extra`` (is the ``terminal`` extra installed?).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from robot_core.drivers.terminal.driver import TerminalDriver

__all__ = ["TerminalDriver"]


def __getattr__(name: str) -> Any:
    """``TerminalDriver`` on first use (it needs pyte and asyncssh)."""
    if name == "TerminalDriver":
        from robot_core.drivers.terminal.driver import TerminalDriver  # noqa: PLC0415

        return TerminalDriver
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
