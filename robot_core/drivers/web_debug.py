"""What debugging a web bot needs from the browser: a display check and Playwright traces.

A trace (``trace.zip``, opened with ``playwright show-trace``) records the DOM of every step
and the network, so it holds what was typed, passwords and My Numbers included. It is taken
without screenshots, and before it is kept every text entry of the archive has each known
secret (as typed, and as a form body encodes it) replaced by the mask: a kept trace is
evidence like a screenshot, never a copy of a secret.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote, quote_plus

from playwright.sync_api import BrowserContext
from playwright.sync_api import Error as PlaywrightError

from robot_core.errors import ConfigError
from robot_core.vault import MASK


def require_display(headed: bool) -> None:
    """``--headed`` needs an X or Wayland display: say so before Chromium is blamed."""
    if headed and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise ConfigError("--headed needs a display, and DISPLAY is not set: run on the "
                          "desktop, under `xvfb-run robot run …`, or without --headed")


class Tracing:
    """Playwright tracing of the driver's browser context, kept on across new contexts."""

    def __init__(self) -> None:
        self.wanted = False

    def start(self, context: BrowserContext | None) -> None:
        """Start recording (a fresh trace; one that was running is dropped)."""
        self.stop(context, None, ())
        self.wanted = True
        if context is not None:
            context.tracing.start(screenshots=False, snapshots=True, sources=False)

    def resumed(self, context: BrowserContext) -> None:
        """A new context (recycle, restart) records on if a trace was asked for."""
        if self.wanted:
            context.tracing.start(screenshots=False, snapshots=True, sources=False)

    def stop(self, context: BrowserContext | None, path: Path | None,
             secrets: Sequence[str]) -> Path | None:
        """Stop recording; write the trace to ``path`` (scrubbed of ``secrets``), or drop it."""
        was, self.wanted = self.wanted, False
        if not was or context is None:
            return None
        try:
            if path is None:
                context.tracing.stop()
                return None
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            context.tracing.stop(path=str(path))
        except PlaywrightError:
            return None  # the context went away with the failure: nothing to keep
        scrub_trace(path, secrets)
        return path


def scrub_trace(path: Path, secrets: Sequence[str]) -> None:
    """Rewrite ``path`` with every text entry's secrets replaced by the mask."""
    forms = sorted({f for s in secrets if s for f in (s, quote(s), quote_plus(s))},
                   key=len, reverse=True)
    temp = path.with_name(f".{path.name}.tmp")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(temp, "w",
                                                          zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                out.writestr(info, data)  # images and fonts of the page: no typed text
                continue
            for form in forms:
                text = text.replace(form, MASK)
            out.writestr(info, text.encode("utf-8"))
    temp.replace(path)
