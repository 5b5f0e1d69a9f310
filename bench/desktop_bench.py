"""``python -m bench.desktop_bench``: cases per minute of the desktop bot, and where the time goes.

``ledger_entry`` enters ``--cases`` cases (default 20: the first valid rows of
``fixtures/cases/sample.xlsx``; more than the sample holds, or ``--generate``, makes an
all-valid file with ``fixtures.cases.generate``) into the Tk ledger client, on an Xvfb of its
own (one for all ``--repeat`` runs, each with a fresh client and ledger), in this process
through ``robot_core.run.session.run_direct`` (no queue). The ledger is then dumped: every case
must be in it exactly once, or the bench is void (exit 1). The machine's load average is
recorded with each run: on a busy machine the numbers wander, so ``--repeat`` and the median.

Where the time goes, two ways:

- **by step**, from the run's ``audit.jsonl`` (each ``step`` event has ``action`` and
  ``duration_ms``): typing (``fill``: paste, then select-all and copy back to compare),
  waiting for windows (``wait_for``, ``goto``), clicking and ticking, choosing from a list
  (``select``), reading dialogs (``extract``, ``business_error_if``); the rest of the wall
  time is the program's start, the runner and the audit trail;
- **inside the driver**, by timing its methods in this process (self time: a method's own
  time less that of the timed methods it calls): polling for targets, grabbing the screen
  and matching templates, XTest keys and clicks, the clipboard (owning it for a paste, and
  the copy-back round trip), closing dialogs. ``--no-profile`` leaves the driver alone.

Prints the tables with cases per minute (overall, and once logged in) and writes
``bench/out/desktop.json``; the run's files stay in ``bench/out/desktop-work/``.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from fixtures.legacy_desktop.db import dump_records
from robot_core.drivers import make_driver
from robot_core.intake import CaseRow, read_cases
from robot_core.outcome import CaseResult, Status
from robot_core.run.session import RunOptions, run_direct
from robot_core.script.loader import load_bot
from tests.integration.desktop_env import desktop_environment, xvfb

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
SAMPLE = ROOT / "fixtures" / "cases" / "sample.xlsx"
SAMPLE_EXPECTED = ROOT / "fixtures" / "cases" / "sample.expected.json"
BOT = "ledger_entry"
USER, PASSWORD = "clerk", "clerk-pass"
console = Console(width=None if sys.stdout.isatty() else 120)

#: step action -> what kind of time it is
KINDS = {
    "fill": "typing", "wait_for": "waiting", "goto": "waiting", "click": "clicking",
    "check": "clicking", "choose": "clicking", "press": "clicking", "select": "list choice",
    "extract": "reading", "business_error_if": "reading", "found_when": "reading",
    "screenshot": "evidence",
}

#: (module, class, method) -> label of its self time inside the driver
TIMED = {
    ("robot_core.drivers.desktop.driver", "DesktopDriver", "start"): "program start (its window)",
    ("robot_core.drivers.desktop.driver", "DesktopDriver", "stop"): "program stop",
    ("robot_core.drivers.desktop.locate", "Locator", "resolve"): "polling for targets",
    ("robot_core.drivers.desktop.locate", "Locator", "state"): "polling for targets",
    ("robot_core.drivers.desktop.driver", "DesktopDriver", "wait_any"): "polling for targets",
    ("robot_core.drivers.desktop.driver", "DesktopDriver", "goto"): "polling for targets",
    ("robot_core.drivers.desktop.driver", "DesktopDriver", "set_checked"): "polling for targets",
    ("robot_core.drivers.desktop.driver", "DesktopDriver", "_dismiss_dialogs"): "closing dialogs",
    ("robot_core.drivers.desktop.x11", "Display", "windows"): "X window list",
    ("robot_core.drivers.desktop.x11", "Display", "focus"): "X focus",
    ("robot_core.drivers.desktop.x11", "Display", "grab"): "screen grab",
    ("robot_core.drivers.desktop.image", "Templates", "grey"): "template match",
    ("robot_core.drivers.desktop.image", "Templates", "best"): "template match",
    ("robot_core.drivers.desktop.input", "Input", "chord"): "keys, clicks (XTest)",
    ("robot_core.drivers.desktop.input", "Input", "click"): "keys, clicks (XTest)",
    ("robot_core.drivers.desktop.x11", "Display", "set_clipboard"): "clipboard: own for paste",
    ("robot_core.drivers.desktop.clipboard", "Clipboard", "read_back"):
        "clipboard: copy back (fields, dialogs)",
    ("robot_core.drivers.desktop.clipboard", "Clipboard", "read_field"):
        "clipboard: copy back (fields, dialogs)",
    ("robot_core.drivers.desktop.x11", "Display", "wait_owner_change"):
        "clipboard: copy back (fields, dialogs)",
    ("robot_core.drivers.desktop.x11", "Display", "get_clipboard"):
        "clipboard: copy back (fields, dialogs)",
    ("robot_core.drivers.desktop.driver", "DesktopDriver", "screenshot"): "screenshots",
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.desktop_bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=20, help="cases to enter (20)")
    parser.add_argument("--generate", action="store_true",
                        help="generate all-valid cases instead of the sample's valid rows")
    parser.add_argument("--seed", type=int, default=7, help="generator seed (7)")
    parser.add_argument("--slow-ms", type=int, default=0,
                        help="the client's delay before every window and dialog (0)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs, each with a fresh client and ledger; the median is shown (1)")
    parser.add_argument("--no-profile", action="store_true",
                        help="do not time the driver's methods (by-step table only)")
    parser.add_argument("--out", type=Path, default=OUT, help="output folder (bench/out)")
    args = parser.parse_args(argv)
    if args.cases < 1 or args.repeat < 1:
        parser.error("--cases and --repeat must be at least 1")
    return args


# -- cases -------------------------------------------------------------------------------------
def case_rows(args: argparse.Namespace, work: Path) -> tuple[Path, list[CaseRow], Any]:
    """The case file, its first ``--cases`` cases the client accepts, and the bot."""
    bot = load_bot(ROOT / "bots" / f"{BOT}.yaml", ROOT / "selectors")
    expected = json.loads(SAMPLE_EXPECTED.read_text("utf-8"))
    good = {e["case_id"] for e in expected["valid"]}
    if args.generate or args.cases > len(good):
        source = work / f"cases-{args.cases}-s{args.seed}.xlsx"
        subprocess.run([sys.executable, "-m", "fixtures.cases.generate", "--count",
                        str(args.cases), "--seed", str(args.seed), "--invalid", "0", "--out",
                        str(source)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        good = set()
    else:
        source = SAMPLE
    intake = read_cases(source, bot.input)
    rows = [r for r in intake.rows if r.valid and (not good or r.key in good)][: args.cases]
    if len(rows) < args.cases:
        raise SystemExit(f"{source.name} has only {len(rows)} usable cases")
    return source, rows, (bot, dataclasses.replace(intake, rows=rows))


# -- the driver's clock ------------------------------------------------------------------------
class SelfTimer:
    """Wraps methods so each call adds its own time (less timed callees) to a label."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: Counter[str] = Counter()
        self._stack: list[float] = []  # time spent in timed callees, per open call

    def wrap(self, label: str, method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._stack.append(0.0)
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                spent = time.perf_counter() - started
                inner = self._stack.pop()
                self.seconds[label] += spent - inner
                self.calls[label] += 1
                if self._stack:
                    self._stack[-1] += spent

        return timed

    @contextmanager
    def installed(self) -> Iterator[SelfTimer]:
        """Patch every ``TIMED`` method for the duration (this process only)."""
        import importlib  # noqa: PLC0415

        saved = []
        for (module, cls, name), label in TIMED.items():
            owner = getattr(importlib.import_module(module), cls)
            original = owner.__dict__[name]
            saved.append((owner, name, original))
            setattr(owner, name, self.wrap(label, original))
        try:
            yield self
        finally:
            for owner, name, original in reversed(saved):
                setattr(owner, name, original)


# -- the run -----------------------------------------------------------------------------------
def run(args: argparse.Namespace, display: str, work: Path) -> dict[str, Any]:
    """Enter the cases on ``display``; the measurements and the check of the ledger."""
    work.mkdir(parents=True)
    load = os.getloadavg()[0]
    source, rows, (bot, intake) = case_rows(args, work)
    database = work / "ledger.db"
    timer = SelfTimer()
    seen: list[tuple[float, str, str]] = []
    started = time.perf_counter()

    def progress(result: CaseResult) -> None:
        seen.append((time.perf_counter() - started, result.key, result.status.value))
        console.print(f"[{len(seen)}/{len(rows)}] {result.key} {result.status.value} "
                      f"{' '.join(result.outputs.values()) or result.error}", highlight=False)

    with _environment({
            **desktop_environment(display), "ROBOT_HOME": str(work / "home"),
            "ROBOT_PROJECT": str(ROOT), "LEDGER_DB": str(database), "LEDGER_USER": USER,
            "LEDGER_PASSWORD": PASSWORD, "LEDGER_SLOW_MS": str(args.slow_ms),
            "LEDGER_BUSY_RATE": "0"}):
        driver = make_driver("desktop", launch=dict(bot.selectors.launch))
        with timer.installed() if not args.no_profile else _nothing():
            started = time.perf_counter()
            outcome, paths = run_direct(bot, intake, RunOptions(work / "home"), progress,
                                        driver=driver)
            wall = time.perf_counter() - started
    events = [json.loads(line) for line in paths.audit.read_text("utf-8").splitlines()]
    records = dump_records(database)
    landed = Counter(r["case_id"] for r in records)
    keys = [r.key for r in rows]
    problems = [f"{k}: in the ledger {landed[k]} times" for k in keys if landed[k] != 1]
    problems += [f"{r.key}: {r.status.value} {r.error}" for r in outcome.results
                 if r.status is not Status.DONE]
    result = summarise(args, source, keys, events, wall, seen, timer, problems, paths.root)
    return {**result, "load_avg_1m_before": round(load, 2)}


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    before = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def _nothing() -> Iterator[None]:
    yield


# -- the numbers -------------------------------------------------------------------------------
def summarise(args: argparse.Namespace, source: Path, keys: list[str],
              events: list[dict[str, Any]], wall: float, seen: list[tuple[float, str, str]],
              timer: SelfTimer, problems: list[str], run_root: Path) -> dict[str, Any]:
    """Per action, per kind and per driver part: seconds, share of the wall time."""
    steps = [e for e in events if e["event"] == "step"]
    by_action: dict[str, dict[str, Any]] = {}
    for step in steps:
        part = "log-in" if not step.get("case") else "cases"
        row = by_action.setdefault(f"{step['action']}|{part}", {
            "action": step["action"], "part": part, "kind": KINDS.get(step["action"], "other"),
            "steps": 0, "seconds": 0.0, "retries": 0})
        row["steps"] += 1
        row["seconds"] += step["duration_ms"] / 1000
        row["retries"] += int(step.get("step_attempt", 1) > 1)
    actions = sorted(by_action.values(), key=lambda r: -r["seconds"])
    for row in actions:
        row["mean_ms"] = round(1000 * row["seconds"] / row["steps"], 1)
        row["share"] = row["seconds"] / wall
    in_steps = sum(r["seconds"] for r in actions)
    kinds: dict[str, float] = defaultdict(float)
    for row in actions:
        kinds["log-in (all its steps)" if row["part"] == "log-in" else row["kind"]] += \
            row["seconds"]
    kinds["outside steps (program start, runner, audit)"] = wall - in_steps
    first_case = seen[0] if seen else None
    login_done = _seconds_between(events, "run_started", "case_started")
    entering = wall - login_done if login_done is not None else wall
    driver: list[dict[str, Any]] = sorted(
        ({"part": k, "calls": timer.calls[k], "seconds": v, "share": v / wall}
         for k, v in timer.seconds.items()), key=lambda r: -float(r["seconds"]))
    if driver:
        timed = sum(r["seconds"] for r in driver)
        driver.append({"part": "outside the driver (runner, audit, templates)", "calls": 0,
                       "seconds": wall - timed, "share": (wall - timed) / wall})
    return {
        "bench": "desktop", "bot": BOT, "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count()},
        "source": str(source.relative_to(ROOT) if source.is_relative_to(ROOT) else source),
        "cases": len(keys), "slow_ms": args.slow_ms, "profiled": not args.no_profile,
        "wall_s": round(wall, 3),
        "start_and_login_s": round(login_done, 3) if login_done is not None else None,
        "cases_per_min": round(len(keys) / (wall / 60), 2),
        "cases_per_min_logged_in": round(len(keys) / (entering / 60), 2),
        "per_case_s": round(entering / len(keys), 3),
        "first_case_done_s": round(first_case[0], 3) if first_case else None,
        "by_action": [{**r, "seconds": round(r["seconds"], 3), "share": round(r["share"], 4)}
                      for r in actions],
        "by_kind": {k: {"seconds": round(v, 3), "share": round(v / wall, 4)}
                    for k, v in sorted(kinds.items(), key=lambda kv: -kv[1])},
        "driver": [{**r, "seconds": round(r["seconds"], 3), "share": round(r["share"], 4)}
                   for r in driver],
        "void": problems, "run": str(run_root),
    }


def _seconds_between(events: list[dict[str, Any]], first: str, then: str) -> float | None:
    """Seconds from the first ``first`` event to the first ``then`` event (audit time)."""
    stamps = {}
    for event in events:
        if event["event"] in (first, then) and event["event"] not in stamps:
            stamps[event["event"]] = datetime.fromisoformat(event["ts"])
    if first not in stamps or then not in stamps:
        return None
    return (stamps[then] - stamps[first]).total_seconds()


def render(result: dict[str, Any]) -> None:
    """The three tables and the headline."""
    wall = result["wall_s"]
    steps = Table(title=f"{result['cases']} cases of {result['bot']} in {wall:.1f} s: "
                        "time by step action (from audit.jsonl)")
    for column in ("action", "part", "kind", "steps", "total s", "mean ms", "share of wall",
                   "retries"):
        steps.add_column(column, justify="left" if column in ("action", "part", "kind")
                         else "right")
    for r in result["by_action"]:
        steps.add_row(r["action"], r["part"], r["kind"], str(r["steps"]), f"{r['seconds']:.2f}",
                      f"{r['mean_ms']:.0f}", f"{100 * r['share']:.1f}%", str(r["retries"]))
    console.print(steps)
    kinds = Table(title="waiting against typing")
    kinds.add_column("kind")
    kinds.add_column("total s", justify="right")
    kinds.add_column("per case s", justify="right")
    kinds.add_column("share of wall", justify="right")
    for kind, v in result["by_kind"].items():
        kinds.add_row(kind, f"{v['seconds']:.2f}", f"{v['seconds'] / result['cases']:.2f}",
                      f"{100 * v['share']:.1f}%")
    console.print(kinds)
    if result["driver"]:
        driver = Table(title="inside the driver (self time of its methods)")
        for column in ("part", "calls", "total s", "share of wall"):
            driver.add_column(column, justify="left" if column == "part" else "right")
        for r in result["driver"]:
            driver.add_row(r["part"], str(r["calls"] or ""), f"{r['seconds']:.2f}",
                           f"{100 * r['share']:.1f}%")
        console.print(driver)
    console.print(f"[bold]{result['cases_per_min']:.1f} cases/min[/bold] overall "
                  f"({result['start_and_login_s']:.1f} s to start the client and log in); "
                  f"[bold]{result['cases_per_min_logged_in']:.1f} cases/min[/bold] once logged "
                  f"in ({result['per_case_s']:.2f} s a case)", highlight=False)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = args.out / "desktop-work"
    shutil.rmtree(work, ignore_errors=True)
    with xvfb() as display:  # one for every run: pyautogui binds to the first it meets
        runs = [run(args, display, work / f"run-{n + 1}") for n in range(args.repeat)]
    ordered = sorted(runs, key=lambda r: r["cases_per_min_logged_in"])
    result = {**ordered[len(ordered) // 2], "repeats": [
        {k: r[k] for k in ("wall_s", "cases_per_min", "cases_per_min_logged_in",
                           "load_avg_1m_before", "run")} for r in runs]}
    result["void"] = [p for r in runs for p in r["void"]]
    target = args.out / "desktop.json"
    target.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", "utf-8")
    render(result)
    if len(runs) > 1:
        rates = ", ".join(f"{r['cases_per_min_logged_in']:.1f}" for r in runs)
        console.print(f"runs (cases/min once logged in): {rates}; tables: the median run",
                      highlight=False)
    console.print(f"written: {target}", highlight=False)
    if result["void"]:
        console.print("[red]void: the ledger does not hold exactly the cases entered:[/red]")
        for problem in result["void"]:
            console.print(f"  {problem}", highlight=False)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
