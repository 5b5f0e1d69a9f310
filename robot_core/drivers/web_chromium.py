"""Which Chromium the web driver launches, and with which switches.

``CHROMIUM_ARGS`` is what any script needs here (no sandbox in a container, no GPU, no
phoning home); the hand-written contender of ``make bench`` uses exactly these.
``launch_args`` adds what a hand-written script does not bother with, measured with
``python -m bench.ab``:

- ``--no-zygote``: no zygote processes (two fewer in the tree; the sandbox they serve is
  off already), ``--in-process-gpu``: the GPU (software) thread in the browser process, one
  process fewer; ``--process-per-site``: pages of one site share a renderer. Together the
  tree has 8 processes instead of 11 and ~12% less PSS.
- features off (``--disable-features``): ``WebUIOmniboxPopup`` and ``WebUIOmniboxAimPopup``,
  the address bar's pop-ups, which headless Chromium builds for every context in a renderer
  of their own (~60 MB and ~0.6 s of CPU per context, so per recycle too) though nothing
  ever shows them; ``SpareRendererForSitePerProcess``, a renderer kept warm for the next
  site (~25 MB; the one site the bot drives is in its renderer already). Chromium honours
  only the last ``--disable-features``, so ours repeats Playwright's own
  (``PLAYWRIGHT_DISABLED``; tests/unit/test_web_chromium.py checks them against the
  installed Playwright), and likewise ``--enable-features`` and ``--blink-settings``.
- feature on: ``NetworkServiceInProcess2``, the network service on a thread of the browser
  process instead of a process of its own (~20 MB; one process fewer).
- the renderer's garbage collected every ``GC_EVERY`` page loads (``Collector``): V8
  collects lazily, and every case's pages (entry, confirm, done) stayed in its heap until
  the context was recycled: +4 MB of renderer per case, measured, ~60 documents alive
  after 20 cases; with a collection every 5 loads ~10 (a collection takes 20 to 50 ms).
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

import contextlib
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, BrowserContext, Page, Playwright
from playwright.sync_api import Error as PlaywrightError

from robot_core.drivers.chromium_pick import chromium_path
from robot_core.errors import ConfigError

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    "--disable-dev-shm-usage",
]
LEAN_ARGS = ["--no-zygote", "--in-process-gpu", "--process-per-site"]
#: Playwright's own ``--disable-features`` (chromiumSwitches.ts of the installed version).
PLAYWRIGHT_DISABLED = (
    "AvoidUnnecessaryBeforeUnloadCheckSync", "DestroyProfileOnBrowserClose", "HttpsUpgrades",
    "HttpsFirstBalancedModeAutoEnable", "LensOverlay", "MediaRouter", "PaintHolding",
    "ThirdPartyStoragePartitioning", "AvoidCorsURLLoaderRestartOnRedirect",
    "TcpPortRandomizationWin", "OptimizationHints", "NetworkTimeServiceQuerying", "AimEnabled",
    "PreconnectToSearch", "msForceBrowserSignIn", "msEdgeUpdateLaunchServicesPreferredVersion",
)
#: Playwright's own ``--enable-features``.
PLAYWRIGHT_ENABLED = ("CDPScreenshotNewSurface", "SkipListAccountsWithoutGaiaCookies")
LEAN_ENABLED = ("NetworkServiceInProcess2",)
LEAN_DISABLED = ("WebUIOmniboxPopup", "WebUIOmniboxAimPopup", "SpareRendererForSitePerProcess")
#: Playwright's own ``--blink-settings`` when headless (pointer and hover as a mouse-less page).
PLAYWRIGHT_BLINK_HEADLESS = ("primaryHoverType=2", "availableHoverTypes=2",
                             "primaryPointerType=4", "availablePointerTypes=4")
BLOCK_ARGS = {
    "fonts": "--disable-remote-fonts",
    "media": "--autoplay-policy=user-gesture-required",
}
GC_EVERY = 5  # page loads between two collections of the renderer's garbage


def launch_args(block: Iterable[str] = (), *, headless: bool = True) -> list[str]:
    """The switches of robot's Chromium for an app that blocks ``block``."""
    block = set(block)
    blink = [*(PLAYWRIGHT_BLINK_HEADLESS if headless else ()),
             *(["imagesEnabled=false"] if "images" in block else [])]
    return [*CHROMIUM_ARGS, *LEAN_ARGS,
            f"--disable-features={','.join((*PLAYWRIGHT_DISABLED, *LEAN_DISABLED))}",
            f"--enable-features={','.join((*PLAYWRIGHT_ENABLED, *LEAN_ENABLED))}",
            *([f"--blink-settings={','.join(blink)}"] if blink else []),
            *(BLOCK_ARGS[kind] for kind in sorted(block) if kind in BLOCK_ARGS)]


class Collector:
    """Collects the page's renderer garbage every ``every``-th call of ``page_loading``.

    One CDP session per page; a collection is a full, synchronous V8 GC of the renderer
    (the frames of one site share it, ``--process-per-site``), done before a navigation so
    the documents of the pages before are let go.
    """

    def __init__(self, context: BrowserContext, page: Page, every: int = GC_EVERY) -> None:
        self._session = context.new_cdp_session(page)
        self.every = every
        self.loads = 0

    def page_loading(self) -> None:
        """A navigation is about to begin: collect if it is the turn of this one."""
        self.loads += 1
        if self.every and self.loads % self.every == 0:
            # A page that is closing fails here: the navigation after this tells what is wrong.
            with contextlib.suppress(PlaywrightError):
                self._session.send("HeapProfiler.collectGarbage")


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


def launch(pw: Playwright, block: Iterable[str], *, headless: bool, slow_mo_ms: int) -> Browser:
    """Chromium launched with robot's switches; ``ConfigError`` if it will not start."""
    try:
        return pw.chromium.launch(executable_path=chromium_path(headless=headless),
                                  headless=headless, args=launch_args(block, headless=headless),
                                  slow_mo=slow_mo_ms)
    except PlaywrightError as exc:
        raise ConfigError(f"cannot start Chromium ({exc.message.splitlines()[0]}); install it "
                          "with `apt-get install chromium chromium-headless-shell` or set "
                          "ROBOT_CHROMIUM") from exc
