"""A real X server for the desktop tests: Xvfb on a free display number, 1280x1024x24.

The tests never skip: a machine without Xvfb fails them with the command that fixes it
(``make system`` installs xvfb, xauth and the CJK fonts).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SCREEN = "1280x1024x24"
NEEDED = ("Xvfb",)


@contextmanager
def xvfb() -> Iterator[str]:
    """Start Xvfb on the first free display from :90; yield ``:N``; stop it afterwards."""
    missing = [tool for tool in NEEDED if shutil.which(tool) is None]
    if missing:
        raise RuntimeError(f"missing {', '.join(missing)}: run `make system` "
                           "(apt-get install xvfb xauth fonts-noto-cjk)")
    number = next(n for n in range(90, 200) if not Path(f"/tmp/.X{n}-lock").exists()
                  and not Path(f"/tmp/.X11-unix/X{n}").exists())
    name = f":{number}"
    proc = subprocess.Popen(["Xvfb", name, "-screen", "0", SCREEN, "-nolisten", "tcp",
                             "-noreset"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 15
        while not Path(f"/tmp/.X11-unix/X{number}").exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Xvfb {name} did not start")
            time.sleep(0.05)
        yield name
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def desktop_environment(display: str) -> dict[str, str]:
    """What a desktop run needs besides the bot's own variables.

    python-xlib wants ``~/.Xauthority`` to exist (an empty one will do with Xvfb).
    """
    home = Path(os.environ.get("HOME") or Path.home())
    (home / ".Xauthority").touch(exist_ok=True)
    return {"DISPLAY": display, "XDG_SESSION_TYPE": "x11"}


def dump(db: Path) -> list[dict[str, Any]]:
    """The ledger, through the client's own ``dump`` command."""
    out = subprocess.run([sys.executable, "-m", "fixtures.legacy_desktop", "dump", "--db",
                          str(db)], capture_output=True, text=True, check=True, cwd=ROOT)
    records: list[dict[str, Any]] = json.loads(out.stdout)
    return records


def client_pids(db: Path) -> list[int]:
    """Process ids of ledger clients running on ``db`` (read from /proc; the test's own)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"fixtures.legacy_desktop" in argv and b"run" in argv and str(db).encode() in argv:
            pids.append(int(entry.name))
    return pids
