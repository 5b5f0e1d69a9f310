"""The wall-time cost of the durable queue: ``robot run`` against ``robot run --direct``.

    python -m bench.queue_overhead [--cases 200] [--rounds 2]

Both enter the same cases into a fresh fixture registry; the two are run alternately, so a
change in machine load hits both alike. The table gives each run and the median ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fixtures.legacy_web.process import LegacyWebApp

ROOT = Path(__file__).resolve().parent.parent
ROBOT = Path(sys.executable).parent / "robot"


def _cases(tmp: Path, count: int) -> Path:
    out = tmp / f"cases-{count}.xlsx"
    subprocess.run([sys.executable, "-m", "fixtures.cases.generate", "--count", str(count),
                    "--seed", "17", "--invalid", "0", "--out", str(out)], check=True, cwd=ROOT)
    return out


def _run(tmp: Path, source: Path, direct: bool, label: str) -> float:
    with LegacyWebApp(tmp / f"{label}.db") as app:
        env = {**os.environ, "REGISTRY_URL": app.url, "REGISTRY_USER": "clerk",
               "REGISTRY_PASSWORD": "clerk-pass", "ROBOT_HOME": str(tmp / label)}
        args = [str(ROBOT), "run", "resident_registration", "--input", str(source)]
        started = time.perf_counter()
        done = subprocess.run([*args, "--direct"] if direct else args, env=env, cwd=ROOT, check=False,
                              capture_output=True, text=True)
        wall = time.perf_counter() - started
        landed = len({r["case_id"] for r in app.dump()})
    if done.returncode != 0 or landed != int(source.stem.split("-")[1]):
        raise SystemExit(f"{label}: exit {done.returncode}, {landed} landed: void\n"
                         f"{done.stderr[-2000:]}")
    return wall


def main() -> None:
    """Alternate the two ways, print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="queue-overhead-") as name:
        tmp = Path(name)
        source = _cases(tmp, args.cases)
        ratios = []
        print(f"{'round':>5} {'direct s':>9} {'queue s':>8} {'queue/direct':>13}")
        for n in range(args.rounds):
            direct = _run(tmp, source, True, f"direct{n}")
            queued = _run(tmp, source, False, f"queue{n}")
            ratios.append(queued / direct)
            print(f"{n + 1:>5} {direct:>9.1f} {queued:>8.1f} {queued / direct:>13.3f}",
                  flush=True)
        print(f"median queue/direct over {args.cases} cases: {statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
