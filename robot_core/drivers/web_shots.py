"""Screenshots of the web driver: the page with secrets painted over, and evidence cards.

Every target the map marks ``secret`` is masked, and so is any field or text that shows a
secret value of the case (a My Number typed into a field the map forgot to mark).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from playwright.sync_api import BrowserContext, Locator, Page
from playwright.sync_api import Error as PlaywrightError

from robot_core.drivers.web_locate import MARK_SECRETS_JS, locator_for
from robot_core.errors import TransientError
from robot_core.selectors import Target


def mark_secrets(page: Page, secrets: Sequence[str]) -> list[Locator]:
    """Tag every field or text showing a secret value, in every frame, for masking."""
    if not secrets:
        return []
    marked: list[Locator] = []
    for frame in page.frames:
        if not frame.url:
            # No document committed yet (a frame whose first answer was given up on): it
            # shows nothing, and an evaluation there would wait for a document for ever.
            continue
        try:
            if frame.evaluate(MARK_SECRETS_JS, list(secrets)):
                marked.append(frame.locator("[data-robot-mask]"))
        except PlaywrightError:
            continue  # a frame mid-navigation: nothing settled to show
    return marked


def masked_screenshot(page: Page, path: Path, mask: Sequence[Target],
                      marked: Sequence[Locator]) -> Path:
    """Full-page PNG with ``mask`` targets (and their options) and ``marked`` painted black."""
    path.parent.mkdir(parents=True, exist_ok=True)
    locators = [locator_for(page, alt) for t in mask for alt in t.alternatives]
    locators += [locator_for(page, alt) for t in mask for o in t.options.values()
                 for alt in o.alternatives]
    locators += marked
    try:
        page.screenshot(path=str(path), full_page=True, mask=locators, mask_color="#000000",
                        timeout=15_000, animations="disabled")
    except PlaywrightError as exc:
        raise TransientError(f"screenshot failed: {exc.message.splitlines()[0]}") from exc
    return path


def render_html(context: BrowserContext, document: str, path: Path) -> Path:
    """Render ``document`` in a scratch page of ``context`` (evidence cards)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = context.new_page()
    try:
        scratch.set_content(document, wait_until="load")
        scratch.screenshot(path=str(path), full_page=True)
    finally:
        scratch.close()
    return path
