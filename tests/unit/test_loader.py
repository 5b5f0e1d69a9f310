"""Loading bot scripts: a broken script fails at load with an exact ``file:line:col: key:``."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import DEMO_SELECTORS, SHIPPED_BOTS, SHIPPED_SELECTORS, dedent, write_project

from robot_core.errors import BotScriptError
from robot_core.script.loader import load_bot
from robot_core.script.model import walk

# Lines 1-8 of most broken bots below; what follows starts on line 9.
HEAD = dedent("""\
    name: demo
    app: demo
    input:
      key: case_id
      columns:
        case_id: {header: 受付番号, required: true}
        name: {header: 氏名}
        my_number: {header: 個人番号, secret: true}
    """)

GOOD_STEPS = dedent("""\
    steps:
      - fill: {target: form.name, value: "{{ case.name }}"}
      - click: form.save
    """)

# (id, bot text, expected str(BotScriptError)); {bot} is the bot file, {sel} the selector map.
BROKEN: list[tuple[str, str, str]] = [
    ("yaml_syntax",
     HEAD + "steps:\n  - click: form.save\n   - click: form.save\n",
     "{bot}:11:4: YAML syntax error: expected <block end>, but found '<block sequence start>'"),
    ("duplicate_top_key",
     HEAD + GOOD_STEPS + "steps:\n  - click: form.save\n",
     "{bot}:12:1: steps: duplicate key 'steps'"),
    ("duplicate_arg_key",
     HEAD + "steps:\n  - fill: {target: form.name, target: form.save, value: x}\n",
     "{bot}:10:31: steps[0].fill.target: duplicate key 'target'"),
    ("non_scalar_key",
     HEAD + GOOD_STEPS + "[a, b]: 1\n",
     "{bot}:12:1: a key must be a plain value"),
    ("boolean_key",
     HEAD + GOOD_STEPS + "yes: 1\n",
     "{bot}:12:1: keys must be plain text"),
    ("unknown_top_key",
     HEAD + "stpes:\n  - click: form.save\n",
     "{bot}:9:1: stpes: unknown key (did you mean 'steps'?)"),
    ("missing_steps",
     HEAD,
     "{bot}:1:1: missing required key 'steps'"),
    ("steps_not_a_list",
     HEAD + "steps: {click: form.save}\n",
     "{bot}:9:1: steps: steps must be a list of steps"),
    ("unknown_action",
     HEAD + "steps:\n  - fil: {target: form.name, value: x}\n",
     "{bot}:10:5: steps[0].fil: unknown action 'fil' (did you mean 'fill'?)"),
    ("step_with_two_actions",
     HEAD + "steps:\n  - click: form.save\n"
     "  - {click: form.save, fill: {target: form.name, value: x}}\n",
     "{bot}:11:5: steps[1]: a step is one action, like `- click: form.save`"),
    ("step_is_a_bare_word",
     HEAD + "steps:\n  - click\n",
     "{bot}:10:5: steps[0]: a step is one action, like `- click: form.save`"),
    ("action_needs_mapping",
     HEAD + "steps:\n  - fill: form.name\n",
     "{bot}:10:5: steps[0].fill: fill needs a mapping of arguments"),
    ("bad_arg_type",
     HEAD + "steps:\n  - fill: {target: form.name, value: [a, b]}\n",
     "{bot}:10:31: steps[0].fill.value: Input should be a valid string"),
    ("bad_arg_range",
     HEAD + "steps:\n  - click: {target: form.save, timeout_ms: 0}\n",
     "{bot}:10:32: steps[0].click.timeout_ms: Input should be greater than or equal to 1"),
    ("unknown_arg_key",
     HEAD + "steps:\n  - fill: {target: form.name, value: x, timeout: 5}\n",
     "{bot}:10:41: steps[0].fill.timeout: unknown key (did you mean 'timeout_ms'?) (allowed: target, timeout_ms, value)"),
    ("misspelt_required_arg_key",
     HEAD + "steps:\n  - fill: {target: form.name, valeu: x}\n",
     "{bot}:10:31: steps[0].fill.valeu: unknown key (did you mean 'value'?) (allowed: target, timeout_ms, value)"),
    ("unknown_target",
     HEAD + "steps:\n  - fill: {target: form.nme, value: x}\n",
     "{bot}:10:12: steps[0].fill.target: unknown target 'form.nme' in {sel} "
     "(did you mean 'form.name'?)"),
    ("unknown_target_shorthand",
     HEAD + "steps:\n  - click: form.sav\n",
     "{bot}:10:5: steps[0].click.target: unknown target 'form.sav' in {sel} "
     "(did you mean 'form.save'?)"),
    ("unknown_target_in_list",
     HEAD + "steps:\n  - wait_for: {any: [form.save, form.regn]}\n",
     "{bot}:10:33: steps[0].wait_for.any[1]: unknown target 'form.regn' in {sel} "
     "(did you mean 'form.regno'?)"),
    ("unknown_watch_target",
     HEAD + GOOD_STEPS + "watch:\n  - {target: login.expired, means: session_expired}\n",
     "{bot}:13:6: watch[0].target: unknown target 'login.expired' in {sel}"),
    ("bad_watch_means",
     HEAD + GOOD_STEPS + "watch:\n  - {target: form.save, means: logout}\n",
     "{bot}:13:25: watch[0].means: Input should be 'session_expired' or 'system_unavailable'"),
    ("unknown_column",
     HEAD + "steps:\n  - fill: {target: form.name, value: '{{ case.nmae }}'}\n",
     "{bot}:10:31: steps[0].fill.value: unknown column 'nmae' in template "
     "(did you mean 'name'?)"),
    ("unknown_column_subscript",
     HEAD + "steps:\n  - fill: {target: form.name, value: \"{{ case['nmae'] }}\"}\n",
     "{bot}:10:31: steps[0].fill.value: unknown column 'nmae' in template "
     "(did you mean 'name'?)"),
    ("unknown_filter",
     HEAD + "steps:\n  - fill: {target: form.name, value: '{{ case.name | zenkakku }}'}\n",
     "{bot}:10:31: steps[0].fill.value: template error: No filter named 'zenkakku'."),
    ("template_syntax",
     HEAD + "steps:\n  - fill: {target: form.name, value: '{{ case.name '}\n",
     "{bot}:10:31: steps[0].fill.value: template error: unexpected end of template, "
     "expected 'end of print statement'."),
    ("unknown_template_root",
     HEAD + "steps:\n  - fill: {target: form.name, value: '{{ foo.bar }}'}\n",
     "{bot}:10:31: steps[0].fill.value: template error: unknown name 'foo' "
     "(use one of: case, env, now, outputs, secret, today)"),
    ("text_outside_reason",
     HEAD + "steps:\n  - fill: {target: form.name, value: '{{ text }}'}\n",
     "{bot}:10:31: steps[0].fill.value: template error: unknown name 'text' "
     "(use one of: case, env, now, outputs, secret, today)"),
    ("start_is_not_a_key",
     HEAD.replace("app: demo\n", "app: demo\nstart: '{{ env.URL }}'\n") + GOOD_STEPS,
     "{bot}:3:1: start: unknown key"),
    ("secret_without_credentials",
     HEAD + "steps:\n  - fill: {target: form.name, value: '{{ secret.password }}'}\n",
     "{bot}:10:31: steps[0].fill.value: template reads secret.* but the bot names no "
     "credentials:"),
    ("unknown_secret_field",
     HEAD.replace("app: demo\n", "app: demo\ncredentials: registry\n")
     + "steps:\n  - fill: {target: form.name, value: '{{ secret.pass }}'}\n",
     "{bot}:11:31: steps[0].fill.value: secret.pass is unknown (use secret.user or "
     "secret.password)"),
    ("found_when_outside_verify",
     HEAD + "steps:\n  - found_when: search.hit\n",
     "{bot}:10:5: steps[0].found_when: found_when can only be used in verify"),
    ("choose_without_options",
     HEAD + "steps:\n  - choose: {target: form.name, value: 男}\n",
     "{bot}:10:14: steps[0].choose.target: choose needs a target with options:"),
    ("input_key_not_a_column",
     HEAD.replace("key: case_id", "key: caseid") + GOOD_STEPS,
     "{bot}:4:3: input.key: key column 'caseid' is not in input.columns"),
    ("unknown_transform",
     HEAD.replace("name: {header: 氏名}", "name: {header: 氏名, transform: [trim, katakanna]}")
     + GOOD_STEPS,
     "{bot}:7:42: input.columns.name.transform[1]: unknown transform 'katakanna' "
     "(did you mean 'katakana'?)"),
    ("bad_column_type",
     HEAD.replace("name: {header: 氏名}", "name: {header: 氏名, type: text}") + GOOD_STEPS,
     "{bot}:7:24: input.columns.name.type: Input should be 'str', 'int', 'date' or 'bool'"),
    ("unknown_column_key",
     HEAD.replace("name: {header: 氏名}", "name: {header: 氏名, requird: true}") + GOOD_STEPS,
     "{bot}:7:24: input.columns.name.requird: unknown key (did you mean 'required'?) "
     "(allowed: allow, check, choices, header, "
     "max, max_length, min, min_length, pattern, required, secret, transform, type)"),
    ("missing_selector_map",
     HEAD.replace("app: demo", "app: nosuch") + GOOD_STEPS,
     "{bot}:2:1: app: no selector map {root}/selectors/nosuch.yaml"),
    ("driver_mismatch",
     HEAD.replace("app: demo\n", "app: demo\ndriver: desktop\n") + GOOD_STEPS,
     "{bot}:3:1: driver: bot says driver 'desktop' but selector map {sel} is for 'web'"),
    ("unknown_output",
     HEAD + "steps:\n  - fill: {target: form.name, value: '{{ outputs.regno }}'}\n",
     "{bot}:10:31: steps[0].fill.value: unknown output 'regno': no extract step has into: regno"),
    ("bad_retry",
     HEAD + GOOD_STEPS + "retry: {case: 0}\n",
     "{bot}:12:9: retry.case: Input should be greater than or equal to 1"),
    ("unknown_retry_key",
     HEAD + GOOD_STEPS + "retry: {cases: 2}\n",
     "{bot}:12:9: retry.cases: unknown key (did you mean 'case'?) (allowed: backoff_max_s, backoff_s, breaker, case, faults, step, system_backoff_max_s, "
     "system_backoff_s, system_failures)"),
]


@pytest.mark.parametrize(("bot_text", "expected"), [pytest.param(t, e, id=i) for i, t, e in BROKEN])
def test_broken_bot_reports_exact_location(tmp_path: Path, bot_text: str, expected: str) -> None:
    """A broken bot raises BotScriptError whose text is exactly ``file:line:col: key: message``."""
    bot = write_project(tmp_path, bot_text)
    with pytest.raises(BotScriptError) as caught:
        load_bot(bot, tmp_path / "selectors")
    sel = tmp_path / "selectors" / "demo.yaml"
    assert str(caught.value) == expected.format(bot=bot, sel=sel, root=tmp_path)


def test_minimal_bot_loads(tmp_path: Path) -> None:
    """HEAD plus two good steps loads, with defaults filled in and nothing secret."""
    bot = load_bot(write_project(tmp_path, HEAD + GOOD_STEPS), tmp_path / "selectors")
    assert bot.name == "demo"
    assert bot.driver == "web"
    assert [s.label for s in bot.steps] == ["steps[0] fill", "steps[1] click"]
    assert [s.secret for s in bot.steps] == [False, False]
    assert bot.retry.case == 3
    assert bot.env_vars == frozenset()
    assert bot.steps[0].location.line == 10
    assert bot.steps[0].location.column == 5


def test_step_reading_secret_column_is_secret(tmp_path: Path) -> None:
    """A step whose template reads a secret column is secret even when its target is not."""
    text = HEAD + dedent("""\
        steps:
          - fill: {target: form.remarks, value: "番号 {{ case.my_number }}"}
          - fill: {target: form.remarks, value: "{{ case.name }}"}
          - fill: {target: form.my_number, value: "{{ case.name }}"}
        """)
    bot = load_bot(write_project(tmp_path, text), tmp_path / "selectors")
    assert [s.secret for s in bot.steps] == [True, False, True]
    assert bot.secret_columns() == {"my_number"}


def test_step_reading_secret_credentials_is_secret(tmp_path: Path) -> None:
    """A step whose template reads ``secret.password`` is secret."""
    text = HEAD.replace("app: demo\n", "app: demo\ncredentials: registry\n") + dedent("""\
        setup:
          - fill: {target: form.remarks, value: "{{ secret.password }}"}
          - fill: {target: form.remarks, value: "{{ secret.user }}"}
        steps:
          - click: form.save
        """)
    bot = load_bot(write_project(tmp_path, text), tmp_path / "selectors")
    assert [s.secret for s in bot.setup] == [True, True]
    assert bot.credentials == "registry"


def test_env_vars_collected_from_setup_and_steps(tmp_path: Path) -> None:
    """``env.X`` read anywhere (setup, steps) is listed in ``env_vars``."""
    text = HEAD + dedent("""\
        setup:
          - goto: "{{ env.BASE }}/login"
        steps:
          - goto: "{{ env.OTHER }}/entry"
          - click: form.save
        """)
    bot = load_bot(write_project(tmp_path, text), tmp_path / "selectors")
    assert bot.env_vars == frozenset({"BASE", "OTHER"})


def test_outputs_listed_once(tmp_path: Path) -> None:
    """Outputs are the ``into:`` names of extract steps in verify and steps, each listed once."""
    text = HEAD + dedent("""\
        verify:
          - found_when: search.hit
          - extract: {target: form.regno, into: b_first}
        steps:
          - extract: {target: form.regno, into: a_second}
          - fill: {target: form.remarks, value: "{{ outputs.b_first }}"}
          - extract: {target: form.regno, into: b_first}
        """)
    bot = load_bot(write_project(tmp_path, text), tmp_path / "selectors")
    assert set(bot.outputs) == {"a_second", "b_first"}
    assert len(bot.outputs) == 2


def test_selector_map_errors_surface_through_load_bot(tmp_path: Path) -> None:
    """A broken selector map fails the bot load with the map's own location."""
    broken = DEMO_SELECTORS.replace("save: '#save'", "save: {csss: '#save'}")
    bot = write_project(tmp_path, HEAD + GOOD_STEPS, selectors=broken)
    with pytest.raises(BotScriptError) as caught:
        load_bot(bot, tmp_path / "selectors")
    sel = tmp_path / "selectors" / "demo.yaml"
    assert str(caught.value).startswith(f"{sel}:14:14: screens.form.targets.save.csss: ")


def test_shipped_bot_loads() -> None:
    """The shipped resident_registration bot loads with its outputs, env vars and secrets."""
    bot = load_bot(SHIPPED_BOTS / "resident_registration.yaml", SHIPPED_SELECTORS)
    assert bot.name == "resident_registration"
    assert bot.driver == "web"
    assert bot.app == "registry_web"
    assert bot.outputs == ("registration_number",)
    assert bot.env_vars == frozenset({"REGISTRY_URL"})
    assert bot.credentials == "registry"
    assert bot.input.key == "case_id"
    assert bot.secret_columns() == {"my_number"}
    assert bot.retry.case == 5
    assert bot.marks_commit
    assert [w.means for w in bot.watch] == ["session_expired", "system_unavailable"]


def test_shipped_bot_marks_secret_steps() -> None:
    """In the shipped bot exactly the two login fills and the My Number fill are secret."""
    bot = load_bot(SHIPPED_BOTS / "resident_registration.yaml", SHIPPED_SELECTORS)
    secret = [s.label for s in walk((*bot.setup, *bot.verify, *bot.steps, *bot.recover))
              if s.secret and not s.children]
    assert secret == ["setup[1].login[0] fill", "setup[1].login[1] fill", "steps[14] fill"]
    my_number_step = bot.steps[14]
    assert my_number_step.target_name() == "form.my_number"
    assert my_number_step.templates["value"].reads("case") == {"my_number"}
