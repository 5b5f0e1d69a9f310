"""How the web driver turns a selector-map alternative into a Playwright locator."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Locator, Page

from robot_core.errors import TargetNotFound
from robot_core.selectors import Alternative

READ_JS = """e => ['INPUT', 'TEXTAREA', 'SELECT'].includes(e.tagName) ? e.value : e.innerText"""
MARK_SECRETS_JS = """secrets => {
  let n = 0;
  const hit = t => t && secrets.some(s => t.includes(s));
  for (const el of document.querySelectorAll('input, textarea, select')) {
    if (hit(el.value)) { el.setAttribute('data-robot-mask', '1'); n++; }
  }
  const walker = document.createTreeWalker(document.body || document, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (hit(node.nodeValue) && node.parentElement) {
      node.parentElement.setAttribute('data-robot-mask', '1'); n++;
    }
  }
  return n;
}"""


def locator_for(page: Page, alt: Alternative) -> Locator:  # noqa: PLR0911 - one per strategy
    """The locator of one alternative, inside its frame when it names one."""
    root: Any = page.frame_locator(alt.frame) if alt.frame else page
    match alt.strategy:
        case "css":
            return root.locator(alt.value)  # type: ignore[no-any-return]
        case "xpath":
            return root.locator(f"xpath={alt.value}")  # type: ignore[no-any-return]
        case "text":
            return root.get_by_text(alt.value, exact=alt.exact)  # type: ignore[no-any-return]
        case "role":
            return root.get_by_role(alt.value, name=alt.name,  # type: ignore[no-any-return]
                                    exact=alt.exact)
        case "label":
            return root.get_by_label(alt.value, exact=alt.exact)  # type: ignore[no-any-return]
        case "beside":
            return root.locator(_beside_xpath(alt.value))  # type: ignore[no-any-return]
        case "alt":
            return root.locator(  # type: ignore[no-any-return]
                f"a:has(img[alt={_css_string(alt.value)}]), "
                f"input[type=image][alt={_css_string(alt.value)}], "
                f"img[alt={_css_string(alt.value)}]:not(a img)")
        case "placeholder":
            return root.get_by_placeholder(alt.value,  # type: ignore[no-any-return]
                                           exact=alt.exact)
    raise TargetNotFound(f"strategy {alt.strategy!r} is not a web strategy")


def _beside_xpath(label: str) -> str:
    # Legacy forms put the label in one table cell and the control in the next, untied.
    quoted = _xpath_literal(label)
    controls = "self::input[not(@type='hidden')] or self::select or self::textarea"
    return (f"xpath=//td[normalize-space(.)={quoted}]/following-sibling::td[1]"
            f"//*[{controls}]")


def _xpath_literal(text: str) -> str:
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    parts = text.split("'")
    return "concat(" + ", \"'\", ".join(f"'{p}'" for p in parts) + ")"


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
