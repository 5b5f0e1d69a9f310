"""The selector map, edited as text: one insertion, so its comments and layout stay."""

from __future__ import annotations

import contextlib
import json
import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yaml

from robot_core.tools.capture.region import DEFAULT_CONFIDENCE, CaptureError

if TYPE_CHECKING:  # the desktop extra: imported where pixels are handled, so the CLI starts

    pass

_SEEING = frozenset({"image", "title"})
_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")  # PyYAML's line breaks
_FLOW_UNSAFE = re.compile(r"[,\[\]{}#&*!|>'\"%@`]|: |:$|^[-?:\s]|\s$")


@dataclass(frozen=True)
class Edit:
    """One change to the map's text and what it means."""

    text: str
    line: int  # 1-based line of the change
    summary: str  # e.g. "added target form.save_button"


def plan_edit(text: str, file: str, screen: str, target: str, alternative: dict[str, Any],
              screen_frame: str | None = None) -> Edit:
    """The map's text with ``alternative`` (an ``image`` one) listed under ``screen.target``.

    Only text is inserted (or one flow item replaced): comments, blank lines, alignment and
    quoting of everything else stay as they were. ``screen_frame`` is the ``frame:`` of a
    screen that has to be created.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise CaptureError(f"{file} is not valid YAML: {exc}") from exc
    editor = _Editor(text, file)
    screens = _value(root, "screens")
    if screens is None or not isinstance(screens[1], yaml.MappingNode) \
            or screens[1].flow_style or not screens[1].value:
        raise editor.refuse(root, "has no block-style `screens:` mapping to add to")
    found = _value(screens[1], screen)
    if found is None:
        return editor.new_screen(screens[0], screens[1], screen, target, alternative,
                                 screen_frame)
    targets = _value(found[1], "targets") if isinstance(found[1], yaml.MappingNode) else None
    if targets is None or not isinstance(targets[1], yaml.MappingNode) \
            or targets[1].flow_style or not targets[1].value:
        raise editor.refuse(found[1], f"screen {screen!r} has no block-style `targets:`")
    spec = _value(targets[1], target)
    if spec is None:
        return editor.new_target(targets[1], target, alternative, f"{screen}.{target}")
    return editor.extend_target(spec[1], alternative, f"{screen}.{target}")


def _value(node: yaml.Node | None, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    """``(key node, value node)`` of ``key`` in a mapping node."""
    if not isinstance(node, yaml.MappingNode):
        return None
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return key_node, value_node
    return None


def _scalar(value: Any) -> str:
    """A value as a flow-safe YAML scalar: plain when that reads back the same, else quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    if text and not _FLOW_UNSAFE.search(text):
        with contextlib.suppress(yaml.YAMLError):
            if yaml.safe_load(f"[{text}]") == [text]:
                return text
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML quoted scalar


def render_alternative(alternative: dict[str, Any]) -> str:
    """``{image: form_save.png, confidence: 0.85}`` (the default confidence left out)."""
    shown = {k: v for k, v in alternative.items()
             if not (k == "confidence" and v == DEFAULT_CONFIDENCE)}
    return "{" + ", ".join(f"{k}: {_scalar(v)}" for k, v in shown.items()) + "}"


def _kind(node: yaml.Node) -> str:
    """The strategy of an alternative node (a bare string is an image on the desktop)."""
    if isinstance(node, yaml.ScalarNode):
        return "image"
    if isinstance(node, yaml.MappingNode):
        keys = [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)]
        return next((k for k in keys if k not in {"frame", "name", "exact", "confidence",
                                                  "region"}), "")
    return ""


def _image_of(node: yaml.Node) -> str | None:
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    found = _value(node, "image")
    return str(found[1].value) if found and isinstance(found[1], yaml.ScalarNode) else None


class _Editor:
    """Insertions into one map's text, located by the nodes PyYAML composed from it."""

    def __init__(self, text: str, file: str) -> None:
        self.text = text
        self.file = file
        self.newline = m.group(0) if (m := _BREAK.search(text)) else "\n"
        self.starts = [0] + [m.end() for m in _BREAK.finditer(text)]

    def refuse(self, node: yaml.Node | None, why: str) -> CaptureError:
        line = node.start_mark.line + 1 if node is not None else 1
        return CaptureError(f"{self.file}:{line}: {why}; add the image by hand")

    # -- positions
    def last_line(self, node: yaml.Node) -> int:
        """0-based line of the last character of ``node`` (block collections: their last item)."""
        if isinstance(node, yaml.MappingNode) and not node.flow_style and node.value:
            return self.last_line(node.value[-1][1])
        if isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
            return self.last_line(node.value[-1])
        end = node.end_mark
        if end.column == 0 and end.line > node.start_mark.line:
            return int(end.line) - 1  # a block scalar ends after its line break
        return int(end.line)

    def insert_lines(self, after: int, lines: list[str], summary: str) -> Edit:
        """``lines`` as whole lines after 0-based line ``after``."""
        body = "".join(line + self.newline for line in lines)
        if after + 1 < len(self.starts):
            at = self.starts[after + 1]
        else:  # the last line: it may lack its line break
            at = len(self.text)
            if self.text and not _BREAK.search(self.text[-2:]):
                body = self.newline + body
        first = after + 2 + (1 if lines and lines[0] == "" else 0)
        return Edit(self.text[:at] + body + self.text[at:], first, summary)

    def replace(self, start: int, end: int, new: str, line: int, summary: str) -> Edit:
        return Edit(self.text[:start] + new + self.text[end:], line + 1, summary)

    def indent_of(self, node: yaml.Node) -> int:
        return int(node.start_mark.column)

    # -- the three cases
    def new_screen(self, screens_key: yaml.Node, screens: yaml.MappingNode, screen: str,
                   target: str, alternative: dict[str, Any], frame: str | None) -> Edit:
        first_key = screens.value[0][0]
        indent = self.indent_of(first_key)
        step = max(2, indent - self.indent_of(screens_key)) if indent else 2
        pad = " " * indent
        lines = [f"{pad}{screen}:"]
        if frame:
            lines.append(f"{pad}{' ' * step}frame: {_scalar(frame)}")
        lines += [f"{pad}{' ' * step}targets:",
                  f"{pad}{' ' * 2 * step}{target}: [{render_alternative(alternative)}]"]
        spaced = any(self._line(n).strip() == ""
                     for (_k, prev), (key, _v) in zip(screens.value, screens.value[1:],
                                                      strict=False)
                     for n in range(self.last_line(prev) + 1, key.start_mark.line))
        return self.insert_lines(self.last_line(screens), ([""] if spaced else []) + lines,
                                 f"added screen {screen} with target {screen}.{target}")

    def new_target(self, targets: yaml.MappingNode, target: str, alternative: dict[str, Any],
                   name: str) -> Edit:
        indent = self.indent_of(targets.value[0][0])
        columns = Counter(int(v.start_mark.column) for k, v in targets.value
                          if v.start_mark.line == k.start_mark.line)
        column = columns.most_common(1)[0][0] if columns else 0
        gap = max(1, column - indent - len(target) - 1)
        line = f"{' ' * indent}{target}:{' ' * gap}[{render_alternative(alternative)}]"
        return self.insert_lines(self.last_line(targets), [line], f"added target {name}")

    def extend_target(self, spec: yaml.Node, alternative: dict[str, Any], name: str) -> Edit:
        alts: yaml.Node = spec
        if isinstance(spec, yaml.MappingNode):
            found = _value(spec, "any")
            if found is None:
                raise self.refuse(spec, f"{name} has options (one set of alternatives per "
                                  "value), not alternatives of its own")
            alts = found[1]
        if isinstance(alts, yaml.SequenceNode):
            items = list(alts.value)
        elif isinstance(alts, yaml.ScalarNode) or (isinstance(alts, yaml.MappingNode)
                                                   and alts.flow_style):
            items = [alts]
        else:
            raise self.refuse(alts, f"the alternatives of {name} are not a list")
        same = next((i for i in items if _kind(i) == "image"
                     and _image_of(i) == alternative["image"]), None)
        if same is not None:
            return self._update(same, alternative, name,
                                listed=isinstance(alts, yaml.SequenceNode))
        new = render_alternative(alternative)
        seeing = [i for i, item in enumerate(items) if _kind(item) in _SEEING]
        position = seeing[-1] + 1 if seeing else 0
        if not isinstance(alts, yaml.SequenceNode):  # one alternative: make it a list
            old = self.text[alts.start_mark.index:alts.end_mark.index]
            if "\n" in old or "\r" in old:
                raise self.refuse(alts, f"{name}'s alternative spans lines")
            listed = f"[{old}, {new}]" if position else f"[{new}, {old}]"
            return self.replace(alts.start_mark.index, alts.end_mark.index, listed,
                                alts.start_mark.line, f"added an image alternative to {name}")
        summary = f"added an image alternative to {name}"
        if alts.flow_style:
            if position < len(items):
                at = items[position].start_mark.index
                return self.replace(at, at, f"{new}, ", items[position].start_mark.line,
                                    summary)
            at = items[-1].end_mark.index
            return self.replace(at, at, f", {new}", items[-1].end_mark.line, summary)
        dash = self._dash(items[0])
        line = f"{' ' * dash}- {new}"
        if position < len(items):
            return self.insert_lines(items[position].start_mark.line - 1, [line], summary)
        return self.insert_lines(self.last_line(items[-1]), [line], summary)

    def _update(self, item: yaml.Node, alternative: dict[str, Any], name: str, *,
                listed: bool) -> Edit:
        """The target lists this file already: keep it, with the confidence asked for."""
        if isinstance(item, yaml.MappingNode):
            build = yaml.constructor.SafeConstructor().construct_object
            current: dict[str, Any] = {str(k.value): build(v) for k, v in item.value}
        else:
            current = {"image": str(item.value)}
        wanted = {**current, **alternative}
        if wanted.get("confidence") == DEFAULT_CONFIDENCE:
            del wanted["confidence"]
        if current == wanted:
            return Edit(self.text, item.start_mark.line + 1,
                        f"{name} lists {alternative['image']} already")
        if isinstance(item, yaml.MappingNode) and not item.flow_style:
            raise self.refuse(item, f"{name}'s image alternative is written in block style")
        new = render_alternative(wanted)
        return self.replace(item.start_mark.index, item.end_mark.index,
                            new if listed else f"[{new}]", item.start_mark.line,
                            f"updated the image alternative of {name}")

    def _line(self, number: int) -> str:
        end = self.starts[number + 1] if number + 1 < len(self.starts) else len(self.text)
        return self.text[self.starts[number]:end]

    def _dash(self, item: yaml.Node) -> int:
        """Column of the ``-`` in front of a block sequence item."""
        line = self._line(item.start_mark.line)
        before = line[:item.start_mark.column]
        return before.rfind("-") if "-" in before else max(0, item.start_mark.column - 2)
