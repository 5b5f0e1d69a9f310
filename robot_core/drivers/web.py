"""The web driver: Playwright (sync API) over Debian's Chromium.

One browser per worker, reused across cases. ``recycle()`` swaps the browser context for a
fresh one: a single long-lived page grows by megabytes per case entered, so long nights must
recycle to keep memory flat.

A frozen server (``NoResponse``) and a refused connection (``SystemUnavailable``) are told
apart from a target that is not on screen by ``web_watch``; calls Playwright gives no timeout
of their own are bounded by ``web_busy``. A step finds its target, and does a fill, select,
tick or read, in one evaluation that waits in the page (``web_look``), which also vouches
for a click or keys sent as a person's (``web_point``); what the page cannot evaluate is
resolved the Playwright way (``web_resolve``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Locator, Page, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from robot_core.drivers.chromium_pick import chromium_path, full_browser_note
from robot_core.drivers.web_busy import LOOK_S, BusyGuard
from robot_core.drivers.web_chromium import Collector, launch, lean_node
from robot_core.drivers.web_debug import Tracing, require_display
from robot_core.drivers.web_locate import READ_JS, locator_for, register_engines
from robot_core.drivers.web_look import look
from robot_core.drivers.web_pace import Pace
from robot_core.drivers.web_point import Pointer
from robot_core.drivers.web_resolve import any_visible, await_targets
from robot_core.drivers.web_shots import mark_secrets, masked_screenshot, render_html
from robot_core.drivers.web_stall import overdue
from robot_core.drivers.web_watch import NavigationWatch, net_error, playwright_error
from robot_core.errors import (
    ApplicationError,
    ConfigError,
    ErrorPage,
    SystemUnavailable,
    TargetNotFound,
    TransientError,
)
from robot_core.script.app_section import DEFAULT_BLOCK
from robot_core.selectors import Alternative, Target

_POLL_S = 0.05
# The bound of every Playwright call that is given no timeout of its own: none waits forever.
_DEFAULT_MS = 30_000
# After a timeout, a page that cannot evaluate ``0`` within this is busy, not missing a target.
_PROBE_S = 2.0


class WebDriver:
    """``Driver`` for legacy web screens."""

    def __init__(self, *, headed: bool = False, viewport: tuple[int, int] = (1280, 900),
                 slow_mo_ms: int = 0, response_timeout_ms: int | None = None,
                 block: Sequence[str] | None = None) -> None:
        self.headed = headed
        self.block = tuple(DEFAULT_BLOCK if block is None else block)
        self.slow_mo_ms = slow_mo_ms
        self.tracing = Tracing()
        # The app's own slowest answer (``app: {response_timeout_ms: …}``, else learned page
        # by page, web_pace.py): a page request unanswered for longer is a hung server, told
        # during the wait, not at its end. Kept across recycles: it is the app's pace.
        self.pace = Pace(response_timeout_ms / 1000 if response_timeout_ms else None)
        self.viewport = viewport
        self._pw: Playwright | None = None
        self._browser: Browser | None = None
        self._context: BrowserContext | None = None
        self._page: Page | None = None
        self._watch: NavigationWatch | None = None
        self._busy: BusyGuard | None = None
        self._collector: Collector | None = None
        self._pointer: Pointer | None = None
        self._interrupts: list[tuple[Target, type[ApplicationError]]] = []
        self._answered: dict[int, bool] = {}  # target id: visible, as the last wait saw it

    def set_interrupts(self, interrupts: Sequence[tuple[Target, type[ApplicationError]]]) -> None:
        """Targets that end any wait at once with their error (a login page, a 503 page)."""
        self._interrupts = list(interrupts)

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        """Launch Chromium and open a page."""
        require_display(self.headed)
        with lean_node():
            self._pw = sync_playwright().start()
        register_engines(self._pw)
        try:
            self._browser = launch(self._pw, self.block, headless=not self.headed,
                                   slow_mo_ms=self.slow_mo_ms)
        except ConfigError:
            self._pw.stop()
            self._pw = None
            raise
        self._new_context()

    def launch_facts(self) -> dict[str, str]:
        """Which Chromium runs (``playwright``: Playwright's own), and the note when it is
        the full browser only because the headless shell is missing (``Launched``)."""
        note = full_browser_note(headless=not self.headed)
        return {"browser": chromium_path(headless=not self.headed) or "playwright",
                **({"browser_note": note} if note else {})}

    def _new_context(self) -> None:
        assert self._browser is not None
        width, height = self.viewport
        self._context = self._browser.new_context(viewport={"width": width, "height": height},
                                                  locale="ja-JP", timezone_id="Asia/Tokyo")
        self._context.set_default_timeout(_DEFAULT_MS)
        self._context.set_default_navigation_timeout(_DEFAULT_MS)
        self._page = self._context.new_page()
        self._busy = BusyGuard(self._context, self._page)
        self._watch = NavigationWatch(self._page, self.pace, self._busy)
        self._collector = Collector(self._context, self._page)
        self._pointer = Pointer(self._context, self._page, self._busy.bound)
        self.tracing.resumed(self._context)

    def recycle(self) -> None:
        """Close the context (cookies, page, its renderer memory) and open a fresh one."""
        if self._context is not None:
            self._context.close()
        self._new_context()

    def restart(self) -> None:
        """Close the browser and launch a new one."""
        self.stop()
        self.start()

    def stop(self) -> None:
        """Close browser and Playwright; errors on the way out are ignored on purpose."""
        for closer in (self._context, self._browser):
            try:
                if closer is not None:
                    closer.close()
            except PlaywrightError:
                pass  # the browser may already be gone; nothing left to release
        if self._pw is not None:
            self._pw.stop()
        self._pw = self._browser = self._context = self._page = self._watch = None
        self._busy = self._collector = self._pointer = None

    @property
    def page(self) -> Page:
        """The current page (raises if the driver is not started)."""
        if self._page is None:
            raise TransientError("the browser is not running")
        return self._page

    @property
    def watch(self) -> NavigationWatch:
        """The page's document requests: answered, unanswered, failed."""
        if self._watch is None:
            raise TransientError("the browser is not running")
        return self._watch

    @property
    def pointer(self) -> Pointer:
        """Clicks at a point the look vouched for (web_point.py)."""
        if self._pointer is None:
            raise TransientError("the browser is not running")
        return self._pointer

    def page_mark(self) -> object | None:
        """This page's watch and how many documents its frames have shown (``PageAware``)."""
        watch = self._watch
        return None if watch is None else (watch.serial, watch.documents)

    def _bound(self, seconds: float, doing: str) -> Any:
        """A block that may not take longer than ``seconds`` on a busy page."""
        if self._busy is None:
            raise TransientError("the browser is not running")
        return self._busy.bound(seconds, doing)

    def _raise_if_frozen(self, doing: str) -> None:
        """After a timeout: ``NoResponse``/``SystemUnavailable`` if the application is why."""
        self.watch.raise_if_stalled(doing)
        self.watch.raise_if_error_page(self.page)
        with self._bound(_PROBE_S, doing):
            self.page.evaluate("0")

    # -- actions -----------------------------------------------------------------------------
    def goto(self, url: str, timeout_ms: int) -> None:
        """Load ``url``; a 5xx answer or a connection that fails raises ``SystemUnavailable``.

        A server that takes the request and never answers raises ``NoResponse``.
        """
        self._answered = {}
        if self._collector is not None:
            with self._bound(LOOK_S, f"collecting garbage before opening {url}"):
                self._collector.page_loading()
        self.watch.error_answer = ""
        try:
            # "load" waits for frames too, so an error page inside a frame is seen here; a
            # page or frame whose answer is overdue ends the wait early (web_stall.py).
            with overdue(self.watch, f"opening {url}"):
                response = self.page.goto(url, timeout=timeout_ms, wait_until="load")
        except PlaywrightTimeout as exc:
            self.watch.raise_if_stalled(f"opening {url}")
            raise TransientError(f"{url} did not load within {timeout_ms} ms") from exc
        except PlaywrightError as exc:
            code = net_error(exc.message)
            if code is not None:
                raise SystemUnavailable(f"the application cannot be reached ({url}: "
                                        f"net::{code})") from exc
            raise TransientError(f"{url}: {exc.message.splitlines()[0]}") from exc
        if response is not None and response.status >= 500:
            raise ErrorPage(f"{url} answered HTTP {response.status}")
        if self.watch.error_answer:  # a frame's error page: the goto repeats, not the case
            raise ErrorPage(f"opening {url}: {self.watch.error_answer}")
        self.watch.raise_if_error_page(self.page)  # a frame whose connection failed
        # No look for interrupts here: the next step's look for its target does that, and
        # only when its target is missing, which saves a round trip per frame on every page.

    def click(self, target: Target, timeout_ms: int) -> str:
        """Click the first alternative on screen, never twice: the mouse at the point the look
        vouched for (web_point.py), else (or if the page stopped it) Playwright's click."""
        locator, alt, seen = self._find(target, timeout_ms, {"click": True})
        point = seen.get("point")
        if point is None or not self._act(target, lambda: self.pointer.click(point, timeout_ms)):
            self._act(target, lambda: locator.click(timeout=timeout_ms))
        return alt.describe()

    def fill(self, target: Target, value: str, timeout_ms: int) -> str:
        """Type ``value`` into the field, replacing what is there."""
        return self._do(target, timeout_ms, {"fill": value},
                        lambda loc, ms: loc.fill(value, timeout=ms))

    def select(self, target: Target, value: str | None, label: str | None,
               timeout_ms: int) -> str:
        """Pick an option by value or by label."""
        if label is not None:
            return self._do(target, timeout_ms, {"select": label, "byLabel": True},
                            lambda loc, ms: loc.select_option(label=label, timeout=ms))
        return self._do(target, timeout_ms, {"select": value},
                        lambda loc, ms: loc.select_option(value=value, timeout=ms))

    def set_checked(self, target: Target, checked: bool, timeout_ms: int) -> str:
        """Tick or untick."""
        return self._do(target, timeout_ms, {"check": checked},
                        lambda loc, ms: loc.set_checked(checked, timeout=ms))

    def _do(self, target: Target, timeout_ms: int, op: dict[str, Any],
            action: Callable[[Locator, int], object]) -> str:
        """``op`` done by the look itself when it can (and read back); else ``action``."""
        locator, alt, seen = self._find(target, timeout_ms, op)
        if not seen.get("done"):
            self._act(target, lambda: action(locator, timeout_ms))
        return alt.describe()

    def _find(self, target: Target, timeout_ms: int, op: dict[str, Any] | None,
              ) -> tuple[Locator, Alternative, dict[str, Any]]:
        """The target's first alternative on screen, from one look (web_look.py) when the
        page can evaluate it, else resolved the Playwright way; and what the look did."""
        seen = self._look([target], timeout_ms, op)
        if seen is None:
            locator, alt = self._resolve(target, timeout_ms)
            return locator, alt, {}
        alt = target.alternatives[seen["a"]]
        return self._locator(alt).filter(visible=True).first, alt, seen

    def press(self, target: Target | None, key: str, timeout_ms: int) -> None:
        """Press ``key`` on the target, or on the page."""
        self._answered = {}
        if target is None:
            with self._bound(timeout_ms / 1000, f"pressing {key}"):
                self._act(None, lambda: self.page.keyboard.press(key))
            return
        locator, _, seen = self._find(target, timeout_ms, {"focus": True})  # focused by the
        self._act(target, (lambda: self.pointer.press(key, timeout_ms)) if seen.get("done")
                  else lambda: locator.press(key, timeout=timeout_ms))  # look: keys go in

    def read_text(self, target: Target, timeout_ms: int) -> str:
        """An input's value, or an element's visible text (one round trip when it is there)."""
        locator, _, seen = self._find(target, timeout_ms, {"read": True})
        value = seen["value"] if seen.get("done") else \
            self._act(target, lambda: locator.evaluate(READ_JS, timeout=timeout_ms))
        return str(value).strip()

    def read_attribute(self, target: Target, name: str, timeout_ms: int) -> str:
        """The attribute ``name`` of the target's first visible match ("" when it has none)."""
        locator, _, seen = self._find(target, timeout_ms, {"attr": name})
        value = seen["value"] if seen.get("done") else \
            self._act(target, lambda: locator.get_attribute(name, timeout=timeout_ms))
        return "" if value is None else str(value)

    def current_url(self) -> str:
        """The address of the top page (not of a frame inside it)."""
        return self.page.url

    def window_title(self) -> str:
        """The page's ``<title>``."""
        with self._bound(LOOK_S, "reading the page title"):
            return str(self._act(None, self.page.title))

    def is_visible(self, target: Target) -> bool:
        """Whether any alternative is on screen now (or as the wait just before saw it)."""
        answered = self._answered.pop(id(target), None)
        if answered is not None:
            return answered
        return self._first_visible(target) is not None

    def wait_any(self, targets: Sequence[Target], timeout_ms: int) -> Target:
        """Wait until one of ``targets`` shows; ``TargetNotFound`` names them all.

        A wait usually follows a click that changes the screen, so it hands the wait to the
        browser first (one round trip that returns the moment something shows) and then asks
        which target it was.
        """
        names = ", ".join(t.name for t in targets)
        seen = self._look(targets, timeout_ms, None)
        if seen is not None:
            found: Target = targets[seen["t"]]
            # What the same look saw of the others answers an ``is_visible`` right after.
            self._answered = {id(t): a >= 0 for t, a in zip(targets, seen["others"], strict=False)
                              if a is not None and t is not found}
            return found
        target, _, _ = self._await(targets, timeout_ms, wait_first=True,
                                   missing=lambda: f"none of {names} appeared within "
                                                   f"{timeout_ms} ms")
        return target

    def wait_gone(self, target: Target, timeout_ms: int) -> None:
        """Poll until no alternative of ``target`` is visible; an unanswered page: NoResponse."""
        self._answered = {}
        deadline = time.monotonic() + timeout_ms / 1000
        with self._paced([target]):
            while self._first_visible(target) is not None:
                if time.monotonic() >= deadline:
                    self._raise_if_frozen(f"waiting for {target.name} to go")
                    raise TargetNotFound(f"{target.name} still on screen after {timeout_ms} ms")
                time.sleep(_POLL_S)

    def screenshot(self, path: Path, mask: Sequence[Target], secrets: Sequence[str] = ()) -> Path:
        """Full-page PNG; ``mask`` targets and anything showing a secret are painted over."""
        with self._bound(LOOK_S * max(1, len(self.page.frames)), "looking for secrets to mask"):
            marked = mark_secrets(self.page, secrets)
        return masked_screenshot(self.page, path, mask, marked)

    def render_html(self, document: str, path: Path) -> Path:
        """Render ``document`` in a scratch page of the same browser (evidence cards)."""
        assert self._context is not None
        return render_html(self._context, document, path)

    # -- resolution ----------------------------------------------------------------------------
    def _locator(self, alt: Alternative) -> Locator:
        return locator_for(self.page, alt)

    def _first_visible(self, target: Target) -> tuple[Locator, Alternative] | None:
        # The first *visible* match: legacy pages keep hidden copies of controls around.
        for alt in target.alternatives:
            locator = self._locator(alt).filter(visible=True).first
            try:
                with self._bound(LOOK_S, f"looking for {target.name}"):
                    visible = locator.is_visible()
                if visible:
                    return locator, alt
            except PlaywrightError:
                continue  # a frame mid-navigation: not visible yet
        return None

    def _interrupt_alternatives(self) -> list[Alternative]:
        return [alt for target, _ in self._interrupts for alt in target.alternatives]

    def _check_interrupts(self) -> None:
        """Raise the error of the interrupt on screen: one round trip per frame when none is."""
        if not self._interrupts:
            return
        try:
            with self._bound(LOOK_S, "looking for interrupts"):
                shown = any(group.is_visible() for group in
                            any_visible(self, self._interrupt_alternatives()))
        except PlaywrightError:
            shown = True  # a frame mid-navigation: look at each interrupt in turn
        if not shown:
            return
        for target, error in self._interrupts:
            if self._first_visible(target) is not None:
                raise error(f"{target.name} is on screen")

    def _look(self, targets: Sequence[Target], timeout_ms: int, op: dict[str, Any] | None,
              ) -> dict[str, Any] | None:
        self._answered = {}
        with self._paced(targets):
            return look(self, targets, timeout_ms, op)

    def _paced(self, targets: Sequence[Target | None]) -> Any:
        """While a step is on a screen with its own ``response_timeout_ms``: that bound."""
        own = [t.response_timeout_ms for t in targets if t is not None and t.response_timeout_ms]
        return self.pace.screen(max(own) / 1000 if own else None)

    def _resolve(self, target: Target, timeout_ms: int) -> tuple[Locator, Alternative]:
        tried = "; ".join(a.describe() for a in target.alternatives)
        _, locator, alt = self._await([target], timeout_ms, wait_first=False,
                                      missing=lambda: f"{target.name} not found (tried {tried})")
        return locator, alt

    def _await(self, targets: Sequence[Target], timeout_ms: int, *, wait_first: bool,
               missing: Callable[[], str]) -> tuple[Target, Locator, Alternative]:
        with self._paced(targets):
            return await_targets(self, targets, timeout_ms, wait_first=wait_first,
                                 missing=missing)

    def _act(self, target: Target | None, action: Any) -> Any:
        name = target.name if target else "page"
        try:
            with self._paced([target]), overdue(self.watch, name):  # a click waits for the
                # navigation it started
                return action()
        except PlaywrightTimeout as exc:
            # A click waits for the navigation it started: a frozen server times it out.
            self._raise_if_frozen(name)
            raise TargetNotFound(f"{name}: {exc.message.splitlines()[0]}") from exc
        except PlaywrightError as exc:
            raise playwright_error(name, exc) from exc

