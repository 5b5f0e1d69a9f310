"""Every YAML snippet in README.md and docs/*.md is valid: a reader can copy any of them.

How a snippet is checked, by what it is:

* a bot (``app:``, ``input:`` and ``steps:``): loaded like ``robot validate`` does, against
  the shipped selector maps and blocks (and the blocks the docs show);
* a block (first line ``# blocks/NAME.yaml``): its shape; then every bot snippet may use it;
* a selector map (``screens:``) and a schedule (``bot:``): loaded by their own loaders;
* a part of a bot, marked ``# part of: BOT`` or ``# part of: BOT KEY.KEY``: spliced into a
  copy of ``bots/BOT.yaml`` (a list replaces ``steps`` or the key named; a mapping's keys
  replace the ones there), and that copy loaded; a part of a selector map, marked
  ``# part of: selectors/APP``, the same with ``selectors/APP.yaml``.

A map the docs show for an app that is not shipped (the tutorial's) is added to the copy's
``selectors/``, so the bot snippets that use it load.

A snippet that is none of these fails the test: mark it, or make it whole.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import REPO

from robot_core.daemon.schedule import load_schedule
from robot_core.script.flow import read_block
from robot_core.script.loader import load_bot
from robot_core.selectors import load_selector_map

FENCE = re.compile(r"^```yaml\n(.*?)^```", re.M | re.S)
PART = re.compile(r"^\s*# part of: (?P<bot>(?:selectors/)?[A-Za-z0-9_-]+)(?: (?P<path>[\w.]+))?\s*$",
                  re.M)
BLOCK = re.compile(r"^# blocks/(?P<name>[A-Za-z0-9_-]+)\.yaml\b")
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def _snippets() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            line = text[:match.start()].count("\n") + 2
            found.append((f"{doc.relative_to(REPO)}:{line}", match.group(1)))
    return found


SNIPPETS = _snippets()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped project, with every block the docs show added to blocks/."""
    root = tmp_path_factory.mktemp("docs-project")
    for folder in ("bots", "selectors", "blocks"):
        shutil.copytree(REPO / folder, root / folder)
    for _, text in SNIPPETS:
        data = yaml.safe_load(text)
        if isinstance(data, dict) and "screens" in data and isinstance(data.get("app"), str) \
                and not (root / "selectors" / f"{data['app']}.yaml").exists():
            (root / "selectors" / f"{data['app']}.yaml").write_text(text, encoding="utf-8")
    for _, text in SNIPPETS:
        block = BLOCK.match(text)
        if block:
            (root / "blocks" / f"{block['name']}.yaml").write_text(text, encoding="utf-8")
    return root


def _merge(base: dict[str, Any], part: dict[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key, all the way down; anything else replaces."""
    for key, value in part.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
    return base


def _splice(base: dict[str, Any], part: Any, path: str | None) -> dict[str, Any]:
    keys = path.split(".") if path else []
    if not keys and isinstance(part, list):
        keys = ["steps"]
    holder = base
    for key in keys[:-1]:
        holder = holder[key]
    if keys and isinstance(part, list):
        holder[keys[-1]] = part
    elif keys:
        _merge(holder[keys[-1]], part)
    else:
        _merge(base, part)
    return base


def _check(where: str, text: str, root: Path) -> str:
    """Load one snippet the way robot would; return what kind it was."""
    data = yaml.safe_load(text)
    name = re.sub(r"\W", "_", where)
    part = PART.search(text)
    if part and part["bot"].startswith("selectors/"):
        base = yaml.safe_load((REPO / f"{part['bot']}.yaml").read_text("utf-8"))
        path = root / "snippets" / f"{name}.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(yaml.safe_dump(_splice(base, data, part["path"]),
                                       allow_unicode=True), encoding="utf-8")
        load_selector_map(path)
        return "part"
    if part:
        base = yaml.safe_load((REPO / "bots" / f"{part['bot']}.yaml").read_text("utf-8"))
        spliced = _splice(base, data, part["path"])
        path = root / "bots" / f"{name}.yaml"
        path.write_text(yaml.safe_dump(spliced, allow_unicode=True), encoding="utf-8")
        load_bot(path, root / "selectors")
        return "part"
    if BLOCK.match(text):
        read_block(root / "blocks" / f"{BLOCK.match(text)['name']}.yaml")  # type: ignore[index]
        return "block"
    assert isinstance(data, dict), f"{where}: unmarked snippet that is not a mapping"
    path = root / "snippets" / f"{name}.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if {"app", "input", "steps"} <= set(data):
        load_bot(path, root / "selectors", root / "blocks")
        return "bot"
    if "screens" in data:
        load_selector_map(path)
        return "selectors"
    if "bot" in data:
        load_schedule(path, REPO / "bots")
        return "schedule"
    raise AssertionError(f"{where}: not a bot, block, selector map or schedule: mark it "
                         "'# part of: BOT [KEY]'")


@pytest.mark.parametrize(("where", "text"), SNIPPETS, ids=[w for w, _ in SNIPPETS])
def test_every_yaml_snippet_in_the_docs_is_valid(where: str, text: str, project: Path) -> None:
    """The snippet loads as what it is (a bot, a part of one, a block, a map, a schedule)."""
    assert _check(where, text, project) in {"bot", "part", "block", "selectors", "schedule"}


def test_the_docs_show_every_kind_of_snippet(project: Path) -> None:
    """The guide has bots, parts, blocks, maps and schedules: the checks above all run."""
    kinds = {_check(where, text, project) for where, text in SNIPPETS}
    assert kinds == {"bot", "part", "block", "selectors", "schedule"}


def test_a_broken_snippet_is_caught(project: Path) -> None:
    """A part with a misspelt target fails to load: the test would catch a bad example."""
    with pytest.raises(Exception, match=r"unknown target 'form\.nmae'"):
        _check("x:1", "# part of: resident_registration\n- click: form.nmae\n", project)
