"""One look at the screen: which target (and alternative) is on it, and the action done there.

The web driver used to try a target's first alternative with a fixed 150 ms budget and, on a
miss, look again alternative by alternative and act a second time. On a loaded machine the
150 ms ran out while the element was right there, so every step paid twice. ``LOOK_JS``
replaces that guess: a single evaluation in the top page that checks every alternative of
the targets in order (inside same-origin frames too), and every interrupt (a login page, a
503 page), and waits in the page (on DOM changes) until one shows or its slice ends.
When the step is a fill, a select, a tick or a read, the same evaluation does it and reads
the result back, so the usual step costs one round trip, loaded machine or not; for a click
it says where a person's click would land on the element, if it would (web_point.py).

Strategies the page can evaluate exactly like Playwright does are looked at here: css,
xpath, alt, text, the normalised label/beside engines, and buttons and links by role and
name where the ARIA rules are plain (``ROLE_JS``). A target with another strategy (another
role, placeholder, an exact label) or a frame the top page cannot reach (another origin)
makes the look say "unknown", and the driver resolves it the Playwright way instead.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Sequence
from contextlib import nullcontext
from functools import partial
from typing import TYPE_CHECKING, Any

from playwright.sync_api import Error as PlaywrightError

from robot_core.drivers.web_busy import LOOK_S
from robot_core.drivers.web_locate import (
    BESIDE_ENGINE,
    LABEL_ENGINE,
    ROLE_JS,
    _beside_xpath,
    _css_string,
)
from robot_core.drivers.web_point import FOCUS_JS, POINT_JS
from robot_core.drivers.web_stall import watching
from robot_core.errors import ApplicationError, TargetNotFound
from robot_core.script.labels import NORMALISE_JS
from robot_core.selectors import Alternative, Target

if TYPE_CHECKING:
    from robot_core.drivers.web import WebDriver

#: The look's answers besides a target's index (``t``).
NONE_SEEN = -1  # nothing watched is on screen within the slice
UNKNOWN = -2  # an alternative the page cannot evaluate: resolve with Playwright

SLICE_MS = 500  # between slices the driver looks at what only Playwright sees
_POLL_S = 0.05
_TEXT_LIKE = ("text", "password", "search", "tel", "url", "email")


def spec(alt: Alternative) -> dict[str, Any] | None:
    """What ``LOOK_JS`` needs to find ``alt``; None when only Playwright can."""
    found: dict[str, Any]
    match alt.strategy:
        case "css" if ">>" not in alt.value:
            found = {"css": alt.value}
        case "xpath":
            found = {"xpath": alt.value}
        case "alt":
            quoted = _css_string(alt.value)
            found = {"css": f"a:has(img[alt={quoted}]), input[type=image][alt={quoted}], "
                            f"img[alt={quoted}]:not(a img)"}
        case "text":
            found = {"text": alt.value, "exact": alt.is_exact}
        case "label" | "beside" if alt.exact is None:
            found = {alt.strategy: json.dumps(alt.value, ensure_ascii=False)}
        case "role" if alt.value in ("button", "link") and alt.name is not None:
            found = {"role": alt.value, "name": alt.name, "exact": alt.is_exact}
        case "beside":
            found = {"xpath": _beside_xpath(alt.value, alt.is_exact).removeprefix("xpath=")}
        case _:
            return None
    found["frame"] = alt.frame
    return found


LOOK_JS = """async ({groups, interrupts, op, sliceMs, wake}) => {
  const LABEL = %(label)s, BESIDE = %(beside)s, ROLE = %(role)s, norm = %(norm)s;
  const clickPoint = %(point)s, focusFor = %(focus)s;
  const UNKNOWN = {t: -2};
  const me = {id: wake, woken: false, poke: () => {}};  // woken by WAKE_JS
  window.__robotLook = me;
  const visible = e => {
    const style = getComputedStyle(e);
    if (style.display === 'contents')
      return [...e.children].some(visible);
    if (style.visibility !== 'visible') return false;
    if (e.checkVisibility && !e.checkVisibility()) return false;
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const squash = t => (t || '').replace(/\\s+/g, ' ').trim();
  const textMatch = (s, e) => {
    const t = squash(e.textContent);
    return s.exact ? t === squash(s.text) : t.toLowerCase().includes(squash(s.text).toLowerCase());
  };
  // the smallest elements whose text matches (Playwright's rule); a page that does not
  // hold the text at all is told by one read of its body's text
  const holds = (s, e) => squash(e.textContent).toLowerCase().includes(
    squash(s.text).toLowerCase());
  const byText = (doc, s) => !doc.body || !holds(s, doc.body) ? [] :
    [...doc.querySelectorAll('body, body *')].filter(e =>
      !['SCRIPT', 'STYLE', 'NOSCRIPT'].includes(e.tagName) && textMatch(s, e) &&
      ![...e.children].some(c => textMatch(s, c)));
  const docOf = s => {
    if (!s.frame) return document;
    const holder = document.querySelector(s.frame);
    if (!holder) return null;  // not there yet
    const doc = holder.contentDocument;
    if (!doc) throw new Error('frame out of reach');
    return doc;
  };
  const query = s => {
    const doc = docOf(s);
    if (!doc) return [];
    if (s.css !== undefined) return [...doc.querySelectorAll(s.css)];
    if (s.xpath !== undefined) {
      const hits = doc.evaluate(s.xpath, doc, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null);
      return Array.from({length: hits.snapshotLength}, (_, i) => hits.snapshotItem(i));
    }
    if (s.text !== undefined) return byText(doc, s);
    if (s.label !== undefined) return LABEL.queryAll(doc, s.label);
    if (s.beside !== undefined) return BESIDE.queryAll(doc, s.beside);
    if (s.role !== undefined) return ROLE(doc, s, visible);
    throw new Error('no strategy');
  };
  const shown = s => query(s).find(e => e.nodeType === 1 && visible(e));
  const fire = (e, ...names) => names.forEach(n => e.dispatchEvent(new Event(n, {bubbles: true})));
  const setValue = (e, value) => {
    const proto = e.tagName === 'TEXTAREA' ? HTMLTextAreaElement : HTMLInputElement;
    Object.getOwnPropertyDescriptor(proto.prototype, 'value').set.call(e, value);
  };
  const act = e => {
    if (!op) return {};
    if (op.read) return {done: true, value: ['INPUT', 'TEXTAREA', 'SELECT'].includes(e.tagName)
                                           ? e.value : e.innerText};
    if (op.attr !== undefined) return {done: true, value: e.getAttribute(op.attr)};
    if (op.click) return clickPoint(e);  // where a person's click lands on it, if it does
    if (op.focus) return focusFor(e);  // for keys pressed on it
    if (e.disabled || e.readOnly) return {};  // Playwright waits for it to be editable
    if (op.fill !== undefined) {
      const input = e.tagName === 'INPUT' && %(text_like)s.includes(e.type);
      if (!(input || e.tagName === 'TEXTAREA')) return {};
      if (e.maxLength >= 0 && op.fill.length > e.maxLength) return {};  // typed: truncated
      e.focus();
      setValue(e, op.fill);
      fire(e, 'input', 'change');
      return {done: e.value === op.fill};
    }
    if (op.select !== undefined) {
      if (e.tagName !== 'SELECT') return {};
      const pick = [...e.options].find(o => op.byLabel ? squash(o.label) === squash(op.select)
                                                       : o.value === op.select);
      if (!pick) return {};
      e.focus();
      e.value = pick.value;
      fire(e, 'input', 'change');
      return {done: e.value === pick.value};
    }
    if (op.check !== undefined) {
      if (e.tagName !== 'INPUT' || !['checkbox', 'radio'].includes(e.type)) return {};
      if (e.checked !== op.check) e.click();  // a click, as a person does: handlers run
      return {done: e.checked === op.check};
    }
    return {};
  };
  // what a wait for several targets also saw: each other target's first alternative on
  // screen (-1: none; null: the page cannot tell), so a check right after costs nothing
  const others = found => groups.length < 2 ? [] : groups.map((group, t) => {
    if (t === found) return null;
    for (let a = 0; a < group.length; a++) {
      if (!group[a]) return null;
      if (shown(group[a])) return a;
    }
    return -1;
  });
  const look = () => {
    for (let t = 0; t < groups.length; t++) {
      for (let a = 0; a < groups[t].length; a++) {
        const s = groups[t][a];
        if (!s) return UNKNOWN;
        const e = shown(s);
        if (e) return {t, a, ...act(e), others: others(t)};
      }
    }
    for (let i = 0; i < interrupts.length; i++)
      if (interrupts[i] && shown(interrupts[i])) return {t: -1, interrupt: i};
    return null;
  };
  // Resolves when the DOM of the page or of a same-origin frame changes, or after 50 ms (a
  // change no observer sees: a style sheet, a frame's new document). Waiting on rendering
  // frames instead made the renderer paint ~60 times a second while a page sat idle.
  const changed = () => new Promise(done => {
    const observers = [];
    const finish = () => { observers.forEach(o => o.disconnect()); clearTimeout(timer); done(); };
    me.poke = finish;
    const timer = setTimeout(finish, 50);
    const watch = win => {
      let doc;
      try { doc = win.document; } catch (err) { return; }  // another origin's frame
      if (!doc) return;
      const observer = new MutationObserver(finish);
      observer.observe(doc, {subtree: true, childList: true, attributes: true,
                             characterData: true});
      observers.push(observer);
      for (let i = 0; i < win.frames.length; i++) watch(win.frames[i]);
    };
    watch(window);
  });
  const until = performance.now() + sliceMs;
  for (;;) {
    let seen;
    try { seen = look(); } catch (err) { return UNKNOWN; }
    if (seen) return seen;
    if (me.woken || performance.now() >= until) return {t: -1};
    await changed();
  }
}""".replace("%(label)s", LABEL_ENGINE).replace("%(beside)s", BESIDE_ENGINE) \
    .replace("%(norm)s", NORMALISE_JS).replace("%(point)s", POINT_JS) \
    .replace("%(focus)s", FOCUS_JS).replace("%(role)s", ROLE_JS) \
    .replace("%(text_like)s", json.dumps(_TEXT_LIKE))


#: Ends the look ``wake`` (not a later one) at once: a request it waits on is overdue.
WAKE_JS = """(l => { if (l && l.id === %d) { l.woken = true; l.poke(); } })(window.__robotLook)"""
_WAKES = itertools.count(1)


def look_arg(groups: list[list[Alternative]], interrupts: list[Alternative],
             op: dict[str, Any] | None, slice_ms: int) -> dict[str, Any] | None:
    """``LOOK_JS``'s argument; None when a target has no alternative the page can evaluate."""
    specs = [[spec(alt) for alt in alternatives] for alternatives in groups]
    if any(not group or group[0] is None for group in specs):
        return None  # the first thing to look for needs Playwright: no use looking here
    return {"groups": specs, "interrupts": [spec(alt) for alt in interrupts], "op": op,
            "sliceMs": slice_ms, "wake": 0}


def look(driver: WebDriver, targets: Sequence[Target], timeout_ms: int, op: dict[str, Any] | None,
          ) -> dict[str, Any] | None:
    """One evaluation that waits in the page for the first target on screen and does
    ``op`` there (``LOOK_JS``); between slices, what only Playwright sees is checked.
    None: the page cannot tell (a strategy or frame it cannot evaluate)."""
    arg = look_arg([list(t.alternatives) for t in targets], driver._interrupt_alternatives(),
                   op, SLICE_MS)
    if arg is None:
        return None
    deadline = time.monotonic() + timeout_ms / 1000
    doing = f"looking for {targets[0].name}"
    while True:
        arg["sliceMs"] = max(1, min(SLICE_MS, int((deadline - time.monotonic()) * 1000)))
        arg["wake"] = token = next(_WAKES)
        started = time.monotonic()
        try:
            # A request overdue meanwhile (the POST of the click before) ends the slice at
            # its bound, not at the slice's end: the look is woken and says it saw nothing.
            # Watched while waiting for a screen, or while a document is pending: a fill's
            # look on a settled page (most steps) costs no thread.
            watcher = watching(driver.watch, partial(driver.watch.soon, WAKE_JS % token)) \
                if op is None or driver.watch.pending else nullcontext()
            with driver._bound(LOOK_S + arg["sliceMs"] / 1000, doing), watcher:
                seen: dict[str, Any] = driver.page.evaluate(LOOK_JS, arg)
        except PlaywrightError:  # the page navigated under the look: look again
            time.sleep(max(0.0, _POLL_S - (time.monotonic() - started)))
            seen = {"t": NONE_SEEN}
        if seen["t"] == UNKNOWN:
            return None
        if seen["t"] >= 0:
            return seen
        if "interrupt" in seen:
            target, error = _interrupt_of(driver, seen["interrupt"])
            raise error(f"{target.name} is on screen")
        _between_looks(driver, targets, deadline, timeout_ms,
                            any(s is None for s in arg["interrupts"]))

def _interrupt_of(driver: WebDriver, index: int) -> tuple[Target, type[ApplicationError]]:
    for target, error in driver._interrupts:
        if index < len(target.alternatives):
            return target, error
        index -= len(target.alternatives)
    raise IndexError(index)

def _between_looks(driver: WebDriver, targets: Sequence[Target], deadline: float, timeout_ms: int,
                   unseen_interrupts: bool) -> None:
    """Nothing showed in a slice: an error page, a stalled server, the end of the wait?"""
    driver.watch.raise_if_error_page(driver.page)
    if unseen_interrupts:
        driver._check_interrupts()  # those the page cannot evaluate
    driver.watch.raise_if_overdue(f"waiting for {targets[0].name}")
    if time.monotonic() >= deadline:
        driver._raise_if_frozen(f"waiting for {targets[0].name}")
        tried = "; ".join(a.describe() for a in targets[0].alternatives)
        raise TargetNotFound(f"{targets[0].name} not found (tried {tried})"
                             if len(targets) == 1 else
                             f"none of {', '.join(t.name for t in targets)} appeared "
                             f"within {timeout_ms} ms")

