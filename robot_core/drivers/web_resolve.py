"""Resolving targets the Playwright way: alternative by alternative, in slices.

The web driver's one look (web_look.py) answers most steps in a single evaluation; this is
the way for the rest: targets whose strategies only Playwright can evaluate (role,
placeholder, an exact label) or frames the top page cannot reach.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from robot_core.drivers.web_look import _POLL_S, SLICE_MS
from robot_core.errors import TargetNotFound
from robot_core.selectors import Alternative, Target

if TYPE_CHECKING:
    from robot_core.drivers.web import WebDriver


def await_targets(driver: WebDriver, targets: Sequence[Target], timeout_ms: int, *,
                  wait_first: bool, missing: Callable[[], str],
                  ) -> tuple[Target, Locator, Alternative]:
    """The first target on screen (in order), its locator and the alternative that matched.

    Between looks the browser itself waits, up to ``SLICE_MS``, for any alternative of
    the targets or of an interrupt in the first target's frame to become visible, so a
    screen that appears is seen at once rather than at the next poll. Interrupts in other
    frames are looked at between slices; a slice ends early when a pending document
    request passes its bound then (web_pace.py), so a hung answer is told at its bound.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    if wait_first:
        _until_visible(driver, targets, _slice_ms(driver, timeout_ms))
    while True:
        for target in targets:
            found = driver._first_visible(target)
            if found is not None:
                return target, *found
        driver.watch.raise_if_error_page(driver.page)
        driver._check_interrupts()
        driver.watch.raise_if_overdue(f"waiting for {targets[0].name}")
        remaining_ms = int((deadline - time.monotonic()) * 1000)
        if remaining_ms <= 0:
            # Nothing shows because the server has not answered: say so, not "not found".
            driver._raise_if_frozen(f"waiting for {targets[0].name}")
            raise TargetNotFound(missing())
        _until_visible(driver, targets, _slice_ms(driver, remaining_ms))


def _slice_ms(driver: WebDriver, remaining_ms: int) -> int:
    """Up to ``SLICE_MS`` and the wait's end, and no later than a pending request's bound."""
    due_s = driver.watch.due_in_s()
    due_ms = SLICE_MS if due_s is None else int(due_s * 1000) + 1
    return max(1, min(SLICE_MS, remaining_ms, due_ms))

def any_visible(driver: WebDriver, alternatives: Sequence[Alternative]) -> list[Locator]:
    """One locator per frame, matching a visible element of any of ``alternatives``."""
    by_frame: dict[str | None, Locator] = {}
    for alt in alternatives:
        locator = driver._locator(alt)
        known = by_frame.get(alt.frame)
        by_frame[alt.frame] = locator if known is None else known.or_(locator)
    return [locator.filter(visible=True).first for locator in by_frame.values()]


def _until_visible(driver: WebDriver, targets: Sequence[Target], timeout_ms: int) -> None:
    """Let the browser wait (event-driven) until something watched may be on screen."""
    alternatives = [alt for target in targets for alt in target.alternatives]
    if not alternatives:
        return
    frame = alternatives[0].frame
    watched = [alt for alt in (*alternatives, *driver._interrupt_alternatives())
               if alt.frame == frame]
    started = time.monotonic()
    try:
        any_visible(driver, watched)[0].wait_for(state="attached", timeout=max(timeout_ms, 1))
    except PlaywrightTimeout:
        return
    except PlaywrightError:
        # A frame mid-navigation can end a wait early: never spin on that.
        time.sleep(max(0.0, _POLL_S - (time.monotonic() - started)))
