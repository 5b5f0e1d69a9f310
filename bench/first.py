"""Time to the first browser action of ``robot run``, side by side: ``python -m bench.first
--rounds 6 /tmp/robot-before``.

Each tree given is a checkout of the project (``git archive <commit> | tar -x -C DIR``);
robot runs from it and from this tree, alternating the order every round, each against a
fresh registry and checked in its database. Prints, per contender, the median seconds from
the spawn of ``robot run`` to the first ``step`` event (``measure.first_action``) and to each
start-up phase (``lean.phases``), the load at the start and end, and the ratio to the first
contender.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
from pathlib import Path

from bench.measure import ROOT, case_file, run_one


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.first", description=__doc__)
    parser.add_argument("trees", nargs="*", type=Path, help="other source trees to compare")
    parser.add_argument("--cases", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args(argv)
    out = ROOT / "bench" / "out" / "first"
    shutil.rmtree(out, ignore_errors=True)
    cases = case_file(args.cases, 7, out / "cases")
    contenders = [f"robot@{t.resolve()}" for t in args.trees] + ["robot"]
    firsts: dict[str, list[float]] = {c: [] for c in contenders}
    marks: dict[str, dict[str, list[float]]] = {c: {} for c in contenders}
    load = os.getloadavg()
    for rnd in range(args.rounds):
        order = contenders if rnd % 2 == 0 else contenders[::-1]
        for index, contender in enumerate(order):
            result = run_one(contender, cases, 0, out, f"r{rnd}-{index}",
                             watch=lambda _pid: contextlib.nullcontext())
            if not result.landed_ok or result.first_action_s is None:
                print(f"{contender}: VOID {result.problems} (see {result.log_file})")
                return 1
            firsts[contender].append(result.first_action_s)
            for name, seconds in result.phases.items():
                marks[contender].setdefault(name, []).append(seconds)
            print(f"  {contender}: first action {result.first_action_s:.2f} s "
                  f"{result.phases}", flush=True)
    end = os.getloadavg()
    print(f"\n{args.rounds} rounds, {args.cases} cases, load {load[0]:.2f} {load[1]:.2f} → "
          f"{end[0]:.2f} {end[1]:.2f}")
    base = statistics.median(firsts[contenders[0]])
    for contender in contenders:
        median = statistics.median(firsts[contender])
        phases = {k: round(statistics.median(v), 3) for k, v in marks[contender].items()}
        print(f"{contender}: first action median {median:.2f} s "
              f"(× {median / base:.2f} of {contenders[0]}), runs {firsts[contender]}; "
              f"phases {phases}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
