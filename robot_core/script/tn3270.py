"""What an IBM 3270 terminal map's ``launch:`` says: ``tn3270: {host, port, codepage}``.

The host is reached through ``s3270`` (the x3270 suite's scripting emulator), so the robot
needs no 3270 code of its own: ``codepage`` is any host code page ``s3270 -codepage help``
lists (cp037 for US Latin, cp939 / cp930 for Japanese with kanji), ``model`` the terminal
(3278-2: 24x80). Keys are 3270 keys: enter, tab, backtab, pf1..pf24, pa1..pa3, clear,
reset, home, eraseeof, erase_input, newline, up/down/left/right, delete, backspace, attn.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from robot_core.errors import BotScriptError

TN3270_KEYS = frozenset({"host", "port", "codepage", "model", "s3270", "tls"})
#: launch keys a 3270 map may give beside ``tn3270:`` (the VT ones do not apply).
TOP_KEYS = frozenset({"tn3270", "ready", "ready_timeout_ms"})
_ACTIONS = {"enter": "Enter", "return": "Enter", "tab": "Tab", "backtab": "BackTab",
            "shift+tab": "BackTab", "clear": "Clear", "reset": "Reset", "home": "Home",
            "eraseeof": "EraseEOF", "erase_eof": "EraseEOF", "erase_input": "EraseInput",
            "newline": "Newline", "up": "Up", "down": "Down", "left": "Left", "right": "Right",
            "delete": "Delete", "backspace": "BackSpace", "attn": "Attn", "sysreq": "SysReq",
            "dup": "Dup", "fieldmark": "FieldMark", "end": "FieldEnd"}
#: keys that send the screen (AID keys): the keyboard locks until the host answers.
AID = re.compile(r"(enter|return|pf\d+|pa\d|clear|attn|sysreq)")


def s3270_action(name: str) -> str:
    """The s3270 action for the 3270 key ``name`` (``pf3`` -> ``PF(3)``)."""
    key = name.strip().lower()
    if key in _ACTIONS:
        return _ACTIONS[key]
    match = re.fullmatch(r"(pf|f|pa)(\d{1,2})", key)
    if match:
        n, kind = int(match.group(2)), match.group(1)
        if kind == "pa" and 1 <= n <= 3:
            return f"PA({n})"
        if kind != "pa" and 1 <= n <= 24:
            return f"PF({n})"
    raise BotScriptError(f"unknown 3270 key {name!r} (enter, tab, backtab, pf1..pf24, "
                         "pa1..pa3, clear, reset, home, eraseeof, erase_input, newline, "
                         "up/down/left/right, delete, backspace, attn, sysreq)")


@dataclass(frozen=True)
class Tn3270Spec:
    """Where the 3270 host is and how to talk to it (values unexpanded: ``{env.X}``)."""

    host: str
    port: str = "23"
    codepage: str = "cp037"
    model: str = "3278-2"
    s3270: str = "s3270"
    tls: bool = False
    ready: str = ""
    ready_timeout_ms: int = 20_000


def parse_tn3270_launch(data: Mapping[str, Any]) -> Tn3270Spec:
    """Check a 3270 map's ``launch:`` (``tn3270:`` with host, port, codepage, model)."""
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise BotScriptError(f"launch: {unknown[0]!r} does not go with `tn3270:` (expected "
                             f"{', '.join(sorted(TOP_KEYS))})")
    body = data.get("tn3270")
    if not isinstance(body, dict) or set(body) - TN3270_KEYS or "host" not in body:
        raise BotScriptError(f"launch: `tn3270:` is a mapping with host: and optionally "
                             f"{', '.join(sorted(TN3270_KEYS - {'host'}))}")
    timeout = data.get("ready_timeout_ms", 20_000)
    if not isinstance(timeout, int) or timeout <= 0:
        raise BotScriptError("launch: ready_timeout_ms must be a positive whole number")
    model = str(body.get("model", "3278-2"))
    if not re.fullmatch(r"327[89]-[2-5](-E)?", model):
        raise BotScriptError(f"launch: tn3270 model must be like 3278-2, not {model!r}")
    return Tn3270Spec(host=str(body["host"]), port=str(body.get("port", "23")),
                      codepage=str(body.get("codepage", "cp037")), model=model,
                      s3270=str(body.get("s3270", "s3270")), tls=bool(body.get("tls", False)),
                      ready=str(data.get("ready", "")), ready_timeout_ms=timeout)
