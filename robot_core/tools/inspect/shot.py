"""The screenshot of ``robot inspect``: each control boxed with its number.

Boxes are drawn by the page itself (absolutely placed elements in the top document, at the
controls' page positions, frames included), so no image library is needed; password fields,
the map's secret targets and any field or text showing one of ``secrets`` (what a sample
case typed, ``--upto``) are painted black as in every robot screenshot.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from playwright.sync_api import Locator, Page

from robot_core.drivers.web_locate import frame_root, locator_for
from robot_core.drivers.web_shots import mark_secrets
from robot_core.selectors import Target
from robot_core.tools.inspect.collect import Control

_DRAW_JS = """boxes => {
  for (const [n, x, y, w, h] of boxes) {
    const box = document.createElement('div');
    box.className = 'robot-inspect-box';
    box.style.cssText = `position:absolute;left:${x + scrollX}px;top:${y + scrollY}px;` +
      `width:${w}px;height:${h}px;border:2px solid #e00;z-index:2147483647;` +
      'pointer-events:none;box-sizing:border-box';
    const tag = document.createElement('span');
    tag.textContent = n;
    tag.style.cssText = 'position:absolute;left:-2px;top:-16px;background:#e00;color:#fff;' +
      'font:bold 11px sans-serif;padding:0 3px';
    box.appendChild(tag);
    document.body.appendChild(box);
  }
}"""
_CLEAR_JS = "() => document.querySelectorAll('.robot-inspect-box').forEach(e => e.remove())"


def _locator(page: Page, control: Control) -> Locator:
    tag = control.info["id"]
    found: Locator = frame_root(page, control.frame).locator(f'[data-robot-inspect="{tag}"]')
    return found


def numbered_screenshot(page: Page, controls: Sequence[Control], path: Path,
                        secret: Sequence[Target] = (), secrets: Sequence[str] = ()) -> Path:
    """A full-page PNG at ``path`` with each control boxed and numbered."""
    boxes = []
    for control in controls:
        box = _locator(page, control).bounding_box()
        if box is not None:
            boxes.append([control.number, box["x"], box["y"], box["width"], box["height"]])
    masks = [page.locator("input[type=password]")]
    masks += [frame_root(page, c.frame).locator("input[type=password]")
              for c in controls if c.frame]
    masks += [locator_for(page, alt) for target in secret for alt in target.alternatives]
    masks += mark_secrets(page, secrets)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.evaluate(_DRAW_JS, boxes)
    try:
        page.screenshot(path=str(path), full_page=True, mask=masks, mask_color="#000000")
    finally:
        page.evaluate(_CLEAR_JS)
    return path
