"""The bot author's test in docs/writing-bots.md ("Testing a bot without the legacy system")
runs as written, so the guide stays true."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from helpers import REPO

GUIDE = REPO / "docs" / "writing-bots.md"
SECTION = "## 11. Testing a bot without the legacy system"


def _example() -> str:
    """The one python block of the guide's testing section."""
    text = GUIDE.read_text(encoding="utf-8")
    section = text[text.index(SECTION):]
    (code,) = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    return code


def _namespace() -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "writing_bots_example"}
    exec(compile(_example(), str(GUIDE), "exec"), namespace)
    return namespace


TESTS = sorted(name for name in _namespace() if name.startswith("test_"))


def test_the_guide_has_example_tests() -> None:
    """The section shows at least a passing and a failing case, each with a docstring."""
    namespace = _namespace()
    assert len(TESTS) >= 2
    assert all(namespace[name].__doc__ for name in TESTS)


@pytest.mark.parametrize("name", TESTS)
def test_the_guide_example_passes(name: str, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Each example test, with its fixture, passes from the project folder."""
    monkeypatch.chdir(REPO)
    namespace = _namespace()
    cases = namespace["cases"].__wrapped__(tmp_path, monkeypatch)
    namespace[name](cases, tmp_path)
