"""Which Chromium the web driver launches, and with which switches."""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str | None:
    """The Chromium to launch: ``ROBOT_CHROMIUM``, else Debian's, else Playwright's own."""
    explicit = os.environ.get("ROBOT_CHROMIUM")
    if explicit:
        return explicit
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
