"""Where robot's time goes: ``robot_core.run.session.run_direct`` in-process, instrumented.

    python -m bench.hotspots --cases 40 --latency 0 [--offset 0] [--top 25] [--save p.prof]

Starts a fresh fixture registry and runs the bot on the first ``--cases`` generated cases
(seed 7, all valid) in this process, then prints per case:

* browser round trips: calls into Playwright's sync API by method (cProfile call counts),
  next to the 22 the hand-written script makes;
* wall time of the driver's and runner's operations (timers wrapped around the methods;
  cProfile's own timings are unreliable across Playwright's greenlet switches), e.g. how long
  the "is it visible?" pre-checks take before each fill, and the 50 ms poll sleeps;
* the audit trail's cost per event as its secret masker grows over a long night;
* the top robot_core functions by cumulative time.

``--offset K`` enters K cases first, unmeasured: what a case costs late in a long run.
Nothing in robot_core is changed; the timers are wrapped around it at run time.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import os
import pstats
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.measure import PASSWORD, ROOT, USER, case_file
from fixtures.legacy_web.process import LegacyWebApp
from robot_core.drivers.web import WebDriver
from robot_core.evidence.audit import AuditTrail
from robot_core.intake import Intake, read_cases
from robot_core.run.runner import Runner
from robot_core.run.session import RunOptions, run_direct
from robot_core.run.steps.context import StepContext
from robot_core.script.loader import load_bot

HANDWRITTEN_CALLS_PER_CASE = 22  # goto + 16 field actions + 2 clicks + 2 waits + inner_text
NOT_ROUND_TRIPS = {"first", "last", "nth", "locator", "frame_locator", "get_by_text",
                   "get_by_role", "get_by_label", "get_by_placeholder", "page", "keyboard",
                   "content_frame", "owner", "filter", "or_", "status", "url", "ok"}


class Timers:
    """Wall-clock totals of wrapped methods (inclusive of what they call)."""

    def __init__(self) -> None:
        self.total: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.active = False
        self._undo: list[Callable[[], None]] = []

    def wrap(self, owner: Any, name: str, label: str | None = None) -> None:
        original = getattr(owner, name)
        key = label or f"{owner.__name__}.{name}"

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            if not self.active:
                return original(*args, **kwargs)
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.total[key] += time.perf_counter() - started
                self.calls[key] += 1

        setattr(owner, name, timed)
        self._undo.append(lambda: setattr(owner, name, original))

    def restore(self) -> None:
        for undo in reversed(self._undo):
            undo()


def instrument() -> Timers:
    timers = Timers()
    for name in ("goto", "fill", "click", "select", "set_checked", "read_text", "is_visible",
                 "wait_any", "_resolve", "_act", "_first_visible", "_check_interrupts",
                 "recycle"):
        timers.wrap(WebDriver, name)
    timers.wrap(time, "sleep", "time.sleep (poll)")
    timers.wrap(AuditTrail, "event")
    timers.wrap(StepContext, "render")
    for name in ("run_case", "_run_step", "_attempt_step", "_maybe_recycle", "_classify",
                 "_step_event", "_setup_with_retries"):
        timers.wrap(Runner, name)
    return timers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hotspots", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--latency", type=int, default=0)
    parser.add_argument("--offset", type=int, default=0,
                        help="enter this many cases first, unmeasured")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--no-cprofile", action="store_true",
                        help="timers only (cProfile slows Python-side code down a little)")
    parser.add_argument("--save", type=Path, help="also dump the raw cProfile stats here")
    args = parser.parse_args(argv)

    total = args.offset + args.cases
    cases = case_file(max(total, 200), args.seed, ROOT / "bench" / "out" / "cases")
    bot = load_bot(ROOT / "bots" / "resident_registration.yaml", ROOT / "selectors")
    intake = read_cases(cases.xlsx, bot.input)
    rows = intake.rows[:total]
    profiler = cProfile.Profile()
    timers = instrument()
    state = {"seen": 0, "t0": 0.0}

    def begin() -> None:
        state["t0"] = time.monotonic()
        timers.active = True
        if not args.no_cprofile:
            profiler.enable()

    def progress(_result: object) -> None:
        state["seen"] += 1
        if state["seen"] == args.offset:
            begin()

    with tempfile.TemporaryDirectory(prefix="robot-profile-") as tmp, \
            LegacyWebApp(Path(tmp) / "registry.db", latency_ms=args.latency) as app:
        os.environ.update(REGISTRY_URL=app.url, REGISTRY_USER=USER, REGISTRY_PASSWORD=PASSWORD)
        if args.offset == 0:
            begin()
        try:
            outcome, _paths = run_direct(
                bot, Intake(intake.path, intake.sheet, intake.headers, rows),
                RunOptions(Path(tmp) / "home"), progress)
        finally:
            profiler.disable()
            timers.active = False
            timers.restore()
        wall = time.monotonic() - state["t0"]
        records = app.dump()
    done = sum(r.status.value == "done" for r in outcome.results)
    print(f"{args.cases} measured cases (after {args.offset}) at latency {args.latency} ms: "
          f"{wall:.1f} s, {1000 * wall / args.cases:.0f} ms/case incl. browser stop and "
          f"instrumentation; {done}/{total} done, registry holds {len(records)}")
    if args.save:
        profiler.dump_stats(str(args.save))
    report(profiler, timers, args.cases, args.top, not args.no_cprofile)
    masker_cost()
    return 0 if done == total and len(records) == total else 1


def report(profiler: cProfile.Profile, timers: Timers, cases: int, top: int,
           profiled: bool) -> None:
    if profiled:
        raw = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
        per_method: dict[str, int] = defaultdict(int)
        for (filename, _line, func), (_cc, ncalls, _tt, _ct, _callers) in raw.items():
            if "playwright/sync_api/_generated.py" in filename and func[:1].islower() \
                    and func not in NOT_ROUND_TRIPS:
                per_method[func] += ncalls
        print(f"\nbrowser round trips per case (Playwright sync API calls; the hand-written "
              f"script makes {HANDWRITTEN_CALLS_PER_CASE}):")
        for func, calls in sorted(per_method.items(), key=lambda kv: -kv[1]):
            if calls / cases >= 0.05:
                print(f"  {func:<16} {calls / cases:6.1f}")
        print(f"  {'total':<16} {sum(per_method.values()) / cases:6.1f}")

    print("\nwall time per case by operation (inclusive; ms per case, calls per case):")
    order = ["Runner.run_case", "Runner._maybe_recycle", "Runner._run_step",
             "Runner._attempt_step", "Runner._step_event", "AuditTrail.event",
             "StepContext.render", "WebDriver.goto", "WebDriver.fill", "WebDriver.click",
             "WebDriver.set_checked", "WebDriver.select", "WebDriver.read_text",
             "WebDriver.is_visible", "WebDriver.wait_any", "WebDriver._resolve",
             "WebDriver._act", "WebDriver._first_visible", "WebDriver._check_interrupts",
             "time.sleep (poll)", "Runner._classify", "WebDriver.recycle",
             "Runner._setup_with_retries"]
    for key in order:
        if key in timers.total:
            print(f"  {key:<32} {1000 * timers.total[key] / cases:8.1f} ms "
                  f"{timers.calls[key] / cases:6.1f}x")

    if profiled:
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(
            "robot_core", top)
        lines = buffer.getvalue().splitlines()
        start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
        print(f"\n--- robot_core functions, top {top} by cumulative time (cProfile) ---")
        print("\n".join(lines[start:]))


def masker_cost() -> None:
    """ms per audit event and per case (~30 events) as the masker's secret set grows."""
    print("\naudit trail cost as the run goes on (one 12-digit 個人番号 per case added to the "
          "masker; ~30 events per case):")
    with tempfile.TemporaryDirectory(prefix="robot-audit-") as tmp:
        for secrets in (1, 40, 200, 1000, 2000):
            trail = AuditTrail(Path(tmp) / f"audit-{secrets}.jsonl", run_id="r", bot="b")
            trail.masker.add([f"{n:012d}" for n in range(10**11, 10**11 + secrets)])
            events = 300
            started = time.perf_counter()
            for i in range(events):
                trail.event("step", case=f"U2025-{i:04d}", step="steps[7] fill",
                            action="fill", target="form.birth_month", attempt=1,
                            step_attempt=1, value="7", secret=False,
                            matched="beside: 生年月日", outcome="ok", duration_ms=12)
            per_event = 1000 * (time.perf_counter() - started) / events
            trail.close()
            print(f"  after {secrets:>5} cases: {per_event:6.2f} ms per event, "
                  f"~{30 * per_event:6.1f} ms per case")


if __name__ == "__main__":
    sys.exit(main())
