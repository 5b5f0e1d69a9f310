"""``python -m bench.heldout``: robot, raw Playwright and Robot Framework + SeleniumLibrary on
a form the project has never seen (bench/heldout/app), side by side, in one run.

For every latency (``--latencies``, 0 and 50 ms) and round (``--repeat``; the order of the
contenders is reversed every other round, across latencies too), each contender types the
same ``--cases`` seeded
registrations (bench/heldout/cases.py) into a fresh app and database, measured as
bench/measure.py measures ``make bench``: wall time from spawn to exit, CPU seconds of the
whole process tree, peak tree PSS (bench/memory.py's TreeSampler), growth (MB per 100
cases), and every record checked in the app's own database (each case exactly once, with
exactly the generated values; a run that landed anything else is VOID and the bench exits 1).

Prints a table with medians and the ratios robot ÷ raw Playwright and robot ÷ Robot
Framework; writes ``bench/out/heldout/results.json`` (every run, logs beside it).
``--contenders`` picks some of robot, playwright, rf; ``robot@TREE`` is robot with TREE's
robot_core (an A/B of two versions in one run, as bench/ab.py does for the fixture).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
from pathlib import Path
from typing import Any

from bench.heldout.app.process import DogApp
from bench.heldout.cases import Cases, cases
from bench.lean import KindSampler
from bench.measure import (  # the fixture bench's own figures and checks, reused as they are
    ROOT,
    RunResult,
    _verify,
    audit_breakdown,
    measured,
)

HERE = Path(__file__).resolve().parent
PROJECT = HERE / "project"
OUT = ROOT / "bench" / "out" / "heldout"
USER, PASSWORD = "hoken01", "inu-pass"
CONTENDERS = ("robot", "playwright", "rf")


def command(contender: str, url: str, data: Cases, folder: Path) -> tuple[list[str], Path]:
    """The contender's command line and working folder."""
    bin_dir = Path(sys.executable).parent
    if contender == "robot" or contender.startswith("robot@"):
        return [str(bin_dir / "robot"), "run", "dog_registration", "--input", str(data.csv)], \
            PROJECT
    if contender == "playwright":
        return [sys.executable, "-m", "bench.heldout.raw_playwright", "--url", url, "--input",
                str(data.csv)], ROOT
    if contender == "rf":  # Robot Framework's own CLI is `robot` too: run it as a module
        return [sys.executable, "-m", "robot", "--outputdir", str(folder / "rf"),
                "--console", "none", "--variable", f"URL:{url}",
                "--variable", f"INPUT:{data.csv}", str(HERE / "dogs.robot")], ROOT
    raise ValueError(contender)


def run_one(contender: str, data: Cases, latency_ms: int, label: str) -> RunResult:
    """One contender over ``data`` against a fresh app: measured and verified."""
    result = RunResult(label, contender, latency_ms, len(data.expected))
    folder = OUT / "work" / label
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    result.log_file = str(folder / "output.log")
    with DogApp(folder / "dogs.db", latency_ms=latency_ms) as app:
        cmd, cwd = command(contender, app.url, data, folder)
        env = {**os.environ, "DOG_WEB_URL": app.url, "DOG_WEB_USER": USER,
               "DOG_WEB_PASSWORD": PASSWORD, "ROBOT_HOME": str(folder / "home"),
               "ROBOT_PROJECT": str(PROJECT), "PYTHONUNBUFFERED": "1",
               "PYTHONPATH": str(ROOT)}
        if contender.startswith("robot@"):  # robot_core from another tree (an A/B in one run)
            env["PYTHONPATH"] = f"{contender.split('@', 1)[1]}{os.pathsep}{ROOT}"
        env.pop("COLUMNS", None)
        kinds: list[KindSampler] = []

        def watch(pid: int) -> KindSampler:
            kinds.append(KindSampler(pid))
            return kinds[-1]

        _, progress, _ = measured(cmd, cwd, env, Path(result.log_file), result, watch=watch)
        _verify(result, app.dump(), data.expected, progress)
    result.pss_by_kind = kinds[0].peaks()
    if contender.startswith("robot"):
        result.steps = audit_breakdown(folder / "home")
    return result


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.heldout", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=50)
    parser.add_argument("--latencies", default="0,50")
    parser.add_argument("--repeat", type=int, default=2, help="rounds per latency (2)")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--contenders", default=",".join(CONTENDERS))
    args = parser.parse_args(argv)
    args.latency_list = [int(x) for x in args.latencies.split(",") if x.strip()]
    args.contender_list = [c for c in args.contenders.split(",") if c.strip()]
    if {c.split("@")[0] for c in args.contender_list} - set(CONTENDERS) or args.cases < 2:
        parser.error(f"contenders are some of {', '.join(CONTENDERS)}; --cases >= 2")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    data = cases(args.cases, args.seed, OUT / "cases")
    runs: list[RunResult] = []
    load_start = os.getloadavg()
    turn = 0
    for latency in args.latency_list:
        for rnd in range(args.repeat):
            order = args.contender_list if turn % 2 == 0 else args.contender_list[::-1]
            turn += 1
            for contender in order:
                label = f"l{latency}-r{rnd}-{contender.split('@')[0]}{len(runs)}"
                result = run_one(contender, data, latency, label)
                runs.append(result)
                print(f"{label}: {result.wall_s:.1f} s wall, CPU {result.cpu_s:.1f} s, PSS "
                      f"{result.peak_pss_mb:.0f} MB, landed {result.landed}"
                      f"{'' if result.landed_ok else ' VOID ' + '; '.join(result.problems)}",
                      file=sys.stderr, flush=True)
    load_end = os.getloadavg()
    table = summarise(runs, args)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(
        {"cases": args.cases, "load_start": load_start, "load_end": load_end, "table": table,
         "runs": [r.to_json() for r in runs]}, ensure_ascii=False, indent=1), encoding="utf-8")
    print_table(table, args, load_start, load_end)
    return 0 if all(r.landed_ok for r in runs) else 1


def summarise(runs: list[RunResult], args: argparse.Namespace) -> list[dict[str, Any]]:
    """Medians per (latency, contender) and robot's ratios to the others."""
    rows = []
    for latency in args.latency_list:
        med: dict[str, dict[str, float]] = {}
        for contender in args.contender_list:
            mine = [r for r in runs if r.latency_ms == latency and r.contender == contender]
            med[contender] = {
                "wall_s": statistics.median(r.wall_s for r in mine),
                "cpu_s": statistics.median(r.cpu_s for r in mine),
                "pss_mb": statistics.median(r.peak_pss_mb for r in mine),
                "growth": statistics.median(r.growth_mb_per_100 or 0.0 for r in mine),
                "ms_case": statistics.median(r.ms_per_case or 0.0 for r in mine),
                "ok": float(all(r.landed_ok for r in mine)), "n": float(len(mine))}
        for contender, figures in med.items():
            row: dict[str, Any] = {"latency_ms": latency, "contender": contender, **figures}
            if contender.startswith("robot"):
                for other in ("playwright", "rf"):
                    if other in med:
                        row[f"wall_vs_{other}"] = figures["wall_s"] / med[other]["wall_s"]
                        row[f"cpu_vs_{other}"] = figures["cpu_s"] / med[other]["cpu_s"]
            rows.append(row)
    return rows


def print_table(table: list[dict[str, Any]], args: argparse.Namespace,
                load_start: tuple[float, ...], load_end: tuple[float, ...]) -> None:
    print(f"\n{args.cases} cases, {args.repeat} round(s) per latency, order alternated; load "
          f"{load_start[0]:.1f} → {load_end[0]:.1f}")
    print(f"{'lat':>4} {'contender':<11}{'wall s':>8}{'CPU s':>8}{'ms/case':>9}{'PSS MB':>8}"
          f"{'MB/100':>8}  verified  robot÷PW wall/CPU  robot÷RF wall/CPU")
    for row in table:
        ratios = ""
        if row["contender"].startswith("robot"):
            for other in ("playwright", "rf"):
                if f"wall_vs_{other}" in row:
                    wall, cpu = row[f"wall_vs_{other}"], row[f"cpu_vs_{other}"]
                    ratios += f"  {wall:.2f}× / {cpu:.2f}×    "
        print(f"{row['latency_ms']:>4} {row['contender']:<11}{row['wall_s']:>8.1f}"
              f"{row['cpu_s']:>8.1f}{row['ms_case']:>9.0f}{row['pss_mb']:>8.0f}"
              f"{row['growth']:>8.1f}  {'yes' if row['ok'] else 'NO':<8}{ratios}")


if __name__ == "__main__":
    raise SystemExit(main())
