"""CPU per case by process kind: ``python -m bench.cpu_kinds --cases 20 --latency 0 500 TREE``.

Where a case's CPU goes (Python, Playwright's Node driver, Chromium's browser process, its
renderers, the rest), at each app latency given, robot from each tree given (``robot@TREE``,
e.g. ``git archive main | tar -x -C /tmp/main``) next to robot from this tree, in one run,
the order alternated every round. ``CpuSampler`` reads the CPU seconds (user + system) of
every process of the tree every ``interval`` seconds, by kind (bench/lean.py's ``kind_of``)
and, for each process, by thread name; the figure per case is taken between the first
and the last case done (start-up and shut-down left out), so it is what one more case costs.
Every run is checked in the fixture registry's database (bench/measure.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import psutil

from bench.lean import TreePoller, kind_of
from bench.measure import ROOT, case_file, run_one


class CpuSampler(TreePoller):
    """Cumulative CPU seconds of a process tree by kind (and the root's threads), sampled."""

    def __init__(self, pid: int, interval: float = 0.25) -> None:
        super().__init__(pid, interval)
        self.series: list[tuple[float, dict[str, float]]] = []  # (monotonic, kind → s)
        self._seen: dict[tuple[int, float], tuple[str, float]] = {}

    def poll(self, root: psutil.Process) -> None:
        try:
            members = [root, *root.children(recursive=True)]
        except psutil.Error:
            return
        threads: dict[str, float] = {}  # "kind:thread" → s, of the live processes only
        for proc in members:
            try:
                key = (proc.pid, proc.create_time())
                kind = kind_of(proc)  # each time: a child read before its exec looks like Node
                times = proc.cpu_times()
                self._seen[key] = (kind, times.user + times.system)
                if kind in _BY_THREAD:
                    for name, seconds in _threads(proc).items():
                        threads[f"{kind}:{name}"] = threads.get(f"{kind}:{name}", 0.0) + seconds
            except psutil.Error:
                continue  # a renderer that exited between listing and reading
        totals: dict[str, float] = defaultdict(float)
        for kind, seconds in self._seen.values():  # exited processes keep their last reading
            totals[kind] += seconds
        totals.update(threads)
        self.series.append((time.monotonic(), dict(totals)))

    def between(self, start: float, end: float) -> dict[str, float]:
        """CPU seconds by kind spent between two monotonic times (nearest readings)."""
        first = min(self.series, key=lambda s: abs(s[0] - start))[1]
        last = min(self.series, key=lambda s: abs(s[0] - end))[1]
        return {k: last.get(k, 0.0) - first.get(k, 0.0) for k in sorted(set(first) | set(last))}


#: Kinds whose CPU is also read thread by thread (Chromium names its threads).
_BY_THREAD = ("python", "node", "browser", "renderer")


def _threads(proc: psutil.Process) -> dict[str, float]:
    """A process's CPU by thread name (digits dropped: a pool's threads are one), from /proc."""
    out: dict[str, float] = defaultdict(float)
    for thread in proc.threads():
        try:
            name = Path(f"/proc/{proc.pid}/task/{thread.id}/comm").read_text().strip()
        except OSError:
            continue
        out[name.rstrip("0123456789")] += thread.user_time + thread.system_time
    return out


def one(contender: str, cases: Any, latency: int, out: Path, label: str) -> dict[str, Any]:
    """One run: CPU ms per case by kind between the first and the last case done."""
    holder: list[CpuSampler] = []

    def watch(pid: int) -> CpuSampler:
        holder.append(CpuSampler(pid))
        return holder[0]

    started = time.monotonic()
    result = run_one(contender, cases, latency, out, label, watch=watch)
    if not result.landed_ok:
        raise SystemExit(f"{contender}: VOID {result.problems} (see {result.log_file})")
    assert result.first_done_s is not None and result.last_done_s is not None
    spent = holder[0].between(started + result.first_done_s, started + result.last_done_s)
    per_case = {k: round(1000 * v / (result.done - 1)) for k, v in spent.items()}
    kinds = {k: v for k, v in per_case.items() if ":" not in k}
    return {"cpu_ms_per_case": sum(kinds.values()), **kinds,
            "threads": {k: v for k, v in sorted(per_case.items(), key=lambda kv: -kv[1])
                        if ":" in k and v >= 3},
            "ms_per_case": round(result.ms_per_case or 0),
            "load": [round(result.load_before[0], 1), round(result.load_after[0], 1)]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cpu_kinds", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("trees", nargs="*", type=Path, help="other source trees (robot@TREE)")
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--latency", type=int, nargs="+", default=[0, 500])
    parser.add_argument("--handwritten", action="store_true", help="also the hand-written one")
    args = parser.parse_args(argv)
    out = ROOT / "bench" / "out" / "cpu_kinds"
    shutil.rmtree(out, ignore_errors=True)
    cases = case_file(args.cases, 7, out / "cases")
    contenders = [f"robot@{t.resolve()}" for t in args.trees] + ["robot"]
    if args.handwritten:
        contenders.append("handwritten")
    load = os.getloadavg()[0]
    rows: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for rnd in range(args.rounds):
        for latency in args.latency:
            order = contenders if rnd % 2 == 0 else contenders[::-1]
            for contender in order:
                label = f"r{rnd}-{latency}-{contenders.index(contender)}"
                row = one(contender, cases, latency, out, label)
                rows[(contender, latency)].append(row)
                print(f"  {contender} @{latency} ms: {json.dumps(row)}", flush=True)
    print(f"\n{args.cases} cases, {args.rounds} rounds, load {load:.1f} → "
          f"{os.getloadavg()[0]:.1f}; CPU ms per case (median of rounds)")
    for (contender, latency), runs in rows.items():
        keys = sorted({k for r in runs for k in r if isinstance(r[k], (int, float))})
        median = {k: statistics.median(r.get(k, 0) for r in runs) for k in keys}
        print(f"{contender} @{latency} ms: {json.dumps(median)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
