"""Control steps at load time: ``if``/``then``/``else``, ``repeat``/``do`` and ``use`` of blocks.

::

    - if: {visible: login.user}          # or {hidden: T}, or {test: "{{ case.nhi }}"}
      then:
        - use: registry_login
      else:
        - goto: "{{ env.REGISTRY_URL }}/menu"
    - repeat: "{{ case.children }}"     # a whole number or a template, 0 to MAX_REPEAT
      do:
        - click: form.add_row
    - use: registry_login                # blocks/registry_login.yaml
      with: {next: /entry}               # its declared params, each a template

A block file (``blocks/NAME.yaml``) declares its parameters and its steps::

    description: Log in to the registry.
    params:
      next: {default: /menu, description: the page to open after logging in}
    steps:
      - goto: "{{ env.REGISTRY_URL }}/login"
      - ...
      - goto: "{{ env.REGISTRY_URL }}{{ params.next }}"

A block's steps are checked against the bot that uses it (its selector map, its columns), and
located in the block's own file. A block that uses itself, directly or not, is refused.
What the steps *do* is in ``robot_core.run.steps.control``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, ValidationError

from robot_core.errors import ConfigError
from robot_core.home import contained
from robot_core.script.actions import ACTIONS, MAX_PRESSES, MAX_REPEAT
from robot_core.script.model import Step
from robot_core.script.templating import Template
from robot_core.script.yamlsource import PathKey, YamlSource, load_yaml

#: control action -> the keys beside it that hold step lists (and whether one is required)
CONTROL: dict[str, tuple[str, ...]] = {"if": ("then", "else"), "repeat": ("do",), "use": ()}
BLOCK_KEYS = frozenset({"description", "params", "steps"})


class Param(BaseModel):
    """One declared parameter of a block; without ``default`` every use must give it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = ""
    default: str | None = None


class BlockFile(BaseModel):
    """The shape of ``blocks/NAME.yaml`` (its steps are checked step by step, not here)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = ""
    params: dict[str, Param] = {}
    steps: list[Any]


class Checker(Protocol):
    """What the loader's step checker offers the control steps (``loader._Checker``)."""

    src: YamlSource
    blocks_dir: Path
    using: tuple[str, ...]

    def step(self, block: str, index: int, item: Any, path: PathKey, top: str) -> Step: ...

    def template(self, path: PathKey, source: Any, field: str) -> Template: ...

    def args(self, path: PathKey, raw: Any, action: str) -> BaseModel: ...

    def known_target(self, path: PathKey, name: str) -> bool: ...

    def for_block(self, src: YamlSource, name: str, params: frozenset[str],
                  secret_params: frozenset[str]) -> Checker: ...

    def reads_secret(self, template: Template) -> bool: ...


def is_control(item: Any) -> bool:
    """Whether a step item is an ``if``/``repeat``/``use`` (which take keys beside them)."""
    return isinstance(item, dict) and any(key in CONTROL for key in item)


def control_step(checker: Checker, label: str, index: int, item: dict[str, Any],
                 path: PathKey, top: str) -> Step:
    """Check one control step and the steps inside it, recursively."""
    src = checker.src
    name = next(key for key in item if key in CONTROL)
    allowed = {name, *CONTROL[name], *(("with",) if name == "use" else ())}
    for key in item:
        if key not in allowed:
            raise src.error((*path, key), f"unknown key {key!r} beside {name}: (allowed: "
                            f"{', '.join(sorted(allowed))})")
    raw = item[name]
    if name == "use":
        raw = {"block": raw, "args": item.get("with") or {}}
    args = checker.args((*path, name), raw, name)
    here = f"{label}[{index}]"
    if name == "use":
        return _use(checker, label, index, args, path, top)
    templates = _templates(checker, (*path, name), args)
    if name == "repeat":
        _literal_count(checker, (*path, name), templates["times"], MAX_REPEAT, "repeat")
    if name == "if":
        for field in ("visible", "hidden"):
            if getattr(args, field) is not None:
                checker.known_target((*path, name, field), getattr(args, field))
    children = _children(checker, name, item, here, path, top)
    if name == "repeat" and "do" not in item:
        raise src.error(path, "repeat needs do: (the steps to repeat)")
    if name == "if" and not children:
        raise src.error(path, "if needs then: or else: (the steps to run)")
    return Step(label, index, name, args, templates, src.where((*path, name)),
                # its own value (the branch, the count) is masked only if it reads a secret
                any(checker.reads_secret(t) for t in templates.values()), children)


def _children(checker: Checker, name: str, item: dict[str, Any], here: str, path: PathKey,
              top: str) -> dict[str, tuple[Step, ...]]:
    """The step lists beside a control step (then/else, do), checked step by step."""
    children: dict[str, tuple[Step, ...]] = {}
    for key in CONTROL[name]:
        items = item.get(key)
        if items is None:
            continue
        if not isinstance(items, list):
            raise checker.src.error((*path, key), f"{key} must be a list of steps")
        children[key] = tuple(checker.step(f"{here}.{key}", i, sub, (*path, key, i), top)
                              for i, sub in enumerate(items))
    return children


def _templates(checker: Checker, path: PathKey, args: BaseModel) -> dict[str, Template]:
    fields = type(args).TEMPLATES  # type: ignore[attr-defined]
    return {f: checker.template((*path, f), getattr(args, f), f) for f in fields
            if getattr(args, f) is not None}


def _literal_count(checker: Checker, path: PathKey, template: Template, top: int,
                   what: str) -> None:
    """A count written as a number is checked now; a template's is checked when it renders."""
    if not template.is_literal:
        return
    text = template.source.strip()
    if not text.isdigit() or int(text) > top:
        raise checker.src.error((*path, "times"), f"{what} times must be a whole number from "
                                f"0 to {top} or a template, not {text[:30]!r}")


def check_press(checker: Checker, path: PathKey, template: Template) -> None:
    """``press: {times: N}``: the literal count is bounded like a repeat's."""
    _literal_count(checker, path, template, MAX_PRESSES, "press")


def _use(checker: Checker, label: str, index: int, args: Any, path: PathKey,
         top: str) -> Step:
    src = checker.src
    name = src.identifier((*path, "use"), args.block, "a block name (blocks/NAME.yaml)")
    if name in checker.using:
        chain = " → ".join((*checker.using, name))
        raise src.error((*path, "use"), f"block {name!r} uses itself ({chain})")
    block_src, spec = _load_block(checker, path, name)
    given = dict(args.args)
    for key in given:
        if key not in spec.params:
            raise src.error((*path, "with", key), f"block {name} has no parameter {key!r} "
                            f"(declared: {', '.join(spec.params) or 'none'})")
    values = {k: p.default for k, p in spec.params.items() if p.default is not None} | given
    missing = [k for k in spec.params if k not in values]
    if missing:
        raise src.error((*path, "use"), f"block {name} needs with: {missing[0]}")
    templates = {f"with.{k}": checker.template((*path, "with", k), v, "with")
                 for k, v in values.items()}
    # a parameter given a secret (or a secret column) makes the block's steps that read it secret
    secret = frozenset(k for k, t in templates.items() if checker.reads_secret(t))
    inner = checker.for_block(block_src, name, frozenset(spec.params),
                              frozenset(k.removeprefix("with.") for k in secret))
    here = f"{label}[{index}].{name}"
    steps = tuple(inner.step(here, i, sub, ("steps", i), top) for i, sub in enumerate(spec.steps))
    return Step(label, index, "use", args, templates, src.where((*path, "use")),
                bool(secret), {"steps": steps})


def _load_block(checker: Checker, path: PathKey, name: str) -> tuple[YamlSource, BlockFile]:
    try:
        file = contained(checker.blocks_dir / f"{name}.yaml", checker.blocks_dir)
    except ConfigError as exc:
        raise checker.src.error((*path, "use"), str(exc)) from None
    if not file.exists():
        known = sorted(p.stem for p in checker.blocks_dir.glob("*.yaml"))
        raise checker.src.error((*path, "use"), f"no block {file} (blocks: "
                                f"{', '.join(known) or 'none'})")
    return read_block(file)


def read_block(file: Path) -> tuple[YamlSource, BlockFile]:
    """A block file's source and shape (its steps are checked by the bot that uses it)."""
    src = load_yaml(file)
    if not isinstance(src.data, dict):
        raise src.error((), "a block is a mapping: description, params, steps")
    for key in src.data:
        if key not in BLOCK_KEYS:
            raise src.error((key,), f"unknown key {key!r} (allowed: "
                            f"{', '.join(sorted(BLOCK_KEYS))})")
    if not isinstance(src.data.get("steps"), list):
        raise src.error(("steps",), "a block needs steps: (a list of steps)")
    for key in src.data.get("params") or {}:
        src.identifier(("params", key), key, "a parameter name")
    try:
        spec = BlockFile.model_validate(src.data)
    except ValidationError as exc:  # name the first problem, where it is
        first = exc.errors()[0]
        raise src.error(tuple(first["loc"]), first["msg"]) from None
    return src, spec


assert set(CONTROL) <= set(ACTIONS)
