"""The ``app:`` section of a selector map: the application's name and how it behaves.

``app:`` is either the name alone (``app: registry_web``) or a mapping::

    app:
      name: registry_web
      max_sessions: 2            # the licence limit: logged-in workers at once, all machines
      response_timeout_ms: 5000  # no page is answered later than this: then it is hung
      block: [images, fonts, media]  # what the browser need not fetch (default: fonts, media)

``max_sessions`` is kept through the queue database (``Store.take_slot``), so it holds
across every worker and machine sharing the queue. ``response_timeout_ms`` lets the web
driver call a server hung as soon as the app's own slowest page would have answered, instead
of waiting out a step's whole timeout; it also caps the bound the driver learns page by page
(``drivers/web_pace.py``). ``block`` lists what Chromium does not load for this
app (``drivers/web_chromium.py``): a bot reads the DOM, not pictures; ``block: []`` keeps
everything, for screenshots that must show the images.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from robot_core.script.yamlsource import YamlSource

APP_KEYS = ("name", "max_sessions", "response_timeout_ms", "block")
BLOCKABLE = ("images", "fonts", "media")
#: Nothing a bot reads or a screenshot needs to be truthful: remote fonts and media.
DEFAULT_BLOCK = ("fonts", "media")


@dataclass(frozen=True)
class AppSection:
    """What the selector map says about its application beyond its screens."""

    max_sessions: int | None = None  # None: no limit
    response_timeout_ms: int | None = None  # None: a step's own timeout decides
    block: tuple[str, ...] = DEFAULT_BLOCK  # what the browser does not load


def parse_app(src: YamlSource, value: Any, default_name: str) -> tuple[str, AppSection]:
    """The app's name and section from ``app:`` (a name, or a mapping with ``name``)."""
    if value is None:
        return default_name, AppSection()
    if not isinstance(value, dict):
        return src.identifier(("app",), value, "app"), AppSection()
    for key in value:
        if key not in APP_KEYS:
            raise src.error(("app", key), f"unknown key (expected {', '.join(APP_KEYS)})")
    name = src.identifier(("app", "name"), value["name"], "app") if "name" in value \
        else default_name
    return name, AppSection(_positive(src, value, "max_sessions"),
                            _positive(src, value, "response_timeout_ms"), _block(src, value))


def _block(src: YamlSource, value: dict[str, Any]) -> tuple[str, ...]:
    if "block" not in value:
        return DEFAULT_BLOCK
    kinds = value["block"]
    if not isinstance(kinds, list) or any(k not in BLOCKABLE for k in kinds):
        raise src.error(("app", "block"), f"block must be a list of {', '.join(BLOCKABLE)}")
    return tuple(dict.fromkeys(kinds))


def _positive(src: YamlSource, value: dict[str, Any], key: str) -> int | None:
    if key not in value:
        return None
    number = value[key]
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise src.error(("app", key), f"{key} must be a positive whole number")
    return number
