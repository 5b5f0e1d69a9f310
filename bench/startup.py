"""Start-up figures for ``python -m bench``: ``robot --help`` and ``robot validate``, timed.

Each command runs ``repeat`` times; the median wall time counts (the first run also pays for
a cold page cache, which the median leaves out). Time to the first browser action comes from
the robot runs themselves (``measure.first_action``).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.measure import ROOT

ROBOT = Path(sys.executable).parent / "robot"


def timed(args: list[str], repeat: int = 3) -> float:
    """Median wall seconds of ``robot ARGS`` (it must exit 0)."""
    env = {**os.environ, "ROBOT_PROJECT": str(ROOT)}
    seconds = []
    for _ in range(repeat):
        started = time.monotonic()
        done = subprocess.run([str(ROBOT), *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, check=False)
        seconds.append(time.monotonic() - started)
        if done.returncode != 0:
            raise SystemExit(f"robot {' '.join(args)} exited {done.returncode}: "
                             f"{done.stderr[-1000:]}")
    return round(statistics.median(seconds), 3)


def startup() -> dict[str, float]:
    """``robot --help`` and ``robot validate`` of the shipped bots, in seconds."""
    return {"help_s": timed(["--help"]), "validate_s": timed(["validate"])}
