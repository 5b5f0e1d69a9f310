"""Load ``bots/NAME.yaml`` into a validated ``BotScript``.

Everything that can be checked without running is checked here, each error located at
``file:line:column`` with the key: unknown keys and actions, bad arguments, unknown targets,
and templates that read an unknown column, filter or output.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ValidationError

from robot_core import transforms
from robot_core.errors import ConfigError, Location
from robot_core.home import contained
from robot_core.script.actions import ACTIONS, Action
from robot_core.script.flow import check_press, control_step, is_control
from robot_core.script.model import (
    BotScript,
    InputSpec,
    RetryPolicy,
    SessionPolicy,
    Step,
    Timeouts,
    Watch,
    walk,
)
from robot_core.script.rules import COMPARISONS, Rule
from robot_core.script.templating import ROOTS, Template, TemplateProblem, compile_template
from robot_core.script.yamlsource import IDENTIFIER, PathKey, YamlSource, load_yaml
from robot_core.selectors import SelectorMap, load_selector_map

M = TypeVar("M", bound=BaseModel)
#: Step arguments that become names of things (outputs, screenshot files): plain names only.
NAME_ARGS = {"extract": "into", "screenshot": "name"}
#: A target whose name says it takes a password or PIN, whether or not the map marks it secret.
PASSWORD_LIKE = re.compile(r"(?i)(?:^|[_-])(?:pass|passcode|pin|pincode|pwd|secret)(?:[_-]|$)"
                           r"|passw(?:or)?d|暗証|パスワード")
BLOCKS = ("setup", "verify", "steps", "recover")
TOP_KEYS = frozenset({"name", "description", "driver", "app", "credentials", "input",
                      *BLOCKS, "retry", "watch", "session", "timeouts", "timezone"})
DEFAULT_TZ = "Asia/Tokyo"


def load_bot(path: Path, selectors_dir: Path, blocks_dir: Path | None = None, *,
             unmapped: list[Unmapped] | None = None) -> BotScript:
    """Load and fully validate the bot at ``path`` with its map from ``selectors_dir``.

    ``use:`` steps read ``blocks_dir`` (default: ``blocks/`` beside ``selectors_dir``).
    Given ``unmapped`` (a list), a target missing from the map does not fail the load: it
    is appended there, with where it is named; a bot so loaded must not run the steps that
    name one (``robot inspect --bot`` of a map still being written).
    """
    src = load_yaml(path)
    if not isinstance(src.data, dict):
        raise src.error((), "a bot script must be a mapping (name:, app:, steps:, ...)")
    data: dict[str, Any] = src.data
    _no_unknown_keys(src, (), data, TOP_KEYS)
    for required in ("app", "input", "steps"):
        if required not in data:
            raise src.error((), f"missing required key {required!r}")
    name = _bot_name(src, data, path)
    if data.get("credentials") is not None:
        src.identifier(("credentials",), data["credentials"], "credentials")
    selectors = _selector_map(src, data, selectors_dir)
    spec = _model(src, ("input",), data["input"], InputSpec)
    _check_input(src, spec)
    checker = _Checker(src, selectors, spec, bool(data.get("credentials")),
                       blocks_dir or selectors_dir.parent / "blocks", unmapped)
    blocks = {b: checker.block(b, data.get(b) or []) for b in BLOCKS}
    checker.check_outputs(blocks.values())
    timezone = _timezone(src, data.get("timezone", DEFAULT_TZ))
    watch = tuple(_model(src, ("watch", i), w, Watch) for i, w in enumerate(data.get("watch", [])))
    for i, item in enumerate(watch):
        checker.known_target(("watch", i, "target"), item.target)
    _check_verify(src, blocks)
    driver = data.get("driver", selectors.driver)
    if driver != selectors.driver:
        raise src.error(("driver",), f"bot says driver {driver!r} but selector map "
                        f"{selectors.file} is for {selectors.driver!r}")
    return BotScript(
        name=name, description=str(data.get("description", "")),
        driver=driver, app=selectors.app, file=src.file, selectors=selectors,
        credentials=data.get("credentials"), input=spec,
        setup=blocks["setup"], verify=blocks["verify"], steps=blocks["steps"],
        recover=blocks["recover"],
        retry=_model(src, ("retry",), data.get("retry", {}), RetryPolicy), watch=watch,
        session=_model(src, ("session",), data.get("session", {}), SessionPolicy),
        timeouts=_model(src, ("timeouts",), data.get("timeouts", {}), Timeouts),
        env_vars=frozenset(checker.env_vars), timezone=timezone,
    )


def _timezone(src: YamlSource, name: Any) -> str:
    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise src.error(("timezone",), f"unknown time zone {str(name)[:60]!r} (like "
                        "Asia/Tokyo)") from None
    return str(name)


def _check_verify(src: YamlSource, blocks: Mapping[str, tuple[Step, ...]]) -> None:
    """A verify needs its found_when (a commit without verify is a lint warning)."""
    if blocks["verify"] and not any(s.action == "found_when" for s in walk(blocks["verify"])):
        raise src.error(("verify",), "verify needs a found_when step (when is the case "
                        "already in the system?)")


def _bot_name(src: YamlSource, data: Mapping[str, Any], path: Path) -> str:
    """``name:``, else the file's stem; either way a plain name (run folders are named by it)."""
    if "name" in data:
        return src.identifier(("name",), data["name"], "name")
    if not IDENTIFIER.fullmatch(path.stem):
        raise src.error((), f"the file name {path.stem[:60]!r} is not a plain name: give the "
                        "bot a name: (letters, digits, _ or -)")
    return path.stem


def _selector_map(src: YamlSource, data: Mapping[str, Any], selectors_dir: Path) -> SelectorMap:
    app = src.identifier(("app",), data["app"], "app (the selector map, selectors/APP.yaml)")
    try:  # defence in depth: a symlink must not lead the lookup out of the folder either
        path = contained(selectors_dir / f"{app}.yaml", selectors_dir)
    except ConfigError as exc:
        raise src.error(("app",), str(exc)) from None
    if not path.exists():
        raise src.error(("app",), f"no selector map {path}")
    return load_selector_map(path)


def _model(src: YamlSource, path: PathKey, value: Any, model: type[M]) -> M:
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        errors = exc.errors()
        # A misspelt key also makes the real key "missing": name the typo, it is the cause.
        first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        loc = (*path, *first["loc"])
        message = first["msg"]
        if first["type"] == "extra_forbidden":
            fields = _fields_at(model, first["loc"][:-1])
            message = "unknown key" + _did_you_mean(str(first["loc"][-1]), fields) + \
                f" (allowed: {', '.join(sorted(fields))})"
        raise src.error(loc, message) from None


def _fields_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """Field names of the (nested) model that ``loc`` points into."""
    current: Any = model
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        field = current.model_fields.get(str(part)) if hasattr(current, "model_fields") \
            else None
        if field is None:
            # a dict of models (input.columns.NAME): step through the key
            continue
        current = _model_in(field.annotation)
    return list(current.model_fields) if current is not None else []


def _model_in(annotation: Any) -> Any:
    """The BaseModel class inside ``annotation`` (``dict[str, Column]`` -> ``Column``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _no_unknown_keys(src: YamlSource, path: PathKey, data: Mapping[str, Any],
                     allowed: Iterable[str]) -> None:
    allowed = sorted(allowed)
    for key in data:
        if key not in allowed:
            raise src.error((*path, key), "unknown key" + _did_you_mean(key, allowed))


def _did_you_mean(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _check_input(src: YamlSource, spec: InputSpec) -> None:
    """Check what the input model cannot: the key, transforms, patterns and rule columns."""
    if spec.key not in spec.columns:
        raise src.error(("input", "key"), f"key column {spec.key!r} is not in input.columns")
    for name, column in spec.columns.items():
        for i, fn in enumerate(column.transform):
            if fn not in transforms.FILTERS:
                raise src.error(("input", "columns", name, "transform", i),
                                f"unknown transform {fn!r}" + _did_you_mean(fn, transforms.FILTERS))
        if column.pattern is not None:
            _check_pattern(src, ("input", "columns", name, "pattern"), column.pattern)
    for i, rule in enumerate(spec.rules):
        _check_rule(src, ("input", "rules", i, rule.operator), rule, spec)


def _check_pattern(src: YamlSource, path: PathKey, pattern: str) -> None:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise src.error(path, f"pattern is not a valid regular expression: {exc}") from None


def _check_rule(src: YamlSource, path: PathKey, rule: Rule, spec: InputSpec) -> None:
    left, right = rule.columns
    for j, name in enumerate(rule.columns):
        if name not in spec.columns:
            raise src.error((*path, j), f"unknown column {name!r} in rule"
                            + _did_you_mean(name, spec.columns))
    if left == right:
        raise src.error(path, f"a rule compares two different columns (both are {left!r})")
    if rule.operator in COMPARISONS:
        for j, name in enumerate(rule.columns):
            if spec.columns[name].type != "date":
                raise src.error((*path, j), f"{rule.operator} compares date columns, but "
                                f"{name!r} is type {spec.columns[name].type}")


@dataclass(frozen=True)
class Unmapped:
    """A target a bot names that its map does not have (yet), and where it is named."""

    name: str
    location: Location


class _Checker:
    """Builds the ``Step`` objects of each block, checking targets and templates."""

    def __init__(self, src: YamlSource, selectors: SelectorMap, spec: InputSpec,
                 has_credentials: bool, blocks_dir: Path,
                 unmapped: list[Unmapped] | None = None) -> None:
        self.src = src
        self.unmapped = unmapped  # None: a missing target is an error
        self.selectors = selectors
        self.columns = spec.columns
        self.has_credentials = has_credentials
        self.env_vars: set[str] = set()
        self.blocks_dir = blocks_dir
        self.using: tuple[str, ...] = ()  # the blocks being checked, outermost first
        self.params: frozenset[str] | None = None  # inside a block: its declared parameters
        self.secret_params: frozenset[str] = frozenset()  # ... and those given a secret
        self.output_refs: list[tuple[YamlSource, PathKey, str]] = []

    def for_block(self, src: YamlSource, name: str, params: frozenset[str],
                  secret_params: frozenset[str]) -> _Checker:
        """A checker for the steps of block ``name`` (env vars and output refs shared)."""
        inner = copy.copy(self)
        inner.src, inner.using, inner.params = src, (*self.using, name), params
        inner.secret_params = secret_params
        return inner

    def check_outputs(self, blocks: Iterable[tuple[Step, ...]]) -> None:
        """Templates may read any output some extract step (nested, in a block) writes."""
        outputs = {str(getattr(s.args, "into", "")) for b in blocks for s in walk(b)
                   if s.action == "extract"}
        for src, path, name in self.output_refs:
            if name not in outputs:
                raise src.error(path, f"unknown output {name!r}: no extract step has "
                                f"into: {name}")

    def block(self, name: str, items: Any) -> tuple[Step, ...]:
        if not isinstance(items, list):
            raise self.src.error((name,), f"{name} must be a list of steps")
        return tuple(self.step(name, i, item, (name, i), name) for i, item in enumerate(items))

    def args(self, path: PathKey, raw: Any, name: str) -> BaseModel:
        """The validated arguments of action ``name`` written at ``path`` (shorthand expanded)."""
        act = ACTIONS[name]
        return _model(self.src, path, self._expand(act, path[:-1], raw), act.args)

    def step(self, block: str, index: int, item: Any, path: PathKey, top: str) -> Step:
        """One step at ``path``, labelled ``block[index]``, inside the bot's block ``top``."""
        if is_control(item):
            return control_step(self, block, index, item, path, top)
        if not isinstance(item, dict) or len(item) != 1:
            raise self.src.error(path, "a step is one action, like `- click: form.save`")
        name, raw = next(iter(item.items()))
        act = ACTIONS.get(name)
        if act is None:
            raise self.src.error((*path, name), f"unknown action {name!r}"
                                 + _did_you_mean(name, ACTIONS))
        if top not in act.blocks:
            raise self.src.error((*path, name), f"{name} can only be used in "
                                 + ", ".join(sorted(act.blocks)))
        args = self.args((*path, name), raw, name)
        templates = {f: self.template((*path, name, f), getattr(args, f), f)
                     for f in act.args.TEMPLATES if getattr(args, f) is not None}
        secret = any(self.reads_secret(t) for t in templates.values())
        for field in act.args.TARGETS:
            value = getattr(args, field)
            for i, target in enumerate(value if isinstance(value, tuple) else [value]):
                if target is not None:
                    where = (*path, name, field, i) if isinstance(value, tuple) else \
                        (*path, name, field)
                    secret |= self.known_target(where, target)
        self._action_checks(act, args, templates, (*path, name))
        return Step(block, index, name, args, templates, self.src.where((*path, name)), secret)

    def _action_checks(self, act: Action, args: BaseModel, templates: dict[str, Template],
                       path: PathKey) -> None:
        """What one action's arguments must also be, beyond their model."""
        name = act.name
        if name in NAME_ARGS:
            field = NAME_ARGS[name]
            self.src.identifier((*path, field), getattr(args, field), field)
        for field in getattr(act.args, "WEB_ONLY", ()):
            if getattr(args, field) and self.selectors.driver != "web":
                raise self.src.error((*path, field), f"{field}: reads a web page; a "
                                     f"{self.selectors.driver} program has none (read a "
                                     "target's text, or window_title: true)")
        if "value" in templates:
            self._no_secret_literal((*path, "value"), args, templates["value"])
        chosen = str(args.model_dump().get("target"))
        if name == "choose" and chosen in self.selectors.targets and \
                not self.selectors.get(chosen).options:
            raise self.src.error((*path, "target"), "choose needs a target with options:")
        if name == "press":
            check_press(self, path, templates["times"])

    def _expand(self, act: Action, path: PathKey, raw: Any) -> Any:
        if isinstance(raw, dict):
            return raw
        if act.shorthand is None:
            raise self.src.error((*path, act.name), f"{act.name} needs a mapping of arguments")
        return {act.shorthand: raw}

    def known_target(self, path: PathKey, name: str) -> bool:
        """Raise unless ``name`` is in the selector map (or note it, given ``unmapped``);
        return whether it is secret."""
        try:
            return self.selectors.get(name).secret
        except KeyError:
            if self.unmapped is not None:
                self.unmapped.append(Unmapped(name, self.src.where(path)))
                return False
            raise self.src.error(path, f"unknown target {name!r} in {self.selectors.file}"
                                 + _did_you_mean(name, self.selectors.targets)) from None

    def template(self, path: PathKey, source: Any, field: str) -> Template:
        roots = ROOTS if field == "reason" else ROOTS - {"text"}
        if self.params is None:  # params.* exist only in a block's steps
            roots -= {"params"}
        try:
            template = compile_template(str(source), roots)
        except TemplateProblem as exc:
            raise self.src.error(path, f"template error: {exc}") from None
        for root, name in template.refs:
            self._check_ref(path, root, name)
        return template

    def _check_ref(self, path: PathKey, root: str, name: str) -> None:
        if root == "case" and name and name not in self.columns:
            raise self.src.error(path, f"unknown column {name!r} in template"
                                 + _did_you_mean(name, self.columns))
        if root == "secret":
            if not self.has_credentials:
                raise self.src.error(path, "template reads secret.* but the bot names no "
                                     "credentials:")
            if name not in {"user", "password"}:
                raise self.src.error(path, f"secret.{name} is unknown (use secret.user or "
                                     "secret.password)")
        if root == "outputs" and name:
            self.output_refs.append((self.src, path, name))  # checked once all steps are in
        if root == "params" and name not in (self.params or ()):
            raise self.src.error(path, f"unknown parameter {name!r} (declared: "
                                 f"{', '.join(sorted(self.params or ())) or 'none'})")
        if root == "env" and name:
            self.env_vars.add(name)

    def _no_secret_literal(self, path: PathKey, args: BaseModel, value: Template) -> None:
        """A password typed from the script itself would sit in clear text in the repository."""
        target = getattr(args, "target", None)
        if not isinstance(target, str) or not value.source.strip():
            return
        short = target.rsplit(".", 1)[-1]
        mapped = self.selectors.targets.get(target)
        if not ((mapped is not None and mapped.secret) or PASSWORD_LIKE.search(short)):
            return
        if not value.refs or value.literal_text.strip():
            raise self.src.error(path, f"{target} is a secret target: its value must come from "
                                 "a template such as {{ secret.password }}, never literal text "
                                 "in the script")

    def reads_secret(self, template: Template) -> bool:
        """Whether ``template`` reads a credential, a secret column or a secret parameter."""
        secret_columns = {n for n, c in self.columns.items() if c.secret}
        return bool(template.reads("secret")) or bool(template.reads("case") & secret_columns) \
            or bool(template.reads("params") & self.secret_params)
