"""Which Chromium executable the web driver launches, and what the operator should know of it.

Apart from ``web_chromium`` (which imports Playwright) so that a command can say, before
anything starts, that the full browser will run headless pages: the headless shell is
missing, and each case costs more CPU than it need (``full_browser_note``).
"""

from __future__ import annotations

import os
from pathlib import Path

#: Debian's builds: the browser, and the headless shell (package ``chromium-headless-shell``;
#: its binary, not the /usr/bin script, which would run it as a child of a shell that a kill
#: of the browser would not reach).
DEBIAN_CHROMIUM = "/usr/bin/chromium"
DEBIAN_HEADLESS_SHELL = "/usr/lib/chromium/chromium-headless-shell"


def chromium_path(*, headless: bool = True) -> str | None:
    """The Chromium to launch: ``ROBOT_CHROMIUM``, else (headless) Debian's headless shell,
    else Debian's browser, else Playwright's own.

    The headless shell is Chromium without the browser's own UI: the full browser in
    headless mode still runs a hidden window whose tab animates its loading throbber, and
    while a page waits on a slow server that costs the browser process and its compositor
    ~75 ms of CPU a second (bench/cpu_kinds.py: 0.12 s of 1.0 s per case at 500 ms app
    latency); the shell spends ~5. Playwright itself runs headless pages in it by default.
    """
    explicit = os.environ.get("ROBOT_CHROMIUM")
    if explicit:
        return explicit
    for path in (DEBIAN_HEADLESS_SHELL, DEBIAN_CHROMIUM) if headless else (DEBIAN_CHROMIUM,):
        if Path(path).exists():
            return path
    return None


def full_browser_note(*, headless: bool = True) -> str | None:
    """The line to tell the operator when headless pages will run in the full browser only
    because the headless shell is not installed (None when they will not: the shell is
    there, ``--headed``, ``ROBOT_CHROMIUM`` chose, or no Debian build: Playwright's own)."""
    if not headless or os.environ.get("ROBOT_CHROMIUM"):
        return None
    if chromium_path(headless=True) != DEBIAN_CHROMIUM:
        return None
    return (f"{DEBIAN_HEADLESS_SHELL} is not installed: headless pages run in the full "
            f"browser ({DEBIAN_CHROMIUM}), whose hidden window costs more CPU while a page "
            "waits on the server (0.1 to 0.2 s of a 1 s case at 500 ms app latency); "
            "apt-get install chromium-headless-shell, or set ROBOT_CHROMIUM")
