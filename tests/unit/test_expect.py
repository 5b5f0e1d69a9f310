"""``expect`` and ``wait_for: {gone: …}`` in the runner's decisions, in memory.

Only ``robot_core.testing``: the scripted registry of ``fake_registry`` answers a
``FakeDriver``; what it ``saved`` is what landed in the "legacy system".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fake_registry import BOT, SELECTORS, Registry, Sessions, case, saved_keys
from helpers import MY_NUMBER, SHIPPED_BOTS, write_project

from robot_core.outcome import Status
from robot_core.run.runner import Runner
from robot_core.run.steps.reading import normalized
from robot_core.script.loader import load_bot
from robot_core.testing import Call, FakeApp, FakeDriver, MemoryStore, Result, run_bot

SHIPPED = SHIPPED_BOTS / "resident_registration.yaml"
SAVE = "  - click: {target: form.save, commit: true}\n"
LAST = "  - extract: {target: done.regno, into: regno}\n"
MORE_SELECTORS = SELECTORS.replace("      regno: '#regno'\n", """\
      regno: '#regno'
      name: '#saved-name'
      link: 'a.detail'
  dialog:
    targets:
      saving: '.saving'
""")
assert MORE_SELECTORS != SELECTORS


@dataclass
class Truncating(Registry):
    """A registry whose name column is one character too narrow: the saved name is cut.

    ``done_text`` (when set) is what its completion screen shows where the name would be.
    """

    cut: bool = True
    done_text: str | None = None

    def click(self, call: Call) -> Result:
        """Saving keeps (and shows) the name as the column holds it."""
        if call.target == "form.save" and self.cut:
            self.form["form.name"] = self.form.get("form.name", "")[:-1]
        super().click(call)
        if call.target == "form.save" and self.saved:
            saved_name = self.saved[-1].get("form.name", "")
            self.texts["done.name"] = saved_name if self.done_text is None else self.done_text
            self.texts["done.link@href"] = f"/detail/{len(self.saved)}"
        return None


Make = Callable[..., Runner]


@pytest.fixture
def make(tmp_path: Path) -> Iterator[Make]:
    """Runners of the tiny bot with steps added before the saving click and at the end."""
    sessions = Sessions(tmp_path / "home")
    made: list[int] = []

    def runner(app: Registry, *, before: str = "", after: str = "",
               commit: bool = True) -> Runner:
        text = BOT.replace(SAVE, before + SAVE).replace(LAST, LAST + after)
        if not commit:
            text = text.replace(SAVE, "  - click: form.save\n")
        root = tmp_path / f"project{len(made)}"
        made.append(1)
        path = write_project(root, text, selectors=MORE_SELECTORS, app="fake_registry",
                             name="register")
        return sessions.runner(load_bot(path, root / "selectors"), FakeDriver(app))

    yield runner
    sessions.close()


def _calls(run: Runner) -> list[Call]:
    driver = run.driver
    assert isinstance(driver, FakeDriver)
    return driver.calls


def _run(run: Runner, key: str = "U-0001", name: str = "山田 太郎") -> tuple[Status, int, str]:
    run.open()
    result = run.run_case(case(key, name))
    return result.status, result.attempts, result.error


NAME_AFTER = '  - expect: {target: done.name, equals: "{{ case.name }}"}\n'


def test_a_saved_record_that_reads_back_other_values_ends_mismatch_once(make: Make) -> None:
    """After the saving click a wrong name is `mismatch`: saved once, never retried, and the
    error names the field, what was meant and what the system shows."""
    app = Truncating()
    run = make(app, after=NAME_AFTER)
    run.open()
    result = run.run_case(case())
    assert (result.status, result.attempts, result.error_kind) == (
        Status.MISMATCH, 1, "RecordMismatch")
    assert saved_keys(app) == ["U-0001"] and app.saved[0]["form.name"] == "山田 太"
    assert "done.name: expected '山田 太郎', read '山田 太'" in result.error
    assert result.outputs == {"regno": "RG-0001"}, "the number a person finds the record by"
    assert (run.paths.root / result.screenshot).is_file()
    assert "http://registry/menu" not in [c.value for c in _calls(run)], "no recovery ran"
    assert Status.MISMATCH.final and Status.MISMATCH.ja == "要確認（登録内容の不一致）"


def test_a_read_back_that_agrees_leaves_the_case_done(make: Make) -> None:
    """The same expect on a registry that keeps the whole name lets the case be done."""
    app = Truncating(cut=False)
    assert _run(make(app, after=NAME_AFTER))[:2] == (Status.DONE, 1)
    assert app.saved[0]["form.name"] == "山田 太郎"


def test_a_mismatch_before_the_saving_click_is_retried_and_saves_nothing(make: Make) -> None:
    """A form that reads back another name before saving is a system failure: every attempt
    recovers and tries again, and the registry never gets the case."""
    app = Truncating(texts={"form.name": "山田 次郎"})  # the field shows another name
    run = make(app, before='  - expect: {target: form.name, equals: "{{ case.name }}"}\n')
    status, attempts, error = _run(run)
    assert (status, attempts) == (Status.FAILED, 3)
    assert error == "before saving, form.name: expected '山田 太郎', read '山田 次郎'"
    assert app.saved == []
    menus = [c for c in _calls(run) if c.value == "http://registry/menu"]
    assert len(menus) == 2, "recover ran between the three attempts"


def test_a_secret_mismatch_shows_lengths_never_values(make: Make) -> None:
    """A My Number that reads back wrong names the field and the lengths; neither number
    reaches the error or the audit trail."""
    wrong = "111122223333"
    app = Truncating(texts={"form.my_number": wrong})
    run = make(app, before="  - expect: {target: form.my_number, "
                           'equals: "{{ case.my_number }}"}\n')
    status, _, error = _run(run)
    assert status is Status.FAILED
    assert error == ("before saving, form.my_number: expected 12 characters, "
                     "read 12 characters")
    audit = run.paths.audit.read_text("utf-8")
    assert wrong not in audit and MY_NUMBER not in audit
    assert app.saved == []


@pytest.mark.parametrize(("shown", "meant"), [
    ("ＹＡＭＡＤＡ　　Ｔａｒｏ", "YAMADA Taro"),  # full-width letters, two ideographic spaces
    ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ　タロウ"),  # half-width kana with a voicing mark
    ("  山田\u00a0\t太郎 ", "山田 太郎"),  # a no-break space and a tab, padded
])
def test_normalised_values_compare_equal(shown: str, meant: str) -> None:
    """Width, kana form and runs of spaces of any kind do not make two values differ."""
    assert normalized(shown) == normalized(meant)
    assert shown != meant


@pytest.mark.parametrize(("normalize", "ends"), [(True, Status.DONE), (False, Status.MISMATCH)])
def test_normalize_true_accepts_what_exact_refuses(make: Make, normalize: bool,
                                                   ends: Status) -> None:
    """A completion screen showing the name in full width passes ``normalize: true``; the
    exact comparison of the same screen ends mismatch."""
    app = Truncating(cut=False, done_text="ＹＡＭＡＤＡ　Ｔａｒｏ")
    after = ('  - expect: {target: done.name, equals: "{{ case.name }}", '
             f"normalize: {str(normalize).lower()}}}\n")
    assert _run(make(app, after=after), name="YAMADA Taro")[0] is ends
    assert len(app.saved) == 1


def test_expect_reads_attributes_the_address_the_title_and_outputs(make: Make) -> None:
    """An attribute, the page address, the window title and an output are each read and
    compared; all agree, so the case is done."""
    app = Truncating(cut=False, title="登録完了 - 住民記録")
    after = ('  - expect: {target: done.link, attribute: href, pattern: "^/detail/\\\\d+$"}\n'
             '  - expect: {url: true, equals: "http://registry/entry"}\n'
             '  - expect: {window_title: true, pattern: "登録完了"}\n'
             '  - expect: {output: regno, pattern: "^RG-\\\\d{4}$"}\n'
             "  - extract: {target: done.link, attribute: href, into: link}\n")
    run = make(app, after=after)
    run.open()
    result = run.run_case(case())
    assert result.status is Status.DONE, result.error
    assert result.outputs == {"regno": "RG-0001", "link": "/detail/1"}
    calls = _calls(run)
    assert [(c.target, c.value) for c in calls if c.verb == "read_attribute"] == [
        ("done.link", "href"), ("done.link", "href")]
    assert [c.verb for c in calls if c.verb in ("current_url", "window_title")] == [
        "current_url", "window_title"]


@pytest.mark.parametrize(("code", "ends"), [("0", Status.DONE), ("3", Status.MISMATCH)])
def test_an_exit_code_other_than_expected_after_the_save_is_a_mismatch(
        make: Make, code: str, ends: Status) -> None:
    """``expect: {exit_code: 0}`` reads the ``exit_code`` output: 0 is done, 3 is mismatch,
    and either way the case was saved once."""
    app = Truncating(cut=False, done_text=code)
    after = ("  - extract: {target: done.name, into: exit_code}\n"
             "  - expect: {exit_code: 0}\n")
    status, attempts, error = _run(make(app, after=after))
    assert (status, attempts) == (ends, 1)
    assert ("output exit_code: expected exit code 0, got '3'" in error) is (code == "3")
    assert len(app.saved) == 1


def test_without_a_commit_mark_every_mismatch_counts_as_after_the_save(make: Make) -> None:
    """A bot that marks no saving click cannot tell before from after: a mismatch in its
    steps ends `mismatch` at once, never typed again."""
    app = Truncating()
    status, attempts, _ = _run(make(app, after=NAME_AFTER, commit=False))
    assert (status, attempts) == (Status.MISMATCH, 1)
    assert saved_keys(app) == ["U-0001"]


def test_wait_for_gone_waits_on_the_target_and_passes_when_it_is_gone(make: Make) -> None:
    """``wait_for: {gone: …}`` asks the driver to wait for that target to go; gone, done."""
    run = make(Truncating(cut=False),
               after="  - wait_for: {gone: dialog.saving, timeout_ms: 500}\n")
    assert _run(run)[:2] == (Status.DONE, 1)
    gone = [c for c in _calls(run) if c.verb == "wait_gone"]
    assert [(c.target, c.args[1]) for c in gone] == [("dialog.saving", 500)]


def test_a_dialog_that_never_closes_after_the_save_is_verified_not_retyped(make: Make) -> None:
    """A saving dialog that stays fails the step; the retry verifies, finds the saved case
    and does not type it again."""
    app = Truncating(cut=False, shows={"form.save": {"dialog.saving"}})
    run = make(app, after="  - wait_for: {gone: dialog.saving}\n")
    run.open()
    result = run.run_case(case())
    assert (result.status, result.verified, result.attempts) == (Status.DONE, True, 2)
    assert saved_keys(app) == ["U-0001"]
    assert "dialog.saving still on screen" in run.paths.audit.read_text("utf-8")


def test_the_shipped_bot_ends_mismatch_in_the_queue_and_is_not_worked_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the queue (MemoryStore) and the shipped web bot: a completion screen with a
    cut name makes the item `mismatch`, saved once; working the queue again types nothing."""
    for name, value in (("REGISTRY_URL", "http://registry.test"), ("REGISTRY_USER", "clerk"),
                        ("REGISTRY_PASSWORD", "not-a-real-password")):
        monkeypatch.setenv(name, value)
    cases = tmp_path / "cases.csv"
    cases.write_text("受付番号,氏名,フリガナ,性別,生年月日,郵便番号,住所,転入日,個人番号\n"
                     "U-1,山田 太郎,ヤマダ タロウ,男,1980-04-01,100-0001,東京都千代田区1-1,"
                     f"2024-04-01,{MY_NUMBER}\n", encoding="utf-8")
    app = FakeApp(shown={"menu.entry", "confirm.message", "done.message"},
                  texts={"done.regno": "RG-0001", "done.reception_no": "U-1",
                         "confirm.name": "山田 太郎", "done.name": "山田 太"},
                  save="confirm.register")
    store = MemoryStore()
    run = run_bot(SHIPPED, cases, FakeDriver(app), home=tmp_path / "home", store=store)
    assert run.status("U-1") == "mismatch" and run.outcome.exit_code == 2
    assert run.outputs("U-1") == {"registration_number": "RG-0001"}
    assert len(app.saved) == 1
    assert store.claim("resident_registration", "w:1:a", 30) is None, "never claimed again"
