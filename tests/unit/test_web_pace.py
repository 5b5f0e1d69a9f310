"""When a page's answer is overdue (``drivers/web_pace.py``): learned page by page, early on a
wide multiple, then a tighter one, with a floor, capped by the map's ``response_timeout_ms``;
a page not learned yet at the application's pace; wider after a hang; replaced by a screen's
own."""

from __future__ import annotations

import os

from robot_core.drivers.web_pace import (
    APP_MIN_SEEN,
    BACKOFF,
    EARLY_MULTIPLE,
    FLOOR_S,
    MIN_SEEN,
    MULTIPLE,
    SETTLED,
    WINDOW,
    Pace,
    machine_pressure,
)


def _quiet() -> float:
    return 0.0


def _seen(pace: Pace, page: str, *seconds: float) -> Pace:
    for value in seconds:
        pace.answered(page, value)
    return pace


def test_a_page_has_no_bound_of_its_own_until_it_was_answered_enough_times() -> None:
    """Without response_timeout_ms, a page seen fewer than MIN_SEEN times is not bounded;
    then a wide multiple of its slowest answer until SETTLED answers, then MULTIPLE."""
    pace = _seen(Pace(pressure=_quiet), "GET /entry", *[0.5] * (MIN_SEEN - 1))
    assert pace.bound_s("GET /entry") is None
    pace.answered("GET /entry", 0.5)
    assert pace.bound_s("GET /entry") == EARLY_MULTIPLE * 0.5
    _seen(pace, "GET /entry", *[0.5] * (SETTLED - MIN_SEEN))
    assert pace.bound_s("GET /entry") == MULTIPLE * 0.5 < EARLY_MULTIPLE * 0.5


def test_the_learned_bound_is_a_multiple_of_the_slowest_recent_answer() -> None:
    """One slow answer among quick ones sets the bound: a loaded machine stretches answers."""
    pace = _seen(Pace(pressure=_quiet), "POST /entry/commit", 0.6, 0.7, 0.9, 0.65, 0.6)
    assert pace.bound_s("POST /entry/commit") == MULTIPLE * 0.9


def test_quick_pages_are_bounded_by_the_floor() -> None:
    """A page answered in milliseconds is not called hung before FLOOR_S."""
    pace = _seen(Pace(pressure=_quiet), "GET /menu", *[0.01] * MIN_SEEN)
    assert pace.bound_s("GET /menu") == FLOOR_S
    _seen(pace, "GET /menu", *[0.01] * SETTLED)
    assert pace.bound_s("GET /menu") == FLOOR_S


def test_the_floor_stretches_with_the_machines_load_per_core() -> None:
    """On a loaded machine honest answers stretch: the floor is FLOOR_S times the load per
    core above 1, read afresh for every bound; under 1 it stays FLOOR_S; never above the
    cap."""
    load = [0.4]
    pace = _seen(Pace(fixed_s=2.5, pressure=lambda: load[0]), "GET /menu", *[0.01] * SETTLED)
    assert pace.bound("GET /menu") == (FLOOR_S, "learned")
    load[0] = 4.0
    assert pace.bound("GET /menu") == (FLOOR_S * 4.0, "learned")
    load[0] = 40.0
    assert pace.bound("GET /menu") == (2.5, "response_timeout_ms")
    load[0] = 0.9
    assert pace.bound_s("GET /menu") == FLOOR_S


def test_machine_pressure_is_the_load_average_per_core() -> None:
    """The real probe: the OS's one-minute load average over the cores it has."""
    before = os.getloadavg()[0] / (os.cpu_count() or 1)
    seen = machine_pressure()
    after = os.getloadavg()[0] / (os.cpu_count() or 1)
    assert min(before, after) - 0.5 <= seen <= max(before, after) + 0.5
    assert seen >= 0.0


def test_each_page_learns_its_own_pace() -> None:
    """A slow report page does not lend its bound to a quick form, nor the other way round."""
    pace = _seen(Pace(pressure=_quiet), "GET /report", *[5.0] * SETTLED)
    _seen(pace, "GET /entry", *[0.8] * SETTLED)
    assert pace.bound_s("GET /report") == MULTIPLE * 5.0
    assert pace.bound_s("GET /entry") == MULTIPLE * 0.8
    assert pace.bound_s("GET /search") is None


def test_old_answers_leave_the_window() -> None:
    """After WINDOW quicker answers, an early slow one no longer widens the bound."""
    pace = _seen(Pace(pressure=_quiet), "GET /entry", 2.0, *[0.5] * WINDOW)
    assert pace.bound_s("GET /entry") == MULTIPLE * 0.5


def test_response_timeout_caps_the_learned_bound_and_bounds_unlearned_pages() -> None:
    """The map's response_timeout_ms bounds every page from the start and caps what is
    learned; a quick page is still called hung sooner."""
    pace = Pace(fixed_s=2.5, pressure=_quiet)
    assert pace.bound("GET /entry") == (2.5, "response_timeout_ms")
    _seen(pace, "GET /report", *[3.0] * MIN_SEEN)
    _seen(pace, "GET /menu", *[0.01] * MIN_SEEN)
    assert pace.bound("GET /report") == (2.5, "response_timeout_ms")
    assert pace.bound("GET /menu") == (FLOOR_S, "learned")


def test_a_page_not_learned_yet_is_bounded_by_the_apps_pace_under_the_cap() -> None:
    """Once APP_MIN_SEEN documents of any page were answered, a page never answered yet is
    hung after a wide multiple of the slowest of them: not below the floor, not above the
    map's cap; until then the cap bounds it."""
    pace = _seen(Pace(fixed_s=2.5, pressure=_quiet), "GET /login", *[0.1] * (APP_MIN_SEEN - 1))
    assert pace.bound("POST /entry/commit") == (2.5, "response_timeout_ms")
    pace.answered("GET /menu", 0.2)
    assert pace.bound("POST /entry/commit") == (EARLY_MULTIPLE * 0.2, "app pace")
    quick = _seen(Pace(fixed_s=2.5, pressure=_quiet), "GET /login", *[0.01] * APP_MIN_SEEN)
    assert quick.bound("POST /entry/commit") == (FLOOR_S, "app pace")
    slow = _seen(Pace(fixed_s=2.5, pressure=_quiet), "GET /login", *[0.5] * APP_MIN_SEEN)
    assert slow.bound("POST /entry/commit") == (2.5, "response_timeout_ms")


def test_without_a_cap_the_apps_pace_does_not_bound_a_page_never_answered() -> None:
    """Without response_timeout_ms nothing promises that an unseen page (a report) is as
    quick as the others: it has no bound until it is learned."""
    pace = _seen(Pace(pressure=_quiet), "GET /login", *[0.01] * (APP_MIN_SEEN + 5))
    assert pace.bound_s("GET /report") is None


def test_a_page_called_hung_waits_wider_next_time_until_it_answers() -> None:
    """Each hang of a page in a row widens its bound BACKOFF times (a loaded machine's slow
    honest answers are not called hung again and again), never above the cap; an answer
    of that page brings its learned bound back; other pages keep theirs."""
    pace = _seen(Pace(fixed_s=2.5, pressure=_quiet), "GET /entry", *[0.01] * SETTLED)
    _seen(pace, "GET /menu", *[0.01] * SETTLED)
    pace.hung("GET /entry")
    assert pace.bound("GET /entry") == (FLOOR_S * BACKOFF, "learned, +1 hung")
    pace.hung("GET /entry")
    assert pace.bound_s("GET /entry") == FLOOR_S * BACKOFF ** 2
    hangs = 2
    while FLOOR_S * BACKOFF ** hangs < 2.5:
        pace.hung("GET /entry")
        hangs += 1
    assert pace.bound("GET /entry") == (2.5, "response_timeout_ms")
    assert pace.bound_s("GET /menu") == FLOOR_S
    pace.answered("GET /entry", 0.01)
    assert pace.bound_s("GET /entry") == FLOOR_S


def test_a_page_never_answered_and_called_hung_widens_from_the_apps_pace() -> None:
    """A page bounded by the application's pace that hangs is given BACKOFF times that."""
    pace = _seen(Pace(fixed_s=5.0, pressure=_quiet), "GET /login", *[0.01] * APP_MIN_SEEN)
    pace.hung("POST /entry/commit")
    assert pace.bound("POST /entry/commit") == (FLOOR_S * BACKOFF, "app pace, +1 hung")


def test_a_screens_own_bound_replaces_the_learned_one_and_the_cap_while_it_lasts() -> None:
    """A screen's response_timeout_ms is every page's bound while a step is on that screen
    (longer than the app's cap too: the author's word); after it, the learned bound again."""
    pace = _seen(Pace(fixed_s=2.5, pressure=_quiet), "GET /search", *[0.01] * SETTLED)
    with pace.screen(6.0):
        assert pace.bound_s("GET /search") == 6.0
        assert pace.bound_s("GET /never-seen") == 6.0
        with pace.screen(None):  # a target of a screen without one keeps the outer bound
            assert pace.bound_s("GET /search") == 6.0
    assert pace.bound_s("GET /search") == FLOOR_S
