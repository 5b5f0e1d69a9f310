"""``robot inspect --desktop``: the window tree of ``$DISPLAY`` and a grid screenshot."""

from __future__ import annotations

import os
from pathlib import Path

from rich.markup import escape

from robot_core.cli.app import console
from robot_core.errors import ConfigError
from robot_core.tools.inspect.desktop import grid_screenshot, window_tree


def inspect_desktop(screenshot: Path | None) -> None:
    """Print the window tree; write the screenshot with its coordinate grid."""
    display = os.environ.get("DISPLAY")
    if not display:
        raise ConfigError("DISPLAY is not set: inspect on the display the program runs on")
    tree = window_tree(display)
    for node in tree:
        for line in node.lines():
            console.print(escape(line), highlight=False, soft_wrap=True)
    shot = grid_screenshot(display, screenshot or Path("inspect-desktop.png"), tree)
    console.print(f"screenshot: {escape(str(shot))} (grid every 50 px; child boxes above "
                  "count from their window's top-left corner, as point: does)",
                  highlight=False, soft_wrap=True)
