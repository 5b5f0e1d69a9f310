"""``robot inspect --write``: the proposed targets merged into a selector map, as text.

The map's comments, order and layout stay: the new targets are inserted as lines (into the
screen's ``targets:``, or as a new screen at the end of ``screens:``), the way ``robot
capture`` edits a map (``tools/capture/edit.py``). A target name the screen has already is
never replaced: the write is refused, naming them. The edited map is loaded again before it
is kept.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import yaml

from robot_core.errors import BotScriptError, ConfigError
from robot_core.script.yamlsource import IDENTIFIER
from robot_core.selectors import Alternative, load_selector_map
from robot_core.tools.capture.edit import _scalar, _value  # the map edited as text, shared
from robot_core.tools.inspect.collect import Control


def _quoted(text: str) -> str:
    """A flow scalar; single quotes for CSS with double quotes in it (the maps' habit)."""
    plain = _scalar(text)
    return f"'{text}'" if plain.startswith('"') and "'" not in text else plain


def render(alt: Alternative, screen_frame: str | None) -> str:
    """``{beside: 氏名}``; the alternative's frame only where the screen's differs."""
    parts = [f"{alt.strategy}: {_quoted(alt.value)}"]
    if alt.name:
        parts.append(f"name: {_quoted(alt.name)}")
    if alt.frame != screen_frame and alt.frame:
        parts.append(f"frame: {_quoted(alt.frame)}")
    return "{" + ", ".join(parts) + "}"


def radio_groups(controls: Sequence[Control]) -> list[list[Control]]:
    """The controls as ``choose`` sees them: the radios of one name together, the rest alone."""
    groups: list[list[Control]] = []
    by_name: dict[tuple[str | None, str], list[Control]] = {}
    for c in controls:
        key = (c.frame, c.info["name"])
        if c.kind == "radio" and c.info["name"] and c.proposals:
            if key in by_name:
                by_name[key].append(c)
                continue
            by_name[key] = [c]
            groups.append(by_name[key])
        elif c.proposals:
            groups.append([c])
    return groups


def _option_name(c: Control) -> str:
    """What a case says to pick this radio: the words after it, else its value."""
    return c.info.get("after") or c.info.get("label") or c.info["value"] or c.name


def target_lines(controls: Sequence[Control], indent: str, frame: str | None) -> list[str]:
    """One ``name: [alternatives]`` line per control that has a proposal; a radio group is
    one target with an option per button (``choose``)."""
    groups = radio_groups(controls)
    width = max((len(g[0].name) for g in groups), default=0) + 1
    lines = []
    for group in groups:
        c = group[0]
        alts = f"[{', '.join(render(a, frame) for a in c.proposals)}]"
        if c.kind == "radio" and c.info["name"]:
            options = ", ".join(f"{_quoted(_option_name(r))}: "
                                f"[{', '.join(render(a, frame) for a in r.proposals)}]"
                                for r in group)
            alts = f"{{options: {{{options}}}}}"
        if c.kind == "password":  # masked in every screenshot, never in the audit trail
            alts = f"{{secret: true, any: {alts}}}"
        lines.append(f"{indent}{(c.name + ':').ljust(width)} {alts}")
    return lines


def merge(path: Path, app: str, screen: str, controls: Sequence[Control]) -> int:
    """Write the proposals of ``controls`` as targets of ``screen`` in the map at ``path``.

    Returns how many targets were added. ``ConfigError`` when a name is taken already.
    """
    if not IDENTIFIER.fullmatch(screen):
        raise ConfigError(f"--screen must be a plain name, not {screen!r}")
    chosen = [c for c in controls if c.proposals]
    if not chosen:
        raise ConfigError("no control on this screen has a unique alternative to write")
    # The frame most targets live in becomes the screen's; the others name their own.
    frame = Counter(c.frame for c in chosen).most_common(1)[0][0]
    if not path.exists():
        text = _new_map(app, screen, frame, chosen)
    else:
        text = _insert(path, path.read_text(encoding="utf-8"), screen, frame, chosen)
    old = path.read_bytes() if path.exists() else None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    try:
        load_selector_map(path)
    except BotScriptError as exc:
        if old is None:
            path.unlink()
        else:
            path.write_bytes(old)
        raise ConfigError(f"the merged map would not load ({exc}); it was left as it was") \
            from exc
    return len(radio_groups(chosen))


def _new_map(app: str, screen: str, frame: str | None, controls: Sequence[Control]) -> str:
    lines = [f"# Selector map of {app}, started by `robot inspect` (docs/writing-bots.md §5).",
             f"app: {app}", "driver: web", "", "screens:", f"  {screen}:"]
    if frame:
        lines.append(f"    frame: {_quoted(frame)}")
    lines.append("    targets:")
    return "\n".join(lines + target_lines(controls, "      ", frame)) + "\n"


def _insert(path: Path, text: str, screen: str, frame: str | None,
            controls: Sequence[Control]) -> str:
    load_selector_map(path)  # a map broken already is not edited
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    screens = _value(root, "screens")
    if screens is None or not isinstance(screens[1], yaml.MappingNode) or screens[1].flow_style:
        raise ConfigError(f"{path}: no block-style `screens:` mapping to add to")
    lines = text.splitlines()
    found = _value(screens[1], screen)
    if found is None:
        indent = " " * screens[1].value[0][0].start_mark.column
        block = ["", f"{indent}{screen}:"] + ([f"{indent}  frame: {_quoted(frame)}"]
                                              if frame else [])
        block += [f"{indent}  targets:", *target_lines(controls, indent + "    ", frame)]
        at = _end(screens[1], lines)
        return "\n".join(lines[:at] + block + lines[at:]) + "\n"
    targets = _value(found[1], "targets")
    if targets is None or not isinstance(targets[1], yaml.MappingNode) or \
            targets[1].flow_style:
        raise ConfigError(f"{path}: screen {screen!r} has no block-style `targets:`")
    have = {str(k.value) for k, _ in targets[1].value}
    clash = sorted(have & {g[0].name for g in radio_groups(controls)})
    if clash:
        raise ConfigError(f"{path}: screen {screen} has target(s) {', '.join(clash)} "
                          "already: robot inspect never replaces a target; write to another "
                          "--screen, or edit the map by hand")
    own = _value(found[1], "frame")
    screen_frame = str(own[1].value) if own else None
    indent = " " * targets[1].value[0][0].start_mark.column
    at = _end(targets[1], lines)
    return "\n".join(lines[:at] + target_lines(controls, indent, screen_frame)
                     + lines[at:]) + "\n"


def _end(mapping: yaml.MappingNode, lines: list[str]) -> int:
    """The index of the line after the mapping's last value (comments after it stay after)."""
    last = mapping.value[-1][1]
    end = last.end_mark.line if last.end_mark.column else last.end_mark.line - 1
    return min(int(end) + 1, len(lines))
