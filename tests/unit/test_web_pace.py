"""When a page's answer is overdue (``drivers/web_pace.py``): learned page by page, with a
floor, capped by the map's ``response_timeout_ms``."""

from __future__ import annotations

from robot_core.drivers.web_pace import FLOOR_S, MIN_SEEN, MULTIPLE, WINDOW, Pace


def _seen(pace: Pace, page: str, *seconds: float) -> Pace:
    for value in seconds:
        pace.answered(page, value)
    return pace


def test_a_page_has_no_bound_of_its_own_until_it_was_answered_enough_times() -> None:
    """Without response_timeout_ms, a page seen fewer than MIN_SEEN times is not bounded."""
    pace = _seen(Pace(), "GET /entry", *[0.5] * (MIN_SEEN - 1))
    assert pace.bound_s("GET /entry") is None
    pace.answered("GET /entry", 0.5)
    assert pace.bound_s("GET /entry") == MULTIPLE * 0.5


def test_the_learned_bound_is_a_multiple_of_the_slowest_recent_answer() -> None:
    """One slow answer among quick ones sets the bound: a loaded machine stretches answers."""
    pace = _seen(Pace(), "POST /entry/commit", 0.6, 0.7, 0.9, 0.65, 0.6)
    assert pace.bound_s("POST /entry/commit") == MULTIPLE * 0.9


def test_quick_pages_are_bounded_by_the_floor() -> None:
    """A page answered in milliseconds is not called hung before FLOOR_S."""
    pace = _seen(Pace(), "GET /menu", *[0.01] * MIN_SEEN)
    assert pace.bound_s("GET /menu") == FLOOR_S


def test_each_page_learns_its_own_pace() -> None:
    """A slow report page does not lend its bound to a quick form, nor the other way round."""
    pace = _seen(Pace(), "GET /report", *[5.0] * MIN_SEEN)
    _seen(pace, "GET /entry", *[0.8] * MIN_SEEN)
    assert pace.bound_s("GET /report") == MULTIPLE * 5.0
    assert pace.bound_s("GET /entry") == MULTIPLE * 0.8
    assert pace.bound_s("GET /search") is None


def test_old_answers_leave_the_window() -> None:
    """After WINDOW quicker answers, an early slow one no longer widens the bound."""
    pace = _seen(Pace(), "GET /entry", 2.0, *[0.5] * WINDOW)
    assert pace.bound_s("GET /entry") == MULTIPLE * 0.5


def test_response_timeout_caps_the_learned_bound_and_bounds_unlearned_pages() -> None:
    """The map's response_timeout_ms bounds every page from the start and caps what is
    learned; a quick page is still called hung sooner."""
    pace = Pace(fixed_s=2.5)
    assert pace.bound_s("GET /entry") == 2.5
    _seen(pace, "GET /report", *[3.0] * MIN_SEEN)
    _seen(pace, "GET /menu", *[0.01] * MIN_SEEN)
    assert pace.bound_s("GET /report") == 2.5
    assert pace.bound_s("GET /menu") == FLOOR_S
