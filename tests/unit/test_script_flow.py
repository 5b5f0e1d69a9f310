"""The control steps of the script language: if/then/else, repeat, use of blocks, press times,
today/now, and that a commit nested inside them is still the runner's commit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fake_registry import SELECTORS, Registry, Sessions, case, saved_keys
from helpers import dedent, write_project

from robot_core.errors import BotScriptError, NoResponse
from robot_core.outcome import Status
from robot_core.script.labels import normalise_label
from robot_core.script.loader import load_bot
from robot_core.script.model import BotScript, walk
from robot_core.testing import FakeDriver

HEAD = dedent("""\
    name: register
    app: fake_registry
    credentials: fake
    input:
      key: case_id
      columns:
        case_id: {header: 受付番号, required: true}
        name: {header: 氏名, required: true}
        my_number: {header: 個人番号, required: true, check: my_number, secret: true}
        rows: {header: 行数, type: int}
    verify:
      - goto: http://registry/search
      - fill: {target: search.key, value: "{{ case.case_id }}"}
      - click: search.submit
      - wait_for: {any: [search.hit, search.none]}
      - found_when: search.hit
      - extract: {target: search.hit, into: regno}
    retry: {step: 3, case: 3, backoff_s: 0, backoff_max_s: 0}
    session: {recycle_every: 0}
    """)
LOGIN_BLOCK = dedent("""\
    # yaml-language-server: $schema=../schemas/block.schema.json
    description: log in
    params:
      page: {default: /login}
    steps:
      - goto: "http://registry{{ params.page }}"
      - fill: {target: login.user, value: "{{ secret.user }}"}
      - fill: {target: login.password, value: "{{ secret.password }}"}
      - click: login.submit
    """)
STEPS = dedent("""\
    setup:
      - if: {hidden: menu.home}
        then:
          - use: login
      - use: login
        with: {page: "/login?again=1"}
      - wait_for: menu.home
    steps:
      - goto: http://registry/entry
      - fill: {target: form.key, value: "{{ case.case_id }}"}
      - repeat: "{{ case.rows }}"
        do:
          - press: {target: form.name, key: ArrowDown}
      - press: {target: form.name, key: Tab, times: "{{ case.rows + 1 }}"}
      - fill: {target: form.name, value: "{{ case.name }} {{ today.year }}"}
      - fill: {target: form.my_number, value: "{{ case.my_number }}"}
      - if: "{{ case.name != '' }}"
        then:
          - click: {target: form.save, commit: true}
          - wait_for: {any: [done.regno, form.error]}
        else:
          - screenshot: no_name
      - extract: {target: done.regno, into: regno}
    """)


def _project(root: Path, steps: str = STEPS, block: str = LOGIN_BLOCK) -> Path:
    path = write_project(root, HEAD + steps, selectors=SELECTORS, app="fake_registry",
                         name="register")
    (root / "blocks").mkdir(exist_ok=True)
    (root / "blocks" / "login.yaml").write_text(block, encoding="utf-8")
    return path


def _load(root: Path, steps: str = STEPS, block: str = LOGIN_BLOCK) -> BotScript:
    return load_bot(_project(root, steps, block), root / "selectors")


def _error(root: Path, steps: str, block: str = LOGIN_BLOCK) -> str:
    with pytest.raises(BotScriptError) as caught:
        _load(root, steps, block)
    return str(caught.value)


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[Sessions]:
    """Runner sessions whose audit trails are closed at the end."""
    made = Sessions(tmp_path / "home")
    yield made
    made.close()


def test_nested_steps_load_with_their_labels_and_the_commit_is_seen(tmp_path: Path) -> None:
    """if/repeat/use load into nested steps, labelled by where they sit; marks_commit sees
    the commit inside the if, and the block's steps read the bot's credentials as secrets."""
    bot = _load(tmp_path)
    labels = [s.label for s in walk(bot.setup)]
    assert labels[:3] == ["setup[0] if", "setup[0].then[0] use", "setup[0].then[0].login[0] goto"]
    assert bot.marks_commit
    commit = next(s for s in walk(bot.steps) if s.commit)
    assert commit.label == "steps[6].then[0] click"
    secret = [s.label for s in walk(bot.setup) if s.secret and not s.children]
    assert secret == ["setup[0].then[0].login[1] fill", "setup[0].then[0].login[2] fill",
                      "setup[1].login[1] fill", "setup[1].login[2] fill"]
    block_step = next(s for s in walk(bot.setup) if s.action == "goto")
    assert block_step.location.file.endswith("blocks/login.yaml")
    assert block_step.location.line == 6


def test_a_case_runs_through_if_repeat_use_and_press_times(tmp_path: Path,
                                                           sessions: Sessions) -> None:
    """The fake registry receives the login twice (once per use), ArrowDown rows times,
    Tab rows+1 times, today's year in the name, and the case saved once."""
    bot = _load(tmp_path)
    app = Registry()
    driver = FakeDriver(app)
    run = sessions.runner(bot, driver)
    run.open()
    row = case()
    row.values["rows"] = 3
    result = run.run_case(row)
    assert result.status == Status.DONE, result.error
    gotos = [c.value for c in driver.verbs("goto")]
    assert gotos[:2] == ["http://registry/login?again=1", "http://registry/entry"]
    keys = [c.value for c in driver.verbs("press")]
    assert keys == ["ArrowDown"] * 3 + ["Tab"] * 4
    year = datetime.now(ZoneInfo("Asia/Tokyo")).year
    assert app.saved[0]["form.name"] == f"山田 太郎 {year}"
    assert saved_keys(app) == ["U-0001"]


def test_a_failure_after_a_nested_commit_verifies_before_typing_again(
        tmp_path: Path, sessions: Sessions) -> None:
    """The commit inside if/then is the runner's commit: no answer after it, and the next
    attempt verifies and finds the case instead of saving it twice."""
    bot = _load(tmp_path)
    app = Registry(fail={"done.regno": [NoResponse("no response")]})
    run = sessions.runner(bot, FakeDriver(app))
    run.open()
    row = case()
    row.values["rows"] = 0
    result = run.run_case(row)
    assert (result.status, result.attempts, result.verified) == (Status.DONE, 2, True)
    assert saved_keys(app) == ["U-0001"]


def test_an_absurd_count_from_the_data_fails_the_case_clearly(tmp_path: Path,
                                                              sessions: Sessions) -> None:
    """rows = 5000 is refused before a single key is pressed, naming the step and bound."""
    bot = _load(tmp_path)
    driver = FakeDriver(Registry())
    run = sessions.runner(bot, driver)
    run.open()
    row = case()
    row.values["rows"] = 5000
    result = run.run_case(row)
    assert result.status == Status.FAILED
    assert "repeat times is '5000': it must be a whole number from 0 to 100" in result.error
    assert driver.verbs("press") == [] and driver.verbs("click")[-1].target == "login.submit"


@pytest.mark.parametrize(("steps", "message"), [
    ("steps:\n  - press: {key: Tab, times: 5000}\n",
     "steps[0].press.times: press times must be a whole number from 0 to 1000"),
    ("steps:\n  - repeat: 3\n", "steps[0]: repeat needs do:"),
    ("steps:\n  - if: {visible: form.nope}\n    then: [{click: form.save}]\n",
     "steps[0].if.visible: unknown target 'form.nope'"),
    ("steps:\n  - if: {visible: form.key, test: x}\n    then: []\n",
     "an if: takes exactly one of visible"),
    ("steps:\n  - if: {visible: form.key}\n    than: []\n",
     "steps[0].than: unknown key 'than' beside if:"),
    ("steps:\n  - use: nope\n", "steps[0].use: no block"),
    ("steps:\n  - use: login\n    with: {pgae: /x}\n",
     "steps[0].with.pgae: block login has no parameter 'pgae'"),
    ("steps:\n  - repeat: 2\n    do:\n      - fill: {target: form.key, value: '{{ params.x }}'}\n",
     "unknown name 'params'"),
    ("steps:\n  - fill: {target: form.key, value: '{{ outputs.never }}'}\n",
     "unknown output 'never'"),
])
def test_control_step_mistakes_are_located(tmp_path: Path, steps: str, message: str) -> None:
    """Each mistake in a control step is refused at load, at its file:line, with its key."""
    text = _error(tmp_path, steps)
    assert message in text
    assert text.startswith(str(tmp_path / "bots" / "register.yaml") + ":")


def test_a_block_error_is_located_in_the_block_file(tmp_path: Path) -> None:
    """An unknown target inside a block is reported at the block's own file:line."""
    block = LOGIN_BLOCK.replace("login.submit", "login.sbumit")
    text = _error(tmp_path, STEPS, block)
    assert text.startswith(f"{tmp_path / 'blocks' / 'login.yaml'}:9:")
    assert "unknown target 'login.sbumit'" in text


def test_recursive_blocks_are_refused_at_load(tmp_path: Path) -> None:
    """A block that uses itself through another is refused, naming the chain."""
    (tmp_path / "blocks").mkdir()
    (tmp_path / "blocks" / "a.yaml").write_text("steps:\n  - use: b\n", encoding="utf-8")
    (tmp_path / "blocks" / "b.yaml").write_text("steps:\n  - use: a\n", encoding="utf-8")
    text = _error(tmp_path, "steps:\n  - use: a\n", LOGIN_BLOCK)
    assert "block 'a' uses itself (a → b → a)" in text
    assert text.startswith(f"{tmp_path / 'blocks' / 'b.yaml'}:2:")


def test_a_required_parameter_must_be_given(tmp_path: Path) -> None:
    """A parameter without a default must be given with with:."""
    block = LOGIN_BLOCK.replace("page: {default: /login}", "page: {description: where}")
    assert "block login needs with: page" in _error(tmp_path, STEPS, block)


def test_an_unknown_time_zone_is_refused(tmp_path: Path) -> None:
    """timezone: names a real zone, or the bot does not load."""
    text = _error(tmp_path, "timezone: Mars/Olympus\n" + STEPS)
    assert "timezone: unknown time zone 'Mars/Olympus'" in text


@pytest.mark.parametrize(("written", "read"), [
    ("受付番号:", "受付番号"), ("受付番号 ：", "受付番号"), ("氏　名", "氏名"),
    ("ＩＤ：", "ID"), (" Case ID ", "CaseID"), ("電話\u200b番号", "電話番号"),
])
def test_labels_are_compared_as_a_person_reads_them(written: str, read: str) -> None:
    """Trailing colons, spaces of every width and full-width forms do not matter."""
    assert normalise_label(written) == normalise_label(read) == read


def test_today_and_now_are_in_the_bots_time_zone() -> None:
    """clock() gives today/now in the zone named, whatever the machine's zone is."""
    from robot_core.run.steps.control import clock  # noqa: PLC0415 - the run layer's helper

    values = clock("Pacific/Kiritimati")
    assert values["now"].utcoffset().total_seconds() == 14 * 3600
    assert values["today"] == values["now"].date()
    assert values["now"].microsecond == 0


def test_a_template_condition_takes_falsy_words_as_false(tmp_path: Path,
                                                         sessions: Sessions) -> None:
    """if: "{{ … }}" rendering いいえ takes else:, so the commit inside then: never runs."""
    steps = STEPS.replace("""if: "{{ case.name != '' }}\"""", """if: "{{ 'いいえ' }}\"""")
    bot = _load(tmp_path, steps)
    app = Registry()
    driver = FakeDriver(app)
    run = sessions.runner(bot, driver)
    run.open()
    row = case()
    row.values["rows"] = 0
    run.run_case(row)
    assert app.saved == [] and "form.save" not in [c.target for c in driver.verbs("click")]


def test_a_fixed_sleep_is_bounded() -> None:
    """sleep takes 1 to 10000 ms: a longer one is refused at load."""
    from robot_core.script.actions import SleepArgs  # noqa: PLC0415

    with pytest.raises(ValueError, match="less than or equal to 10000"):
        SleepArgs(ms=20_000)


def test_fail_ends_the_case_as_a_business_failure_with_its_reason(tmp_path: Path,
                                                                  sessions: Sessions) -> None:
    """`fail:` inside an if ends the case as business_failed with the rendered reason, on the
    first attempt, before the saving click: nothing saved, nothing retried."""
    steps = STEPS.replace("- screenshot: no_name\n",
                          "- fail: \"氏名がありません ({{ case.case_id }})\"\n")
    assert "- fail:" in steps
    bot = _load(tmp_path, steps)
    app = Registry()
    run = sessions.runner(bot, FakeDriver(app))
    run.open()
    row = case()
    row.values["name"] = ""
    row.values["rows"] = 0
    result = run.run_case(row)
    assert (result.status, result.attempts) == (Status.BUSINESS_FAILED, 1), result.error
    assert result.error == f"氏名がありません ({row.key})"
    assert saved_keys(app) == []


def test_fail_is_refused_outside_the_steps(tmp_path: Path) -> None:
    """`fail:` belongs to a case's steps: in setup it is refused at load with its line."""
    steps = STEPS.replace("- wait_for: menu.home\n", "- wait_for: menu.home\n  - fail: x\n", 1)
    assert "- fail: x" in steps
    message = _error(tmp_path, steps)
    assert "fail can only be used in steps" in message and ":" in message.split(" ")[0]
