"""A tiny bot and a scripted registry for the runner's and worker's decision tests.

Only ``robot_core.testing``: no browser, no fixture server. ``Registry`` is a ``FakeApp``
whose search finds what was saved, so ``verify`` means something.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from helpers import MY_NUMBER, dedent, write_project

from robot_core.credentials import Credentials
from robot_core.errors import NoResponse
from robot_core.evidence.audit import AuditTrail
from robot_core.home import RunPaths
from robot_core.intake import CaseRow, Problem, stream
from robot_core.run.runner import Runner
from robot_core.script.loader import load_bot
from robot_core.script.model import BotScript
from robot_core.testing import Call, FakeApp, FakeDriver, Result

PASSWORD = "clerk-pass-7788"

SELECTORS = dedent("""\
    app: fake_registry
    driver: web
    screens:
      login:
        targets:
          user: '#user'
          password: {secret: true, any: [{css: '#pw'}]}
          submit: '#login'
          expired: '.expired'
      menu:
        targets:
          home: '#menu'
      form:
        targets:
          key: '#key'
          name: '#name'
          my_number: {secret: true, any: [{css: '#mn'}]}
          save: '#save'
          error: '.err'
      done:
        targets:
          regno: '#regno'
      search:
        targets:
          key: '#q'
          submit: '#go'
          hit: '.hit'
          none: '.none'
      page:
        targets:
          unavailable: '.down'
    """)

BOT = dedent("""\
    name: register
    driver: web
    app: fake_registry
    credentials: fake
    input:
      key: case_id
      columns:
        case_id: {header: 受付番号, required: true}
        name: {header: 氏名, required: true}
        my_number: {header: 個人番号, required: true, check: my_number, secret: true}
    setup:
      - goto: http://registry/login
      - fill: {target: login.user, value: "{{ secret.user }}"}
      - fill: {target: login.password, value: "{{ secret.password }}"}
      - click: login.submit
      - wait_for: menu.home
    verify:
      - goto: http://registry/search
      - fill: {target: search.key, value: "{{ case.case_id }}"}
      - click: search.submit
      - wait_for: {any: [search.hit, search.none]}
      - found_when: search.hit
      - extract: {target: search.hit, into: regno}
    steps:
      - goto: http://registry/entry
      - fill: {target: form.key, value: "{{ case.case_id }}"}
      - fill: {target: form.name, value: "{{ case.name }}"}
      - fill: {target: form.my_number, value: "{{ case.my_number }}"}
      - click: {target: form.save, commit: true}
      - wait_for: {any: [done.regno, form.error]}
      - business_error_if: {target: form.error, reason: "登録できません: {{ text }}"}
      - extract: {target: done.regno, into: regno}
    recover:
      - goto: http://registry/menu
    watch:
      - {target: login.expired, means: session_expired}
      - {target: page.unavailable, means: system_unavailable}
    retry: {step: 3, case: 3, backoff_s: 0, backoff_max_s: 0}
    session: {recycle_every: 0}
    """)


def make_bot(root: Path, bot: str = BOT, selectors: str = SELECTORS) -> BotScript:
    """Write the project under ``root`` and load the bot as ``robot run`` would."""
    path = write_project(root, bot, selectors=selectors, app="fake_registry", name="register")
    return load_bot(path, root / "selectors")


@dataclass
class Registry(FakeApp):
    """The legacy registry: saving gives a registration number, unless the case's key is in
    ``refuse`` (its red text then shows instead); search finds what was saved."""

    save: str | None = "form.save"
    refuse: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.shown |= {"menu.home"}
        self.hides.setdefault("login.submit", set()).add("login.expired")

    def click(self, call: Call) -> Result:
        """Saving shows the new number; searching shows a hit or "not found"."""
        refused = self.refuse.get(self.form.get("form.key", ""))
        if call.target == "form.save" and refused:
            self.texts["form.error"] = refused
            self.shown.add("form.error")
            return None
        super().click(call)
        if call.target == "form.save":
            self.texts["done.regno"] = f"RG-{len(self.saved):04d}"
            self.shown.add("done.regno")
        if call.target == "search.submit":
            wanted = self.form.get("search.key")
            hits = [n for n, rec in enumerate(self.saved, 1) if rec.get("form.key") == wanted]
            self.shown -= {"search.hit", "search.none"}
            self.shown.add("search.hit" if hits else "search.none")
            if hits:
                self.texts["search.hit"] = f"RG-{hits[0]:04d}"
        return None

    def goto(self, call: Call) -> Result:
        """A new page: the last page's messages are gone."""
        self.shown -= {"done.regno", "search.hit", "search.none", "form.error"}
        return super().goto(call)


def case(key: str = "U-0001", name: str = "山田 太郎", row: int = 2,
         problems: list[Problem] | None = None) -> CaseRow:
    """A case row as intake gives it."""
    values = {"case_id": key, "name": name, "my_number": MY_NUMBER}
    raw = {"受付番号": key, "氏名": name, "個人番号": MY_NUMBER}
    return CaseRow(row, key, values, raw, problems or [])


class Sessions:
    """Runner sessions of a test, their audit trails closed at its end (``close``)."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.trails: list[AuditTrail] = []

    def runner(self, bot: BotScript, driver: FakeDriver) -> Runner:
        """A runner session of ``bot`` on ``driver``, its evidence under ``home``."""
        run_id = f"run-{len(self.trails) + 1}"
        paths = RunPaths.create(self.home, run_id)
        audit = AuditTrail(paths.audit, run_id=run_id, bot=bot.name)
        self.trails.append(audit)
        return Runner(bot, driver, audit, paths, {}, Credentials("clerk", PASSWORD))

    def close(self) -> None:
        """Close every audit trail opened."""
        for trail in self.trails:
            trail.close()


def saved_keys(app: FakeApp) -> list[str]:
    """The case keys that landed in the registry, in order."""
    return [record.get("form.key", "") for record in app.saved]


def count_opens(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every case file intake opens from now on (the real ``open_source``, watched)."""
    opened: list[Path] = []
    real = stream.open_source

    def watched(path: Path, *args: Any, **kwargs: Any) -> Any:
        opened.append(path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(stream, "open_source", watched)
    return opened


# -- pages the resume tests tell apart (run/resume.py) ------------------------------------
LOGIN, ENTRY, MENU = "http://registry/login", "http://registry/entry", "http://registry/menu"
SEARCH = "http://registry/search"
NEXT = "http://registry/next"
CONFIRMED = BOT.replace("  - click: {target: form.save, commit: true}\n",
                        "  - click: form.confirm\n  - click: {target: form.save, commit: true}\n")
TWO_PAGES = BOT.replace("  - fill: {target: form.name,",
                        f"  - goto: {NEXT}\n  - fill: {{target: form.name,")
#: the map with a 確認 button before the saving one
CONFIRM_MAP = SELECTORS.replace("  save: '#save'\n", "  confirm: '#confirm'\n      save: '#save'\n")
assert BOT not in (CONFIRMED, TWO_PAGES) and CONFIRM_MAP != SELECTORS


def pages(app: Registry, driver: FakeDriver, *, hang_on: str, changed: bool) -> Callable[
        [Call], Result]:
    """``app`` on a driver that tells documents apart: a goto or a click shows a new one;
    the first click on ``hang_on`` is a hung answer (the screen stays, unless ``changed``)."""
    hung: list[bool] = []
    driver.document = 0

    def handler(call: Call) -> Result:
        if call.verb == "click" and call.target == hang_on and not hung:
            hung.append(True)
            if changed:
                driver.document = (driver.document or 0) + 1
            raise NoResponse("hung")
        answer = app(call)
        if call.verb in ("goto", "click"):
            driver.document = (driver.document or 0) + 1
        return answer

    return handler
