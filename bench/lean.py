"""Where robot's memory and start-up go: ``python -m bench.lean --cases 40``.

Two figures the issue sets targets for, broken down so a change can be aimed:

- **tree PSS by process kind**: ``KindSampler`` reads the PSS of every process in the tree
  (Python, Playwright's Node driver, Chromium's browser, renderers, GPU, utility services)
  once a second and keeps each kind's peak, the kinds at the tree's peak, and a series
  (``kinds.csv``: seconds, cases done, MB per kind) to see which kind grows over a run;
- **start-up phases** of ``robot run`` (``phases``), from spawn to the first browser action
  and the login page, read from the run's audit trail: the first audit line (Python imports,
  project load, case file opened), the batch queued, Chromium started (``session_started``),
  the first step begun and done.

Robot runs (and, unless ``--no-handwritten``, the hand-written script) alternate order every
round, each against a fresh registry and checked in its database (bench/measure.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import threading
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

import psutil

from bench.measure import ROOT, case_file, run_one

MB = 1024 * 1024
KINDS = ("python", "node", "browser", "renderer", "gpu", "network", "storage", "utility",
         "zygote", "other")


#: A marker in a Chromium child's command line, and the kind it makes the process.
_CHILD_KINDS = (("--type=renderer", "renderer"), ("--type=gpu-process", "gpu"),
                ("--type=zygote", "zygote"), ("sub-type=network.", "network"),
                ("sub-type=storage.", "storage"))


def kind_of(proc: psutil.Process) -> str:
    """Which part of the tree ``proc`` is, from its command line."""
    cmd = proc.cmdline()
    joined = " ".join(cmd)
    exe = os.path.basename(cmd[0]) if cmd else proc.name()
    if "--type=" in joined:
        return next((kind for mark, kind in _CHILD_KINDS if mark in joined), "utility")
    for mark, kind in (("chrom", "browser"), ("node", "node"), ("python", "python")):
        if mark in exe:
            return kind
    return "other"


class TreePoller:
    """Reads the process tree of ``pid`` every ``interval`` seconds on a background thread,
    from entering the block to leaving it (``poll``: what a subclass reads)."""

    def __init__(self, pid: int, interval: float) -> None:
        self.pid = pid
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self._stop.is_set():
            self.poll(root)
            self._stop.wait(self.interval)

    def poll(self, root: psutil.Process) -> None:
        """One reading of the tree under ``root``."""
        raise NotImplementedError


class KindSampler(TreePoller):
    """PSS of a process tree by kind, once every ``interval`` seconds (a background thread)."""

    def __init__(self, pid: int, interval: float = 1.0) -> None:
        super().__init__(pid, interval)
        self.series: list[tuple[float, dict[str, float], dict[str, int]]] = []
        self._kinds: dict[tuple[int, float], str] = {}
        self._started = datetime.now(UTC).timestamp()

    def __enter__(self) -> Self:
        self._started = datetime.now(UTC).timestamp()
        return super().__enter__()

    def poll(self, root: psutil.Process) -> None:
        """PSS by kind now, appended to ``series``."""
        reading = self._read(root)
        if reading is not None:
            self.series.append((datetime.now(UTC).timestamp(), *reading))

    def _read(self, root: psutil.Process) -> tuple[dict[str, float], dict[str, int]] | None:
        try:
            members = [root, *root.children(recursive=True)]
        except psutil.Error:
            return None
        mb: dict[str, float] = defaultdict(float)
        count: dict[str, int] = defaultdict(int)
        for proc in members:
            try:
                key = (proc.pid, proc.create_time())
                kind = self._kinds.get(key) or self._kinds.setdefault(key, kind_of(proc))
                mb[kind] += proc.memory_full_info().pss / MB
                count[kind] += 1
            except psutil.Error:
                continue  # a renderer that exited between listing and reading
        return (dict(mb), dict(count)) if mb else None

    def peaks(self) -> dict[str, Any]:
        """Each kind's peak, the tree's peak and what it was made of."""
        if not self.series:
            return {}
        at_peak = max(self.series, key=lambda s: sum(s[1].values()))
        return {
            "peak_total_mb": round(sum(at_peak[1].values())),
            "at_peak_mb": {k: round(v) for k, v in sorted(at_peak[1].items())},
            "at_peak_procs": at_peak[2],
            "peak_by_kind_mb": {k: round(max(s[1].get(k, 0.0) for s in self.series))
                                for k in KINDS if any(k in s[1] for s in self.series)},
        }

    def write_csv(self, path: Path, done_at: list[float]) -> None:
        """``t_s,cases_done,<kind>...`` (MB), one line per reading."""
        kinds = [k for k in KINDS if any(k in s[1] for s in self.series)]
        with path.open("w", encoding="utf-8") as out:
            out.write(",".join(["t_s", "cases_done", *kinds]) + "\n")
            for ts, mb, _ in self.series:
                done = sum(1 for t in done_at if t <= ts)
                cells = [f"{ts - self._started:.1f}", str(done),
                         *(f"{mb.get(k, 0.0):.1f}" for k in kinds)]
                out.write(",".join(cells) + "\n")


# -- start-up phases ------------------------------------------------------------------------------
def phases(home: Path, spawned: float) -> dict[str, float]:
    """Seconds from spawn to each start-up milestone of the run's audit trail."""
    marks: dict[str, float] = {}
    for trail in sorted(home.glob("runs/*/audit.jsonl"))[:1]:
        for line in trail.read_text(encoding="utf-8").splitlines():
            event = json.loads(line)
            ts = datetime.fromisoformat(event["ts"]).timestamp()
            name = event.get("event")
            marks.setdefault("first_audit_line", ts - spawned)
            if name in ("batch_ingested", "session_started"):
                marks.setdefault(name, ts - spawned)
            elif name == "step":
                marks.setdefault("first_action", ts - event["duration_ms"] / 1000 - spawned)
                marks.setdefault("first_action_done", ts - spawned)
            if "first_action" in marks and "session_started" in marks:
                break
    return {k: round(v, 3) for k, v in marks.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.lean", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("trees", nargs="*", type=Path, help="other source trees (robot@TREE)")
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--latency", type=int, default=0)
    parser.add_argument("--no-handwritten", action="store_true")
    args = parser.parse_args(argv)
    out = ROOT / "bench" / "out" / "lean"
    for old in out.glob("r*-*"):
        shutil.rmtree(old)  # each run's robot home starts empty (its queue too)
    cases = case_file(args.cases, 7, out / "cases")
    contenders = [f"robot@{t.resolve()}" for t in args.trees] + ["robot"]
    if not args.no_handwritten:
        contenders.append("handwritten")
    load = os.getloadavg()[0]
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rnd in range(args.rounds):
        order = contenders if rnd % 2 == 0 else contenders[::-1]
        for index, contender in enumerate(order):
            row = _one(contender, cases, args.latency, out, f"r{rnd}-{index}")
            if row is None:
                return 1
            rows[contender].append(row)
            print(f"  {contender}: {json.dumps(row, ensure_ascii=False)}", flush=True)
    print(f"\n{args.cases} cases, latency {args.latency} ms, load {load:.1f} → "
          f"{os.getloadavg()[0]:.1f}")
    for contender, results in rows.items():
        peak = statistics.median(r["peak_total_mb"] for r in results)
        print(f"{contender}: peak tree PSS {peak:.0f} MB; at peak "
              f"{results[0]['at_peak_mb']}; start-up {results[0].get('phases')}")
    return 0


def _one(contender: str, cases: Any, latency: int, out: Path, label: str,
         ) -> dict[str, Any] | None:
    holder: dict[str, KindSampler] = {}

    def watch(pid: int) -> KindSampler:
        holder["s"] = KindSampler(pid)
        return holder["s"]

    spawned = datetime.now(UTC).timestamp()
    result = run_one(contender, cases, latency, out, label, watch=watch)
    if not result.landed_ok:
        print(f"{contender}: VOID {result.problems} (see {result.log_file})")
        return None
    sampler = holder["s"]
    folder = out / label
    done_at = _done_times(spawned, result)
    sampler.write_csv(folder / "kinds.csv", done_at)
    row: dict[str, Any] = {"wall_s": round(result.wall_s, 1), **sampler.peaks()}
    if contender.startswith("robot"):
        row["phases"] = result.phases
    return row


def _done_times(spawned: float, result: Any) -> list[float]:
    """Wall-clock times of each case done (from the series file measure.py wrote)."""
    times = []
    last = 0
    for line in Path(result.series_file).read_text(encoding="utf-8").splitlines()[1:]:
        t, _rss, _procs, done = line.split(",")
        while last < int(done):
            times.append(spawned + float(t))
            last += 1
    return times


if __name__ == "__main__":
    raise SystemExit(main())
