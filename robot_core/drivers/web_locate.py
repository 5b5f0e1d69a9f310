"""How the web driver turns a selector-map alternative into a Playwright locator."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import Locator, Page, Playwright

from robot_core.errors import TargetNotFound
from robot_core.script.labels import NORMALISE_JS
from robot_core.selectors import Alternative

#: Custom selector engines: ``label``/``beside`` compared on normalised text (script/labels.py).
#: The body is the wanted text as JSON, already normalised by the same rules in Python.
CONTROLS = "input:not([type=hidden]), select, textarea"
LABEL_ENGINE = """{
  queryAll(root, body) {
    const norm = %(norm)s;
    const want = norm(JSON.parse(body));
    const text = e => e ? (e.innerText || e.textContent || '') : '';
    const named = el => {
      const names = [...(el.labels || [])].map(text);
      if (el.getAttribute('aria-label')) names.push(el.getAttribute('aria-label'));
      for (const id of (el.getAttribute('aria-labelledby') || '').split(/\\s+/))
        if (id) names.push(text(el.ownerDocument.getElementById(id)));
      return names.some(n => norm(n) === want);
    };
    return [...root.querySelectorAll('%(controls)s, button')].filter(named);
  },
  query(root, body) { return this.queryAll(root, body)[0] || null; }
}""".replace("%(norm)s", NORMALISE_JS).replace("%(controls)s", CONTROLS)
BESIDE_ENGINE = """{
  queryAll(root, body) {
    const norm = %(norm)s;
    const want = norm(JSON.parse(body));
    const cell = e => e && (e.tagName === 'TD' || e.tagName === 'TH');
    const out = [];
    for (const c of root.querySelectorAll('td, th')) {
      if (norm(c.textContent) !== want) continue;
      let next = c.nextElementSibling;
      while (next && !cell(next)) next = next.nextElementSibling;
      if (!next) continue;
      const controls = next.querySelectorAll('%(controls)s');
      // a cell with no control is itself the target: a value shown on a confirmation page
      if (controls.length) out.push(...controls); else out.push(next);
    }
    return out;
  },
  query(root, body) { return this.queryAll(root, body)[0] || null; }
}""".replace("%(norm)s", NORMALISE_JS).replace("%(controls)s", CONTROLS)

#: ``role`` with a ``name`` for the one look (web_look.py): the first visible button or link
#: Playwright's role engine would match, found the same way (implicit role, not aria-hidden,
#: the same accessible name, compared the same way). Only the plain cases: where the name or
#: the role needs more of the ARIA rules (aria-labelledby, a ``role`` attribute that makes
#: or unmakes one, a <label> for a button, CSS content, markup inside other than plain
#: inline text such as <font> or <b>) it throws, and the look leaves the target to Playwright.
ROLE_JS = """(doc, s, visible) => {
  const IMPLICIT = {button: 'button, input[type=button i], input[type=submit i], ' +
                            'input[type=reset i], input[type=image i], input[type=file i]',
                    link: 'a[href], area[href]'}[s.role];
  const unknown = () => { throw new Error('role: ask Playwright'); };
  for (const e of doc.querySelectorAll('[role]'))
    if (e.matches(IMPLICIT) || e.getAttribute('role').split(/\\s+/).includes(s.role)) unknown();
  const ws = t => t.replace(/[\\u200b\\u00ad]/g, '').trim().replace(/\\s+/g, ' ');
  const pseudo = e => ['::before', '::after'].some(p => !['none', 'normal'].includes(
    getComputedStyle(e, p).content));
  const INLINE = ['FONT', 'B', 'I', 'U', 'S', 'SPAN', 'STRONG', 'EM', 'SMALL', 'BIG', 'TT',
                  'NOBR', 'SUB', 'SUP', 'CODE', 'MARK'];
  // text inside that counts as it reads: shown inline, with no name or role of its own
  const plain = el => {
    const style = getComputedStyle(el);
    return INLINE.includes(el.tagName) && style.display === 'inline' &&
      style.visibility === 'visible' && !pseudo(el) &&
      !['aria-label', 'aria-labelledby', 'aria-hidden', 'role', 'title'].some(
        a => el.hasAttribute(a));
  };
  const name = e => {
    if (e.hasAttribute('aria-labelledby')) unknown();
    const label = e.getAttribute('aria-label') || '';
    if (label.trim()) return label;
    if (e.tagName === 'INPUT') {
      if (!['button', 'submit', 'reset'].includes(e.type)) unknown();  // image, file: labels
      return e.value.trim() ? e.value : {submit: 'Submit', reset: 'Reset'}[e.type] ||
        e.getAttribute('title') || '';
    }
    if (e.tagName === 'AREA' || (e.labels && e.labels.length) || pseudo(e) ||
        ![...e.querySelectorAll('*')].every(plain)) unknown();
    return e.textContent.trim() ? e.textContent : e.getAttribute('title') || '';
  };
  const want = ws(s.name);
  const matches = e => {
    const have = ws(name(e));
    return s.exact ? have === want : have.toLowerCase().includes(want.toLowerCase());
  };
  // the first visible match is all the look takes: the names of the rest are not needed
  for (const e of doc.querySelectorAll(IMPLICIT))
    if (!e.closest('[aria-hidden="true" i]') && visible(e) && matches(e)) return [e];
  return [];
}"""

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


def register_engines(pw: Playwright) -> None:
    """Teach this Playwright the normalised ``label``/``beside`` engines (once per start)."""
    pw.selectors.register("robot-label", LABEL_ENGINE)
    pw.selectors.register("robot-beside", BESIDE_ENGINE)


#: Between the CSS selectors of a frame in a frame, outermost first, in ``frame:``
#: (``frame: 'frame[name="body"] >> iframe[name="inner"]'``).
FRAME_STEP = " >> "


def frame_root(page: Page, frame: str | None) -> Any:
    """The page, or the frame ``frame`` names: one CSS selector per level, ``>>`` between."""
    root: Any = page
    for step in (frame or "").split(FRAME_STEP):
        if step.strip():
            root = root.frame_locator(step.strip())
    return root


def locator_for(page: Page, alt: Alternative) -> Locator:  # noqa: PLR0911 - one per strategy
    """The locator of one alternative, inside its frame when it names one."""
    root: Any = frame_root(page, alt.frame)
    match alt.strategy:
        case "css":
            return root.locator(alt.value)  # type: ignore[no-any-return]
        case "xpath":
            return root.locator(f"xpath={alt.value}")  # type: ignore[no-any-return]
        case "text":
            return root.get_by_text(alt.value, exact=alt.is_exact)  # type: ignore[no-any-return]
        case "role":
            return root.get_by_role(alt.value, name=alt.name,  # type: ignore[no-any-return]
                                    exact=alt.is_exact)
        case "label" | "beside" if alt.exact is None:
            # the default: compared as a person reads it (robot_core/script/labels.py)
            return root.locator(  # type: ignore[no-any-return]
                f"robot-{alt.strategy}={json.dumps(alt.value, ensure_ascii=False)}")
        case "label":
            return root.get_by_label(alt.value, exact=alt.exact)  # type: ignore[no-any-return]
        case "beside":
            return root.locator(_beside_xpath(alt.value, alt.is_exact))  # type: ignore[no-any-return]
        case "alt":
            return root.locator(  # type: ignore[no-any-return]
                f"a:has(img[alt={_css_string(alt.value)}]), "
                f"input[type=image][alt={_css_string(alt.value)}], "
                f"img[alt={_css_string(alt.value)}]:not(a img)")
        case "placeholder":
            return root.get_by_placeholder(alt.value,  # type: ignore[no-any-return]
                                           exact=alt.is_exact)
    raise TargetNotFound(f"strategy {alt.strategy!r} is not a web strategy")


def _beside_xpath(label: str, exact: bool) -> str:
    # Legacy forms put the label in one table cell and the control in the next, untied.
    quoted = _xpath_literal(label)
    controls = "self::input[not(@type='hidden')] or self::select or self::textarea"
    cell = f"normalize-space(.)={quoted}" if exact else f"contains(normalize-space(.), {quoted})"
    nxt = f"//*[self::td or self::th][{cell}]/following-sibling::*[self::td or self::th][1]"
    # the controls in the next cell, or that cell itself when it holds none (a shown value)
    return f"xpath={nxt}//*[{controls}] | {nxt}[not(.//*[{controls}])]"


def _xpath_literal(text: str) -> str:
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    parts = text.split("'")
    return "concat(" + ", \"'\", ".join(f"'{p}'" for p in parts) + ")"


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
