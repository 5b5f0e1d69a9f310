"""A test's own copy of the shipped selector maps or project, one setting changed.

Tests that provoke hung servers give the map a short ``response_timeout_ms`` so a hang is
told in a second or two instead of at the end of a step's timeout; the shipped maps stay as
they are. The edit is textual (the shipped comments and layout are kept) and checked: the map
must still load, with the settings as given.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from robot_core.script.loader import load_bot
from robot_core.selectors import load_selector_map
from tests.conftest import ROOT


def selectors_with(tmp_path: Path, map_name: str, **app: int | str) -> Path:
    """Copy ``selectors/`` under ``tmp_path`` with ``app:`` settings of ``map_name`` set;
    return the copied folder (for ``load_bot(bot, folder, ROOT / "blocks")``)."""
    folder = tmp_path / "selectors"
    shutil.copytree(ROOT / "selectors", folder)
    path = folder / f"{map_name}.yaml"
    text = path.read_text("utf-8")
    head = re.search(r"^app:\n((?:  .*\n)*)", text, flags=re.MULTILINE)
    assert head is not None, f"{path.name} has no block-style app: section"
    section = head.group(1)
    for key, value in app.items():
        line = f"  {key}: {value}\n"
        pattern = rf"^  {re.escape(key)}:.*\n"
        if re.search(pattern, section, flags=re.MULTILINE):  # already set: change it
            section = re.sub(pattern, line, section, flags=re.MULTILINE)
        else:
            section = line + section
    path.write_text(text[:head.start(1)] + section + text[head.end(1):], "utf-8")
    loaded = load_selector_map(path)
    for key, value in app.items():
        assert getattr(loaded.section, key) == value, (key, loaded.section)
    return folder


def project_with(tmp_path: Path, bot: str, old: str, new: str) -> Path:
    """A copy of the shipped project (bots, maps, blocks) whose ``bots/BOT.yaml`` has the line
    ``old`` replaced by ``new``; return its folder (for ``ROBOT_PROJECT``)."""
    project = tmp_path / "project"
    for part in ("bots", "selectors", "blocks"):
        shutil.copytree(ROOT / part, project / part)
    path = project / "bots" / f"{bot}.yaml"
    text = path.read_text("utf-8")
    assert text.count(f"{old}\n") == 1, f"bots/{bot}.yaml has no line {old!r}"
    path.write_text(text.replace(f"{old}\n", f"{new}\n"), "utf-8")
    load_bot(path, project / "selectors")
    return project
