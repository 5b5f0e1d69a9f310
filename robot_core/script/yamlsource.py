"""Load YAML while remembering where every value came from, and refuse hostile YAML.

Validation errors must point IT staff at ``file:line:column``. PyYAML's composer keeps a mark
on every node; we turn the node tree into plain Python data and keep a map from the path of
each value (``("steps", 3, "fill", "target")``) to its location.

Bots, selector maps and schedules are all read here, so the limits hold for every one of
them: a file over ``MAX_BYTES`` is refused before it is read, any explicit tag (``!!python/…``,
``!!binary``, ``!custom``, even ``!!str``) and nesting deeper than ``MAX_DEPTH`` are refused
while composing, and alias expansion is budgeted while converting (the composer shares the
nodes of an alias; a "billion laughs" file only explodes when it is turned into data).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from robot_core.errors import BotScriptError, Location

PathKey = tuple[str | int, ...]
MAX_BYTES = 1024 * 1024
MAX_DEPTH = 50
MAX_ALIASES = 200
MAX_VALUES = 100_000
#: Names that end up in file names, paths or variable names: plain identifiers only.
IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
_MERGE = "tag:yaml.org,2002:merge"


@dataclass
class YamlSource:
    """Plain data from one YAML file plus the location of every value in it."""

    file: str
    data: Any
    positions: dict[PathKey, Location] = field(default_factory=dict)

    def where(self, path: Sequence[str | int]) -> Location:
        """Location of ``path``, or of its nearest ancestor that has one."""
        key = tuple(path)
        while key:
            if key in self.positions:
                return self.positions[key]
            key = key[:-1]
        return self.positions.get((), Location(self.file, 1, 1))

    def error(self, path: Sequence[str | int], message: str) -> BotScriptError:
        """A ``BotScriptError`` located at ``path``, naming the dotted key."""
        return BotScriptError(message, self.where(path), dotted(path))

    def identifier(self, path: Sequence[str | int], value: Any, what: str) -> str:
        """``value`` if it is a plain identifier; else an error at ``path`` (it goes in paths)."""
        if not isinstance(value, str) or not IDENTIFIER.fullmatch(value):
            shown = repr(value)[:60]
            raise self.error(path, f"{what} must be a plain name (a letter, then letters, "
                             f"digits, _ or -; at most 64), not {shown}")
        return value


def dotted(path: Sequence[str | int]) -> str:
    """``("steps", 3, "fill")`` -> ``steps[3].fill``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        # a message stays one readable line, whatever the key
        shown = repr(part[:60]) if len(part) > 60 or not part.isprintable() else part
        out += f".{shown}" if out else shown
    return out


TOO_BIG = f"file is larger than {MAX_BYTES / (1 << 20):g} MiB; no bot script or map is that long"


def load_yaml(path: Path) -> YamlSource:
    """Read ``path``; too big, unreadable or broken YAML becomes a located ``BotScriptError``."""
    here = Location(str(path), 1, 1)
    try:
        with path.open("rb") as handle:
            if path.stat().st_size > MAX_BYTES:
                raise BotScriptError(TOO_BIG, here)
            raw = handle.read(MAX_BYTES + 1)  # a file still growing is not read on and on
    except OSError as exc:
        raise BotScriptError(f"cannot read file: {exc.strerror}", here) from exc
    if len(raw) > MAX_BYTES:
        raise BotScriptError(TOO_BIG, here)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BotScriptError("file is not UTF-8 text", here) from exc
    return parse_yaml(text, str(path))


def parse_yaml(text: str, file: str) -> YamlSource:
    """Parse YAML text from ``file`` (used in messages) into a ``YamlSource``."""
    if len(text) > MAX_BYTES:
        raise BotScriptError(TOO_BIG,
                             Location(file, 1, 1))
    try:
        loader = _GuardedLoader(text, file)
    except yaml.reader.ReaderError as exc:  # a control character anywhere in the file
        before = text[:exc.position]
        loc = Location(file, before.count("\n") + 1, len(before.rsplit("\n", 1)[-1]) + 1)
        raise BotScriptError(f"character U+{exc.character:04X} is not allowed in YAML",
                             loc) from None
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file, 1, 1)
        raise BotScriptError(f"YAML syntax error: {exc.problem or exc}", loc) from exc
    except yaml.YAMLError as exc:
        raise BotScriptError(f"YAML error: {exc}", Location(file, 1, 1)) from exc
    finally:
        loader.dispose()
    source = YamlSource(file, None)
    if node is None:
        source.data = {}
        return source
    source.data = _Converter(source).convert(node, (), 0)
    return source


def _at(file: str, mark: Any) -> Location:  # yaml.Mark, or the C loader's
    return Location(file, mark.line + 1, mark.column + 1)


class _GuardedLoader(yaml.SafeLoader):
    """The safe loader's composer, refusing tags, deep nesting and many aliases as it goes."""

    def __init__(self, text: str, file: str) -> None:
        super().__init__(text)
        self.file = file
        self.depth = 0
        self.aliases = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise BotScriptError(f"more than {MAX_ALIASES} aliases (*name)",
                                     _at(self.file, event.start_mark))
            return super().compose_node(parent, index)
        tag = getattr(event, "tag", None)
        if tag is not None:
            # Only the implicit types of plain YAML: a tag is how objects get built.
            raise BotScriptError(f"YAML tags are not allowed ({tag})",
                                 _at(self.file, event.start_mark))
        nested = isinstance(event, yaml.CollectionStartEvent)
        self.depth += nested
        try:
            if self.depth > MAX_DEPTH:
                raise BotScriptError(f"nested deeper than {MAX_DEPTH} levels",
                                     _at(self.file, event.start_mark))
            return super().compose_node(parent, index)
        finally:
            self.depth -= nested


class _Converter:
    """Node tree -> plain data, counting every value visited (aliases included)."""

    def __init__(self, source: YamlSource) -> None:
        self.source = source
        self.visits = 0
        self.constructor = yaml.constructor.SafeConstructor()

    def convert(self, node: yaml.Node, path: PathKey, depth: int) -> Any:
        here = _at(self.source.file, node.start_mark)
        self.visits += 1
        if self.visits > MAX_VALUES:
            raise BotScriptError(f"more than {MAX_VALUES} values once aliases are expanded "
                                 "(an alias bomb?)", here)
        if depth > MAX_DEPTH:  # an alias inside its own anchor, or aliases stacked deep
            raise BotScriptError(f"nested deeper than {MAX_DEPTH} levels (through aliases)",
                                 here)
        self.source.positions[path] = here
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        return self.scalar(node)

    def mapping(self, node: yaml.MappingNode, path: PathKey, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            here = _at(self.source.file, key_node.start_mark)
            if key_node.tag == _MERGE and isinstance(key_node, yaml.ScalarNode):
                merged.update(self.merge(value_node, path, depth))
                continue
            key = self.scalar(key_node)
            if not isinstance(key, str | int) or isinstance(key, bool):
                raise BotScriptError("keys must be plain text", here)
            key = str(key)
            if key in out:
                raise BotScriptError(f"duplicate key {key!r}", here, dotted((*path, key)))
            out[key] = self.convert(value_node, (*path, key), depth + 1)
            # Point a key's errors at the key itself: that is where staff look.
            self.source.positions[(*path, key)] = here
        return {**merged, **out}  # keys written in the mapping win over merged ones

    def merge(self, node: yaml.Node, path: PathKey, depth: int) -> dict[str, Any]:
        """``<<: *base`` or ``<<: [*a, *b]``: earlier mappings win, as in YAML 1.1."""
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        out: dict[str, Any] = {}
        for item in reversed(items):
            if not isinstance(item, yaml.MappingNode):
                raise BotScriptError("<< merges a mapping or a list of mappings",
                                     _at(self.source.file, item.start_mark))
            out.update(self.mapping(item, path, depth))
        return out

    def scalar(self, node: yaml.Node) -> Any:
        here = _at(self.source.file, node.start_mark)
        if not isinstance(node, yaml.ScalarNode):
            raise BotScriptError("a key must be a plain value", here)
        self.visits += 1
        try:
            return self.constructor.construct_object(node)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            raise BotScriptError(f"bad value {node.value[:60]!r}: {exc}", here) from None
