"""Load YAML while remembering where every value came from.

Validation errors must point IT staff at ``file:line:column``. PyYAML's composer keeps a mark
on every node; we turn the node tree into plain Python data and keep a map from the path of
each value (``("steps", 3, "fill", "target")``) to its location.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from robot_core.errors import BotScriptError, Location

PathKey = tuple[str | int, ...]


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


def dotted(path: Sequence[str | int]) -> str:
    """``("steps", 3, "fill")`` -> ``steps[3].fill``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def load_yaml(path: Path) -> YamlSource:
    """Read ``path``; a syntax error becomes a located ``BotScriptError``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BotScriptError(f"cannot read file: {exc.strerror}",
                             Location(str(path), 1, 1)) from exc
    except UnicodeDecodeError as exc:
        raise BotScriptError("file is not UTF-8 text", Location(str(path), 1, 1)) from exc
    return parse_yaml(text, str(path))


def parse_yaml(text: str, file: str) -> YamlSource:
    """Parse YAML text from ``file`` (used in messages) into a ``YamlSource``."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file, 1, 1)
        raise BotScriptError(f"YAML syntax error: {exc.problem or exc}", loc) from exc
    source = YamlSource(file, None)
    if node is None:
        source.data = {}
        return source
    source.data = _convert(node, (), source)
    return source


def _convert(node: yaml.Node, path: PathKey, source: YamlSource) -> Any:
    source.positions[path] = Location(source.file, node.start_mark.line + 1,
                                      node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        return _convert_mapping(node, path, source)
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, i), source) for i, item in enumerate(node.value)]
    return _scalar(node, source.file)


def _convert_mapping(node: yaml.MappingNode, path: PathKey, source: YamlSource) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = _scalar(key_node, source.file)
        here = Location(source.file, key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        if not isinstance(key, str | int) or isinstance(key, bool):
            raise BotScriptError("keys must be plain text", here)
        key = str(key)
        if key in out:
            raise BotScriptError(f"duplicate key {key!r}", here, dotted((*path, key)))
        out[key] = _convert(value_node, (*path, key), source)
        # Point a key's errors at the key itself: that is where staff look.
        source.positions[(*path, key)] = here
    return out


def _scalar(node: yaml.Node, file: str) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        mark = node.start_mark
        raise BotScriptError("a key must be a plain value",
                             Location(file, mark.line + 1, mark.column + 1))
    return yaml.constructor.SafeConstructor().construct_object(node)
