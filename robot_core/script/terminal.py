"""What a terminal selector map says: its screen strategies and its ``launch:`` (connection).

Parsed here, in the script layer, so that loading a terminal map needs neither ``pyte`` nor
``asyncssh`` and a wrong position or key name is a ``file:line:column`` error at load time.

Positions count from 1, as a terminal's status line shows them: ``"5,20,10"`` is row 5,
column 20, 10 columns wide (a full-width kanji takes two columns).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from robot_core.errors import BotScriptError

#: strategy -> what it means (see robot_core/drivers/terminal/__init__.py for the details).
TERMINAL_STRATEGIES: dict[str, str] = {
    "field": "input field at row,col,length (1-based columns; a kanji takes two)",
    "label": "the first field ([bracketed], or underlined/reverse cells) after this text on "
             "the same row",
    "index": "the Nth field of the screen, in reading order (1 = first)",
    "text": "screen shows this text (anywhere, or at `at: row,col`)",
    "row": "the whole row N (a message line): on screen while it is not blank",
    "area": "the rectangle top,left,bottom,right (1-based, inclusive): on screen while not blank",
    "cursor": "the cursor is at row,col",
    "keyboard": "`unlocked`: the host has answered the last Enter/PF key and gone quiet",
}
ENCODINGS = ("utf-8", "shift_jis", "cp932", "euc-jp", "euc_jis_2004", "shift_jis_2004")
LAUNCH_KEYS = frozenset({"command", "cwd", "env", "ssh", "encoding", "rows", "cols", "term",
                         "ready", "ready_timeout_ms", "keys", "settle_ms", "secret_echo",
                         "tn3270"})  # tn3270: robot_core.script.tn3270
SSH_KEYS = frozenset({"host", "port", "user", "password", "known_hosts"})
_INT_LIST = re.compile(r"\s*\d+\s*(,\s*\d+\s*)*")
_NAMED = {"enter": "\r", "return": "\r", "tab": "\t", "backtab": "\x1b[Z", "shift+tab": "\x1b[Z",
          "esc": "\x1b", "escape": "\x1b", "backspace": "\x7f", "delete": "\x1b[3~",
          "insert": "\x1b[2~", "home": "\x1b[1~", "end": "\x1b[4~", "pgup": "\x1b[5~",
          "pgdn": "\x1b[6~", "up": "\x1b[A", "down": "\x1b[B", "right": "\x1b[C",
          "left": "\x1b[D", "space": " "}
# VT220 / xterm function keys: F1-F4 are SS3 P..S, F5-F12 CSI n ~; F13-F24 are what xterm
# sends for them (shift+F1..F12), so pf13..pf24 reach hosts that map them the xterm way.
_FKEYS = ["\x1bOP", "\x1bOQ", "\x1bOR", "\x1bOS", "\x1b[15~", "\x1b[17~", "\x1b[18~",
          "\x1b[19~", "\x1b[20~", "\x1b[21~", "\x1b[23~", "\x1b[24~"]
_SHIFT_FKEYS = ["\x1b[1;2P", "\x1b[1;2Q", "\x1b[1;2R", "\x1b[1;2S", "\x1b[15;2~", "\x1b[17;2~",
                "\x1b[18;2~", "\x1b[19;2~", "\x1b[20;2~", "\x1b[21;2~", "\x1b[23;2~",
                "\x1b[24;2~"]
#: keys that send the screen to the host (3270's AID keys): the host answers each one.
AID = re.compile(r"(enter|return|pf\d+|f\d+|pa\d|clear)")


def key_sequence(name: str) -> str:
    """The characters a VT220 sends for the key ``name`` (``enter``, ``pf3``, ``ctrl+c``)."""
    key = name.strip().lower()
    if key in _NAMED:
        return _NAMED[key]
    match = re.fullmatch(r"(?:pf|f)(\d{1,2})", key)
    if match and 1 <= int(match.group(1)) <= 24:
        n = int(match.group(1))
        return _FKEYS[n - 1] if n <= 12 else _SHIFT_FKEYS[n - 13]
    match = re.fullmatch(r"(?:ctrl|control)\+([a-z@\[\]\\^_])", key)
    if match:
        return chr(ord(match.group(1).upper()) & 0x1F)
    raise BotScriptError(f"unknown terminal key {name!r} (enter, tab, backtab, esc, pf1..pf24, "
                         "f1..f24, ctrl+a..ctrl+z, up/down/left/right, home, end, delete, "
                         "backspace)")


def numbers(value: str, count: int, what: str) -> tuple[int, ...]:
    """``"5,20,10"`` -> (5, 20, 10); each at least 1; an error says what was expected."""
    if not _INT_LIST.fullmatch(str(value)) or len(str(value).split(",")) != count:
        raise BotScriptError(f"{what} needs {count} whole numbers separated by commas, "
                             f"not {str(value)[:40]!r}")
    out = tuple(int(p) for p in str(value).split(","))
    if min(out) < 1:
        raise BotScriptError(f"{what} counts from 1 (row 1, column 1), not {value!r}")
    return out


def check_alternative(strategy: str, value: str, at: str | None) -> None:
    """Raise ``BotScriptError`` when a terminal alternative's value cannot mean anything."""
    shapes = {"field": 3, "area": 4, "cursor": 2}
    if strategy in shapes:
        numbers(value, shapes[strategy], strategy)
    elif strategy in {"row", "index"}:
        numbers(value, 1, strategy)
    elif strategy == "keyboard" and value != "unlocked":
        raise BotScriptError("keyboard: the only state is `unlocked`")
    if at is not None:
        if strategy != "text":
            raise BotScriptError("`at:` goes with `text:` only")
        numbers(at, 2, "at")


def check_encoding(name: str) -> str:
    """The codec name for a host encoding (``Shift_JIS`` -> ``shift_jis``); else an error."""
    names = {e.replace("_", "-"): e for e in ENCODINGS}
    found = names.get(name.strip().lower().replace("_", "-"))
    if found is None:
        raise BotScriptError(f"launch: encoding must be one of {', '.join(ENCODINGS)}, "
                             f"not {name!r}")
    return found


@dataclass(frozen=True)
class TerminalSpec:
    """How to reach the host: a local command on a pseudo-terminal, or SSH (unexpanded)."""

    command: tuple[str, ...] = ()
    cwd: str = "{project}"
    env: Mapping[str, str] = field(default_factory=dict)
    ssh: Mapping[str, str] = field(default_factory=dict)
    encoding: str = "utf-8"
    rows: int = 24
    cols: int = 80
    term: str = "vt220"
    ready: str = ""
    ready_timeout_ms: int = 20_000
    next_field: str = "tab"
    clear_field: str = "ctrl+u"
    settle_ms: int = 40
    secret_echo: str = "*"


def parse_terminal_launch(data: Mapping[str, Any]) -> TerminalSpec:
    """Check a terminal map's ``launch:``: exactly one of ``command:`` or ``ssh:``."""
    unknown = sorted(set(data) - LAUNCH_KEYS)
    if unknown:
        raise BotScriptError(f"launch: unknown key {unknown[0]!r} (expected "
                             f"{', '.join(sorted(LAUNCH_KEYS))})")
    command = data.get("command", [])
    if isinstance(command, str):
        command = command.split()
    ssh = data.get("ssh") or {}
    if not isinstance(ssh, dict) or set(ssh) - SSH_KEYS:
        raise BotScriptError(f"launch: `ssh:` is a mapping of {', '.join(sorted(SSH_KEYS))}")
    if bool(command) == bool(ssh):
        raise BotScriptError("launch: give either `command:` (a local program on a "
                             "pseudo-terminal) or `ssh:` (host, port, user)")
    if ssh and "host" not in ssh:
        raise BotScriptError("launch: `ssh:` needs `host:`")
    encoding = str(data.get("encoding", "utf-8"))
    if "{" not in encoding:  # a placeholder is checked once expanded, when the driver starts
        encoding = check_encoding(encoding)
    keys = data.get("keys") or {}
    if not isinstance(keys, dict) or set(keys) - {"next_field", "clear_field"}:
        raise BotScriptError("launch: `keys:` may set next_field and clear_field")
    for key in keys.values():
        if str(key).lower() not in {"backspace", "bs"}:
            key_sequence(str(key))
    sizes = {k: data.get(k, d) for k, d in (("rows", 24), ("cols", 80),
                                            ("ready_timeout_ms", 20_000), ("settle_ms", 40))}
    for name, number in sizes.items():
        if not isinstance(number, int) or number <= 0:
            raise BotScriptError(f"launch: {name} must be a positive whole number")
    env = data.get("env", {})
    if not isinstance(env, dict):
        raise BotScriptError("launch: `env:` must be a mapping")
    return TerminalSpec(
        command=tuple(str(c) for c in command), cwd=str(data.get("cwd", "{project}")),
        env={str(k): str(v) for k, v in env.items()},
        ssh={str(k): str(v) for k, v in ssh.items()}, encoding=encoding,
        rows=sizes["rows"], cols=sizes["cols"], term=str(data.get("term", "vt220")),
        ready=str(data.get("ready", "")), ready_timeout_ms=sizes["ready_timeout_ms"],
        next_field=str(keys.get("next_field", "tab")),
        clear_field=str(keys.get("clear_field", "ctrl+u")), settle_ms=sizes["settle_ms"],
        secret_echo=str(data.get("secret_echo", "*")))
