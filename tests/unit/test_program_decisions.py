"""The runner around a desktop program: revived when dead, never stopped before its commit is
confirmed, per-case programs' outputs masked; and the driver's window pins and launch modes.

Only ``robot_core.testing`` (a ``FakeDriver`` playing the program hooks) and pure functions;
the real program under Xvfb is in tests/integration/test_desktop_program.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fake_registry import BOT, Registry, Sessions, case, make_bot, saved_keys
from helpers import MY_NUMBER

from robot_core.drivers.desktop.identity import WindowPins
from robot_core.drivers.desktop.x11 import Window
from robot_core.errors import BotScriptError, SystemUnavailable
from robot_core.outcome import Status
from robot_core.run.runner import Runner
from robot_core.script.launch import parse_launch, render_launch
from robot_core.testing import Call, FakeDriver, Result, capture_events
from robot_core.vault import MASK

UNGUARDED = frozenset({"revive", "restart", "start", "stop", "recycle", "screenshot",
                       "begin_case", "end_case", "is_visible"})


@dataclass
class Program(Registry):
    """A registry that is a program: it may exit (``alive``; killed at a fill of ``die_on``),
    and is then deaf to every call until ``revive`` starts it again."""

    alive: bool = True
    die_on: str = ""
    revived: int = 0

    def __call__(self, call: Call) -> Result:
        if call.verb == "revive":
            restarted, self.alive = not self.alive, True
            self.revived += restarted
            return restarted
        if not self.alive and call.verb not in UNGUARDED:
            raise SystemUnavailable("the program exited with code 0")
        if call.target == self.die_on and call.verb == "fill":
            self.die_on, self.alive = "", False
            raise SystemUnavailable("the program was killed by signal 9")
        return super().__call__(call)


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[Sessions]:
    """Runner sessions under a temporary home."""
    made = Sessions(tmp_path / "home")
    yield made
    made.close()


def _runner(tmp_path: Path, sessions: Sessions, driver: FakeDriver, bot: str = BOT) -> Runner:
    run = sessions.runner(make_bot(tmp_path, bot), driver)
    run.open()
    return run


def test_a_program_that_exits_after_each_case_is_started_again_with_empty_setup(
        tmp_path: Path, sessions: Sessions) -> None:
    """With an empty setup, a program that exited after its case is started again before the
    next case: every case lands on its first attempt (no 'the program exited' retries)."""
    app = Program()
    driver = FakeDriver(app)
    run = _runner(tmp_path, sessions, driver, re.sub(r"setup:\n(  - .*\n)+", "setup: []\n", BOT))
    results = []
    for n in range(1, 4):
        results.append(run.run_case(case(f"U-000{n}")))
        app.alive = False  # it saved and exited
    assert [(r.status, r.attempts) for r in results] == [(Status.DONE, 1)] * 3
    assert saved_keys(app) == ["U-0001", "U-0002", "U-0003"]
    assert app.revived == 2


def test_a_program_killed_mid_case_is_started_again_before_recovering(
        tmp_path: Path, sessions: Sessions) -> None:
    """Killed between two fills, the program is started again before recover and setup run;
    the case lands once, on its second attempt."""
    app = Program(die_on="form.name")
    driver = FakeDriver(app)
    run = _runner(tmp_path, sessions, driver)
    with capture_events() as events:
        result = run.run_case(case())
    assert (result.status, result.attempts) == (Status.DONE, 2)
    assert saved_keys(app) == ["U-0001"]
    names = [e["event"] for e in events]
    assert names.index("recover") < names.index("program_restarted") < names.index(
        "step", names.index("recover"))
    assert app.revived == 1


def test_recycling_waits_for_the_case_to_end_its_commit_confirmed(
        tmp_path: Path, sessions: Sessions) -> None:
    """With recycle_every: 1, the driver hears that a case ended (its commit confirmed by the
    wait after it) before every recycle, never between the saving click and that wait."""
    app = Program()
    driver = FakeDriver(app)
    run = _runner(tmp_path, sessions, driver, BOT.replace("recycle_every: 0", "recycle_every: 1"))
    for n in range(1, 4):
        assert run.run_case(case(f"U-000{n}")).status is Status.DONE
    order = [(c.verb, c.args) for c in driver.calls
             if c.verb in {"end_case", "recycle", "restart", "stop"}
             or (c.verb == "click" and c.target == "form.save")]
    assert [v for v, _ in order] == ["click", "end_case", "recycle", "click", "end_case",
                                     "recycle", "click", "end_case"]
    assert [a for v, a in order if v == "end_case"] == [(False, True)] * 3  # confirmed, saved
    assert saved_keys(app) == ["U-0001", "U-0002", "U-0003"]


def test_a_commit_left_unconfirmed_is_said_to_the_driver(tmp_path: Path,
                                                          sessions: Sessions) -> None:
    """Steps that end with the saving click tell the driver the commit is unconfirmed, so it
    lets the program finish before stopping it; a failure after the click does too."""
    confirming = ("  - wait_for: {any: [done.regno", "  - business_error_if:",
                  "  - extract: {target: done.regno")
    bot = "".join(line for line in BOT.splitlines(keepends=True)
                  if not line.startswith(confirming))
    app = Program()
    driver = FakeDriver(app)
    run = _runner(tmp_path, sessions, driver, bot)
    assert run.run_case(case()).status is Status.DONE
    assert [c.args for c in driver.verbs("end_case")] == [(True, True)]
    app.fail["done.regno"] = [SystemUnavailable("busy")]
    driver2 = FakeDriver(app)
    run2 = _runner(tmp_path / "b", sessions, driver2)
    run2.run_case(case("U-0002"))
    ends = driver2.verbs("end_case")
    assert (ends[0].value, ends[0].args) == ("stopped", (True, True))


def test_a_per_case_programs_output_is_a_masked_case_output(tmp_path: Path,
                                                             sessions: Sessions) -> None:
    """What a per-case program printed becomes the outputs exit_code and stdout, with the
    case's secrets masked (in the result and the audit trail)."""
    printed = f"登録完了 LD-000001 個人番号 {MY_NUMBER}\n"

    def handler(call: Call) -> Result:
        return printed if call.verb == "end_case" else app(call)

    app = Program()
    run = _runner(tmp_path, sessions, FakeDriver(handler))
    with capture_events() as events:
        result = run.run_case(case())
    assert result.outputs["exit_code"] == "0"
    assert result.outputs["stdout"] == f"登録完了 LD-000001 個人番号 {MASK}\n"
    assert MY_NUMBER not in str(events)


def test_a_failing_per_case_program_is_a_system_failure_and_verified(
        tmp_path: Path, sessions: Sessions) -> None:
    """A per-case program that exits non-zero fails the attempt as a system failure; after
    its commit the next attempt verifies first, so the saved case is not entered twice."""
    app = Program()
    failures = [SystemUnavailable("the program exited with code 3")]

    def handler(call: Call) -> Result:
        if call.verb == "end_case" and call.value == "finished" and failures:
            raise failures.pop()
        return app(call)

    run = _runner(tmp_path, sessions, FakeDriver(handler))
    result = run.run_case(case())
    assert (result.status, result.attempts, result.verified) == (Status.DONE, 2, True)
    assert saved_keys(app) == ["U-0001"]


# -- the driver's window pins (pure) ----------------------------------------------------------
MASK_BITS = 0x1FFFFF


def _win(wid: int, title: str, *, dialog: bool = False) -> Window:
    return Window(wid, title, 0, 0, 100, 100, dialog, False)


def test_window_pins_stop_typing_into_a_replaced_or_foreign_window() -> None:
    """A replaced main window, a window of another X client, or a fresh window under a
    pinned title raises SystemUnavailable; dialogs come and go; between cases nothing."""
    main, form = _win(0x0400001, "台帳管理システム"), _win(0x0400050, "台帳登録")
    pins = WindowPins(MASK_BITS)
    pins.begin([main], ["台帳管理システム"])
    pins.check(form, [main, form])
    pins.check(_win(0x0400060, "確認", dialog=True), [main, form])
    pins.check(_win(0x0400061, "確認", dialog=True), [main, form])
    with pytest.raises(SystemUnavailable, match="replaced mid-case by a new one"):
        pins.check(_win(0x0400099, "台帳登録"), [main])
    with pytest.raises(SystemUnavailable, match="another program"):
        pins.check(_win(0x0600010, "台帳登録"), [main])
    with pytest.raises(SystemUnavailable, match="台帳管理システム' was replaced"):
        pins.check(form, [_win(0x0600001, "台帳管理システム"), form])
    pins.end()
    pins.check(_win(0x0600010, "台帳登録"), [_win(0x0600001, "台帳管理システム")])


# -- the launch: block ---------------------------------------------------------------------------


def test_per_case_launch_takes_case_templates_as_arguments_never_a_shell() -> None:
    """mode: per_case allows templates in arguments and stdin (no window needed); a session
    program may not have them; placeholders are filled before the case, never from it."""
    spec = parse_launch({"mode": "per_case", "command": ["prog", "--name", "{{ case.name }}"],
                         "stdin": "{{ case.my_number }}\n", "exit_timeout_ms": 5000})
    assert (spec.per_case, spec.gui, spec.exit_timeout_ms) == (True, False, 5000)
    values = {"case": {"name": "{env.HOME}; rm -rf /"}}
    assert render_launch(spec.command[2], values) == "{env.HOME}; rm -rf /"
    with pytest.raises(BotScriptError, match="need mode: per_case"):
        parse_launch({"window": "w", "command": ["prog", "{{ case.name }}"]})
    with pytest.raises(BotScriptError, match="needs a `command:`"):
        parse_launch({"mode": "per_case"})
    with pytest.raises(BotScriptError, match="mode must be one of"):
        parse_launch({"window": "w", "mode": "daily"})
