"""``robot inspect`` tells a redirect from the same page spelled otherwise (tools/inspect/web)."""

from __future__ import annotations

import pytest

from robot_core.tools.inspect.web import Inspection


@pytest.mark.parametrize(("asked", "landed", "redirected"), [
    ("http://town.local/menu", "http://town.local/login", True),
    ("http://town.local/menu", "http://town.local/login?next=/menu", True),
    ("http://town.local/entry?step=2", "http://town.local/entry?step=1", True),
    ("http://town.local/menu", "https://town.local/menu", True),
    ("http://town.local", "http://town.local/", False),
    ("http://Town.Local:80/menu", "http://town.local/menu", False),
    ("http://town.local/menu#top", "http://town.local/menu", False),
    ("http://town.local/menu", "", False),  # no page: nothing to compare
])
def test_a_redirect_is_another_page_not_another_spelling(asked: str, landed: str,
                                                         redirected: bool) -> None:
    assert Inspection(asked, [], None, landed).redirected is redirected
