"""A bot whose ``expect``, ``extract`` or ``wait_for: {gone: …}`` is wrong fails at load,
naming ``file:line:col`` and the key, as ``robot validate`` prints it (exit 3)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import dedent, write_project

from robot_core.cli import main
from robot_core.errors import BotScriptError
from robot_core.script.loader import load_bot

# Lines 1-8; the step under test is on line 9, its action at column 5.
HEAD = dedent("""\
    name: demo
    app: demo
    input:
      key: case_id
      columns:
        case_id: {header: 受付番号, required: true}
        name: {header: 氏名}
    steps:
    """)
DESKTOP = dedent("""\
    app: ledger
    driver: desktop
    launch: {window: 台帳}
    screens:
      form:
        targets:
          name: [{point: '10,10'}]
    """)

BAD: list[tuple[str, str, str]] = [
    ("no_source", '  - expect: {equals: "{{ case.name }}"}\n',
     "{bot}:9:5: steps[0].expect: Value error, read exactly one of: target, url: true, "
     "window_title: true, output, exit_code"),
    ("two_sources", '  - expect: {target: form.name, url: true, equals: x}\n',
     "{bot}:9:5: steps[0].expect: Value error, read exactly one of: target, url: true, "
     "window_title: true, output, exit_code (got target and url)"),
    ("nothing_expected", "  - expect: {target: form.name}\n",
     "{bot}:9:5: steps[0].expect: Value error, say what to expect: equals: (a template) or "
     "pattern: (a regex)"),
    ("equals_and_pattern", "  - expect: {target: form.name, equals: x, pattern: y}\n",
     "{bot}:9:5: steps[0].expect: Value error, say what to expect: equals: (a template) or "
     "pattern: (a regex)"),
    ("exit_code_and_equals", "  - expect: {exit_code: 0, equals: '0'}\n",
     "{bot}:9:5: steps[0].expect: Value error, exit_code: is itself the expected value; drop "
     "equals/pattern"),
    ("bad_regex", '  - expect: {target: form.name, pattern: "("}\n',
     "{bot}:9:33: steps[0].expect.pattern: Value error, not a regular expression: missing ), "
     "unterminated subpattern at position 0"),
    ("attribute_without_target", "  - expect: {url: true, attribute: href, equals: x}\n",
     "{bot}:9:5: steps[0].expect: Value error, attribute: reads an attribute of a target: "
     "name the target"),
    ("unknown_target", "  - expect: {target: form.nmae, equals: x}\n",
     "{bot}:9:14: steps[0].expect.target: unknown target 'form.nmae' in {sel} (did you mean "
     "'form.name'?)"),
    ("typo_in_key", "  - expect: {target: form.name, equal: x}\n",
     "{bot}:9:33: steps[0].expect.equal: unknown key (did you mean 'equals'?) (allowed: "
     "attribute, equals, exit_code, normalize, output, pattern, target, timeout_ms, url, "
     "window_title)"),
    ("unknown_template_column", '  - expect: {target: form.name, equals: "{{ case.nmae }}"}\n',
     "{bot}:9:33: steps[0].expect.equals: unknown column 'nmae' in template (did you mean "
     "'name'?)"),
    ("extract_two_sources", "  - extract: {target: form.name, url: true, into: a}\n",
     "{bot}:9:5: steps[0].extract: Value error, read exactly one of: target, url: true, "
     "window_title: true (got target and url)"),
    ("gone_and_target", "  - wait_for: {gone: form.name, target: form.save}\n",
     "{bot}:9:5: steps[0].wait_for: Value error, name one of: a target, any: [targets], or "
     "gone: target"),
    ("gone_unknown", "  - wait_for: {gone: form.dialog}\n",
     "{bot}:9:16: steps[0].wait_for.gone: unknown target 'form.dialog' in {sel} (did you "
     "mean 'form.save'?)"),
]


@pytest.mark.parametrize(("step", "expected"), [pytest.param(s, e, id=i) for i, s, e in BAD])
def test_a_bad_expect_is_refused_at_its_line_and_column(tmp_path: Path, step: str,
                                                        expected: str) -> None:
    """Each wrong shape raises BotScriptError with exactly ``file:line:col: key: message``."""
    bot = write_project(tmp_path, HEAD + step)
    with pytest.raises(BotScriptError) as caught:
        load_bot(bot, tmp_path / "selectors")
    assert str(caught.value) == expected.format(bot=bot, sel=tmp_path / "selectors" / "demo.yaml")


@pytest.mark.parametrize("step", ["  - expect: {url: true, equals: x}\n",
                                  "  - extract: {target: form.name, attribute: id, into: a}\n"])
def test_a_desktop_bot_may_not_read_urls_or_attributes(tmp_path: Path, step: str) -> None:
    """A desktop program has no address and its controls no attributes: refused at load."""
    bot = write_project(tmp_path, HEAD.replace("app: demo", "app: ledger") + step,
                        selectors=DESKTOP, app="ledger")
    with pytest.raises(BotScriptError, match=r":9:\d+: steps\[0\]\.(expect\.url|extract\."
                                             r"attribute): \w+: reads a web page; a desktop "
                                             "program has none"):
        load_bot(bot, tmp_path / "selectors")


def test_robot_validate_prints_the_line_and_exits_3(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """``robot validate`` on a bad expect prints one line naming file:line:col, exit 3."""
    bot = write_project(tmp_path, HEAD + "  - expect: {target: form.name}\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["validate", str(bot)])
    assert result.exit_code == 3, result.output
    assert f"{bot}:9:5: steps[0].expect: Value error, say what to expect" in \
        " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_good_expects_load(tmp_path: Path) -> None:
    """Every source and check of the grammar loads, and the templates are compiled."""
    steps = ('  - expect: {target: form.name, equals: "{{ case.name }}", normalize: true}\n'
             "  - expect: {target: form.save, attribute: value, pattern: '^保存$'}\n"
             "  - expect: {url: true, pattern: /done$}\n"
             "  - expect: {window_title: true, equals: 完了}\n"
             "  - expect: {exit_code: 0}\n"
             "  - expect: {output: stdout, pattern: 'RG-\\d+'}\n"
             "  - wait_for: {gone: form.save}\n"
             "  - extract: {url: true, into: address}\n")
    bot = load_bot(write_project(tmp_path, HEAD + steps), tmp_path / "selectors")
    assert [s.action for s in bot.steps] == ["expect"] * 6 + ["wait_for", "extract"]
    assert set(bot.steps[0].templates) == {"equals"}
