"""A click the one look vouches for, sent as a person's mouse click at the element's centre.

Playwright's ``locator.click`` injects its script into every new document before it acts
(~48 ms on the held-out form, per page), to scroll the element into view, find a point on
it and check that nothing covers it. The one look (web_look.py) is already in the page when
it finds a click's target, so it answers those questions itself (``POINT_JS``): visible (the
look's own test), enabled, not covered (what ``elementFromPoint`` finds at its centre, after
scrolling it into view, is the element or inside it, and at every same-origin frame above
it the frame holding it), and where that centre is in the top page. ``Pointer.click`` then
sends ``page.mouse.click`` there: the trusted mousedown/mouseup/click (and focus) Playwright
itself sends, without a locator.

Kept from Playwright's click:

* a click lands on its element or on nothing: the look arms a guard in the page that blocks
  the press, release and click if they reach anything else (something moved in between);
  ``click`` then says so and the driver clicks the Playwright way, so a click is never sent
  twice and never sent elsewhere;
* a navigation of the top page the click requested is waited for until it commits, stops or
  fails, as Playwright's own click does (``Page.frameRequestedNavigation``, read on this
  module's own DevTools session, whose events come in order with its answers): the watch on
  hung answers (web_stall.py ``overdue``) around the click stops a hung one, and that ends
  the wait here too.

Keys pressed on a target (``press: {target: …, key: Enter}``) are the same trick: the look
focuses the element as Playwright's ``press`` does (``FOCUS_JS``), the keys go to
``page.keyboard``, and a navigation they request is waited for the same way.

What the look cannot vouch for (disabled, covered, a frame of another origin, a transformed
frame, a point off screen after scrolling) gets no point, and the driver clicks the
Playwright way, which waits as it always has.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from playwright.sync_api import BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

#: ``clickPoint(e)`` for the look: ``{point: {x, y}}`` (and the guard armed), or ``{}``.
POINT_JS = """(e => {
  if (e.matches(':disabled') || e.closest('[aria-disabled="true"]')) return {};
  const chain = [];  // the element's window, then each window above it, up to this one
  for (let win = e.ownerDocument.defaultView; ;) {
    chain.push(win);
    if (win === window) break;
    let holder = null;
    try { holder = win.frameElement; } catch (err) { /* another origin */ }
    if (!holder) return {};
    win = holder.ownerDocument.defaultView;
  }
  const centre = () => {
    const r = e.getBoundingClientRect();
    let x = r.left + r.width / 2, y = r.top + r.height / 2;
    const levels = [{doc: e.ownerDocument, x, y, hit: h => !!h && e.contains(h)}];
    for (let i = 0; i + 1 < chain.length; i++) {
      const holder = chain[i].frameElement, box = holder.getBoundingClientRect();
      const style = getComputedStyle(holder);
      if (style.transform !== 'none' || Math.abs(box.width - holder.offsetWidth) > 0.5) return null;
      x += box.left + holder.clientLeft + parseFloat(style.paddingLeft);
      y += box.top + holder.clientTop + parseFloat(style.paddingTop);
      levels.push({doc: holder.ownerDocument, x, y, hit: h => h === holder});
    }
    return {x, y, levels};
  };
  // the window's own size: a legacy page in quirks mode measures its whole length otherwise
  const inView = c => c.levels.every(({doc, x, y}) => x >= 0 && y >= 0 &&
    x < doc.defaultView.innerWidth && y < doc.defaultView.innerHeight);
  let c = centre();
  if (c && !inView(c)) {
    e.scrollIntoView({block: 'center', inline: 'center', behavior: 'instant'});
    c = centre();
  }
  if (!c || !inView(c) || !c.levels.every(l => l.hit(l.doc.elementFromPoint(l.x, l.y))))
    return {};
  // the guard: the first press, release or click decides; one that reaches anything but
  // the element is stopped, with all that follows it, so nothing happens anywhere
  const KEY = Symbol.for('robot.click');
  if (window[KEY]) window[KEY].finish();
  const types = ['pointerdown', 'mousedown', 'pointerup', 'mouseup', 'click', 'auxclick',
                 'dblclick', 'contextmenu'];
  let verdict = '';
  const listeners = chain.map(win => [win, ev => {
    if (!ev.isTrusted) return;
    if (!verdict) verdict = win === chain[0] && ev.composedPath().includes(e) ? 'hit' : 'missed';
    if (verdict === 'missed') { ev.preventDefault(); ev.stopImmediatePropagation(); }
    else if (ev.type === 'click') stop();
  }]);
  const stop = () => listeners.forEach(([win, f]) => types.forEach(t => {
    try { win.removeEventListener(t, f, true); } catch (err) { /* its document is gone */ }
  }));
  const guard = {finish: () => {
    stop(); clearTimeout(timer);
    if (window[KEY] === guard) delete window[KEY];
    return verdict;
  }};
  // a guard nobody reads (the driver's call failed before) must not block a later click
  const timer = setTimeout(guard.finish, 10000);
  listeners.forEach(([win, f]) => types.forEach(t => win.addEventListener(t, f, true)));
  window[KEY] = guard;
  return {point: {x: c.x, y: c.y}};
})"""

#: ``focusFor(e)`` for the look: focus ``e`` as Playwright's ``press`` does (a field not
#: focused before gets its caret at the start); ``{done: true}`` when the keyboard now
#: reaches it (its document has the focus, so each frame above it has), else ``{}``.
FOCUS_JS = """(e => {
  const doc = e.ownerDocument, was = doc.activeElement === e && doc.hasFocus();
  if (e.isContentEditable && !was && doc.activeElement && doc.activeElement.blur)
    doc.activeElement.blur();
  e.focus();
  e.focus();  // twice, as Playwright does
  if (!was && e.tagName === 'INPUT') {
    try { e.setSelectionRange(0, 0); } catch (err) { /* a type without a caret */ }
  }
  return doc.activeElement === e && doc.hasFocus() ? {done: true} : {};
})"""

#: One round trip on ``Pointer``'s own session, after which its earlier events are in.
_FLUSH = {"expression": "0", "returnByValue": True}
#: The guard's verdict, read (and the guard removed) over ``Pointer``'s own session.
_VERDICT_JS = ("(() => { const g = window[Symbol.for('robot.click')]; "
               "return g ? g.finish() : ''; })()")


class Pointer:
    """Clicks at a point of the page and keys pressed on the focused element, each waiting
    for the top-page navigation it requests."""

    def __init__(self, context: BrowserContext, page: Page,
                 bound: Callable[[float, str], AbstractContextManager[None]]) -> None:
        self._page = page
        # A page stuck in the click's own handler would hold the mouse for ever: this ends
        # it (web_busy.py), as Playwright's click ends at its timeout.
        self._bound = bound
        self._session = context.new_cdp_session(page)
        self._session.send("Page.enable")
        self._main = str(self._session.send("Page.getFrameTree")["frameTree"]["frame"]["id"])
        # The sync API runs event handlers and calls on one event loop; a wait for an event
        # is a future on that loop (the object under the sync wrapper knows it).
        self._loop: Any = self._session._loop
        self._requested = False
        self._ended: asyncio.Future[None] | None = None
        self._session.on("Page.frameRequestedNavigation", self._on_requested)
        for event in ("Page.frameNavigated", "Page.frameStoppedLoading",
                      "Page.navigatedWithinDocument"):
            self._session.on(event, self._on_ended)

    def _on_requested(self, params: dict[str, Any]) -> None:
        if params.get("frameId") == self._main and params.get("disposition") == "currentTab":
            self._requested = True

    def _on_ended(self, params: dict[str, Any]) -> None:
        frame = params.get("frame", params)
        if frame.get("id", frame.get("frameId")) != self._main or not self._requested:
            return
        self._requested = False
        if self._ended is not None and not self._ended.done():
            self._ended.set_result(None)

    def click(self, point: dict[str, float], timeout_ms: int) -> bool:
        """Click at ``point`` (armed by ``POINT_JS``); False when the guard stopped it
        (nothing was clicked). A navigation of the top page it requested is waited for;
        one still going after ``timeout_ms`` raises Playwright's ``TimeoutError``."""
        self._requested = False
        with self._bound(timeout_ms / 1000, "clicking"):
            try:
                self._page.mouse.click(point["x"], point["y"])
            finally:
                verdict = self._verdict()
        if verdict == "missed":
            return False
        if self._requested:  # the verdict's answer came after the request, if there was one
            self._await_navigation(timeout_ms)
        return True

    def press(self, key: str, timeout_ms: int) -> None:
        """Press ``key`` on the element ``FOCUS_JS`` focused; wait as ``click`` does."""
        self._requested = False
        with self._bound(timeout_ms / 1000, f"pressing {key}"):
            try:
                self._page.keyboard.press(key)
            finally:
                self._flush()
        if self._requested:
            self._await_navigation(timeout_ms)

    def _flush(self) -> None:
        """One answer on this session: its events from before have all come in."""
        # The document went: whatever it requested has been seen.
        with contextlib.suppress(PlaywrightError):
            self._session.send("Runtime.evaluate", _FLUSH)

    def _verdict(self) -> str:
        try:
            answer = self._session.send("Runtime.evaluate", {"expression": _VERDICT_JS,
                                                             "returnByValue": True})
        except PlaywrightError:
            return ""  # the document went: it was the click's (a stopped one goes nowhere)
        return str(answer.get("result", {}).get("value", ""))

    def _await_navigation(self, timeout_ms: int) -> None:
        self._ended = self._loop.create_future()
        try:
            # ``_sync`` is how every sync call waits on the loop: here, for the future.
            self._page._sync(asyncio.wait_for(asyncio.shield(self._ended), timeout_ms / 1000))
        except TimeoutError as exc:
            raise PlaywrightTimeout(f"Timeout {timeout_ms}ms exceeded waiting for the "
                                    "navigation the click started") from exc
        finally:
            self._ended = None
