"""robot inspect --desktop on a real X server (Xvfb) with the ledger client's login window."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image

from robot_core.tools.inspect.desktop import Node, grid_screenshot, window_tree
from tests.integration.desktop_env import ROOT, desktop_environment, xvfb

LOGIN = "ログイン - 台帳管理システム"


def _walk(nodes: list[Node]) -> list[Node]:
    return [n for node in nodes for n in (node, *_walk(node.children))]


def test_window_tree_and_grid_screenshot(tmp_path: Path) -> None:
    """The login window is listed with its class and box, its widgets inside it; the
    screenshot is the screen's size with the grid drawn on it."""
    with xvfb() as display:
        env = {**os.environ, **desktop_environment(display)}
        client = subprocess.Popen([sys.executable, "-m", "fixtures.legacy_desktop", "run",
                                   "--db", str(tmp_path / "ledger.db")], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 20
            tree: list[Node] = []
            while not any(n.title == LOGIN for n in tree) and time.monotonic() < deadline:
                time.sleep(0.2)
                tree = window_tree(display)
            [login] = [n for n in tree if n.title == LOGIN]
            shot = grid_screenshot(display, tmp_path / "grid.png", tree)
        finally:
            client.terminate()
            client.wait(timeout=10)
    assert login.wm_class
    assert login.width > 200 and login.height > 100
    widgets = _walk(login.children)
    assert len(widgets) >= 4  # labels, entries, the button: each Tk widget is a window
    assert all(0 <= w.x < login.width and 0 <= w.y < login.height for w in widgets)
    # the user-id entry: its centre is the map's point: "240,57"
    assert "200x26 at 140,44 (centre 240,57)" in "\n".join(login.lines())
    image = Image.open(shot).convert("RGB")
    assert image.size == (1280, 1024)
    red = image.getpixel((100, 500))
    assert red[0] > red[1]  # the grid line at x=100
    assert login.lines()[0].startswith(f"{LOGIN!r} [{login.wm_class}]")
