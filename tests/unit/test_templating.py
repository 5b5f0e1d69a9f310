"""Templates: filters from transforms, strict undefined, the sandbox, and reference extraction."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from robot_core import transforms
from robot_core.script.templating import ENV, TemplateProblem, compile_template


def _render(source: str, **case: object) -> str:
    return compile_template(source).render({"case": case})


@pytest.mark.parametrize(("source", "value", "expected"), [
    ("{{ case.d | wareki_era_letter }}", date(2019, 5, 1), "R"),
    ("{{ case.d | wareki_era_letter }}", date(2019, 4, 30), "H"),
    ("{{ case.d | wareki_era_letter }}", date(1989, 1, 7), "S"),
    ("{{ case.d | wareki_year }}", date(2019, 5, 1), "1"),
    ("{{ case.d | wareki_year }}", date(1989, 1, 7), "64"),
    ("{{ case.d | wareki_year }}", datetime(2025, 7, 16, 9, 30), "7"),
    ("{{ case.d | month }}", date(2025, 7, 16), "7"),
    ("{{ case.d | day }}", date(2025, 7, 6), "6"),
    ("{{ case.d | strftime('%Y/%m/%d') }}", date(2025, 7, 6), "2025/07/06"),
    ("{{ case.d | wareki }}", date(2019, 5, 1), "令和元年5月1日"),
    ("{{ case.d | wareki('short') }}", date(2025, 7, 16), "R7.7.16"),
    ("{{ case.d | wareki_year }}", "令和7年7月16日", "7"),
    ("{{ case.d | zenkaku }}", "ABC 12", "ＡＢＣ　１２"),
    ("{{ case.d | zenkaku }}", "ｶﾞｯｺｳ", "ガッコウ"),
    ("{{ case.d | katakana }}", "やまだ　たろう", "ヤマダ　タロウ"),
    ("{{ case.d | zenkaku | katakana }}", "ｻｲﾄｳ", "サイトウ"),
    ("{{ case.d | postal_code }}", "0481501", "048-1501"),
    ("{{ case.d | wareki_year | zfill }}", date(2019, 5, 1), "01"),
    ("{{ case.d | zfill(4) }}", "１２", "0012"),
    ("{{ case.d | zfill }}", 123, "123"),
])
def test_filters_render(source: str, value: object, expected: str) -> None:
    """Each transform is usable as a filter and renders the expected text."""
    assert _render(source, d=value) == expected


def test_zfill_pads_whole_numbers_only() -> None:
    """``zfill`` refuses text that is not a whole number rather than padding it."""
    with pytest.raises(ValueError, match="not a whole number"):
        transforms.zfill("1a")
    with pytest.raises(ValueError, match="width"):
        transforms.zfill("1", 99)


def test_every_transform_is_a_filter() -> None:
    """Every name in transforms.FILTERS compiles as a filter."""
    for name in transforms.FILTERS:
        compile_template(f"{{{{ case.x | {name} }}}}")


def test_literal_text_and_mixed_text() -> None:
    """Plain text is literal; text around markup is kept as written."""
    assert compile_template("menu").is_literal
    assert not compile_template("{{ env.URL }}/login").is_literal
    template = compile_template("{{ env.URL }}/login?id={{ case.id }}")
    assert template.render({"env": {"URL": "http://h"}, "case": {"id": "U1"}}) == \
        "http://h/login?id=U1"


def test_missing_value_is_strict() -> None:
    """A value missing from the context raises TemplateProblem naming the template."""
    template = compile_template("{{ case.missing }}")
    with pytest.raises(TemplateProblem) as caught:
        template.render({"case": {}})
    assert str(caught.value) == "'{{ case.missing }}': 'dict object' has no attribute 'missing'"


def test_missing_root_is_strict() -> None:
    """A root absent from the context raises TemplateProblem instead of rendering empty."""
    with pytest.raises(TemplateProblem, match="'outputs' is undefined"):
        compile_template("{{ outputs.regno }}").render({"case": {}})


def test_filter_error_becomes_template_problem() -> None:
    """A filter raising ValueError on a bad value surfaces as TemplateProblem."""
    with pytest.raises(TemplateProblem, match="not a date: 'someday'"):
        _render("{{ case.d | wareki_year }}", d="someday")


def test_none_renders_as_empty_text() -> None:
    """An empty optional value (None) renders as empty text, never the word 'None'."""
    assert _render("[{{ case.phone }}]", phone=None) == "[]"


@pytest.mark.parametrize(("source", "context", "owner"), [
    ("{{ case.__class__ }}", {"case": {}}, "dict"),
    ("{{ ''.__class__.__mro__ }}", {}, "str"),
    ("{{ case.name.__class__.__base__.__subclasses__() }}", {"case": {"name": "x"}}, "str"),
])
def test_sandbox_blocks_internals(source: str, context: dict[str, object], owner: str) -> None:
    """Behind the load-time check, the run-time sandbox still raises SecurityError on dunders."""
    template = ENV.from_string(source)  # bypasses check_safe on purpose: the second line
    with pytest.raises(SecurityError) as caught:
        template.render(context)
    assert str(caught.value) == f"access to attribute '__class__' of '{owner}' object is unsafe."


def test_runtime_environment_is_immutable_and_bare() -> None:
    """The run-time sandbox is immutable and has no globals (range, lipsum, cycler ...)."""
    assert isinstance(ENV, ImmutableSandboxedEnvironment)
    assert ENV.globals == {}
    assert "attr" not in ENV.filters
    with pytest.raises(SecurityError):
        ENV.from_string("{{ case.x.append(1) }}").render({"case": {"x": []}})


def test_sandbox_violation_is_a_template_problem() -> None:
    """Template.render reports a dynamic sandbox violation as TemplateProblem."""
    template = compile_template("{{ case[env.K] }}")
    with pytest.raises(TemplateProblem, match="unsafe"):
        template.render({"case": "", "env": {"K": "__class__"}})


@pytest.mark.parametrize(("source", "message"), [
    ("{{ case.__class__ }}", "attribute '__class__' is not allowed"),
    ("{{ case.x._y }}", "attribute '_y' is not allowed"),
    ("{{ case['__globals__'] }}", "item '__globals__' is not allowed"),
    ("{{ ''|attr('__class__') }}", "filter 'attr' is not allowed in a bot template"),
    ("{{ case.x|map(attribute='y') }}", "filter 'map' is not allowed in a bot template"),
    ("{{ case.x|format(1) }}", "filter 'format' is not allowed in a bot template"),
    ("{{ self }}", "unknown name 'self'"),
    ("{{ cycler }}", "unknown name 'cycler'"),
    ("{{ joiner }}", "unknown name 'joiner'"),
    ("{{ namespace }}", "unknown name 'namespace'"),
    ("{{ lipsum() }}", "calls not allowed"),
    ("{{ range(99999999999) }}", "calls not allowed"),
    ("{{ case.name.upper() }}", "calls not allowed"),
    ("{{ 'x' * 999999999 }}", "'*' not allowed"),
    ("{{ 9 ** 9 ** 9 }}", "'**' not allowed"),
    ("{{ '%999999999d' % 1 }}", "'%' not allowed"),
    ("{% for x in case %}{{ x }}{% endfor %}", "{% for %} not allowed"),
    ("{% set x = case %}", "{% set %} not allowed"),
    ("{% macro m() %}{% endmacro %}", "{% macro %} not allowed"),
    ("{% include 'x' %}", "{% include %} not allowed"),
    ("a\n{{ case._x }}", "attribute '_x' is not allowed (names starting with _ are Python "
     "internals) (template line 2)"),
])
def test_unsafe_template_refused_at_compile(source: str, message: str) -> None:
    """Templates reaching Python internals or able to blow up are refused when compiled."""
    with pytest.raises(TemplateProblem) as caught:
        compile_template(source)
    assert message in str(caught.value)


def test_deep_expression_refused_at_compile() -> None:
    """An expression nested far deeper than a bot needs is refused, not a RecursionError."""
    deep = "{{ " + "-" * 5000 + "1 }}"
    with pytest.raises(TemplateProblem, match="nested deeper than 30 levels"):
        compile_template(deep)


def test_if_and_safe_builtin_filters_still_work() -> None:
    """Simple {% if %} and Jinja's harmless filters (default, upper, trim) still compile."""
    template = compile_template("{% if case.x %}{{ case.x | trim | upper }}{% else %}"
                                "{{ case.y | default('-') }}{% endif %}")
    assert template.render({"case": {"x": " ab ", "y": None}}) == "AB"
    assert template.render({"case": {"x": "", "y": "q"}}) == "q"


def test_syntax_error_is_template_problem() -> None:
    """Broken markup fails at compile time with jinja's message."""
    with pytest.raises(TemplateProblem, match="unexpected 'end of template'"):
        compile_template("{{ case.x }} {% for ")


def test_unknown_filter_fails_at_compile() -> None:
    """An unknown filter fails at compile time, not at render time."""
    with pytest.raises(TemplateProblem, match="No filter named 'wareki_eraa'"):
        compile_template("{{ case.d | wareki_eraa }}")


def test_unknown_root_fails_at_compile() -> None:
    """A bare name outside the allowed roots fails at compile time, listing the allowed ones."""
    with pytest.raises(TemplateProblem) as caught:
        compile_template("{{ foo.bar }}")
    assert str(caught.value) == ("unknown name 'foo' (use one of: case, env, now, outputs, params, "
                                 "secret, text, today)")
    with pytest.raises(TemplateProblem, match=r"unknown name 'text' \(use one of: case\)"):
        compile_template("{{ text }}", frozenset({"case"}))


def test_refs_attribute_subscript_and_bare() -> None:
    """refs holds (root, name) for case.x and case['x'], and (root, '') for bare roots."""
    template = compile_template(
        "{{ case.x }}{{ case['y'] }}{{ env.URL }}{{ outputs.r }}{{ secret.user }}{{ text }}")
    assert template.refs == frozenset({("case", "x"), ("case", "y"), ("env", "URL"),
                                       ("outputs", "r"), ("secret", "user"), ("text", "")})
    assert compile_template("{{ case }}").refs == frozenset({("case", "")})


def test_refs_nested_and_inside_filter_args() -> None:
    """Only the first attribute under a root counts; names inside filter arguments count too."""
    template = compile_template("{{ case.a.b }} {{ case.d | strftime(env.FMT) }}")
    assert template.refs == frozenset({("case", "a"), ("case", "d"), ("env", "FMT")})


def test_refs_dynamic_subscript() -> None:
    """``case[name]`` reads an unknown column ('') and the bare name used as the index."""
    template = compile_template("{{ case[env.COL] }}")
    assert template.refs == frozenset({("case", ""), ("env", "COL")})


def test_reads_by_root() -> None:
    """reads(root) returns the names read under that root only."""
    template = compile_template("{{ case.a }}{{ case['b'] }}{{ env.X }}")
    assert template.reads("case") == {"a", "b"}
    assert template.reads("env") == {"X"}
    assert template.reads("secret") == set()

