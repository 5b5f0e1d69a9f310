"""``robot inspect --desktop``: the windows on ``$DISPLAY`` and a screenshot with a grid.

Each top-level window is listed with its title, class (``WM_CLASS``) and box on the screen,
and below it the X child windows it is made of (a Tk or Motif widget is one each) with
their boxes *relative to the top-level window*: the numbers a ``point: "x,y"`` alternative
counts in. The screenshot has a line every 50 px (labelled every 100) so a point can be read
off it, and each window's outline with its title. Image templates: ``robot capture``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from robot_core.drivers.desktop.extra import require_desktop

GRID = 50
_MAX_DEPTH = 8


@dataclass
class Node:
    """One X window: its title and class, its box, the windows inside it."""

    id: int
    title: str
    wm_class: str
    x: int  # top-level windows: on the screen; children: from their top-level window
    y: int
    width: int
    height: int
    children: list[Node] = field(default_factory=list)

    def lines(self, depth: int = 0) -> list[str]:
        """The tree as indented text lines."""
        label = f"{self.title!r} " if self.title else ""
        kind = f"[{self.wm_class}] " if self.wm_class else ""
        own = f"{'  ' * depth}{label}{kind}{self.width}x{self.height} at {self.x},{self.y}"
        if depth:  # a point: alternative clicks here
            own += f" (centre {self.x + self.width // 2},{self.y + self.height // 2})"
        return [own] + [line for child in self.children for line in child.lines(depth + 1)]


def window_tree(display_name: str) -> list[Node]:
    """The mapped top-level windows (bottom of the stack first) and their child windows."""
    require_desktop("robot inspect --desktop")
    from robot_core.drivers.desktop.x11 import Display  # noqa: PLC0415 - needs python-xlib

    display = Display(display_name)
    try:
        tree = []
        for win in display.windows():
            xwin = display.dpy.create_resource_object("window", win.id)
            node = Node(win.id, win.title, _wm_class(xwin), win.x, win.y, win.width,
                        win.height)
            node.children = _children(xwin, win.x, win.y, 1)
            tree.append(node)
        return tree
    finally:
        display.close()


def _wm_class(xwin: Any) -> str:
    try:
        found = xwin.get_wm_class()
    except Exception:  # a window gone mid-walk: no class to show
        return ""
    return str(found[1]) if found else ""


def _children(xwin: Any, left: int, top: int, depth: int) -> list[Node]:
    if depth > _MAX_DEPTH:
        return []
    nodes = []
    try:
        children = xwin.query_tree().children
    except Exception:  # gone mid-walk
        return []
    for child in children:
        try:
            if child.get_attributes().map_state == 0:  # IsUnmapped
                continue
            geometry = child.get_geometry()
            origin = child.translate_coords(xwin.query_tree().root, 0, 0)
        except Exception:  # gone mid-walk
            continue
        x, y = -int(origin.x) - left, -int(origin.y) - top
        node = Node(int(child.id), str(child.get_wm_name() or ""), _wm_class(child), x, y,
                    int(geometry.width), int(geometry.height))
        node.children = _children(child, left, top, depth + 1)
        nodes.append(node)
    return nodes


def grid_screenshot(display_name: str, path: Path, tree: list[Node]) -> Path:
    """The whole screen with a coordinate grid and each window's outline, as PNG."""
    require_desktop("robot inspect --desktop")
    from PIL import ImageDraw  # noqa: PLC0415 - the desktop extra

    from robot_core.drivers.desktop.x11 import Display  # noqa: PLC0415 - needs python-xlib

    display = Display(display_name)
    try:
        image = display.grab()
    finally:
        display.close()
    draw = ImageDraw.Draw(image, "RGBA")
    width, height = image.size
    for x in range(0, width, GRID):
        draw.line([(x, 0), (x, height)], fill=(255, 0, 0, 60 if x % 100 else 120))
        if x % 100 == 0:
            draw.text((x + 2, 2), str(x), fill=(200, 0, 0, 255))
    for y in range(0, height, GRID):
        draw.line([(0, y), (width, y)], fill=(255, 0, 0, 60 if y % 100 else 120))
        if y % 100 == 0:
            draw.text((2, y + 2), str(y), fill=(200, 0, 0, 255))
    for node in tree:
        draw.rectangle([node.x, node.y, node.x + node.width - 1, node.y + node.height - 1],
                       outline=(0, 0, 255, 255), width=2)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, format="PNG")
    return path
