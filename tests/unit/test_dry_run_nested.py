"""``--dry-run`` stops before a ``commit: true`` step nested in ``if``, ``repeat`` or a block
used with ``use``, on robot_core.testing's fake driver: nothing is saved."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_registry import Registry, case
from test_script_flow import LOGIN_BLOCK, _project

from robot_core.intake import Intake
from robot_core.outcome import Status
from robot_core.run.debug import DebugOptions
from robot_core.run.dryrun import dry_run
from robot_core.run.session import RunOptions
from robot_core.script.loader import load_bot
from robot_core.testing import FakeDriver

SAVE_BLOCK = """\
description: save the form and wait for the answer
steps:
  - click: {target: form.save, commit: true}
  - wait_for: {any: [done.regno, form.error]}
"""
SETUP = """\
setup:
  - use: login
  - wait_for: menu.home
recover:
  - goto: http://registry/menu
steps:
  - goto: http://registry/entry
  - fill: {target: form.key, value: "{{ case.case_id }}"}
  - fill: {target: form.name, value: "{{ case.name }}"}
"""
NESTED = {
    "if": ("""\
  - if: "{{ case.name != '' }}"
    then:
      - click: {target: form.save, commit: true}
      - wait_for: {any: [done.regno, form.error]}
""", "steps[3].then[0] click"),
    "repeat": ("""\
  - repeat: 2
    do:
      - click: {target: form.save, commit: true}
""", "steps[3].do[0] click"),
    "use": ("""\
  - if: {visible: menu.home}
    then:
      - use: save
""", "steps[3].then[0].save[0] click"),
}


@pytest.mark.parametrize("kind", sorted(NESTED))
def test_dry_run_stops_before_a_nested_commit(kind: str, home: Path, tmp_path: Path) -> None:
    """The case is typed up to the commit inside the control step, stopped there (its label
    says where), abandoned through recover; the fake registry saved nothing."""
    steps, label = NESTED[kind]
    _project(tmp_path, SETUP + steps, LOGIN_BLOCK)
    (tmp_path / "blocks" / "save.yaml").write_text(SAVE_BLOCK, encoding="utf-8")
    bot = load_bot(tmp_path / "bots" / "register.yaml", tmp_path / "selectors")
    app = Registry()
    driver = FakeDriver(app)
    row = case("U-1")
    row.values["rows"] = 0
    intake = Intake(tmp_path / "cases.xlsx", "受付一覧", ["受付番号", "氏名", "個人番号"], [row])
    run = dry_run(bot, intake, RunOptions(home, driver_factory=lambda _bot: driver,
                                          debug=DebugOptions()))
    assert app.saved == []
    assert not any(c.verb == "click" and c.target == "form.save" for c in driver.calls)
    assert [r.status for r in run.outcome.results] == [Status.DONE]
    assert run.stopped_at == {"U-1": label}
    assert {t.target: t.value for t in run.typed["U-1"]}["form.name"] == "山田 太郎"
    assert [c.value for c in driver.verbs("goto")][-1] == "http://registry/menu"
