"""``once: true``: a step whose request changes the system before the saving click (a 次へ that
reserves a number or saves a draft) is never repeated by itself, neither as a step nor by a
resumed attempt (``run/resume.py``). Fakes only (``robot_core.testing``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fake_registry import (
    CONFIRM_MAP,
    CONFIRMED,
    ENTRY,
    LOGIN,
    MENU,
    NEXT,
    TWO_PAGES,
    Registry,
    case,
    make_bot,
    pages,
    saved_keys,
)

from robot_core.errors import ErrorPage, NoResponse, TransientError
from robot_core.outcome import Status
from robot_core.run.resume import resume_at
from robot_core.run.runner import Runner
from robot_core.testing import FakeDriver, capture_events, named

#: the 確認 click marked: it saves a draft
ONCE = CONFIRMED.replace("  - click: form.confirm\n",
                         "  - click: {target: form.confirm, once: true}\n")
assert ONCE != CONFIRMED


def test_a_hung_once_click_starts_the_case_over_instead_of_repeating_it(
        project: Callable[[str, FakeDriver], Runner]) -> None:
    """The same hang as the resumed one (the form it was typed into still shows), but the
    click is marked once: it is not clicked again on that form. The attempt opens the first
    page and types the case again; it lands once."""
    app = Registry()
    driver = FakeDriver()
    driver.handler = pages(app, driver, hang_on="form.confirm", changed=False)
    run = project(ONCE, driver)
    with capture_events() as events:
        result = run.run_case(case())
    assert (result.status, result.attempts, saved_keys(app)) == (Status.DONE, 2, ["U-0001"])
    assert all("resumed_at" not in e for e in named(events, "case_started"))
    # the first page again (the steps' own goto is the recovery): a new wizard
    assert [c.value for c in driver.verbs("goto")] == [LOGIN, ENTRY, ENTRY]
    assert [t for t, _ in driver.typed()].count("form.name") == 2
    calls = [(c.verb, c.target or c.value) for c in driver.calls if c.verb in ("goto", "click")]
    confirms = [i for i, call in enumerate(calls) if call == ("click", "form.confirm")]
    assert len(confirms) == 2 and ("goto", ENTRY) in calls[confirms[0]:confirms[1]]


def test_a_once_click_that_met_a_transient_fault_is_not_clicked_again_as_a_step(
        project: Callable[[str, FakeDriver], Runner]) -> None:
    """A plain click that met a transient fault is repeated at once, as a step; a once click
    is not: its fault goes to a new attempt of the case (like the saving click's)."""
    counts = {}
    for name, bot in (("plain", CONFIRMED), ("once", ONCE)):
        app = Registry(fail={"form.confirm": [TransientError("replaced mid-click")]})
        driver = FakeDriver(app)
        result = project(bot, driver).run_case(case())
        assert result.status is Status.DONE and saved_keys(app) == ["U-0001"]
        counts[name] = (result.attempts, [c.value for c in driver.verbs("goto")])
    assert counts == {"plain": (1, [LOGIN, ENTRY]), "once": (2, [LOGIN, ENTRY, MENU, ENTRY])}


def test_where_a_once_step_lets_an_attempt_resume(tmp_path: Path) -> None:
    """Not at a once click on the page still showing, nor at an ``if`` holding one; after a
    503 not from a goto with a once click after it, but from a goto after the once click
    (the page the draft led to: the click is not repeated)."""
    same = {0: "entry", 1: "form", 2: "form", 3: "form", 4: "form", 5: "form"}
    bot = make_bot(tmp_path / "a", ONCE, CONFIRM_MAP)
    assert resume_at(bot, 4, same, "form", NoResponse("h")) is None
    plain = make_bot(tmp_path / "b", CONFIRMED, CONFIRM_MAP)
    assert resume_at(plain, 4, same, "form", NoResponse("h")) == 4
    nested = make_bot(tmp_path / "c", CONFIRMED.replace(
        "  - click: form.confirm\n",
        "  - if: {visible: form.confirm}\n"
        "    then: [{click: {target: form.confirm, once: true}}]\n"),
        CONFIRM_MAP)
    assert resume_at(nested, 4, same, "form", NoResponse("h")) is None
    # steps: 0 goto entry, 1 fill key, 2 goto next, 3 fill name, 4 fill my_number, 5 confirm
    save = "  - click: {target: form.save, commit: true}\n"
    two = TWO_PAGES.replace(save, "  - click: form.confirm\n" + save)
    after_goto = make_bot(tmp_path / "d", two.replace(
        "  - click: form.confirm\n", "  - click: {target: form.confirm, once: true}\n"),
        CONFIRM_MAP)
    assert resume_at(after_goto, 4, {}, None, ErrorPage("503")) == 2  # before the once click
    assert resume_at(after_goto, 5, {}, None, ErrorPage("503")) is None  # the once click's own
    assert resume_at(make_bot(tmp_path / "e", two, CONFIRM_MAP), 5, {}, None,
                     ErrorPage("503")) == 2
    before_goto = make_bot(tmp_path / "f", TWO_PAGES.replace(
        f"  - goto: {NEXT}\n", f"  - click: {{target: form.confirm, once: true}}\n"
        f"  - goto: {NEXT}\n"), CONFIRM_MAP)
    assert resume_at(before_goto, 4, {}, None, ErrorPage("503")) == 3  # from the page after it
