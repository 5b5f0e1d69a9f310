"""Workers bench: ``robot work --workers N`` for N = 1, 2, 4 at 500 ms app latency.

Each row: a fresh ROBOT_HOME, the same generated cases queued, one ``robot work`` run timed,
every case checked in the fixture registry's own database (each case once).

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
from collections import Counter
from pathlib import Path

from fixtures.cases.generate import generate
from fixtures.legacy_web.process import LegacyWebApp
from robot_core.queue.sqlite import SQLiteStore
from robot_core.run.ingest import enqueue_file
from robot_core.script.loader import load_bot
from robot_core.vault import Vault

ROOT = Path(__file__).resolve().parents[1]
ROBOT = Path(sys.executable).parent / "robot"
BOT = "resident_registration"


def one(workers: int, cases: Path, count: int, latency_ms: int, folder: Path) -> dict[str, float]:
    """Queue ``cases`` in a fresh home and time ``robot work --workers N`` on a fresh app."""
    home = folder / f"home-{workers}"
    home.mkdir(parents=True)
    env = {**os.environ, "ROBOT_HOME": str(home), "ROBOT_PROJECT": str(ROOT),
           "REGISTRY_USER": "clerk", "REGISTRY_PASSWORD": "clerk-pass"}
    os.environ["ROBOT_HOME"] = str(home)
    bot = load_bot(ROOT / "bots" / f"{BOT}.yaml", ROOT / "selectors")
    store = SQLiteStore(home / "queue.db")
    try:
        enqueue_file(store, bot, cases, vault=Vault(home))
    finally:
        store.close()
    with LegacyWebApp(folder / f"registry-{workers}.db", latency_ms=latency_ms) as app:
        started = time.monotonic()
        ran = subprocess.run([str(ROBOT), "work", BOT, "--workers", str(workers)],
                             env={**env, "REGISTRY_URL": app.url}, cwd=ROOT,
                             capture_output=True, text=True, check=False)
        wall = time.monotonic() - started
        landed = Counter(r["case_id"] for r in app.dump())
    if ran.returncode != 0:
        raise SystemExit(f"robot work --workers {workers} failed: {ran.stderr[-2000:]}")
    once = len(landed) == count and set(landed.values()) == {1}
    return {"workers": workers, "wall_s": wall, "per_case_ms": wall * 1000 / count,
            "verified": float(once)}


def main() -> None:
    """Run the rows and print the table."""
    parser = argparse.ArgumentParser(prog="bench.workers_bench")
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--latency-ms", type=int, default=500)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="workers-bench-") as tmp:
        folder = Path(tmp)
        cases = folder / "cases.xlsx"
        generate(args.cases, 11, cases)
        rows = [one(n, cases, args.cases, args.latency_ms, folder) for n in args.workers]
    base = rows[0]["wall_s"]
    print(f"{args.cases} cases at {args.latency_ms} ms app latency")
    print(f"{'workers':>7} {'wall s':>8} {'ms/case':>8} {'speed-up':>8} {'each once':>9}")
    for row in rows:
        print(f"{row['workers']:>7.0f} {row['wall_s']:>8.1f} {row['per_case_ms']:>8.0f} "
              f"{base / row['wall_s']:>7.2f}x {'yes' if row['verified'] else 'NO':>9}")


if __name__ == "__main__":
    main()
