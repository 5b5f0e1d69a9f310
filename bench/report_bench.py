"""``python -m bench.report_bench``: how long ``robot report`` takes, and how big the page is.

Synthesises the audit trail of a run of N cases (default 1,000 and 10,000), ~20 steps each,
no screenshots, hash-chained as a real run writes it; then times ``build_report`` on it and
reports the HTML's size. ``--browser`` also opens each report in headless Chromium and times
it until the first page of cases is drawn. Targets at 10,000 cases: under 5 s, under 20 MB,
open in under 2 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from robot_core.drivers.web_chromium import chromium_path
from robot_core.evidence.audit import HashChain
from robot_core.evidence.report import build_report

STEPS = (("open form", "click", "menu.new"), ("name", "fill", "form.name"),
         ("kana", "fill", "form.name_kana"), ("sex", "select", "form.sex"),
         ("birth", "fill", "form.birth_date"), ("postal", "fill", "form.postal_code"),
         ("address", "fill", "form.address"), ("head", "fill", "form.household_head"),
         ("phone", "fill", "form.phone"), ("moved in", "fill", "form.moved_in"),
         ("my number", "fill", "form.my_number"), ("nhi", "check", "form.nhi"),
         ("remarks", "fill", "form.remarks"), ("confirm", "click", "form.confirm"),
         ("wait", "wait_for", "confirm.page"), ("save", "click", "confirm.save"),
         ("done", "wait_for", "done.page"), ("read reg no", "read", "done.reg_no"),
         ("check", "assert_text", "done.message"), ("back", "click", "done.back"))
TARGET_S, TARGET_MB, TARGET_OPEN_S = 5.0, 20.0, 2.0


def synthesise(path: Path, cases: int) -> None:
    """Write the audit trail of a run of ``cases`` cases (1 in 20 a business failure)."""
    chain, start = HashChain(), datetime(2025, 11, 26, 1, 0, tzinfo=UTC)
    run = {"run_id": "20251126-010000-resident_registration-beef",
           "bot": "resident_registration"}
    clock = [start]

    def line(name: str, **fields: Any) -> str:
        clock[0] += timedelta(milliseconds=40)
        event = {**run, **fields, "event": name,
                 "ts": clock[0].isoformat(timespec="milliseconds")}
        return chain(None, "", event) + "\n"

    with path.open("w", encoding="utf-8") as out:
        out.write(line("run_started", input="export.xlsx", cases=cases))
        out.write(line("batch_ingested", batch=1, source="export.xlsx", new=cases,
                       already_queued=0))
        out.write(line("session_started", driver="web", app="registry"))
        counts = {"done": 0, "business_failed": 0, "failed": 0, "pending": 0}
        for n in range(cases):
            key, bad = f"U2025-{n:06d}", n % 20 == 7
            out.write(line("case_started", case=key, row=n + 3, attempt=1, uncertain=False))
            for label, action, target in STEPS:
                value = "****" if label == "my number" else f"{label} {n}"
                failed = bad and label == "check"
                out.write(line("step", case=key, step=label, action=action, target=target,
                               attempt=1, step_attempt=1, value=value, matched="#" + target,
                               outcome="business_error" if failed else "ok",
                               duration_ms=35 + n % 17,
                               **({"error": "郵便番号が見つかりません"} if failed else {})))
                if failed:
                    break
            status = "business_failed" if bad else "done"
            counts[status] += 1
            out.write(line("case_finished", case=key, outcome=status, attempts=1,
                           duration_ms=800 + n % 300,
                           error="郵便番号が見つかりません" if bad else "", screenshot="",
                           outputs={} if bad else {"registration_number": f"R{n:07d}"},
                           verified=False))
        out.write(line("session_stopped"))
        out.write(line("run_finished", **counts, exit_code=1 if counts["business_failed"]
                       else 0, results="results.xlsx"))


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the chain check)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def open_time(report: Path) -> float:
    """Seconds from navigation until the report's script has drawn the first page."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only with --browser

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium_path(),
            args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
            "file:") else route.abort())
        started = time.perf_counter()
        page.goto(report.as_uri())
        page.wait_for_selector("body[data-ready='1']")
        took = time.perf_counter() - started
        browser.close()
    return took


def main(argv: list[str] | None = None) -> int:
    """Bench each size; print a table; exit 1 if the 10,000 targets are missed."""
    parser = argparse.ArgumentParser(prog="python -m bench.report_bench", description=__doc__)
    parser.add_argument("--sizes", default="1000,10000", help="cases per run (1000,10000)")
    parser.add_argument("--browser", action="store_true", help="also time opening it")
    args = parser.parse_args(argv)
    table = Table("cases", "audit lines", "audit MB", "build s", "build CPU s", "report MB",
                  "open s")
    missed = False
    with tempfile.TemporaryDirectory(prefix="report-bench-") as tmp:
        for cases in (int(s) for s in args.sizes.split(",") if s.strip()):
            run_dir = Path(tmp) / f"run{cases}"
            run_dir.mkdir()
            synthesise(run_dir / "audit.jsonl", cases)
            started, cpu = time.perf_counter(), _cpu()
            report = build_report(run_dir)
            took, cpu = time.perf_counter() - started, _cpu() - cpu
            size = report.stat().st_size / 1e6
            opened = open_time(report) if args.browser else None
            with (run_dir / "audit.jsonl").open("rb") as audit:
                lines = sum(1 for _ in audit)
            table.add_row(f"{cases:,}", f"{lines:,}",
                          f"{(run_dir / 'audit.jsonl').stat().st_size / 1e6:.1f}",
                          f"{took:.2f}", f"{cpu:.2f}", f"{size:.1f}",
                          "-" if opened is None else f"{opened:.2f}")
            if cases >= 10_000:
                missed |= took > TARGET_S or size > TARGET_MB or (
                    opened is not None and opened > TARGET_OPEN_S)
    Console(width=120).print(table)
    print(f"load average when done: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
          "(build CPU s: this process and the chain check's, whatever the load)")
    print(f"targets at 10,000 cases: build < {TARGET_S} s, report < {TARGET_MB} MB, "
          f"open < {TARGET_OPEN_S} s (with --browser)")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
