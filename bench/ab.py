"""A/B of robot versions side by side: ``python -m bench.ab --cases 20 /tmp/robot-before``.

Each tree given is a checkout of the project (``git archive <commit> | tar -x -C DIR``);
robot runs from it (its robot_core, bots and selectors), next to robot from this tree and the
hand-written script, in one run, alternating the order every round, each against a fresh
registry and checked in its database. Prints CPU and steady ms per case of every contender
and its ratio to the hand-written script (medians over the rounds), so the effect of one
change is measured under the same load as its baseline.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
from pathlib import Path

from bench.measure import ROOT, RunResult, case_file, run_one


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ab", description=__doc__)
    parser.add_argument("trees", nargs="*", type=Path, help="other source trees to compare")
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--latency", type=int, default=0)
    parser.add_argument("--no-handwritten", action="store_true")
    args = parser.parse_args(argv)
    out = ROOT / "bench" / "out" / "ab"
    shutil.rmtree(out, ignore_errors=True)
    cases = case_file(args.cases, 7, out / "cases")
    contenders = [f"robot@{t.resolve()}" for t in args.trees] + ["robot"]
    if not args.no_handwritten:
        contenders.append("handwritten")
    runs: dict[str, list[RunResult]] = {c: [] for c in contenders}
    load_before = os.getloadavg()[0]
    for rnd in range(args.rounds):
        order = contenders if rnd % 2 == 0 else contenders[::-1]
        for index, contender in enumerate(order):
            result = run_one(contender, cases, args.latency, out, f"r{rnd}-{index}")
            if not result.landed_ok:
                print(f"{contender}: VOID {result.problems} (see {result.log_file})")
                return 1
            runs[contender].append(result)
            print(f"  {_name(contender)}: wall {result.wall_s:.1f} s, CPU "
                  f"{result.cpu_ms_per_case:.0f} ms/case, steady {result.ms_per_case or 0:.0f} "
                  f"ms/case, peak tree PSS {result.peak_pss_mb:.0f} MB", flush=True)
    base = runs.get("handwritten")
    print(f"\n{args.cases} cases, latency {args.latency} ms, {args.rounds} rounds, load "
          f"{load_before:.1f} → {os.getloadavg()[0]:.1f}")
    print(f"{'contender':<28} {'CPU ms/case':>11} {'steady ms/case':>14} {'PSS MB':>7} "
          f"{'CPU ÷ hand':>10} {'steady ÷ hand':>13}")
    for contender, results in runs.items():
        cpu = statistics.median(r.cpu_ms_per_case or 0 for r in results)
        steady = statistics.median(r.ms_per_case or 0 for r in results)
        pss = statistics.median(r.peak_pss_mb for r in results)
        if base:
            hand_cpu = statistics.median(r.cpu_ms_per_case or 0 for r in base)
            hand_steady = statistics.median(r.ms_per_case or 0 for r in base)
            ratios = f"{cpu / hand_cpu:>9.2f}x {steady / hand_steady:>12.2f}x"
        else:
            ratios = ""
        print(f"{_name(contender):<28} {cpu:>11.0f} {steady:>14.0f} {pss:>7.0f} {ratios}")
    return 0


def _name(contender: str) -> str:
    return contender if "@" not in contender else "robot@" + Path(contender[6:]).name


if __name__ == "__main__":
    raise SystemExit(main())
