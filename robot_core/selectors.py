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

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from robot_core.errors import BotScriptError, ConfigError, Location
from robot_core.home import contained, project_dir, robot_home
from robot_core.script.app_section import AppSection, parse_app
from robot_core.script.templating import TemplateProblem, compile_template
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
_MODIFIERS = {"frame", "name", "exact", "confidence", "region"}
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

    @property
    def is_exact(self) -> bool:
        """Whether text must match whole (the default for every strategy but ``exact: false``)."""
        return self.exact is not False

    def describe(self) -> str:
        """Short text for audit events and error messages."""
        extra = f" name={self.name!r}" if self.name else ""
        frame = f" in {self.frame}" if self.frame else ""
        return f"{self.strategy}={self.value!r}{extra}{frame}"


@dataclass(frozen=True)
class Target:
    """A named thing on a legacy screen."""

    name: str
    alternatives: tuple[Alternative, ...]
    location: Location
    secret: bool = False
    timeout_ms: int | None = None  # read by run/timeouts.py only; a step's own wins
    options: Mapping[str, Target] = field(default_factory=dict)

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
    if driver not in {"web", "desktop"}:
        raise src.error(("driver",), f"driver must be web or desktop, not {driver!r}")
    app, section = parse_app(src, data.get("app"), path.stem)
    screens = data.get("screens")
    if not isinstance(screens, dict) or not screens:
        raise src.error(("screens",), "screens must be a mapping of screen name to targets")
    strategies = WEB_STRATEGIES if driver == "web" else DESKTOP_STRATEGIES
    targets: dict[str, Target] = {}
    for screen, body in screens.items():
        src.identifier(("screens", screen), screen, "a screen name")
        targets.update(_screen(src, ("screens", screen), screen, body, strategies))
    launch = data.get("launch", {})
    if not isinstance(launch, dict):
        raise src.error(("launch",), "launch must be a mapping")
    if driver == "desktop":
        _check_launch(src, launch)
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
    unknown = set(body) - {"targets", "frame"}
    if unknown:
        raise src.error((*path, sorted(unknown)[0]), "unknown key (expected targets, frame)")
    frame = body.get("frame")
    if not isinstance(body["targets"], dict) or not body["targets"]:
        raise src.error((*path, "targets"), "targets must be a mapping of target names")
    out: dict[str, Target] = {}
    for name, spec in body["targets"].items():
        src.identifier((*path, "targets", name), name, "a target name")
        full = f"{screen}.{name}"
        out[full] = _target(src, (*path, "targets", name), full, spec, frame, strategies)
    return out


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
        item = {"css": item} if "css" in strategies else {"image": item}
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
    try:
        confidence = float(item.get("confidence", 0.9))
    except (TypeError, ValueError):
        raise src.error((*path, "confidence"), "confidence must be a number between 0 and 1") \
            from None
    exact = item.get("exact")
    return Alternative(strategy, str(value), item.get("frame", frame), item.get("name"),
                       None if exact is None else bool(exact), confidence)


# -- the launch: block of a desktop map -----------------------------------------------------
LAUNCH_KEYS = frozenset({"command", "cwd", "ready", "window", "ready_timeout_ms", "images",
                         "env", "log", "mode", "stdin", "exit_timeout_ms", "settle_ms"})
LAUNCH_MODES = ("session", "per_case")
_PLACEHOLDER = re.compile(r"\{(python|project|env\.([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?)\}")


@dataclass(frozen=True)
class LaunchSpec:
    """What to start and how to know it is up (placeholders still unexpanded)."""

    window: str
    ready: str
    command: tuple[str, ...] = ()
    cwd: str = "{project}"
    ready_timeout_ms: int = 30_000
    images: str = "selectors/images"
    env: Mapping[str, str] = field(default_factory=dict)
    log: str | None = None
    mode: str = "session"
    stdin: str | None = None
    exit_timeout_ms: int = 10_000
    settle_ms: int = 3_000

    @property
    def attach(self) -> bool:
        """True when the program is started by someone else."""
        return not self.command

    @property
    def per_case(self) -> bool:
        """True when the program is started for each case and awaited (``mode: per_case``)."""
        return self.mode == "per_case"

    @property
    def gui(self) -> bool:
        """False for a per-case program without ``window:`` (it prints and exits)."""
        return bool(self.window)


def parse_launch(data: Mapping[str, Any]) -> LaunchSpec:
    """Check a ``launch:`` mapping (no display needed: the loader may call this too)."""
    unknown = sorted(set(data) - LAUNCH_KEYS)
    if unknown:
        raise BotScriptError(f"launch: unknown key {unknown[0]!r} (expected "
                             f"{', '.join(sorted(LAUNCH_KEYS))})")
    mode = data.get("mode", "session")
    if mode not in LAUNCH_MODES:
        raise BotScriptError(f"launch: mode must be one of {', '.join(LAUNCH_MODES)}")
    window = data.get("window", "" if mode == "per_case" else None)
    if not isinstance(window, str) or (not window and mode != "per_case"):
        raise BotScriptError("launch: `window:` must name the program's main window title")
    command = data.get("command", [])
    if isinstance(command, str):
        command = command.split()
    if not isinstance(command, list) or not all(isinstance(c, str | int | float)
                                                for c in command):
        raise BotScriptError("launch: `command:` must be a list of arguments")
    timeout = data.get("ready_timeout_ms", 30_000)
    if not isinstance(timeout, int) or timeout <= 0:
        raise BotScriptError("launch: ready_timeout_ms must be a positive whole number")
    env = data.get("env", {})
    if not isinstance(env, dict):
        raise BotScriptError("launch: `env:` must be a mapping")
    exit_timeout = data.get("exit_timeout_ms", 10_000)
    if not isinstance(exit_timeout, int) or exit_timeout <= 0:
        raise BotScriptError("launch: exit_timeout_ms must be a positive whole number")
    settle = data.get("settle_ms", 3_000)
    if not isinstance(settle, int) or settle < 0:
        raise BotScriptError("launch: settle_ms must be a whole number of milliseconds, 0 or more")
    stdin = data.get("stdin")
    if stdin is not None and (mode != "per_case" or not isinstance(stdin, str)):
        raise BotScriptError("launch: `stdin:` is a text template, for mode: per_case only")
    if mode == "per_case" and not command:
        raise BotScriptError("launch: mode: per_case needs a `command:` to start for each case")
    for text in (*(str(c) for c in command), stdin or ""):
        _check_template(text, per_case=mode == "per_case")
    return LaunchSpec(window=window, ready=str(data.get("ready") or window),
                      command=tuple(str(c) for c in command),
                      cwd=str(data.get("cwd", "{project}")), ready_timeout_ms=timeout,
                      images=str(data.get("images", "selectors/images")),
                      env={str(k): str(v) for k, v in env.items()},
                      log=str(data["log"]) if data.get("log") else None, mode=str(mode),
                      stdin=stdin, exit_timeout_ms=exit_timeout, settle_ms=settle)


def _check_template(text: str, *, per_case: bool) -> None:
    """Case templates in a launch command compile (and are only for per-case programs)."""
    if "{{" not in text and "{%" not in text:
        return
    if not per_case:
        raise BotScriptError("launch: templates of the case (`{{ ... }}`) need mode: per_case")
    try:
        compile_template(text)
    except TemplateProblem as exc:
        raise BotScriptError(f"launch: {text!r}: {exc}") from None


def render_launch(text: str, variables: Mapping[str, Any]) -> str:
    """One argument (or the stdin) of a per-case program: placeholders, then the case.

    Placeholders are filled in the bot's own text first, so a case value that reads like
    ``{env.NAME}`` stays as typed.
    """
    expanded = expand(text)
    if "{{" not in expanded and "{%" not in expanded:
        return expanded
    try:
        return compile_template(expanded).render(variables)
    except TemplateProblem as exc:
        raise BotScriptError(f"launch: {exc}") from None


def expand(text: str) -> str:
    """Fill ``{python}``, ``{project}`` and ``{env.NAME[:-default]}`` in ``text``."""

    def one(match: re.Match[str]) -> str:
        if match.group(1) == "python":
            return sys.executable
        if match.group(1) == "project":
            return str(project_dir())
        name, default = match.group(2), match.group(3)
        value = os.environ.get(name)
        if value:
            return value
        if default is not None:
            return default
        raise ConfigError(f"launch: set the environment variable {name}")

    return _PLACEHOLDER.sub(one, text)


def images_dir(spec: LaunchSpec) -> Path:
    """Folder of the image templates."""
    path = Path(expand(spec.images))
    return path if path.is_absolute() else project_dir() / path
