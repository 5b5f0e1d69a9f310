"""``python -m bench`` (``make bench``): robot against a hand-written Playwright script.

Side by side, in one run, on the same generated all-valid cases, each run against a fresh
fixture registry (fixtures/legacy_web) and checked in its database (every case once, with
exactly the generated values; a run that entered wrong data voids the bench, exit 1):

1. for every latency (``--latencies``, 0 and 50 ms): robot and the hand-written script
   (bench/handwritten.py) on ``--cases`` (200), alternating who goes first: wall, CPU of the
   whole process tree, peak tree PSS;
2. the long night: both on ``--long`` (2,000) cases: PSS at 200 against 2,000;
3. workers: ``robot work --workers 1/2/4`` at 500 ms latency (bench/workers_bench.py);
4. faults: robot with 10% 503s, 5% hangs and the session expiring every 20 requests,
   against robot on the same cases clean, run next to it;
5. start-up: ``robot --help``, ``robot validate``, time to the first browser action;
6. intake at scale (``--intake-sizes``; off unless asked for): bench/intake_bench.py.

Prints one table (robot, the baseline, the ratio and the issue's target) and writes
``bench/out/results.json`` (every run, time series and logs beside it). ``--scale 0.1`` (or
``BENCH_SCALE=0.1``) scales every count down, ``--quick`` is ``--scale 0.1`` with one
latency: a smoke test of the bench itself on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import psutil
from rich.console import Console
from rich.markup import escape

from bench.measure import ROOT, RunResult, case_file, run_one
from bench.startup import startup
from bench.summary import summary
from robot_core.drivers.web_chromium import chromium_path

OUT = ROOT / "bench" / "out"
TARGET_RATIO = 0.9
STARTED = time.monotonic()
#: The issue's faults: 10% 503s, 5% hangs, the session expiring every 20 requests.
FAULTS = {"fail_rate": 0.1, "hang_rate": 0.05, "session_requests": 20, "seed": 1}
console = Console(width=None if sys.stdout.isatty() else 200)
note = Console(stderr=True, width=None if sys.stderr.isatty() else 160)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=200, help="cases per latency run (200)")
    parser.add_argument("--long", type=int, default=2000,
                        help="cases of the long-night memory run at latency 0; 0 skips it")
    parser.add_argument("--latencies", default="0,50", help="fixture latencies in ms (0,50)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke mode: 20 cases, latency 0, no long night")
    parser.add_argument("--seed", type=int, default=7, help="generator seed (7)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="pairs per latency, alternating who goes first (1)")
    parser.add_argument("--warmup", type=int, default=3,
                        help="unmeasured cases per contender first (page cache); 0 skips")
    parser.add_argument("--long-handwritten", choices=("yes", "no"), default="yes",
                        help="also run the hand-written script on the long count (yes)")
    total_mb = psutil.virtual_memory().total / 2**20
    parser.add_argument("--rss-cap-mb", type=float, default=round(total_mb * 0.5),
                        help="stop a run gracefully above this tree RSS (half the RAM)")
    parser.add_argument("--out", type=Path, default=OUT, help="output folder (bench/out)")
    parser.add_argument("--intake-sizes", default="0",
                        help="rows of the intake-at-scale files, e.g. 10000,100000 (0: skip)")
    parser.add_argument("--scale", type=float, default=float(os.environ.get("BENCH_SCALE", "1")),
                        help="multiply every case count by this (BENCH_SCALE; 1)")
    parser.add_argument("--workers", default="1,2,4", help="worker counts (1,2,4); 0 skips")
    parser.add_argument("--workers-latency", type=int, default=500)
    parser.add_argument("--faults", choices=("yes", "no"), default="yes")
    args = parser.parse_args(argv)
    if args.quick:  # what is given on the command line besides --quick stays
        args.scale = 0.1 if "--scale" not in (argv or sys.argv) else args.scale
        args.latencies = "0" if "--latencies" not in (argv or sys.argv) else args.latencies
        args.warmup = 1 if "--warmup" not in (argv or sys.argv) else args.warmup
    if args.scale != 1:
        args.cases = max(2, round(args.cases * args.scale))
        args.long = round(args.long * args.scale)
    args.worker_list = [n for n in (int(x) for x in args.workers.split(",") if x.strip()) if n]
    args.intake_list = [n for n in (int(x) for x in str(args.intake_sizes).split(",")
                                    if x.strip()) if n > 0]
    args.latency_list = [int(x) for x in str(args.latencies).split(",") if x.strip()]
    if args.cases < 2 or args.long < 0 or args.repeat < 1 or not args.latency_list:
        parser.error("need --cases >= 2, --long >= 0, --repeat >= 1 and some latencies")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out: Path = args.out
    work = out / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    started = STARTED
    report: dict[str, Any] = {"meta": meta(args), "runs": [], "ratios": [], "long": None,
                              "void": False}
    runs: list[RunResult] = []

    def measure(contender: str, cases: Any, latency: int, label: str,
                limit: int | None = None, app_switches: dict[str, Any] | None = None,
                ) -> RunResult:
        note.print(f"[dim]{_clock(started)}[/dim] {label}: {contender}, "
                   f"{limit or len(cases.expected)} cases, latency {latency} ms ...",
                   highlight=False)
        result = run_one(contender, cases, latency, work, label, limit=limit,
                         rss_cap_mb=args.rss_cap_mb, app_switches=app_switches)
        note.print(f"[dim]{_clock(started)}[/dim]   {result.wall_s:.1f} s, "
                   f"{result.cases_per_min:.1f} cases/min, CPU {result.cpu_s:.0f} s, peak tree PSS "
                   f"{result.peak_pss_mb:.0f} MB, landed {result.landed}"
                   + (f", [yellow]stopped: {result.capped}[/yellow]" if result.capped else ""),
                   highlight=False)
        if not app_switches:
            runs.append(result)
        report["runs"].append(result.to_json())
        if not result.landed_ok:
            report["void"] = True
            for problem in result.problems:
                note.print(f"[red]error:[/red] {label}: {escape(problem)}", highlight=False)
            note.print(f"[red]error: {label} failed its check; the bench is void.[/red] "
                       f"See {result.log_file}", highlight=False)
            write(out, report, runs)
            raise SystemExit(1)
        return result

    cases = case_file(args.cases, args.seed, out / "cases")
    if args.warmup:
        # A file of its own rather than --limit: robot's queue counts un-worked rows as pending.
        warm = case_file(args.warmup, args.seed, out / "cases")
        for contender in ("handwritten", "robot"):
            measure(contender, warm, 0, f"warmup-{contender}")
        runs.clear()
        report["runs"].clear()

    for latency in args.latency_list:
        for rep in range(args.repeat):
            order = ("robot", "handwritten") if rep % 2 == 0 else ("handwritten", "robot")
            for contender in order:
                measure(contender, cases, latency, f"{contender}-L{latency}-n{args.cases}"
                        + (f"-r{rep + 1}" if args.repeat > 1 else ""))
    report["ratios"] = ratios(runs, args.latency_list)

    if args.long:
        long_cases = case_file(args.long, args.seed, out / "cases")
        contenders = ["robot"] + (["handwritten"] if args.long_handwritten == "yes" else [])
        for contender in contenders:
            measure(contender, long_cases, 0, f"{contender}-L0-n{args.long}")
        report["long"] = long_night(runs, args.cases, args.long)

    the_rest(args, report, runs, measure, cases, work)

    intake_table = None
    if args.intake_list:
        from bench.intake_bench import scale  # noqa: PLC0415 - only when asked for

        note.print(f"[dim]{_clock(started)}[/dim] intake at scale: "
                   f"{', '.join(f'{n:,}' for n in args.intake_list)} rows ...", highlight=False)
        intake_table, report["intake"], report["intake_meets_targets"] = scale(
            args.intake_list, note)

    report["meta"]["bench_seconds"] = round(time.monotonic() - started, 1)
    write(out, report, runs)
    console.print(summary(report, args))
    if intake_table is not None:
        console.print(intake_table)
    console.print(f"results: {out / 'results.json'}", highlight=False)
    return 0


def the_rest(args: argparse.Namespace, report: dict[str, Any], runs: list[RunResult],
             measure: Any, cases: Any, work: Path) -> None:
    """Faults ÷ clean, workers and start-up, into ``report``."""
    if args.faults == "yes":
        for contender, switches in (("faults", FAULTS), ("clean", {})):
            result = measure("robot", cases, 0, f"robot-{contender}-n{args.cases}",
                             app_switches=switches)
            report[f"robot_{contender}"] = result.to_json()
    if args.worker_list:
        from bench.workers_bench import rows  # noqa: PLC0415 - only when asked for

        note.print(f"[dim]{_clock(STARTED)}[/dim] workers {args.worker_list} at "
                   f"{args.workers_latency} ms, {args.cases} cases ...", highlight=False)
        report["workers"] = rows(args.worker_list, case_file(args.cases, 11, args.out / "cases"),
                                 args.workers_latency, work / "workers")
    report["startup"] = startup()
    robot_l0 = next((r for r in runs if r.contender == "robot" and r.first_action_s), None)
    report["startup"]["first_action_s"] = robot_l0.first_action_s if robot_l0 else None
    report["startup"]["phases"] = robot_l0.phases if robot_l0 else {}


# -- figures --------------------------------------------------------------------------------------
def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def ratios(runs: list[RunResult], latencies: list[int]) -> list[dict[str, Any]]:
    """Robot / hand-written, per latency (medians when repeated)."""
    rows = []
    for latency in latencies:
        pick = [r for r in runs if r.latency_ms == latency and not r.capped]
        robot = [r for r in pick if r.contender == "robot"]
        hand = [r for r in pick if r.contender == "handwritten"]
        if not robot or not hand:
            continue
        robot_n, hand_n = robot[0].cases, hand[0].cases
        robot = [r for r in robot if r.cases == robot_n]
        hand = [r for r in hand if r.cases == hand_n]
        wall_r, wall_h = _median([r.wall_s for r in robot]), _median([r.wall_s for r in hand])
        ms_r = [r.ms_per_case for r in robot if r.ms_per_case]
        ms_h = [r.ms_per_case for r in hand if r.ms_per_case]
        steady = _median(ms_r) / _median(ms_h) if ms_r and ms_h else None
        cpu_r = [r.cpu_ms_per_case for r in robot if r.cpu_ms_per_case]
        cpu_h = [r.cpu_ms_per_case for r in hand if r.cpu_ms_per_case]
        cpu = _median(cpu_r) / _median(cpu_h) if cpu_r and cpu_h else None
        rows.append({
            "latency_ms": latency,
            "cases": robot_n,
            "robot_wall_s": round(wall_r, 2),
            "handwritten_wall_s": round(wall_h, 2),
            "wall_ratio": round(wall_r / wall_h, 3),
            "robot_ms_per_case": round(_median(ms_r), 1) if ms_r else None,
            "handwritten_ms_per_case": round(_median(ms_h), 1) if ms_h else None,
            "steady_ratio": round(steady, 3) if steady else None,
            "robot_cpu_ms_per_case": round(_median(cpu_r), 1) if cpu_r else None,
            "handwritten_cpu_ms_per_case": round(_median(cpu_h), 1) if cpu_h else None,
            "cpu_ratio": round(cpu, 3) if cpu else None,
            "robot_peak_rss_mb": round(max(r.peak_rss_mb for r in robot), 1),
            "handwritten_peak_rss_mb": round(max(r.peak_rss_mb for r in hand), 1),
            "robot_peak_pss_mb": round(max(r.peak_pss_mb for r in robot), 1),
            "handwritten_peak_pss_mb": round(max(r.peak_pss_mb for r in hand), 1),
            "robot_pss_by_kind": max(robot, key=lambda r: r.peak_pss_mb).pss_by_kind,
            "robot_cpu_s": round(_median([r.cpu_s for r in robot]), 1),
            "handwritten_cpu_s": round(_median([r.cpu_s for r in hand]), 1),
            "target": TARGET_RATIO,
            "meets_target": wall_r / wall_h <= TARGET_RATIO,
        })
    return rows


def long_night(runs: list[RunResult], short: int, long: int) -> dict[str, Any]:
    """Peak tree RSS at ``short`` and at ``long`` cases (latency 0), and growth per 100."""
    out: dict[str, Any] = {"short_cases": short, "long_cases": long, "contenders": {}}
    for contender in ("robot", "handwritten"):
        at_short = next((r for r in runs if r.contender == contender and r.latency_ms == 0
                         and r.cases == short), None)
        at_long = next((r for r in runs if r.contender == contender and r.latency_ms == 0
                        and r.cases == long), None)
        if at_long is None:
            continue
        entry: dict[str, Any] = {
            "peak_rss_mb_short": round(at_short.peak_rss_mb, 1) if at_short else None,
            "peak_pss_mb_short": round(at_short.peak_pss_mb, 1) if at_short else None,
            "peak_pss_mb_long": round(at_long.peak_pss_mb, 1),
            "peak_rss_mb_long": round(at_long.peak_rss_mb, 1),
            "cases_done_long": at_long.done,
            "growth_mb_per_100_fit_short": _r(at_short.growth_mb_per_100 if at_short else None),
            "growth_mb_per_100_fit_long": _r(at_long.growth_mb_per_100),
            "capped": at_long.capped,
            "wall_s_long": round(at_long.wall_s, 1),
            "cpu_ms_per_case_long": _r(at_long.cpu_ms_per_case),
            "ms_per_case_first_tenth_long": _r(at_long.ms_per_case_first_tenth),
            "ms_per_case_last_tenth_long": _r(at_long.ms_per_case_last_tenth),
        }
        if at_short and at_long.done > at_short.done:
            entry["growth_mb_per_100_between_runs"] = round(
                100 * (at_long.peak_rss_mb - at_short.peak_rss_mb)
                / (at_long.done - at_short.done), 2)
        out["contenders"][contender] = entry
    robot, hand = out["contenders"].get("robot"), out["contenders"].get("handwritten")
    if robot and hand and not robot["capped"] and not hand["capped"]:
        out["wall_ratio_long"] = round(robot["wall_s_long"] / hand["wall_s_long"], 3)
    return out


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _clock(started: float) -> str:
    seconds = int(time.monotonic() - started)
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def meta(args: argparse.Namespace) -> dict[str, Any]:
    chromium = chromium_path() or "chromium"
    try:
        chromium_version = subprocess.run([chromium, "--version"], capture_output=True,
                                          text=True, timeout=30, check=False).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        chromium_version = "?"
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "memory_mb": round(psutil.virtual_memory().total / 2**20),
        "load_at_start": os.getloadavg(),
        "python": platform.python_version(),
        "playwright": version("playwright"),
        "robot": robot_version(),
        "chromium": chromium_version,
        "cases": args.cases,
        "long": args.long,
        "latencies": args.latency_list,
        "seed": args.seed,
        "repeat": args.repeat,
        "warmup": args.warmup,
        "quick": args.quick,
        "sample_interval_s": 0.2,
        "rss": "sum of RSS over the process and all its recursive children (shared pages "
               "counted once per process)",
        "pss": "sum of PSS over the same tree (shared pages split between sharers), every "
               "5th sample",
        "scale": args.scale,
    }


def robot_version() -> str:
    try:
        import robot_core  # noqa: PLC0415 - only for its version string
    except ImportError:
        return "?"
    return str(getattr(robot_core, "__version__", "?"))


def write(out: Path, report: dict[str, Any], runs: list[RunResult]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    report["runs"] = [r.to_json() for r in runs] or report["runs"]
    (out / "results.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n",
                                      encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
