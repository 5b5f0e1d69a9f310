"""Resident memory of a whole process tree, sampled in the background.

A robot run is not one process: the Python interpreter starts Playwright's Node driver, which
starts Chromium, which forks a zygote, renderers, a GPU and a network/utility process. The
bill a long night pays is the sum of all of them, so ``TreeSampler`` walks the tree (the root
and every recursive child) every ``interval`` seconds and sums their RSS.

RSS counts pages shared between processes once per process, so the sum over-states what the
machine really spends; it is the conventional, cheap and comparable figure (both contenders
are measured the same way). ``peak_mb`` is the maximum of the sums; ``series`` keeps every
sample so growth over a run can be fitted (see ``growth_per_100``).

``cpu_s`` is the CPU time (user + system) the tree used: the last reading of every process
ever seen in it, summed. On a busy machine wall time swings with other people's load; CPU
time much less, so it is the steadier measure of how much work each contender does. (A
process's last < ``interval`` seconds before it exits are missed.)

    with TreeSampler(proc.pid, 0.2) as sampler:
        proc.wait()
    print(sampler.peak_mb)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import psutil

MB = 1024 * 1024
PSS_EVERY = 5  # PSS reads /proc/PID/smaps_rollup: dearer than RSS, so every 5th sample


def tree_pss(root: psutil.Process) -> float:
    """Summed PSS (MB) of ``root`` and its descendants: shared pages split between sharers,
    so the sum is what the tree really costs the machine (RSS counts them once per process)."""
    try:
        members = [root, *root.children(recursive=True)]
    except _GONE:
        return 0.0
    total = 0
    for proc in members:
        try:
            total += proc.memory_full_info().pss
        except (*_GONE, AttributeError):
            continue
    return total / MB


@dataclass(frozen=True)
class Sample:
    """One reading: seconds since the sampler started, summed RSS, and how many processes."""

    t: float
    rss_mb: float
    procs: int
    pss_mb: float | None = None  # proportional set size (every PSS_EVERY-th sample)


_GONE = (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess)


def tree_rss(root: psutil.Process, cpu: dict[tuple[int, float], float] | None = None,
             ) -> tuple[int, int]:
    """(summed RSS in bytes, process count) of ``root`` and all its descendants, now.

    ``cpu``, if given, is updated with each process's CPU seconds so far, keyed by
    (pid, create time) so a recycled pid is not mistaken for an old process.
    """
    try:
        members = [root, *root.children(recursive=True)]
    except _GONE:
        return 0, 0
    total = count = 0
    for proc in members:
        try:
            with proc.oneshot():
                total += proc.memory_info().rss
                if cpu is not None:
                    times = proc.cpu_times()
                    cpu[(proc.pid, proc.create_time())] = times.user + times.system
            count += 1
        except _GONE:
            continue  # a renderer that exited between listing and reading
    return total, count


class TreeSampler:
    """Background sampler of a process tree's summed RSS (a context manager).

    ``on_sample`` (optional) is called from the sampler thread with every ``Sample``; the
    bench uses it to stop a run that would exhaust the machine.
    """

    def __init__(self, pid: int, interval: float = 0.2,
                 on_sample: Callable[[Sample], None] | None = None) -> None:
        self.pid = pid
        self.interval = interval
        self.on_sample = on_sample
        self.series: list[Sample] = []
        self._cpu: dict[tuple[int, float], float] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = 0.0

    # -- context manager ---------------------------------------------------------------------
    def __enter__(self) -> TreeSampler:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start sampling (a daemon thread)."""
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._loop, name=f"tree-sampler-{self.pid}",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop sampling and wait for the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _loop(self) -> None:
        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        next_at = time.monotonic()
        count = 0
        while not self._stop.is_set():
            rss, procs = tree_rss(root, self._cpu)
            if procs:
                pss = tree_pss(root) if count % PSS_EVERY == 0 else None
                count += 1
                sample = Sample(time.monotonic() - self._started, rss / MB, procs, pss)
                self.series.append(sample)
                if self.on_sample is not None:
                    self.on_sample(sample)
            elif not root.is_running():
                return
            next_at += self.interval
            self._stop.wait(max(0.0, next_at - time.monotonic()))

    # -- results -----------------------------------------------------------------------------
    @property
    def peak_mb(self) -> float:
        """The largest summed RSS seen (0 before the first sample)."""
        return max((s.rss_mb for s in self.series), default=0.0)

    @property
    def peak_pss_mb(self) -> float:
        """The largest summed PSS seen (0 before the first PSS sample)."""
        return max((s.pss_mb for s in self.series if s.pss_mb is not None), default=0.0)

    @property
    def cpu_s(self) -> float:
        """CPU seconds (user + system) used by every process seen in the tree."""
        return sum(self._cpu.values())

    @property
    def procs_seen(self) -> int:
        """How many distinct processes the tree had over the run."""
        return len(self._cpu)

    @property
    def peak_procs(self) -> int:
        """The most processes seen in the tree at once."""
        return max((s.procs for s in self.series), default=0)

    def rss_at(self, t: float) -> float | None:
        """The last reading at or before ``t`` seconds after start (None if none yet)."""
        found = None
        for sample in self.series:
            if sample.t > t:
                break
            found = sample.rss_mb
        return found

    def window_max(self, t0: float, t1: float) -> float | None:
        """The highest reading between ``t0`` and ``t1`` seconds after start."""
        values = [s.rss_mb for s in self.series if t0 <= s.t <= t1]
        return max(values) if values else None

    @property
    def started(self) -> float:
        """``time.monotonic()`` when sampling began (to line other timestamps up)."""
        return self._started


def growth_per_100(points: Sequence[tuple[float, float]]) -> float | None:
    """Least-squares slope of (cases done, MB) points, times 100: MB per 100 cases."""
    if len(points) < 3:
        return None
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in points)
    return 100 * sxy / sxx
