"""JSON Schemas for editors, built from the models the loader validates with.

``robot schema --write schemas/`` writes them; every shipped YAML names its schema on its
first line (``# yaml-language-server: $schema=../schemas/bot.schema.json``), so an editor with
the YAML language server completes keys, actions and strategies and underlines typos as
they are typed. The loader stays the judge: it checks what a schema cannot (that targets
exist in the map, that templates read known columns) and says ``file:line:column``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from robot_core.script.actions import ACTIONS, MAX_PRESSES, MAX_REPEAT
from robot_core.script.app_section import APP_KEYS
from robot_core.script.flow import CONTROL, BlockFile, Param
from robot_core.script.launch import LAUNCH_KEYS
from robot_core.script.model import InputSpec, RetryPolicy, SessionPolicy, Timeouts, Watch
from robot_core.script.terminal import LAUNCH_KEYS as TERMINAL_LAUNCH_KEYS
from robot_core.script.terminal import TERMINAL_STRATEGIES
from robot_core.script.yamlsource import IDENTIFIER
from robot_core.selectors import (
    _MODIFIERS,
    _TARGET_KEYS,
    DESKTOP_STRATEGIES,
    WEB_STRATEGIES,
)

DRAFT = "https://json-schema.org/draft/2020-12/schema"
NAME = {"type": "string", "pattern": f"^{IDENTIFIER.pattern}$"}
#: fields a before-validator also takes as a single string or a number
ONE_OR_MANY = ("header", "transform", "allow")
COUNTS = {"times"}


class _Defs:
    """Collects the ``$defs`` of one schema document."""

    def __init__(self) -> None:
        self.defs: dict[str, Any] = {}

    def ref(self, model: type[BaseModel]) -> dict[str, Any]:
        schema = model.model_json_schema(ref_template="#/$defs/{model}")
        self.defs.update(schema.pop("$defs", {}))
        self.defs[model.__name__] = schema
        return {"$ref": f"#/$defs/{model.__name__}"}

    def document(self, title: str, body: dict[str, Any]) -> dict[str, Any]:
        for schema in self.defs.values():
            _loosen(schema)
        return {"$schema": DRAFT, "title": title, **body, "$defs": dict(sorted(self.defs.items()))}


def _loosen(schema: dict[str, Any]) -> None:
    """What the loader's before-validators accept: ``header: 氏名`` and ``times: 3``."""
    props = schema.get("properties", {})
    for name in ONE_OR_MANY:
        if name in props:
            props[name] = {"anyOf": [{"type": "string"}, props[name]]}
    for name in COUNTS & set(props):
        props[name] = {**{k: v for k, v in props[name].items() if k != "type"},
                       "type": ["string", "integer"]}


def _steps() -> dict[str, Any]:
    return {"type": "array", "items": {"$ref": "#/$defs/Step"}}


def _step_schema(defs: _Defs) -> dict[str, Any]:
    """A step: exactly one action (with its arguments or its shorthand), or a control step."""
    variants: list[dict[str, Any]] = []
    for name, act in sorted(ACTIONS.items()):
        if name in CONTROL:
            continue
        value: dict[str, Any] = defs.ref(act.args)
        if act.shorthand is not None:
            short = act.args.model_json_schema()["properties"][act.shorthand]
            value = {"anyOf": [value, {k: v for k, v in short.items() if k != "title"}]}
        variants.append(_one(name, {**value, "description": act.doc}, {}))
    cond = defs.ref(ACTIONS["if"].args)
    variants.append(_one("if", {"anyOf": [cond, {"type": "string"}],
                                "description": ACTIONS["if"].doc},
                         {"then": _steps(), "else": _steps()}))
    count = {"type": ["string", "integer"], "description": ACTIONS["repeat"].doc}
    variants.append(_one("repeat", count, {"do": _steps()}, required=("do",)))
    variants.append(_one("use", {**NAME, "description": ACTIONS["use"].doc},
                         {"with": {"type": "object", "additionalProperties": {"type": "string"},
                                   "description": "the block's parameters (templates)"}}))
    return {"oneOf": variants}


def _one(name: str, value: dict[str, Any], beside: dict[str, Any],
         required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"type": "object", "properties": {name: value, **beside},
            "required": [name, *required], "additionalProperties": False}


def bot_schema() -> dict[str, Any]:
    """The schema of ``bots/NAME.yaml``."""
    defs = _Defs()
    defs.defs["Step"] = _step_schema(defs)
    props: dict[str, Any] = {
        "name": NAME, "description": {"type": "string"},
        "driver": {"enum": ["web", "desktop", "terminal"]},
        "app": {**NAME, "description": "the selector map: selectors/APP.yaml"},
        "credentials": {**NAME, "description": "NAME_USER / NAME_PASSWORD, or the OS keyring"},
        "timezone": {"type": "string", "description": "of today/now in templates "
                     "(default Asia/Tokyo)"},
        "input": defs.ref(InputSpec),
        **{block: _steps() for block in ("setup", "verify", "steps", "recover")},
        "retry": defs.ref(RetryPolicy), "watch": {"type": "array", "items": defs.ref(Watch)},
        "session": defs.ref(SessionPolicy), "timeouts": defs.ref(Timeouts),
    }
    return defs.document("robot bot script", {
        "type": "object", "properties": props, "required": ["app", "input", "steps"],
        "additionalProperties": False})


def block_schema() -> dict[str, Any]:
    """The schema of ``blocks/NAME.yaml``."""
    defs = _Defs()
    defs.defs["Step"] = _step_schema(defs)
    props = {"description": {"type": "string"},
             "params": {"type": "object", "additionalProperties": defs.ref(Param),
                        "propertyNames": {"pattern": f"^{IDENTIFIER.pattern}$"}},
             "steps": _steps()}
    assert set(props) == set(BlockFile.model_fields)
    return defs.document("robot block", {"type": "object", "properties": props,
                                         "required": ["steps"], "additionalProperties": False})


_STRATEGIES = {**TERMINAL_STRATEGIES, **WEB_STRATEGIES, **DESKTOP_STRATEGIES}
_MODIFIER_FIELDS: dict[str, Any] = {
    "frame": (str | None, Field(None, description="frame (web) or window title (desktop)")),
    "name": (str | None, Field(None, description="accessible name, with role")),
    "exact": (bool | None, Field(None, description="text compared exactly as written (true) "
                                 "or as a part (false); default: normalised for label/beside")),
    "confidence": (float | None, Field(None, ge=0, le=1, description="image match, 0-1")),
    "region": (Any, Field(None, description="image search region")),
    "at": (str | None, Field(None, description="terminal: row,col where the text must start")),
}
assert set(_MODIFIER_FIELDS) == _MODIFIERS
Alternative = create_model(  # type: ignore[call-overload]
    "Alternative", __config__=ConfigDict(extra="forbid"),
    **{s: (str | int | float | None, Field(None, description=d)) for s, d in _STRATEGIES.items()},
    **_MODIFIER_FIELDS)


class TargetSpec(BaseModel):
    """A target as a mapping: alternatives under ``any``, or radio ``options``."""

    model_config = ConfigDict(extra="forbid")

    any: list[Alternative | str] | Alternative | str | None = None  # type: ignore[valid-type]
    secret: bool = False
    options: dict[str, list[Alternative | str] | Alternative | str] | None = None  # type: ignore[valid-type]
    timeout_ms: int | None = Field(None, gt=0)
    frame: str | None = None


assert set(TargetSpec.model_fields) == _TARGET_KEYS
Launch = create_model(
    "Launch", __config__=ConfigDict(extra="forbid"),
    command=(list[str | int | float] | str | None, None), cwd=(str | None, None),
    ready=(str | None, None), window=(str, ...), ready_timeout_ms=(int | None, None),
    images=(str | None, None), env=(dict[str, str | int | float] | None, None),
    log=(str | None, None), mode=(str | None, Field(None, pattern="^(session|per_case)$")),
    stdin=(str | None, None), exit_timeout_ms=(int | None, Field(None, gt=0)),
    settle_ms=(int | None, Field(None, ge=0)),
    select_all=(str | None, Field(None, description="keys that select a field's text "
                                  "(default ctrl+a; a plain Tk entry: Control+/)")))
assert set(Launch.model_fields) == LAUNCH_KEYS
TerminalLaunch = create_model(  # type: ignore[call-overload]
    "TerminalLaunch", __config__=ConfigDict(extra="forbid"),
    **{key: (Any, Field(None, description="see the guide's terminal section"))
       for key in sorted(TERMINAL_LAUNCH_KEYS)})


class AppSpec(BaseModel):
    """``app:`` as a mapping: the application's name and how it behaves."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    max_sessions: int | None = Field(None, gt=0, description="logged-in workers at once")
    response_timeout_ms: int | None = Field(
        None, gt=0,
        description="no page is answered later: after this it is hung (caps the learned pace)")
    block: list[Literal["images", "fonts", "media"]] | None = Field(
        None, description="what the browser does not load (default: fonts, media)")


assert tuple(AppSpec.model_fields) == APP_KEYS


class Screen(BaseModel):
    """One screen: its targets, and the frame they live in."""

    model_config = ConfigDict(extra="forbid")

    frame: str | None = None
    response_timeout_ms: int | None = Field(
        None, gt=0, description="this screen's answers may take this long: it replaces the "
                                "learned bound of a hung answer while a step is on the screen")
    targets: dict[str, list[Alternative | str] | Alternative | str | TargetSpec]  # type: ignore[valid-type]


class SelectorMapFile(BaseModel):
    """``selectors/APP.yaml``: named targets, each a list of alternatives tried in order."""

    model_config = ConfigDict(extra="forbid")

    app: str | AppSpec | None = None
    driver: str = Field("web", pattern="^(web|desktop|terminal)$")
    description: str = ""
    screens: dict[str, Screen]
    launch: Launch | TerminalLaunch | None = None  # type: ignore[valid-type]


def selectors_schema() -> dict[str, Any]:
    """The schema of ``selectors/APP.yaml``."""
    defs = _Defs()
    body = defs.ref(SelectorMapFile)
    top = defs.defs.pop("SelectorMapFile")
    del body
    return defs.document("robot selector map", top)


__all__ = ["MAX_PRESSES", "MAX_REPEAT", "block_schema", "bot_schema", "selectors_schema"]
