"""Which Chromium the web driver launches, and with which switches.

``CHROMIUM_ARGS`` is what any script needs here (no sandbox in a container, no GPU, no
phoning home); the hand-written contender of ``make bench`` uses exactly these.
``launch_args`` adds what a hand-written script does not bother with, measured with
``python -m bench.ab``:

- ``--no-zygote``: no zygote processes (two fewer in the tree; the sandbox they serve is
  off already), ``--in-process-gpu``: the GPU (software) thread in the browser process, one
  process fewer; ``--process-per-site``: pages of one site share a renderer. Together the
  tree has 8 processes instead of 11 and ~12% less PSS.
- per app (``app: {block: [...]}``, script/app_section.py): images not loaded
  (``imagesEnabled=false``: ``<img>`` keeps its box and ``alt``, so ``alt:`` targets and
  clicks on image links still work; the app's server is spared one request per image per
  page), remote fonts not fetched, media not autoplayed (so no stream is fetched).

Playwright's own driver (a Node process, a tenth of the tree) runs with a young generation of
2 MB (``NODE_OPTIONS=--max-semi-space-size=2``): 30 to 50 MB less, no CPU cost measured.

Background throttling is off without asking: Playwright itself passes
``--disable-renderer-backgrounding`` and ``--disable-background-timer-throttling``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    "--disable-dev-shm-usage",
]
LEAN_ARGS = ["--no-zygote", "--in-process-gpu", "--process-per-site"]
BLOCK_ARGS = {
    "images": "--blink-settings=imagesEnabled=false",
    "fonts": "--disable-remote-fonts",
    "media": "--autoplay-policy=user-gesture-required",
}


def launch_args(block: Iterable[str] = ()) -> list[str]:
    """The switches of robot's Chromium for an app that blocks ``block``."""
    return [*CHROMIUM_ARGS, *LEAN_ARGS, *(BLOCK_ARGS[kind] for kind in block)]


NODE_OPTIONS = "--max-semi-space-size=2"


@contextmanager
def lean_node() -> Iterator[None]:
    """Start Playwright's Node driver inside this block: it inherits ``NODE_OPTIONS``
    (appended to the user's own), which nothing else started later does."""
    saved = os.environ.get("NODE_OPTIONS")
    os.environ["NODE_OPTIONS"] = f"{saved} {NODE_OPTIONS}" if saved else NODE_OPTIONS
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("NODE_OPTIONS", None)
        else:
            os.environ["NODE_OPTIONS"] = saved


def chromium_path() -> str | None:
    """The Chromium to launch: ``ROBOT_CHROMIUM``, else Debian's, else Playwright's own."""
    explicit = os.environ.get("ROBOT_CHROMIUM")
    if explicit:
        return explicit
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
