"""``python -m bench`` (``make bench``): robot against a hand-written Playwright script.

Side by side, in one run, on the same generated all-valid cases, each against a fresh
fixture registry:

1. for every fixture latency (``--latencies``, default 0 and 50 ms): ``robot run`` and the
   hand-written script (``bench/handwritten.py``) on ``--cases`` cases: wall time, cases per
   minute, peak RSS of the whole process tree; the ratio robot / hand-written;
2. the long night (``--long``, default 2,000 cases, latency 0): robot's peak tree RSS next to
   its peak at ``--cases``, and the hand-written script's too, with RSS growth per 100 cases.

Every run is checked against the registry's dump: all cases exactly once with exactly the
generated values. A run that entered wrong data voids the bench (exit 1).

3. intake at scale (``--intake-sizes``, default 10,000 and 100,000 rows; ``0`` skips it):
   .xlsx and CSV through queueing and the results workbook, beside openpyxl's own
   read-only iteration of the same file (``bench/intake_bench.py``, ``--scale``).

Prints a table and writes ``bench/out/results.json`` (time series and logs beside it).
``--quick``: 20 cases, latency 0, no long night, no intake at scale: a smoke test of the
bench itself.
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
from rich.table import Table

from bench.measure import ROOT, RunResult, case_file, run_one

OUT = ROOT / "bench" / "out"
TARGET_RATIO = 1.15
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
    parser.add_argument("--intake-sizes", default="10000,100000",
                        help="rows of the intake-at-scale files (10000,100000); 0 skips it")
    args = parser.parse_args(argv)
    if args.quick:
        args.cases, args.long, args.latencies, args.warmup = 20, 0, "0", 1
        args.intake_sizes = "0"
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
    started = time.monotonic()
    report: dict[str, Any] = {"meta": meta(args), "runs": [], "ratios": [], "long": None,
                              "void": False}
    runs: list[RunResult] = []

    def measure(contender: str, cases: Any, latency: int, label: str,
                limit: int | None = None) -> RunResult:
        note.print(f"[dim]{_clock(started)}[/dim] {label}: {contender}, "
                   f"{limit or len(cases.expected)} cases, latency {latency} ms ...",
                   highlight=False)
        result = run_one(contender, cases, latency, work, label, limit=limit,
                         rss_cap_mb=args.rss_cap_mb)
        note.print(f"[dim]{_clock(started)}[/dim]   {result.wall_s:.1f} s, "
                   f"{result.cases_per_min:.1f} cases/min, CPU {result.cpu_s:.0f} s, peak tree RSS "
                   f"{result.peak_rss_mb:.0f} MB, landed {result.landed}"
                   + (f", [yellow]stopped: {result.capped}[/yellow]" if result.capped else ""),
                   highlight=False)
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

    intake_table = None
    if args.intake_list:
        from bench.intake_bench import scale  # noqa: PLC0415 - only when asked for

        note.print(f"[dim]{_clock(started)}[/dim] intake at scale: "
                   f"{', '.join(f'{n:,}' for n in args.intake_list)} rows ...", highlight=False)
        intake_table, report["intake"], report["intake_meets_targets"] = scale(
            args.intake_list, note)

    report["meta"]["bench_seconds"] = round(time.monotonic() - started, 1)
    write(out, report, runs)
    render(runs, report, args)
    if intake_table is not None:
        console.print(intake_table)
    console.print(f"results: {out / 'results.json'}", highlight=False)
    return 0


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
    chromium = os.environ.get("ROBOT_CHROMIUM", "/usr/bin/chromium")
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


# -- the table ------------------------------------------------------------------------------------
def _f(value: float | None, fmt: str = ".1f") -> str:
    return "–" if value is None else format(value, fmt)


def render(runs: list[RunResult], report: dict[str, Any], args: argparse.Namespace) -> None:
    m = report["meta"]
    console.print(f"\n[bold]robot vs hand-written Playwright[/bold] · {m['cpus']} CPUs · "
                  f"{m['chromium']} · seed {args.seed} · load at start "
                  f"{m['load_at_start'][0]:.2f}", highlight=False)
    table = Table(title="runs (each against a fresh fixture registry)", title_justify="left")
    for column in ("run", "latency", "cases", "wall s", "cases/min", "steady c/min",
                   "ms/case", "CPU ms/case", "peak tree RSS MB", "procs", "RSS MB/100 cases",
                   "load", "landed once"):
        table.add_column(column, justify="left" if column == "run" else "right")
    for r in runs:
        landed = f"[green]{r.landed}/{r.cases} ✓[/green]" if r.landed_ok else \
            f"[red]{r.landed}/{r.cases} ✗[/red]"
        if r.capped:
            landed += " [yellow](stopped)[/yellow]"
        table.add_row(escape(r.label), f"{r.latency_ms} ms", str(r.done), f"{r.wall_s:.1f}",
                      f"{r.cases_per_min:.1f}", _f(r.steady_cases_per_min),
                      _f(r.ms_per_case, ".0f"), _f(r.cpu_ms_per_case, ".0f"),
                      f"{r.peak_rss_mb:.0f}", str(r.peak_procs),
                      _f(r.growth_mb_per_100, "+.1f"),
                      f"{(r.load_before[0] + r.load_after[0]) / 2:.1f}", landed)
    console.print(table)
    versions = {r.source.get("sha256", "?") for r in runs if r.contender == "robot"}
    if len(versions) > 1:
        console.print("[yellow]warning: robot_core (or the bot/selectors) changed on disk during "
                      "the bench; robot runs used different code:[/yellow] " + ", ".join(
                          f"{escape(r.label)}={r.source.get('sha256')}" for r in runs
                          if r.contender == "robot"), highlight=False)
    render_ratios(report)
    render_long(report)
    render_steps(runs)


def render_ratios(report: dict[str, Any]) -> None:
    if report["ratios"]:
        ratio = Table(title=f"robot / hand-written (target ≤ {TARGET_RATIO:.2f}x wall time)",
                      title_justify="left")
        for column in ("latency", "cases", "robot wall s", "hand wall s", "wall ratio",
                       "robot ms/case", "hand ms/case", "steady ratio", "CPU ratio",
                       "robot RSS MB", "hand RSS MB", "target"):
            ratio.add_column(column, justify="right")
        for row in report["ratios"]:
            ok = "[green]met[/green]" if row["meets_target"] else "[red]missed[/red]"
            ratio.add_row(f"{row['latency_ms']} ms", str(row["cases"]),
                          f"{row['robot_wall_s']:.1f}", f"{row['handwritten_wall_s']:.1f}",
                          f"{row['wall_ratio']:.2f}x", _f(row["robot_ms_per_case"], ".0f"),
                          _f(row["handwritten_ms_per_case"], ".0f"),
                          _f(row["steady_ratio"], ".2f") + ("x" if row["steady_ratio"] else ""),
                          _f(row["cpu_ratio"], ".2f") + ("x" if row["cpu_ratio"] else ""),
                          f"{row['robot_peak_rss_mb']:.0f}",
                          f"{row['handwritten_peak_rss_mb']:.0f}", ok)
        console.print(ratio)


def render_long(report: dict[str, Any]) -> None:
    if report["long"]:
        lg = report["long"]
        night = Table(title=f"long night (latency 0): peak tree RSS at {lg['short_cases']} "
                            f"and {lg['long_cases']} cases", title_justify="left")
        for column in ("contender", "wall s", "CPU ms/case", f"peak @{lg['short_cases']} MB",
                       f"peak @{lg['long_cases']} MB", "cases done",
                       f"MB/100 fit @{lg['short_cases']}", f"MB/100 fit @{lg['long_cases']}",
                       "MB/100 between runs", "ms/case first→last 10%"):
            night.add_column(column, justify="left" if column == "contender" else "right")
        for name, e in lg["contenders"].items():
            night.add_row(name + (" (stopped)" if e["capped"] else ""),
                          f"{e['wall_s_long']:.0f}", _f(e["cpu_ms_per_case_long"], ".0f"),
                          _f(e["peak_rss_mb_short"], ".0f"), f"{e['peak_rss_mb_long']:.0f}",
                          str(e["cases_done_long"]),
                          _f(e["growth_mb_per_100_fit_short"], "+.1f"),
                          _f(e["growth_mb_per_100_fit_long"], "+.1f"),
                          _f(e.get("growth_mb_per_100_between_runs"), "+.1f"),
                          f"{_f(e['ms_per_case_first_tenth_long'], '.0f')} → "
                          f"{_f(e['ms_per_case_last_tenth_long'], '.0f')}")
        console.print(night)
        if "wall_ratio_long" in lg:
            console.print(f"long night wall ratio robot / hand-written: "
                          f"{lg['wall_ratio_long']:.2f}x", highlight=False)


def render_steps(runs: list[RunResult]) -> None:
    for r in runs:
        if r.contender != "robot" or not r.steps:
            continue
        s = r.steps
        steps = Table(title=f"where robot's time goes ({r.label}, audit.jsonl)",
                      title_justify="left", caption=f"{s['cases']} cases · {s['recycles']} "
                      "recycles · mean ms per case", caption_justify="left")
        steps.add_column("step", justify="left")
        steps.add_column("ms/case", justify="right")
        for label, ms in list(s["per_step_ms"].items())[:8]:
            steps.add_row(escape(label), f"{ms:.1f}")
        rest = sum(list(s["per_step_ms"].values())[8:])
        steps.add_row(f"{len(s['per_step_ms']) - 8} other steps", f"{rest:.1f}")
        steps.add_row("between steps (runner, audit, recycle)",
                      f"{s['mean_between_steps_ms']:.1f}")
        steps.add_row("[bold]case total[/bold]", f"[bold]{s['mean_case_ms']:.1f}[/bold]")
        console.print(steps)
        break  # the first (latency 0) run is representative; all are in results.json


if __name__ == "__main__":
    sys.exit(main())
