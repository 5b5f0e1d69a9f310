"""The one table ``python -m bench`` prints: robot, its baseline, the ratio, the target."""

from __future__ import annotations

import argparse
from typing import Any

from rich.table import Table

Row = tuple[str, str, str, str, str]


def _x(robot: float | None, base: float | None) -> str:
    return f"{robot / base:.2f}x" if robot is not None and base else "–"


def _n(value: float | None, fmt: str = ".1f", unit: str = "") -> str:
    return "–" if value is None else f"{value:{fmt}}{unit}"


def versus_handwritten(ratios: list[dict[str, Any]]) -> list[Row]:
    """Wall, CPU and tree PSS per latency: robot ÷ hand-written Playwright."""
    out: list[Row] = []
    for r in ratios:
        at = f"{r['cases']} cases, {r['latency_ms']} ms"
        out += [
            (f"wall, {at}", _n(r["robot_wall_s"], unit=" s"), _n(r["handwritten_wall_s"],
             unit=" s"), f"{r['wall_ratio']:.2f}x", "≤ 0.9x"),
            (f"CPU, {at}", _n(r["robot_cpu_s"], unit=" s"), _n(r["handwritten_cpu_s"], unit=" s"),
             _x(r["robot_cpu_s"], r["handwritten_cpu_s"]), "≤ 0.9x"),
            (f"tree PSS, {at}", _n(r["robot_peak_pss_mb"], ".0f", " MB"),
             _n(r["handwritten_peak_pss_mb"], ".0f", " MB"),
             _x(r["robot_peak_pss_mb"], r["handwritten_peak_pss_mb"]), "≤ 600 MB"),
            *([(f"  robot's at its peak, {at}", _kinds(r["robot_pss_by_kind"]), "", "", "")]
              if r.get("robot_pss_by_kind") else []),
        ]
    return out


def long_night(lg: dict[str, Any] | None) -> list[Row]:
    """Peak PSS and RSS at the short count against the long one, and the long run's growth.

    PSS shares a library's pages among every process mapping it, so a run's PSS falls while
    other browsers run on the machine: RSS (which counts them in full) and the growth fitted
    within the long run itself say "flat" whatever else ran.
    """
    if not lg:
        return []
    out: list[Row] = []
    for name, e in lg["contenders"].items():
        span = f"{lg['short_cases']} → {lg['long_cases']} cases ({name})"
        for kind in ("pss", "rss"):
            long_mb, short_mb = e[f"peak_{kind}_mb_long"], e[f"peak_{kind}_mb_short"]
            out.append((f"{kind.upper()} {span}", _n(long_mb, ".0f", " MB"),
                        _n(short_mb, ".0f", " MB"), _x(long_mb, short_mb), "flat (1.00x)"))
        out.append((f"  growth within the {lg['long_cases']} ({name})",
                    _n(e["growth_mb_per_100_fit_long"], ".2f", " MB/100 cases"), "", "", "≈ 0"))
    return out


def workers(rows: list[dict[str, Any]] | None, latency: int) -> list[Row]:
    """Speed-up of N workers over one."""
    if not rows:
        return []
    one = rows[0]
    return [(f"{r['workers']} workers, {r['cases']} cases, {latency} ms"
             + (f", load {r['load_before']}-{r['load_after']}" if "load_before" in r else ""),
             _n(r["wall_s"], unit=" s"), _n(one["wall_s"], unit=" s") + f" ({one['workers']})",
             f"{r['speedup']:.2f}x faster", "4: ≥ 3.5x" if r["workers"] == 4 else "")
            for r in rows[1:]]


def faults(report: dict[str, Any]) -> list[Row]:
    """Robot with faults injected ÷ robot clean, same cases."""
    bad, clean = report.get("robot_faults"), report.get("robot_clean")
    if not bad or not clean:
        return []
    return [(f"faults ÷ clean, {bad['cases']} cases (wall)", _n(bad["wall_s"], unit=" s"),
             _n(clean["wall_s"], unit=" s"), _x(bad["wall_s"], clean["wall_s"]), "≤ 2x")]


def startup(s: dict[str, Any]) -> list[Row]:
    """Start-up seconds against the issue's budgets."""
    return [("robot --help", _n(s["help_s"], ".2f", " s"), "", "", "≤ 0.3 s"),
            ("robot validate (shipped bots)", _n(s["validate_s"], ".2f", " s"), "", "", "≤ 1 s"),
            ("robot run → first browser action", _n(s.get("first_action_s"), ".2f", " s"), "",
             "", "≤ 1.5 s"),
            *([("  of which (s since spawn)", _phases(s["phases"]), "", "", "")]
              if s.get("phases") else [])]


def _kinds(peaks: dict[str, Any]) -> str:
    """``python 70 · node 135 · …`` (MB at the tree's peak, bench/lean.py)."""
    return " · ".join(f"{k} {v}" for k, v in peaks.get("at_peak_mb", {}).items())


def _phases(marks: dict[str, float]) -> str:
    names = {"batch_ingested": "queued", "session_started": "browser up",
             "first_action": "1st action", "first_action_done": "login page"}
    return " · ".join(f"{label} {marks[k]:.2f}" for k, label in names.items() if k in marks)


def summary(report: dict[str, Any], args: argparse.Namespace) -> Table:
    """Every figure of the bench in one table."""
    m = report["meta"]
    table = Table(title=f"robot ÷ baseline · {m['cpus']} CPUs · load at start "
                        f"{m['load_at_start'][0]:.1f} · seed {args.seed} · scale {args.scale:g}"
                        + (" · VOID" if report["void"] else ""), title_justify="left",
                  caption="baseline: hand-written Playwright (bench/handwritten.py), 1 worker, "
                          "the short run, or robot clean; every case checked in the registry",
                  caption_justify="left")
    for column in ("measure", "robot", "baseline", "ratio", "target"):
        table.add_column(column, justify="left" if column == "measure" else "right")
    for row in [*versus_handwritten(report["ratios"]), *long_night(report["long"]),
                *workers(report.get("workers"), args.workers_latency), *faults(report),
                *startup(report["startup"])]:
        table.add_row(*row)
    return table
