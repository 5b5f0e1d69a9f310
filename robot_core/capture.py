"""``robot capture``: cut a template image from the screen and list it in a selector map.

IT staff name a target (``form.save``) and the box of the control in its window
(``--region x,y,w,h``, pixels from the window's top-left corner, the way ``point:``
alternatives count). The box is cut from the live screen (``$DISPLAY``), or from a saved
screenshot, written as ``selectors/images/<screen>_<target>.png`` and listed in
``selectors/<app>.yaml`` as an ``image`` alternative of the target:

- a new target is added at the end of its screen's ``targets:``; a new screen at the end
  of ``screens:`` (with ``frame:``, the window the box was cut from);
- an existing target gets the image after its last seeing alternative (``image``/``title``)
  and before its blind ones (``point``/``keys``), so the keyboard stays the fallback;
- a target that already lists the same file keeps it (``--confidence`` updates it).

The map is edited as text, one insertion, so its comments and layout stay as they were.
Afterwards the map is loaded again; if it does not load, or does not list the image as
meant, both files are put back as they were. Before anything is written the cut is checked:
a box of one flat colour cannot be matched, and a box that also matches elsewhere in the
window (on the screen, for a target looked for anywhere) at the confidence would let the
driver click the wrong control.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import yaml

from robot_core.drivers.desktop_extra import require_desktop
from robot_core.errors import BotScriptError, ConfigError, TargetNotFound
from robot_core.home import project_dir
from robot_core.script.yamlsource import load_yaml
from robot_core.selectors import SelectorMap, load_selector_map

if TYPE_CHECKING:  # the desktop extra: imported where pixels are handled, so the CLI starts
    from PIL import Image  # on a plain install and `robot capture` says which extra it needs

    from robot_core.drivers.desktop_x11 import Display, Window

DEFAULT_CONFIDENCE = 0.9
MIN_SIDE = 4  # a smaller box matches noise
_SETTLE_S = 2.0  # how long a window gets to draw itself (raised, or still painting)
_SETTLE_POLL_S = 0.1
_SEEING = frozenset({"image", "title"})
_NAME = re.compile(r"[^\W\d]\w*")
_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")  # PyYAML's line breaks
_FLOW_UNSAFE = re.compile(r"[,\[\]{}#&*!|>'\"%@`]|: |:$|^[-?:\s]|\s$")


class CaptureError(BotScriptError):
    """The capture cannot be done as asked (nothing was written)."""


@dataclass(frozen=True)
class Region:
    """A box: ``x,y`` from the top-left corner of a window (or screenshot), ``w`` by ``h``."""

    x: int
    y: int
    width: int
    height: int

    @property
    def box(self) -> tuple[int, int, int, int]:
        """``(left, top, right, bottom)``."""
        return self.x, self.y, self.x + self.width, self.y + self.height

    def __str__(self) -> str:
        return f"{self.x},{self.y},{self.width},{self.height}"


def parse_region(text: str) -> Region:
    """``"360,570,136,28"`` -> ``Region``; anything else raises ``CaptureError``."""
    parts = [p.strip() for p in text.split(",")]
    try:
        x, y, width, height = (int(p) for p in parts)
    except ValueError:
        raise CaptureError(f"region {text!r} must be x,y,w,h (four whole numbers, pixels)"
                           ) from None
    if x < 0 or y < 0:
        raise CaptureError(f"region {text!r}: x and y count from the window's top-left "
                           "corner and cannot be negative")
    if width < MIN_SIDE or height < MIN_SIDE:
        raise CaptureError(f"region {text!r} is too small to match reliably (at least "
                           f"{MIN_SIDE}x{MIN_SIDE} pixels)")
    return Region(x, y, width, height)


def split_target(name: str) -> tuple[str, str]:
    """``form.save`` -> ``("form", "save")``; both parts must be plain YAML keys."""
    screen, dot, target = name.partition(".")
    if not dot or not all(_NAME.fullmatch(p) and _plain_key(p) for p in (screen, target)):
        raise CaptureError(f"target {name!r} must be SCREEN.TARGET, each a name of letters, "
                           "digits and _ (e.g. form.save)")
    return screen, target


def _plain_key(text: str) -> bool:
    """Whether ``text`` reads back from YAML as the same text (not true, null, 1e3 ...)."""
    try:
        data = yaml.safe_load(f"{text}: 1")
    except yaml.YAMLError:
        return False
    return isinstance(data, dict) and list(data) == [text]


# -- the cut -----------------------------------------------------------------------------------
@dataclass
class Cut:
    """The captured pixels, what they were cut from, and what was noticed on the way."""

    image: Image.Image
    source: Image.Image  # the window (or whole screenshot) the box lies in
    region: Region  # as asked: from the window's (or screenshot's) corner
    origin: str  # where it came from, for the report
    offset: tuple[int, int] = (0, 0)  # source pixel = region pixel + offset
    warnings: list[str] = field(default_factory=list)


def cut_from_screenshot(path: Path, region: Region) -> Cut:
    """``region`` of a saved screenshot (its pixels: a window shot or a whole screen)."""
    require_desktop("robot capture")
    from PIL import Image  # noqa: PLC0415 - the desktop extra

    try:
        with Image.open(path) as shot:
            source = shot.convert("RGB")
    except OSError as exc:
        raise CaptureError(f"cannot read the screenshot {path}: {exc}") from exc
    _inside(region, source.size, f"the screenshot {path.name}")
    return Cut(source.crop(region.box), source, region, f"screenshot {path}")


def cut_from_display(display_name: str, window: str, region: Region, *,
                     whole_screen: bool = False) -> Cut:
    """``region`` of the window titled ``window`` on the live display ``display_name``.

    The cut's source (where it is checked for look-alikes) is the window, or the whole
    screen for an alternative the driver will look for everywhere (``whole_screen``).
    """
    require_desktop("robot capture")
    from robot_core.drivers.desktop_x11 import Display  # noqa: PLC0415 - the desktop extra

    display = Display(display_name)
    try:
        win = display.find(window)
        if win is None:
            titles = sorted({w.title for w in display.windows() if w.title})
            raise TargetNotFound(f"no window titled {window!r} on {display_name} (open: "
                                 f"{', '.join(repr(t) for t in titles) or 'none'}); give the "
                                 "exact title with --window")
        width, height = display.size
        visible = (max(0, win.x), max(0, win.y), min(width, win.x + win.width),
                   min(height, win.y + win.height))
        _inside(region, (visible[2] - win.x, visible[3] - win.y), f"the window {window!r}")
        warnings: list[str] = []
        screen_box = (win.x + region.x, win.y + region.y, win.x + region.x + region.width,
                      win.y + region.y + region.height)
        covered = _covered(display.windows(), win, screen_box)
        if covered:
            display.focus(win)  # raised, so the box shows the window's own pixels
            warnings.append(f"{covered!r} lay over the box: {window!r} was raised first")
        searched = (0, 0, width, height) if whole_screen else visible
        source, steady = _steady_grab(display, searched)
        if not steady:
            warnings.append("the window kept changing while it was captured (a blinking "
                            "cursor, an animation?): check the image")
    finally:
        display.close()
    left, top = win.x - searched[0], win.y - searched[1]  # window corner in the source
    inner = Region(region.x + left, region.y + top, region.width, region.height)
    return Cut(source.crop(inner.box), source, region,
               f"window {window!r} at +{win.x}+{win.y} on {display_name}", (left, top),
               warnings)


def _inside(region: Region, size: tuple[int, int], what: str) -> None:
    if region.x + region.width > size[0] or region.y + region.height > size[1]:
        raise CaptureError(f"region {region} reaches outside {what}, which is "
                           f"{size[0]}x{size[1]} pixels")


def _covered(windows: list[Window], win: Window, box: tuple[int, int, int, int]) -> str | None:
    """Title of a window stacked above ``win`` that overlaps ``box`` (None if none does)."""
    above = False
    for other in windows:  # bottom of the stack first
        if other.id == win.id:
            above = True
            continue
        if above and other.x < box[2] and box[0] < other.x + other.width \
                and other.y < box[3] and box[1] < other.y + other.height:
            return str(other.title or f"window {other.id:#x}")
    return None


def _steady_grab(display: Display, box: tuple[int, int, int, int]) -> tuple[Image.Image, bool]:
    """Grab ``box`` until two grabs in a row agree (the program has finished drawing)."""
    deadline = time.monotonic() + _SETTLE_S
    last = display.grab(box)
    while time.monotonic() < deadline:
        time.sleep(_SETTLE_POLL_S)
        now = display.grab(box)
        if now.tobytes() == last.tobytes():
            return now, True
        last = now
    return last, False


# -- checking the cut --------------------------------------------------------------------------
@dataclass(frozen=True)
class Uniqueness:
    """The best match of the cut away from its own place (1.0 there, by construction)."""

    other: float
    other_at: tuple[int, int]  # counted like the region


def uniqueness(cut: Cut) -> Uniqueness:
    """Match the cut over its source the way the driver will (grey, normalised)."""
    require_desktop("robot capture")
    import cv2  # noqa: PLC0415 - the desktop extra
    import numpy  # noqa: PLC0415

    needle = numpy.asarray(cut.image.convert("L"))
    if float(needle.std()) < 1.0:
        raise CaptureError(f"region {cut.region} is one flat colour: there is nothing to "
                           "match; take in the control's text or border")
    haystack = numpy.asarray(cut.source.convert("L"))
    scores = cv2.matchTemplate(haystack, needle, cv2.TM_CCOEFF_NORMED)
    x, y = cut.region.x + cut.offset[0], cut.region.y + cut.offset[1]
    # Blank out the neighbourhood of its own place: a shift of a few pixels is the same hit.
    dx, dy = max(2, cut.region.width // 2), max(2, cut.region.height // 2)
    scores[max(0, y - dy):y + dy + 1, max(0, x - dx):x + dx + 1] = -1.0
    _min, other, _min_at, (ox, oy) = cv2.minMaxLoc(scores)
    return Uniqueness(float(other), (int(ox) - cut.offset[0], int(oy) - cut.offset[1]))


# -- the selector map, edited as text ------------------------------------------------------
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


# -- the whole command ---------------------------------------------------------------------
@dataclass(frozen=True)
class CaptureReport:
    """What ``capture`` did."""

    image: Path
    map_file: Path
    target: str
    edit: Edit
    size: tuple[int, int]
    origin: str
    region: Region
    window: str
    runner_up: Uniqueness
    targets: int
    replaced_image: bool
    warnings: tuple[str, ...]


def map_path(app: str) -> Path:
    """``selectors/<app>.yaml`` of the project; unknown apps list the known ones."""
    folder = project_dir() / "selectors"
    path = folder / f"{app}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in folder.glob("*.yaml"))) or "none"
        raise CaptureError(f"no selector map {path} (apps: {known})")
    return path


def capture(app: str, target: str, region: Region, *, window: str | None = None,
            confidence: float | None = None, screenshot: Path | None = None,
            force: bool = False) -> CaptureReport:
    """Cut ``region``, save it as the target's template and list it in the app's map.

    ``region`` counts from the top-left corner of the window titled ``window`` (default: the
    screen's ``frame:``, else the map's ``launch.window``) on ``$DISPLAY``, or of the image
    ``screenshot``. Raises ``CaptureError`` (nothing written) when it cannot be done.
    """
    from robot_core.drivers.desktop_launch import images_dir, parse_launch  # noqa: PLC0415

    require_desktop("robot capture")  # before anything is read: one line naming the extra
    screen, name = split_target(target)
    if confidence is not None and not 0 < confidence <= 1:
        raise CaptureError("--confidence must be above 0 and at most 1")
    path = map_path(app)
    selectors = load_selector_map(path)  # a map that is broken already is not edited
    if selectors.driver != "desktop":
        raise CaptureError(f"{path.name} is a {selectors.driver} map: image templates are "
                           "for desktop maps")
    spec = parse_launch(selectors.launch)
    screens = load_yaml(path).data.get("screens") or {}
    body = screens.get(screen)
    frame = str(body["frame"]) if isinstance(body, dict) and body.get("frame") else None
    title = window or frame or spec.window
    image_path = images_dir(spec) / f"{screen}_{name}.png"
    existed = image_path.exists()
    if existed and not force:
        raise CaptureError(f"{image_path} exists already: give --force to replace it")
    alternative: dict[str, Any] = {"image": image_path.name}
    if confidence is not None:
        alternative["confidence"] = confidence
    if window and frame is not None and window != frame:
        alternative["frame"] = window  # the target lives in another window than its screen
    text = path.read_bytes().decode("utf-8")  # bytes: keep the file's line breaks as they are
    edit = plan_edit(text, str(path), screen, name, alternative,
                     screen_frame=None if screen in screens else title)
    if screenshot is not None:
        cut = cut_from_screenshot(screenshot, region)
    else:
        display = os.environ.get("DISPLAY")
        if not display:
            raise ConfigError("DISPLAY is not set: capture on the display the program runs "
                              "on, or give --from-screenshot FILE.png")
        anywhere = screen in screens and frame is None and "frame" not in alternative
        cut = cut_from_display(display, title, region, whole_screen=anywhere)
    runner_up = uniqueness(cut)
    wanted = confidence if confidence is not None else DEFAULT_CONFIDENCE
    if runner_up.other >= wanted:
        x, y = runner_up.other_at
        where = "screenshot" if screenshot else f"window {title!r}"
        raise CaptureError(
            f"region {region} also matches at {x},{y} of the {where} "
            f"(score {runner_up.other:.2f}, confidence {wanted}): the robot could pick the "
            "wrong one; take in more of the control (its label, its border)")
    loaded = _write_checked(path, text, edit, image_path, cut.image, f"{screen}.{name}",
                            alternative)
    return CaptureReport(image_path, path, target, edit, cut.image.size, cut.origin, region,
                         title, runner_up, len(loaded.targets), existed, tuple(cut.warnings))


def _write_checked(path: Path, text: str, edit: Edit, image_path: Path, image: Image.Image,
                   target: str, alternative: dict[str, Any]) -> SelectorMap:
    """Write the image and the map; load the map again; put both back if it is not right."""
    old_image = image_path.read_bytes() if image_path.exists() else None
    image_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with _atomic(image_path) as stream:
            image.save(stream, format="PNG")
        if edit.text != text:
            with _atomic(path) as stream:
                stream.write(edit.text.encode("utf-8"))
        try:
            loaded = load_selector_map(path)
        except BotScriptError as exc:
            raise CaptureError(f"the edited map does not load ({exc}); both files were put "
                               "back") from exc
        _check_listed(loaded, target, alternative, path)
    except BaseException:
        with contextlib.suppress(OSError):
            path.write_bytes(text.encode("utf-8"))
            if old_image is None:
                image_path.unlink(missing_ok=True)
            else:
                image_path.write_bytes(old_image)
        raise
    return loaded


def _check_listed(loaded: SelectorMap, target: str, alternative: dict[str, Any],
                  path: Path) -> None:
    """The reloaded map must list the image under ``target`` with the confidence asked for."""
    try:
        found = loaded.get(target)
    except KeyError:
        raise CaptureError(f"{path}: the edited map has no {target}; both files were put "
                           "back") from None
    wanted = alternative.get("confidence")
    if not any(a.strategy == "image" and a.value == alternative["image"]
               and (wanted is None or abs(a.confidence - float(wanted)) < 1e-9)
               for a in found.alternatives):
        at = "" if wanted is None else f" at confidence {wanted}"
        raise CaptureError(f"{path}: the edited map does not list {alternative['image']} "
                           f"under {target}{at}; both files were put back")


@contextlib.contextmanager
def _atomic(path: Path) -> Iterator[IO[bytes]]:
    """Write ``path`` through a temporary file beside it: never half a file."""
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            yield stream
        if path.exists():
            shutil.copymode(path, temp)
        Path(temp).replace(path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
