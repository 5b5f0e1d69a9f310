"""Faults bench: robot with the issue's faults against robot clean, side by side, and where
the difference goes.

The issue's faults (10% HTTP 503s, 5% hung answers, the session expiring every 20 requests)
are the fixture's switches (``bench/__main__.py`` FAULTS). Per latency, a faulted and a clean
run on the same cases, alternating who goes first (``--repeat``), each verified in the
fixture's database like every bench run (``bench/measure.py``). From the faulted run's audit
trail: the time spent in failed steps per error kind, in the wait between a failure and its
recovery (screenshot, backoff), in each recovery per cause (to the next attempt), and in
verify. ``make bench`` prints the ratio; alone:

    python -m bench.faults_bench --cases 40 --latencies 0,50
    python -m bench.faults_bench --cases 20 --trees robot,robot@/tmp/old-tree   # an A/B
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.measure import ROOT, case_file, run_one

FAULTS: dict[str, Any] = {"fail_rate": 0.1, "hang_rate": 0.05, "session_requests": 20, "seed": 1}
OUT = ROOT / "bench" / "out" / "faults"


def breakdown(home: Path) -> dict[str, Any]:
    """Seconds of a run's audit trail by what they were spent on (faults, recovery, verify)."""
    trail = sorted(home.glob("runs/*/audit.jsonl"))[-1]
    events = [json.loads(line) for line in trail.read_text("utf-8").splitlines()]
    failed_steps: dict[str, float] = defaultdict(float)
    recover_s: dict[str, float] = defaultdict(float)
    causes: Counter[str] = Counter()
    before_recover_s = verify_s = 0.0
    last_error_at: float | None = None
    recovering: tuple[str, float] | None = None
    verifying: float | None = None
    kept = resumed = 0
    for event in events:
        at = datetime.fromisoformat(event["ts"]).timestamp()
        name = event["event"]
        if name == "step" and event.get("outcome") == "error":
            kind = str(event.get("error", "")).split(":", 1)[0]
            failed_steps[kind] += event["duration_ms"] / 1000
            last_error_at = at
        elif name == "recover":
            causes[event["cause"]] += 1
            if last_error_at is not None:
                before_recover_s += at - last_error_at
            recovering, last_error_at = (event["cause"], at), None
        elif name == "login_kept":
            kept += 1
        elif name == "case_started":
            resumed += "resumed_at" in event
            if recovering is not None:
                recover_s[recovering[0]] += at - recovering[1]
                recovering = None
            verifying = at if event.get("uncertain") else None
        elif name == "case_verified" and verifying is not None:
            verify_s += at - verifying
            verifying = None
    return {"failed_steps_s": _rounded(failed_steps), "before_recover_s": round(before_recover_s, 1),
            "recover_s": _rounded(recover_s), "recoveries": dict(causes), "login_kept": kept,
            "resumed": resumed, "verify_s": round(verify_s, 1)}


def false_hangs(home: Path) -> int:
    """Steps of a clean run (no hang injected) that were called hung: honest answers late."""
    trail = sorted(home.glob("runs/*/audit.jsonl"))[-1]
    events = (json.loads(line) for line in trail.read_text("utf-8").splitlines())
    return sum(e["event"] == "step" and str(e.get("error", "")).startswith("NoResponse")
               for e in events)


def _rounded(values: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 1) for k, v in sorted(values.items(), key=lambda kv: -kv[1])}


def pair(cases: Any, latency: int, work: Path, tree: str, first: str,
         faults: dict[str, Any] | None = None) -> dict[str, Any]:
    """A faulted and a clean run of ``tree`` (``robot`` or ``robot@/path``), ``first`` first."""
    order = ("faults", "clean") if first == "faults" else ("clean", "faults")
    row: dict[str, Any] = {"tree": tree, "latency_ms": latency, "cases": len(cases.expected)}
    for kind in order:
        label = f"{kind}-L{latency}-{_slug(tree)}-{first}"
        result = run_one(tree, cases, latency, work, label,
                         app_switches=(faults or FAULTS) if kind == "faults" else None)
        if not result.landed_ok:
            raise SystemExit(f"{label}: {result.problems}; see {result.log_file}")
        row[f"{kind}_wall_s"] = round(result.wall_s, 1)
        row[f"{kind}_load"] = [round(x, 1) for x in result.load_before]
        if kind == "faults":
            row["faults"] = breakdown(work / label / "home")
        else:  # the bound of a hung answer holds when no honest answer is called hung
            row["clean_false_hangs"] = false_hangs(work / label / "home")
    row["ratio"] = round(row["faults_wall_s"] / row["clean_wall_s"], 2)
    return row


def _slug(tree: str) -> str:
    return tree.replace("@", "-").replace("/", "_").strip("_")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.faults_bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--latencies", default="0,50")
    parser.add_argument("--repeat", type=int, default=1, help="pairs per latency and tree")
    parser.add_argument("--trees", default="robot", help="robot, or robot@/path (A/B), comma-separated")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--fault-seed", type=int, default=FAULTS["seed"],
                        help="the fixture's fault draws: another seed, other requests hit")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    work = args.out / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    cases = case_file(args.cases, args.seed, args.out / "cases")
    rows = []
    trees = [t.strip() for t in args.trees.split(",") if t.strip()]
    for n, latency in enumerate(int(x) for x in args.latencies.split(",")):
        for rep in range(args.repeat):
            for i, tree in enumerate(trees if rep % 2 == 0 else trees[::-1]):
                # who goes first alternates across pairs, latencies included
                first = "faults" if (n + rep + i) % 2 == 0 else "clean"
                row = pair(cases, latency, work, tree, first,
                           {**FAULTS, "seed": args.fault_seed})
                rows.append(row)
                print(json.dumps(row, ensure_ascii=False), flush=True)
    (args.out / "results.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1),
                                           encoding="utf-8")
    for row in rows:
        print(f"{row['tree']:>30} L{row['latency_ms']:<4} n{row['cases']} faults "
              f"{row['faults_wall_s']:6.1f} s  clean {row['clean_wall_s']:6.1f} s  "
              f"ratio {row['ratio']:5.2f}  load {row['faults_load'][0]} "
              f"(now {os.getloadavg()[0]:.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
