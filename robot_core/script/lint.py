"""What ``robot validate`` warns about: scripts that load but are likely to hurt later.

A warning never stops a bot (exit 0); ``robot validate --strict`` makes every one an error.
Each is located at ``file:line:column``, like the errors:

* ``sleep`` steps: a fixed wait is too short on a slow night and wasted on a fast one;
* positional CSS/XPath (``nth-child``, ``[3]``): they break when a row or column is added,
  and more loudly when such a selector is a target's only alternative;
* a ``commit: true`` step with no ``wait_for``/``expect`` after it (nothing confirms the save
  before the next case starts), and a commit without ``verify`` (a retry types it again);
* targets of a selector map that no bot checked uses;
* literal text in a step that looks like a secret (a My Number, a password, a token).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from robot_core.errors import Location
from robot_core.script.model import BotScript, Step, named_targets, walk
from robot_core.selectors import Alternative, SelectorMap, Target

POSITIONAL_CSS = re.compile(r":(?:nth-(?:last-)?(?:child|of-type)|first-child|last-child|"
                            r"first-of-type|last-of-type|eq)\b")
POSITIONAL_XPATH = re.compile(r"\[\s*(?:\d+|last\(\)(?:\s*-\s*\d+)?|position\(\)[^\]]*)\s*\]")
#: literal text that should never sit in a script: a My Number, credentials, a token
SECRET_LIKE = (
    (re.compile(r"(?<!\d)\d{4}[- ]?\d{4}[- ]?\d{4}(?!\d)"), "a 12-digit number (a My Number?)"),
    (re.compile(r"(?i)(?:password|passwd|pwd|passcode|token|api[_-]?key|secret|暗証|パスワード)"
                r"\s*[:=：]\s*\S+"), "a password or key written out"),
    (re.compile(r"://[^/@\s:]+:[^/@\s]+@"), "a user and password in a URL"),
    (re.compile(r"(?<![A-Za-z0-9])(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])"
                r"[A-Za-z0-9_-]{32,}(?![A-Za-z0-9])"), "a long token-like string"),
)
SIBLING_STEP = re.compile(r"(?:following|preceding)-sibling::[\w*-]+$")
CONFIRMING = frozenset({"wait_for", "expect"})


@dataclass(frozen=True)
class Finding:
    """One lint finding: where, and what to do about it."""

    location: Location
    message: str
    rule: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


def lint(bots: Iterable[BotScript]) -> list[Finding]:
    """Warnings for ``bots`` and their selector maps (a map's unused targets across them all)."""
    bots = list(bots)
    found: list[Finding] = []
    for bot in bots:
        found.extend(_bot(bot))
    maps: dict[str, tuple[SelectorMap, set[str]]] = {}
    for bot in bots:
        entry = maps.setdefault(bot.selectors.file, (bot.selectors, set()))
        entry[1].update(used_targets(bot))
    for selectors, used in maps.values():
        found.extend(_map(selectors, used))
    unique = {(w.location, w.message): w for w in found}  # a block used twice warns once
    return sorted(unique.values(), key=lambda w: (w.location.file, w.location.line,
                                                  w.location.column))


def _bot(bot: BotScript) -> Iterator[Finding]:
    for block in (bot.setup, bot.verify, bot.steps, bot.recover):
        yield from _sleeps_and_secrets(block)
        yield from _unconfirmed_commits(block, ())
    if bot.marks_commit and not bot.verify:
        first = next(s for s in walk(bot.steps) if s.commit)
        yield Finding(first.location, "commit: true without a verify: block: a retry after "
                       "the saving click cannot check whether the case was saved, and types "
                       "it again", "commit-without-verify")


def _sleeps_and_secrets(block: tuple[Step, ...]) -> Iterator[Finding]:
    for step in walk(block):
        if step.action == "sleep":
            yield Finding(step.location, f"{step.label}: a fixed sleep; wait_for the target "
                           "that shows the screen is ready instead", "sleep")
        for name, template in step.templates.items():
            for pattern, what in SECRET_LIKE:
                if pattern.search(template.literal_text if not template.is_literal
                                  else template.source):
                    yield Finding(step.location, f"{step.label}: {name} has literal text that "
                                   f"looks like {what}; take it from the case, "
                                   "{{ secret.* }} or {{ env.* }}", "secret-literal")
                    break


def _unconfirmed_commits(block: tuple[Step, ...], after: tuple[Step, ...],
                         ) -> Iterator[Finding]:
    """A commit must be followed, in its list or the lists around it, by a confirming wait."""
    for i, step in enumerate(block):
        rest = (*block[i + 1:], *after)
        if step.commit and not any(s.action in CONFIRMING for s in walk(rest)):
            yield Finding(step.location, f"{step.label}: nothing confirms this commit: add a "
                           "wait_for (or expect) for the saved screen after it",
                           "unconfirmed-commit")
        for child in step.children.values():
            yield from _unconfirmed_commits(child, rest)


def used_targets(bot: BotScript) -> set[str]:
    """Every target name a bot's steps (nested ones too) and watches name."""
    names = {w.target for w in bot.watch}
    for block in (bot.setup, bot.verify, bot.steps, bot.recover):
        names.update(named_targets(block))
    return names


def _map(selectors: SelectorMap, used: set[str]) -> Iterator[Finding]:
    for name, target in selectors.targets.items():
        if name not in used and not target.secret:  # a secret target is used: it is masked
            yield Finding(target.location, f"target {name} is not used by any bot checked",
                           "unused-target")
        yield from _positional(target)


def _positional(target: Target) -> Iterator[Finding]:
    for option in target.options.values():
        yield from _positional(option)
    bad = [alt for alt in target.alternatives if is_positional(alt)]
    if bad and len(target.alternatives) == 1:
        yield Finding(target.location, f"target {target.name}: its only alternative "
                       f"{bad[0].describe()} is positional and breaks when the page gains a row "
                       "or column: add a label, beside or role alternative first",
                       "only-positional")
    elif bad:
        for alt in bad:
            yield Finding(target.location, f"target {target.name}: alternative "
                           f"{alt.describe()} is positional (nth-child, [3]); keep it last",
                           "positional")


def is_positional(alt: Alternative) -> bool:
    """Whether a CSS/XPath alternative finds its element by position."""
    if alt.strategy == "css":
        return bool(POSITIONAL_CSS.search(alt.value))
    if alt.strategy == "xpath":
        # following-sibling::td[1] is "the next cell", not a position in the page: allowed
        return any(not SIBLING_STEP.search(alt.value[:m.start()])
                   for m in POSITIONAL_XPATH.finditer(alt.value))
    return False
