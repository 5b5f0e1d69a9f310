"""Selector maps: named targets of one legacy app, each a list of alternatives tried in order.

``selectors/registry_web.yaml``::

    app: registry_web
    driver: web
    screens:
      form:
        frame: 'iframe[name="main"]'      # default frame for every target of this screen
        targets:
          name: [{beside: 氏名}, {css: 'input[name="txt02"]'}]
          my_number: {secret: true, any: [{beside: 個人番号}]}
          sex:
            options:
              男: [{css: 'input[name="rdo01"][value="1"]'}]

A target is addressed as ``screen.target`` (``form.name``). A bare string is a CSS selector.
(This module is named after the folder of maps; the folder itself must never be a package.)

A desktop map also has a ``launch:`` block, parsed here (``LaunchSpec``) so that loading a
map needs no display and the drivers depend on this module, never the reverse::

    launch:
      command: ["{python}", -m, fixtures.legacy_desktop, run, --db, "{env.LEDGER_DB}",
                --busy-rate, "{env.LEDGER_BUSY_RATE:-0}"]
      cwd: "{project}"                  # default: the project folder
      ready: ログイン - 台帳管理システム   # the window that says the program is up
      window: 台帳管理システム           # targets without a window (frame:) live here
      ready_timeout_ms: 30000
      images: selectors/images          # image templates, relative to the project
      env: {LANG: ja_JP.UTF-8}          # extra environment of the program
      log: "{env.ROBOT_HOME:-var}/ledger-client.log"   # its stdout/stderr (default: dropped)
      mode: session                     # or per_case: started for each case, awaited
      exit_timeout_ms: 10000            # how long a program may take to exit by itself
      settle_ms: 3000                   # after a saving case: does it start closing by itself?
      select_all: ctrl+a                # keys that select a field's text (plain Tk: Control+/)

``mode: per_case`` is for programs that save and exit: the driver starts ``command`` for each
case (its arguments and ``stdin:`` may be templates of the case, ``"{{ case.name }}"``; the
arguments are a list, never a shell line), waits for it to exit and leaves its ``exit_code``
and ``stdout`` as outputs of the case. Without ``window:`` it is not a GUI at all.

Placeholders: ``{python}`` (this interpreter), ``{project}`` (``ROBOT_PROJECT`` or the current
folder), ``{env.NAME}`` (must be set) and ``{env.NAME:-default}``. Without ``command`` the
driver attaches to a program that is already running (it waits for ``ready``) and never
stops or restarts it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from robot_core.errors import BotScriptError, ConfigError, Location
from robot_core.home import contained, project_dir, robot_home
from robot_core.script.app_section import AppSection, parse_app
from robot_core.script.launch import images_dir, parse_launch
from robot_core.script.terminal import (
    TERMINAL_STRATEGIES,
    check_alternative,
    parse_terminal_launch,
)
from robot_core.script.tn3270 import parse_tn3270_launch
from robot_core.script.yamlsource import PathKey, YamlSource, load_yaml

#: strategy -> what it means; the web driver turns each into a Playwright locator.
WEB_STRATEGIES: dict[str, str] = {
    "css": "CSS selector",
    "xpath": "XPath expression",
    "text": "element whose text contains this",
    "role": "ARIA role, with `name` for the accessible name",
    "label": "form control tied to this label (text compared normalised: trailing colon, "
             "spaces and full width ignored; `exact: true` to compare as written)",
    "beside": "form control in the table cell next to the cell with this text (compared "
              "normalised, like label)",
    "alt": "image (or the link around it) with this alt text",
    "placeholder": "input with this placeholder",
}
#: desktop strategies (pyautogui): template image, keyboard path, window-relative point.
DESKTOP_STRATEGIES: dict[str, str] = {
    "image": "PNG template under selectors/images/",
    "keys": "key chords pressed in the target's window, e.g. 'alt+u tab*2' (start from an "
            "access key)",
    "point": "window-relative x,y",
    "title": "window or dialog title (the screen's or alternative's `frame:` is the window "
             "title a target lives in; image alternatives named checked/unchecked give a "
             "checkbox its state)",
}
#: ``login_submit.png`` or ``login/submit.png``: a relative name that cannot climb out.
IMAGE_FILE = re.compile(r"(?:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}/){0,3}"
                        r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
#: ``driver:`` of a map -> the strategies its alternatives may use.
STRATEGIES: dict[str, dict[str, str]] = {"web": WEB_STRATEGIES, "desktop": DESKTOP_STRATEGIES,
                                         "terminal": TERMINAL_STRATEGIES}
_MODIFIERS = {"frame", "name", "exact", "confidence", "region", "at"}
_TARGET_KEYS = {"any", "secret", "options", "timeout_ms", "frame"}


@dataclass(frozen=True)
class Alternative:
    """One way of finding a target: a strategy and its argument (plus modifiers)."""

    strategy: str
    value: str
    frame: str | None = None
    name: str | None = None
    exact: bool | None = None  # None: the strategy's default (label/beside: normalised text)
    confidence: float = 0.9
    at: str | None = None  # terminal: `text:` at this row,col

    @property
    def is_exact(self) -> bool:
        """Whether text must match whole (the default for every strategy but ``exact: false``)."""
        return self.exact is not False

    def describe(self) -> str:
        """Short text for audit events and error messages."""
        extra = f" name={self.name!r}" if self.name else ""
        frame = f" in {self.frame}" if self.frame else ""
        at = f" at {self.at}" if self.at else ""
        return f"{self.strategy}={self.value!r}{extra}{frame}{at}"


@dataclass(frozen=True)
class Target:
    """A named thing on a legacy screen."""

    name: str
    alternatives: tuple[Alternative, ...]
    location: Location
    secret: bool = False
    timeout_ms: int | None = None  # read by run/timeouts.py only; a step's own wins
    options: Mapping[str, Target] = field(default_factory=dict)
    #: the screen's own bound of a hung answer (web_pace.py), replacing the learned one
    response_timeout_ms: int | None = None

    def option(self, value: str) -> Target:
        """The alternative set for one radio/choice value (``form.sex`` + ``男``)."""
        try:
            return self.options[value]
        except KeyError:
            known = ", ".join(self.options) or "none"
            raise BotScriptError(f"target {self.name} has no option {value!r} (options: {known})",
                                 self.location) from None


@dataclass(frozen=True)
class SelectorMap:
    """Every target of one app, by ``screen.target`` name."""

    app: str
    driver: str
    file: str
    targets: Mapping[str, Target]
    launch: Mapping[str, Any] = field(default_factory=dict)
    section: AppSection = field(default_factory=AppSection)  # app: {max_sessions: …}

    def get(self, name: str) -> Target:
        """The target called ``name``; ``KeyError`` when the map has none."""
        return self.targets[name]

    def secret_targets(self) -> list[Target]:
        """Targets whose content must be masked in screenshots."""
        return [t for t in self.targets.values() if t.secret]


def load_selector_map(path: Path) -> SelectorMap:
    """Load and validate one selector map; errors name file, line and key."""
    src = load_yaml(path)
    data = src.data
    if not isinstance(data, dict):
        raise src.error((), "a selector map must be a mapping with app, driver and screens")
    for key in data:
        if key not in {"app", "driver", "screens", "launch", "description"}:
            raise src.error((key,), "unknown key (expected app, driver, screens, launch)")
    driver = data.get("driver", "web")
    if driver not in STRATEGIES:
        raise src.error(("driver",), f"driver must be web, desktop or terminal, not {driver!r}")
    app, section = parse_app(src, data.get("app"), path.stem)
    screens = data.get("screens")
    if not isinstance(screens, dict) or not screens:
        raise src.error(("screens",), "screens must be a mapping of screen name to targets")
    strategies = STRATEGIES[driver]
    targets: dict[str, Target] = {}
    for screen, body in screens.items():
        src.identifier(("screens", screen), screen, "a screen name")
        targets.update(_screen(src, ("screens", screen), screen, body, strategies))
    launch = data.get("launch", {})
    if not isinstance(launch, dict):
        raise src.error(("launch",), "launch must be a mapping")
    if driver == "desktop":
        _check_launch(src, launch)
    if driver == "terminal":
        try:
            (parse_tn3270_launch if "tn3270" in launch else parse_terminal_launch)(launch)
        except BotScriptError as exc:
            raise src.error(("launch",), exc.message.removeprefix("launch: ")) from None
    return SelectorMap(str(app), driver, src.file, targets, launch, section)


def _check_launch(src: YamlSource, launch: Mapping[str, Any]) -> None:
    """A desktop map's ``launch:`` is checked at load, not first when the program starts."""
    try:
        spec = parse_launch(launch)
    except BotScriptError as exc:
        raise src.error(("launch",), exc.message.removeprefix("launch: ")) from None
    try:  # image templates are read from this folder: it stays in the project (or home)
        contained(images_dir(spec), project_dir(), robot_home())
    except ConfigError as exc:
        raise src.error(("launch", "images"), str(exc)) from None


def _screen(src: YamlSource, path: PathKey, screen: str, body: Any,
            strategies: Mapping[str, str]) -> dict[str, Target]:
    if not isinstance(body, dict) or "targets" not in body:
        raise src.error(path, "a screen needs `targets:` (and may set `frame:`)")
    unknown = set(body) - {"targets", "frame", "response_timeout_ms"}
    if unknown:
        raise src.error((*path, sorted(unknown)[0]),
                        "unknown key (expected targets, frame, response_timeout_ms)")
    frame = body.get("frame")
    bound = body.get("response_timeout_ms")
    if bound is not None and (not isinstance(bound, int) or isinstance(bound, bool) or bound <= 0):
        raise src.error((*path, "response_timeout_ms"),
                        "response_timeout_ms must be a positive whole number")
    if not isinstance(body["targets"], dict) or not body["targets"]:
        raise src.error((*path, "targets"), "targets must be a mapping of target names")
    out: dict[str, Target] = {}
    for name, spec in body["targets"].items():
        src.identifier((*path, "targets", name), name, "a target name")
        full = f"{screen}.{name}"
        target = _target(src, (*path, "targets", name), full, spec, frame, strategies)
        out[full] = _paced(target, bound) if bound else target
    return out


def _paced(target: Target, bound: int) -> Target:
    """``target`` (and its options) with its screen's bound of a hung answer."""
    options = {value: _paced(option, bound) for value, option in target.options.items()}
    return dataclasses.replace(target, response_timeout_ms=bound, options=options)


def _target(src: YamlSource, path: PathKey, name: str, spec: Any, frame: str | None,
            strategies: Mapping[str, str]) -> Target:
    loc = src.where(path)
    if isinstance(spec, str | list):
        return Target(name, _alternatives(src, path, spec, frame, strategies), loc)
    if not isinstance(spec, dict):
        raise src.error(path, "a target is a selector string, a list of alternatives or a mapping")
    unknown = set(spec) - _TARGET_KEYS
    if unknown:
        key = sorted(unknown)[0]
        raise src.error((*path, key), f"unknown key (expected {', '.join(sorted(_TARGET_KEYS))})")
    frame = spec.get("frame", frame)
    if not isinstance(spec.get("options") or {}, dict):
        raise src.error((*path, "options"), "options must map each value to its alternatives")
    options = {
        str(value): _target(src, (*path, "options", value), f"{name}[{value}]", alt, frame,
                            strategies)
        for value, alt in (spec.get("options") or {}).items()
    }
    if "any" not in spec and not options:
        raise src.error(path, "a target needs `any:` alternatives or `options:`")
    alts = _alternatives(src, (*path, "any"), spec["any"], frame, strategies) if "any" in spec \
        else ()
    timeout = spec.get("timeout_ms")
    if timeout is not None and (not isinstance(timeout, int) or timeout <= 0):
        raise src.error((*path, "timeout_ms"), "timeout_ms must be a positive whole number")
    return Target(name, alts, loc, bool(spec.get("secret", False)), timeout, options)


def _alternatives(src: YamlSource, path: PathKey, spec: Any, frame: str | None,
                  strategies: Mapping[str, str]) -> tuple[Alternative, ...]:
    items = spec if isinstance(spec, list) else [spec]
    if not items:
        raise src.error(path, "a target needs at least one alternative")
    return tuple(_alternative(src, (*path, i) if isinstance(spec, list) else path, item, frame,
                              strategies) for i, item in enumerate(items))


def _alternative(src: YamlSource, path: PathKey, item: Any, frame: str | None,
                 strategies: Mapping[str, str]) -> Alternative:
    if isinstance(item, str):
        bare = "css" if "css" in strategies else "text" if "field" in strategies else "image"
        item = {bare: item}
    if not isinstance(item, dict):
        raise src.error(path, "an alternative is a mapping like {css: '...'}")
    chosen = [k for k in item if k not in _MODIFIERS]
    if len(chosen) != 1 or chosen[0] not in strategies:
        bad = next((k for k in chosen if k not in strategies), None)
        where = (*path, bad) if bad else path
        raise src.error(where, "an alternative needs exactly one strategy of: "
                        + ", ".join(strategies))
    strategy = chosen[0]
    value = item[strategy]
    if not isinstance(value, str | int | float) or str(value) == "":
        raise src.error((*path, strategy), f"{strategy} needs a non-empty value")
    if strategy == "image" and not IMAGE_FILE.fullmatch(str(value)):
        raise src.error((*path, strategy), "an image is a file name under the map's images "
                        f"folder (like login_submit.png; no '..', no absolute path), not "
                        f"{str(value)[:60]!r}")
    at = str(item["at"]) if "at" in item else None
    if strategies is TERMINAL_STRATEGIES:
        try:
            check_alternative(strategy, str(value), at)
        except BotScriptError as exc:
            raise src.error((*path, strategy), exc.message) from None
    elif at is not None:
        raise src.error((*path, "at"), "`at:` belongs to terminal maps")
    try:
        confidence = float(item.get("confidence", 0.9))
    except (TypeError, ValueError):
        raise src.error((*path, "confidence"), "confidence must be a number between 0 and 1") \
            from None
    exact = item.get("exact")
    return Alternative(strategy, str(value), item.get("frame", frame), item.get("name"),
                       None if exact is None else bool(exact), confidence, at)
