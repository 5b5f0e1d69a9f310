"""A test's own copy of the shipped selector maps, with settings of one map's ``app:`` changed.

Tests that provoke hung servers give the map a short ``response_timeout_ms`` so a hang is
told in a second or two instead of at the end of a step's timeout; the shipped maps stay as
they are. The edit is textual (the shipped comments and layout are kept) and checked: the map
must still load, with the settings as given.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

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
