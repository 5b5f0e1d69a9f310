"""Values in bot scripts are small templates: ``"{{ case.birth_date | wareki_era }}"``.

Jinja2's immutable sandbox runs them, so a script can read the case row and apply filters but
cannot reach Python internals. Every template is compiled and checked when the script loads:
an unknown column, filter or variable, and anything that reaches for Python internals
(``__class__``, ``x._y``, the ``attr`` filter, calls, ``{% for %}``), is refused by
``robot validate`` before anything runs; the sandbox is the second line, not the only one.

Names a template can use: ``case`` (the typed row), ``env`` (environment variables),
``secret`` (``user`` and ``password`` of the bot's credentials), ``outputs`` (values extracted
earlier in the case), ``today`` and ``now`` (a date and a datetime in the bot's ``timezone``,
default Asia/Tokyo), ``params`` (inside a block: its parameters) and, in a business error's
``reason``, ``text`` (the text on the screen).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.filters import FILTERS as JINJA_FILTERS
from jinja2.sandbox import ImmutableSandboxedEnvironment

from robot_core import transforms

ROOTS = frozenset({"case", "env", "secret", "outputs", "text", "today", "now", "params"})
SECRET_FIELDS = frozenset({"user", "password"})
#: Jinja's own filters a bot may use: none of them reaches attributes or builds huge text.
SAFE_BUILTIN_FILTERS = frozenset({
    "abs", "capitalize", "count", "d", "default", "first", "float", "int", "join", "last",
    "length", "lower", "replace", "reverse", "round", "string", "title", "trim", "upper",
    "urlencode", "wordcount",
})
#: Expression nodes a template may contain. Everything else (calls, ``*``, ``**``, ``%``,
#: ``{% for %}``, ``{% set %}``, macros, includes ...) is refused at load.
_ALLOWED_NODES: tuple[type[nodes.Node], ...] = (
    nodes.Template, nodes.Output, nodes.TemplateData, nodes.If, nodes.Name, nodes.Const,
    nodes.Getattr, nodes.Getitem, nodes.Filter, nodes.Test, nodes.CondExpr, nodes.And,
    nodes.Or, nodes.Not, nodes.Neg, nodes.Pos, nodes.Compare, nodes.Operand, nodes.Concat,
    nodes.Add, nodes.Sub, nodes.Tuple, nodes.List, nodes.Dict, nodes.Pair, nodes.Keyword,
    nodes.Slice,
)
_WHAT = {nodes.Call: "calls", nodes.Mul: "'*'", nodes.Pow: "'**'", nodes.Mod: "'%'",
         nodes.Div: "'/'", nodes.FloorDiv: "'//'", nodes.For: "{% for %}",
         nodes.Assign: "{% set %}", nodes.AssignBlock: "{% set %}", nodes.Macro: "{% macro %}",
         nodes.CallBlock: "{% call %}", nodes.Include: "{% include %}",
         nodes.Import: "{% import %}", nodes.FromImport: "{% import %}",
         nodes.Extends: "{% extends %}", nodes.Block: "{% block %}",
         nodes.FilterBlock: "{% filter %}", nodes.With: "{% with %}"}
#: Deeper expressions than this are refused before Jinja compiles them to Python.
MAX_DEPTH = 30


class TemplateProblem(ValueError):
    """A template that cannot be compiled or refers to something unknown."""


def _environment() -> ImmutableSandboxedEnvironment:
    # finalize: an empty optional cell must type nothing, not the word "None".
    env = ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False,
                                        keep_trailing_newline=False,
                                        finalize=lambda v: "" if v is None else v)
    # Not even present at run time: range, lipsum, cycler, joiner, namespace, dict, attr ...
    env.globals.clear()
    for name in set(env.filters) - SAFE_BUILTIN_FILTERS:
        del env.filters[name]
    env.filters.update(transforms.FILTERS)
    return env


ENV = _environment()


@dataclass(frozen=True)
class Template:
    """A compiled template and the ``(root, name)`` pairs it reads."""

    source: str
    compiled: jinja2.Template
    refs: frozenset[tuple[str, str]]
    literal_text: str = ""

    @property
    def is_literal(self) -> bool:
        """True when the text has no template markup at all."""
        return "{{" not in self.source and "{%" not in self.source

    def reads(self, root: str) -> set[str]:
        """Names read under ``root`` (``case`` -> the columns used)."""
        return {name for r, name in self.refs if r == root}

    def render(self, context: Mapping[str, Any]) -> str:
        """Render against ``context``; a missing value raises ``TemplateProblem``."""
        try:
            return self.compiled.render(context)
        except jinja2.UndefinedError as exc:
            raise TemplateProblem(f"{self.source!r}: {exc.message}") from exc
        except jinja2.TemplateError as exc:  # SecurityError and friends from the sandbox
            raise TemplateProblem(f"{self.source!r}: {exc.message or exc}") from exc
        except (ValueError, TypeError, AttributeError, OverflowError) as exc:
            raise TemplateProblem(f"{self.source!r}: {exc}") from exc


def compile_template(source: str, allowed_roots: frozenset[str] = ROOTS) -> Template:
    """Compile ``source``; unknown names, unsafe constructs or syntax raise ``TemplateProblem``."""
    try:
        tree = ENV.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(exc.message or str(exc)) from exc
    except RecursionError:
        raise TemplateProblem(f"expression nested deeper than {MAX_DEPTH} levels") from None
    check_safe(tree)
    refs = frozenset(_refs(tree))
    for root, _ in refs:
        if root not in allowed_roots:
            raise TemplateProblem(f"unknown name {root!r} (use one of: "
                                  f"{', '.join(sorted(allowed_roots))})")
    try:
        compiled = ENV.from_string(tree)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(exc.message or str(exc)) from exc
    text = "".join(n.data for n in tree.find_all(nodes.TemplateData))
    return Template(source, compiled, refs, text)


def check_safe(tree: nodes.Template) -> None:
    """Refuse what could reach Python internals or blow up; walks the tree without recursion."""
    stack: list[tuple[nodes.Node, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            _refuse(node, f"expression nested deeper than {MAX_DEPTH} levels")
        _check_node(node)
        stack.extend((child, depth + 1) for child in node.iter_child_nodes())


def _check_node(node: nodes.Node) -> None:
    if not isinstance(node, _ALLOWED_NODES):
        what = next((w for t, w in _WHAT.items() if isinstance(node, t)),
                    type(node).__name__)
        _refuse(node, f"{what} not allowed in a template (use a filter)")
    if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
        _refuse(node, f"attribute {node.attr!r} is not allowed (names starting with _ are "
                "Python internals)")
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) \
            and isinstance(node.arg.value, str) and node.arg.value.startswith("_"):
        _refuse(node, f"item {node.arg.value!r} is not allowed (names starting with _ are "
                "Python internals)")
    if isinstance(node, nodes.Filter) and node.name not in ENV.filters:
        if node.name in JINJA_FILTERS:  # attr, map, format, center ...
            _refuse(node, f"filter {node.name!r} is not allowed in a bot template")
        _refuse(node, f"No filter named {node.name!r}.")
    if isinstance(node, nodes.Name) and node.name.startswith("_"):
        _refuse(node, f"name {node.name!r} is not allowed")


def _refuse(node: nodes.Node, message: str) -> None:
    where = f" (template line {node.lineno})" if getattr(node, "lineno", 1) > 1 else ""
    raise TemplateProblem(message + where)


def _refs(tree: nodes.Node) -> Iterator[tuple[str, str]]:
    """Yield ``(root, attribute)`` for ``case.x`` / ``case['x']``, ``(root, '')`` for bare names."""
    seen_roots: set[int] = set()
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        inner = getattr(node, "node", None)
        if not isinstance(inner, nodes.Name):
            continue
        seen_roots.add(id(inner))
        if isinstance(node, nodes.Getattr):
            yield inner.name, node.attr
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            yield inner.name, str(node.arg.value)
        else:
            yield inner.name, ""
    for name in tree.find_all(nodes.Name):
        if id(name) not in seen_roots and name.ctx == "load":
            yield name.name, ""
