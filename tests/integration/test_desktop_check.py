"""``robot check`` on the desktop counts matches under real Xvfb: two windows with one title,
one button image shown twice, are ambiguous; a title shown once is ok."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import ImageGrab

from tests.integration.desktop_env import desktop_environment, xvfb

#: Two Tk windows titled 重複, each with the same 保存 button, and one window titled 一つ.
WINDOWS = """\
import tkinter as tk
root = tk.Tk(); root.withdraw()
for title, x in (("重複", 40), ("重複", 440), ("一つ", 840)):
    win = tk.Toplevel(root); win.title(title); win.geometry(f"300x200+{x}+40")
    tk.Button(win, text="保存(S)", width=10).place(x=90, y=80)
root.after(60000, root.destroy)
root.mainloop()
"""
MAP = """\
app: dup
driver: desktop
launch: {window: 一つ, ready: 一つ, images: images}
screens:
  dup:
    targets:
      twice:  [{title: 重複}]
      once:   [{title: 一つ}]
      button: [{image: button.png, confidence: 0.95}]
"""


@pytest.fixture
def screen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An Xvfb with the three windows up, and a project whose map names them."""
    with xvfb() as display:
        for key, value in desktop_environment(display).items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("ROBOT_PROJECT", str(tmp_path))
        proc = subprocess.Popen([sys.executable, "-c", WINDOWS], env={**os.environ})
        try:
            time.sleep(1.5)  # Tk maps its windows
            (tmp_path / "images").mkdir()
            shot = ImageGrab.grab(xdisplay=display)
            shot.crop((40 + 90, 40 + 80, 40 + 90 + 60, 40 + 80 + 24)).save(
                tmp_path / "images" / "button.png")
            (tmp_path / "selectors").mkdir()
            (tmp_path / "selectors" / "dup.yaml").write_text(MAP, encoding="utf-8")
            yield tmp_path
        finally:
            proc.kill()
            proc.wait()


def test_check_counts_desktop_titles_and_images(screen: Path) -> None:
    """The desktop driver counts windows of a title and places of an image; check's health
    calls the doubled ones ambiguous and the single one ok."""
    from robot_core.drivers.desktop import DesktopDriver  # noqa: PLC0415 - needs the display
    from robot_core.selectors import load_selector_map  # noqa: PLC0415
    from robot_core.tools.check import Health, count  # noqa: PLC0415

    targets = load_selector_map(screen / "selectors" / "dup.yaml")
    driver = DesktopDriver(launch=targets.launch)
    driver.start()
    try:
        found = {name: [count(driver, alt, targets.get(name))
                        for alt in targets.get(name).alternatives]
                 for name in ("dup.twice", "dup.once", "dup.button")}
    finally:
        driver.stop()
    assert found == {"dup.twice": [2], "dup.once": [1], "dup.button": [3]}
    statuses = {n: Health(n, c, [""], True).status for n, c in found.items()}
    assert statuses == {"dup.twice": "ambiguous", "dup.once": "ok", "dup.button": "ambiguous"}
