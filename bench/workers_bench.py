"""Workers bench: ``robot work --workers N`` for N = 1, 2, 4 at 500 ms app latency.

Each row: a fresh ROBOT_HOME, the same generated cases queued, one ``robot work`` run timed
(wall, and CPU of the whole tree), every case checked in the fixture registry's own database
(each case once, with exactly the generated values) and in the queue (each item ``done``).
Each row also says what the machine was doing (the load average before and after, the cores
the run's tree used) and where the time went, from the workers' audit trails: when the first
case started (start-up: process, browser, login), how the cases split between workers and
how far apart the workers ended (the tail). With ``--repeat R`` the counts run R rounds, the
order reversed every other round, and each figure is the round's median.

``python -m bench`` folds it into its table; alone:

    python -m bench.workers_bench --cases 200            # the issue's bench (long)
    python -m bench.workers_bench --cases 40 --repeat 2  # side by side, alternating
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import datetime
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
    load_before = os.getloadavg()[0]
    with LegacyWebApp(folder / f"registry-{workers}.db", latency_ms=latency_ms) as app:
        started, started_at = time.monotonic(), time.time()
        proc = subprocess.Popen([str(ROBOT), "work", BOT, "--workers", str(workers)],
                                env={**env, "REGISTRY_URL": app.url}, cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        with TreeSampler(proc.pid, 0.5) as sampler:
            _, err = proc.communicate()
        wall = time.monotonic() - started
        check = RunResult(f"workers-{workers}", "robot", latency_ms, len(cases.expected),
                          exit_code=proc.returncode)
        _verify(check, app.dump(), cases.expected, [])
    check.problems += _queue_problems(home, [c["case_id"] for c in cases.expected])
    if check.problems:
        raise SystemExit(f"robot work --workers {workers}: {check.problems}; {err[-2000:]}")
    n = len(cases.expected)
    return {"workers": workers, "cases": n, "wall_s": round(wall, 2),
            "per_case_ms": round(wall * 1000 / n, 1),
            "cpu_s": round(sampler.cpu_s, 1), "cpu_per_case_s": round(sampler.cpu_s / n, 2),
            "cores_used": round(sampler.cpu_s / wall, 2),
            "peak_pss_mb": round(sampler.peak_pss_mb),
            "load_before": round(load_before, 1), "load_after": round(os.getloadavg()[0], 1),
            **timeline(home, started_at), "verified": True}


def _queue_problems(home: Path, keys: list[str]) -> list[str]:
    """What is wrong in the queue after the run: every item done, each case once."""
    from robot_core.outcome import Status  # noqa: PLC0415 - robot's own, on demand
    from robot_core.queue.sqlite import SQLiteStore  # noqa: PLC0415

    store = SQLiteStore(home / "queue.db")
    try:
        items = store.items(BOT)
    finally:
        store.close()
    problems = []
    states = Counter(i.state for i in items)
    if states[Status.DONE] != len(items):
        problems.append(f"queue not all done: {dict(states)}")
    if sorted(i.key for i in items) != sorted(keys):
        problems.append(f"queue holds {len(items)} items for {len(keys)} cases")
    return problems


def timeline(home: Path, started_at: float) -> dict[str, Any]:
    """Where a run's time went, from its workers' audit trails (seconds from the launch)."""
    first: list[float] = []
    stopped: list[float] = []
    split: list[int] = []
    for audit in sorted(home.glob("runs/*/audit.jsonl")):
        events = [json.loads(line) for line in audit.read_text("utf-8").splitlines()]
        at: dict[str, list[float]] = defaultdict(list)
        for e in events:
            at[e["event"]].append(datetime.fromisoformat(e["ts"]).timestamp() - started_at)
        if at.get("case_started"):
            first.append(at["case_started"][0])
        stopped += at.get("worker_stopped", [])
        split.append(len(at.get("case_finished", [])))
    return {"first_case_s": round(min(first), 1) if first else None,
            "last_first_case_s": round(max(first), 1) if first else None,
            "tail_s": round(max(stopped) - min(stopped), 1) if stopped else None,
            "split": split}


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


def rows(counts: list[int], cases: CaseFile, latency_ms: int, folder: Path, repeat: int = 1,
         ) -> list[dict[str, Any]]:
    """One row per worker count (the median of ``repeat`` rounds, the order reversed every
    other round), with its speed-up over the fewest workers."""
    rounds: dict[int, list[dict[str, Any]]] = {n: [] for n in counts}
    for r in range(repeat):
        for n in counts if r % 2 == 0 else reversed(counts):
            rounds[n].append(one(n, cases, latency_ms, folder / f"round-{r}"))
    out = [_median(rounds[n]) for n in counts]
    base = min(out, key=lambda row: row["workers"])  # the fewest workers, whatever the order
    for row in out:
        row["speedup"] = round(base["wall_s"] / row["wall_s"], 2)
    return out


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median wall time (all its figures), with every round's wall beside it."""
    ranked = sorted(runs, key=lambda row: row["wall_s"])
    row = dict(ranked[(len(ranked) - 1) // 2])
    row["walls_s"] = [r["wall_s"] for r in runs]
    row["median_wall_s"] = statistics.median(row["walls_s"])
    return row


def main() -> None:
    """Run the rows and print the table."""
    parser = argparse.ArgumentParser(prog="bench.workers_bench")
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--latency-ms", type=int, default=500)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="workers-bench-") as tmp:
        folder = Path(tmp)
        cases = case_file(args.cases, 11, folder / "cases")
        table = rows(args.workers, cases, args.latency_ms, folder, args.repeat)
    if args.json:
        args.json.write_text(json.dumps(table, indent=1))
    print(f"{args.cases} cases at {args.latency_ms} ms app latency, {os.cpu_count()} cores; "
          "every case once in the registry and the queue")
    print(f"{'workers':>7} {'wall s':>7} {'ms/case':>7} {'speed-up':>8} {'cpu/case':>8} "
          f"{'cores':>5} {'1st case':>8} {'tail s':>6} {'split':>14} {'load':>10}")
    for row in table:
        print(f"{row['workers']:>7} {row['wall_s']:>7.1f} {row['per_case_ms']:>7.0f} "
              f"{row['speedup']:>7.2f}x {row['cpu_per_case_s']:>7.2f}s {row['cores_used']:>5.2f} "
              f"{row['first_case_s']:>7.1f}s {row['tail_s']:>6.1f} "
              f"{'/'.join(map(str, row['split'])):>14} "
              f"{row['load_before']:>4.1f}-{row['load_after']:<4.1f}")


if __name__ == "__main__":
    main()
