"""Workers bench: ``robot work --workers N`` for N = 1, 2, 4 at 500 ms app latency.

Each row: a fresh ROBOT_HOME, the same generated cases queued, one ``robot work`` run timed
(wall, and CPU of the whole tree), every case checked in the fixture registry's own database
(each case once, with exactly the generated values). ``python -m bench`` folds it into its
table; alone:

    python -m bench.workers_bench --cases 200            # the issue's bench (long)
    python -m bench.workers_bench --cases 4 --workers 1 2  # a quick look
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.measure import BOT, PASSWORD, ROOT, USER, CaseFile, RunResult, _verify, case_file
from bench.memory import TreeSampler
from fixtures.legacy_web.process import LegacyWebApp

ROBOT = Path(sys.executable).parent / "robot"


def one(workers: int, cases: CaseFile, latency_ms: int, folder: Path) -> dict[str, Any]:
    """Queue ``cases`` in a fresh home and time ``robot work --workers N`` on a fresh app."""
    home = folder / f"home-{workers}"
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "ROBOT_HOME": str(home), "ROBOT_PROJECT": str(ROOT),
           "REGISTRY_USER": USER, "REGISTRY_PASSWORD": PASSWORD}
    _enqueue(home, cases.xlsx)
    (folder / f"registry-{workers}.db").unlink(missing_ok=True)
    with LegacyWebApp(folder / f"registry-{workers}.db", latency_ms=latency_ms) as app:
        started = time.monotonic()
        proc = subprocess.Popen([str(ROBOT), "work", BOT, "--workers", str(workers)],
                                env={**env, "REGISTRY_URL": app.url}, cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        with TreeSampler(proc.pid, 0.5) as sampler:
            _, err = proc.communicate()
        wall = time.monotonic() - started
        check = RunResult(f"workers-{workers}", "robot", latency_ms, len(cases.expected),
                          exit_code=proc.returncode)
        _verify(check, app.dump(), cases.expected, [])
    if not check.landed_ok:
        raise SystemExit(f"robot work --workers {workers}: {check.problems}; {err[-2000:]}")
    return {"workers": workers, "cases": len(cases.expected), "wall_s": round(wall, 2),
            "per_case_ms": round(wall * 1000 / len(cases.expected), 1),
            "cpu_s": round(sampler.cpu_s, 1), "peak_pss_mb": round(sampler.peak_pss_mb),
            "verified": True}


def _enqueue(home: Path, xlsx: Path) -> None:
    """Queue the case file in ``home``, as ``robot run`` would before working it."""
    from robot_core.queue.sqlite import SQLiteStore  # noqa: PLC0415 - robot's own, on demand
    from robot_core.run.ingest import enqueue_file  # noqa: PLC0415
    from robot_core.script.loader import load_bot  # noqa: PLC0415
    from robot_core.vault import Vault  # noqa: PLC0415

    saved = os.environ.get("ROBOT_HOME")
    os.environ["ROBOT_HOME"] = str(home)
    try:
        bot = load_bot(ROOT / "bots" / f"{BOT}.yaml", ROOT / "selectors")
        store = SQLiteStore(home / "queue.db")
        try:
            enqueue_file(store, bot, xlsx, vault=Vault(home))
        finally:
            store.close()
    finally:
        if saved is None:
            os.environ.pop("ROBOT_HOME", None)
        else:
            os.environ["ROBOT_HOME"] = saved


def rows(counts: list[int], cases: CaseFile, latency_ms: int, folder: Path,
         ) -> list[dict[str, Any]]:
    """One row per worker count, with its speed-up over the first."""
    out = [one(n, cases, latency_ms, folder) for n in counts]
    for row in out:
        row["speedup"] = round(out[0]["wall_s"] / row["wall_s"], 2)
    return out


def main() -> None:
    """Run the rows and print the table."""
    parser = argparse.ArgumentParser(prog="bench.workers_bench")
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--latency-ms", type=int, default=500)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="workers-bench-") as tmp:
        folder = Path(tmp)
        cases = case_file(args.cases, 11, folder / "cases")
        table = rows(args.workers, cases, args.latency_ms, folder)
    print(f"{args.cases} cases at {args.latency_ms} ms app latency")
    print(f"{'workers':>7} {'wall s':>8} {'ms/case':>8} {'speed-up':>8} {'each once':>9}")
    for row in table:
        print(f"{row['workers']:>7} {row['wall_s']:>8.1f} {row['per_case_ms']:>8.0f} "
              f"{row['speedup']:>7.2f}x {'yes':>9}")


if __name__ == "__main__":
    main()
