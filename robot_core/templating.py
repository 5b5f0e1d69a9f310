"""Values in bot scripts are small templates: ``"{{ case.birth_date | wareki_era }}"``.

Jinja2's sandbox runs them, so a script can read the case row and apply filters but cannot
reach Python internals. Every template is compiled and its references checked when the script
loads: an unknown column, filter or variable is a ``BotScriptError`` before anything runs.

Names a template can use: ``case`` (the typed row), ``env`` (environment variables),
``secret`` (``user`` and ``password`` of the bot's credentials), ``outputs`` (values extracted
earlier in the case) and, in a business error's ``reason``, ``text`` (the text on the screen).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.sandbox import SandboxedEnvironment

from robot_core import transforms

ROOTS = frozenset({"case", "env", "secret", "outputs", "text"})
SECRET_FIELDS = frozenset({"user", "password"})


class TemplateProblem(ValueError):
    """A template that cannot be compiled or refers to something unknown."""


def _environment() -> SandboxedEnvironment:
    # finalize: an empty optional cell must type nothing, not the word "None".
    env = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False,
                               keep_trailing_newline=False,
                               finalize=lambda v: "" if v is None else v)
    env.filters.update(transforms.FILTERS)
    return env


ENV = _environment()


@dataclass(frozen=True)
class Template:
    """A compiled template and the ``(root, name)`` pairs it reads."""

    source: str
    compiled: jinja2.Template
    refs: frozenset[tuple[str, str]]

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
        except (ValueError, TypeError, AttributeError) as exc:
            raise TemplateProblem(f"{self.source!r}: {exc}") from exc


def compile_template(source: str, allowed_roots: frozenset[str] = ROOTS) -> Template:
    """Compile ``source``; unknown filters, roots or syntax raise ``TemplateProblem``."""
    try:
        tree = ENV.parse(source)
        compiled = ENV.from_string(tree)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(exc.message or str(exc)) from exc
    refs = frozenset(_refs(tree))
    for root, _ in refs:
        if root not in allowed_roots:
            raise TemplateProblem(f"unknown name {root!r} (use one of: "
                                  f"{', '.join(sorted(allowed_roots))})")
    return Template(source, compiled, refs)


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
