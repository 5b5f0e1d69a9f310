"""What a person sees on a live web screen: every control, in every frame, with its words.

One script per frame tags each visible control (``data-robot-inspect``) and reads what a
person reads beside it: the label tied to it, the table cell before its cell (the legacy
layout ``beside:`` is for), and the nearest text before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from robot_core.selectors import Alternative

if TYPE_CHECKING:  # the browser is loaded by the command that opens one, not by the CLI
    from playwright.sync_api import Frame, Page

COLLECT_JS = r"""prefix => {
  const clean = t => (t || '').replace(/[\s\u3000]+/g, ' ').trim();
  const shown = e => {
    const r = e.getBoundingClientRect(), s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
  };
  const cell = e => {
    const td = e.closest('td');
    const prev = td && td.previousElementSibling;
    return prev && ['TD', 'TH'].includes(prev.tagName) ? clean(prev.textContent) : '';
  };
  const before = e => {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    let last = '';
    while (walker.nextNode()) {
      const node = walker.currentNode;
      if (e.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_FOLLOWING) break;
      if (e.contains(node)) continue;
      const text = clean(node.nodeValue);
      const parent = node.parentElement;
      if (text && parent && !['SCRIPT', 'STYLE', 'OPTION'].includes(parent.tagName)) last = text;
    }
    return last.slice(-40);
  };
  const after = e => {  // the words right after a radio or check box: its option's name
    let n = e.nextSibling;
    while (n && n.nodeType === Node.TEXT_NODE && !clean(n.nodeValue)) n = n.nextSibling;
    if (!n) return '';
    if (n.nodeType === Node.TEXT_NODE) return clean(n.nodeValue).split(' ')[0].slice(0, 20);
    return n.tagName === 'LABEL' ? clean(n.textContent).slice(0, 20) : '';
  };
  const out = [];
  const query = 'input:not([type=hidden]), select, textarea, button, a[href], ' +
    '[role=button], [role=link]';
  let n = 0;
  for (const e of document.querySelectorAll(query)) {
    if (!shown(e)) continue;
    const id = `${prefix}-${++n}`;
    e.setAttribute('data-robot-inspect', id);
    const img = e.querySelector('img[alt]');
    out.push({id, tag: e.tagName.toLowerCase(), type: (e.getAttribute('type') || '').toLowerCase(),
      name: e.getAttribute('name') || '', elid: e.id || '', value: e.getAttribute('value') || '',
      label: e.labels && e.labels.length ? clean(e.labels[0].textContent) : '',
      beside: cell(e), before: before(e), after: after(e),
      text: clean(e.innerText || e.textContent).slice(0, 60),
      alt: e.getAttribute('alt') || (img ? img.getAttribute('alt') : '') || '',
      placeholder: e.getAttribute('placeholder') || '', aria: e.getAttribute('aria-label') || '',
      href: e.tagName === 'A' ? e.getAttribute('href') || '' : '',
      role: e.getAttribute('role') || ''});
  }
  return out;
}"""


@dataclass
class Control:
    """One control on the screen, what it reads, and the alternatives proposed for it."""

    number: int
    frame: str | None  # the iframe's selector, None on the page itself
    info: dict[str, str]
    proposals: list[Alternative] = field(default_factory=list)
    ambiguous: list[Alternative] = field(default_factory=list)
    name: str = ""

    @property
    def kind(self) -> str:
        """input type, select, textarea, button or link."""
        tag, kind = self.info["tag"], self.info["type"]
        if tag == "input":
            return kind or "text"
        return "link" if tag == "a" else self.info["role"] or tag

    @property
    def reads(self) -> str:
        """The words a person reads for it: its label, its cell's neighbour, or its own text."""
        info = self.info
        return (info["label"] or info["beside"] or info["aria"] or info["alt"]
                or (info["value"] if self.kind in {"submit", "button", "reset"} else "")
                or info["text"] or info["placeholder"] or info["before"])


def frame_selector(frame: Frame) -> str | None:
    """A CSS selector of the iframe ``frame`` lives in (None for the page itself)."""
    element = frame.frame_element()
    for attribute in ("name", "id"):
        value = element.get_attribute(attribute)
        if value:
            return f'iframe[{attribute}="{value}"]'
    src = element.get_attribute("src")
    return f'iframe[src="{src}"]' if src else "iframe"


FRAME_STEP = " >> "  # drivers/web_locate.FRAME_STEP (that module loads Playwright; this one not)


def frame_path(frame: Frame) -> str | None:
    """The map's ``frame:`` of ``frame``: its iframes' selectors, outermost first, joined by
    ``>>`` (None for the page itself)."""
    steps: list[str] = []
    while frame.parent_frame is not None:
        steps.append(frame_selector(frame) or "iframe")
        frame = frame.parent_frame
    return FRAME_STEP.join(reversed(steps)) or None


def collect(page: Page) -> list[Control]:
    """Every visible control of the page and of its frames, at any depth, numbered."""
    controls: list[Control] = []
    for index, frame in enumerate(page.frames):
        selector = frame_path(frame)
        found: list[dict[str, Any]] = frame.evaluate(COLLECT_JS, f"f{index}")
        for info in found:
            controls.append(Control(len(controls) + 1, selector,
                                    {k: str(v) for k, v in info.items()}))
    return controls
