"""One measurement: a contender entering a case file into a fresh fixture registry.

The contender runs as a subprocess (the real ``robot`` CLI, or ``python -m bench.handwritten``)
so that both are measured the same way: wall time from spawn to exit, progress read from the
``[k/N] <case> done`` lines both print, and the summed RSS of the whole process tree sampled
by ``TreeSampler``. Afterwards the registry's own ``dump`` must hold every case exactly once,
with exactly the values the generator meant; otherwise the measurement is void.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from bench.memory import Sample, TreeSampler, growth_per_100
from fixtures.legacy_web.process import LegacyWebApp

ROOT = Path(__file__).resolve().parent.parent
BOT = "resident_registration"
USER, PASSWORD = "clerk", "clerk-pass"
PROGRESS = re.compile(r"^\[(\d+)/(\d+)\] (\S+) (\S+)")
SAMPLE_INTERVAL_S = 0.2
WARMUP_SHARE = 0.1  # growth is fitted after the first 10% of cases (caches filling up)
MIN_FREE_MB = 2048  # stop a run (gracefully) before it leaves the machine less than this

CONTENDERS = ("robot", "handwritten")


# -- case files -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class CaseFile:
    """A generated export and the clean values the registry must end up holding."""

    xlsx: Path
    expected: list[dict[str, Any]]

    @property
    def ids(self) -> list[str]:
        return [c["case_id"] for c in self.expected]


def case_file(count: int, seed: int, folder: Path) -> CaseFile:
    """Generate (or reuse) ``count`` all-valid cases with ``seed``."""
    folder.mkdir(parents=True, exist_ok=True)
    xlsx = folder / f"cases-{count}-s{seed}.xlsx"
    expected = folder / f"cases-{count}-s{seed}.json"
    if not (xlsx.exists() and expected.exists()):
        subprocess.run([sys.executable, "-m", "fixtures.cases.generate", "--count", str(count),
                        "--seed", str(seed), "--out", str(xlsx), "--invalid", "0",
                        "--expected", str(expected)], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
    valid = json.loads(expected.read_text(encoding="utf-8"))["valid"]
    if len(valid) != count:
        raise RuntimeError(f"{expected}: {len(valid)} valid cases, expected {count}")
    return CaseFile(xlsx, valid)


# -- result ---------------------------------------------------------------------------------------
@dataclass
class RunResult:
    """Everything measured about one run."""

    label: str
    contender: str
    latency_ms: int
    cases: int
    wall_s: float = 0.0
    exit_code: int | None = None
    done: int = 0
    failed: int = 0
    first_done_s: float | None = None  # since spawn: start-up (Python, Chromium, log-in, 1st case)
    last_done_s: float | None = None
    peak_rss_mb: float = 0.0
    peak_pss_mb: float = 0.0
    first_action_s: float | None = None  # since spawn: the first browser action began
    peak_procs: int = 0
    procs_seen: int = 0
    cpu_s: float = 0.0  # CPU seconds of the whole tree (steadier than wall time under load)
    rss_after_first_mb: float | None = None  # highest reading up to the first case done
    ms_per_case_first_tenth: float | None = None  # pace early in the run ...
    ms_per_case_last_tenth: float | None = None  # ... and late (a run that slows down)
    growth_mb_per_100: float | None = None
    landed: int = 0
    landed_ok: bool = False
    problems: list[str] = field(default_factory=list)
    capped: str = ""
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    steps: dict[str, Any] | None = None
    pss_by_kind: dict[str, Any] = field(default_factory=dict)  # bench/lean.py KindSampler.peaks
    phases: dict[str, float] = field(default_factory=dict)  # start-up, s since spawn (robot)
    source: dict[str, str] = field(default_factory=dict)  # robot_core etc. as run
    series_file: str = ""
    log_file: str = ""

    @property
    def cases_per_min(self) -> float:
        return 60 * self.done / self.wall_s if self.wall_s else 0.0

    @property
    def steady_cases_per_min(self) -> float | None:
        """Throughput between the first and the last case done (start-up excluded)."""
        if self.first_done_s is None or self.last_done_s is None or self.done < 2:
            return None
        span = self.last_done_s - self.first_done_s
        return 60 * (self.done - 1) / span if span > 0 else None

    @property
    def ms_per_case(self) -> float | None:
        steady = self.steady_cases_per_min
        return 60_000 / steady if steady else None

    @property
    def cpu_ms_per_case(self) -> float | None:
        return 1000 * self.cpu_s / self.done if self.done else None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(cases_per_min=round(self.cases_per_min, 2),
                    steady_cases_per_min=_round(self.steady_cases_per_min, 2),
                    ms_per_case=_round(self.ms_per_case, 1))
        data["cpu_ms_per_case"] = _round(self.cpu_ms_per_case, 1)
        for key in ("wall_s", "cpu_s", "first_done_s", "last_done_s", "peak_rss_mb", "peak_pss_mb",
                    "rss_after_first_mb", "growth_mb_per_100", "ms_per_case_first_tenth",
                    "ms_per_case_last_tenth"):
            data[key] = _round(data[key], 2)
        return data


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def source_fingerprint() -> dict[str, str]:
    """A hash of robot_core, the bots and the selector maps as they are on disk right now.

    Others edit robot_core while benches run; each run records what it actually ran, so
    runs of different code are never compared unawares.
    """
    files = sorted([*(ROOT / "robot_core").rglob("*.py"), *(ROOT / "bots").glob("*.yaml"),
                    *(ROOT / "selectors").glob("*.yaml")])
    digest = hashlib.sha256()
    newest = max(files, key=lambda f: f.stat().st_mtime)
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    changed = datetime.fromtimestamp(newest.stat().st_mtime, UTC)
    return {"sha256": digest.hexdigest()[:12],
            "newest_file": str(newest.relative_to(ROOT)),
            "newest_mtime": changed.isoformat(timespec="seconds")}


# -- running --------------------------------------------------------------------------------------
def command(contender: str, url: str, xlsx: Path, limit: int | None) -> list[str]:
    """The contender's command line (``robot@<tree>`` runs robot from another source tree)."""
    extra = ["--limit", str(limit)] if limit else []
    if contender == "robot" or contender.startswith("robot@"):
        robot = Path(sys.executable).parent / "robot"
        return [str(robot), "run", BOT, "--input", str(xlsx), *extra]
    if contender == "handwritten":
        return [sys.executable, "-m", "bench.handwritten", "--url", url, "--input", str(xlsx),
                *extra]
    raise ValueError(contender)


def run_one(contender: str, cases: CaseFile, latency_ms: int, workdir: Path, label: str,
            *, limit: int | None = None, rss_cap_mb: float = 0.0,
            app_switches: dict[str, Any] | None = None,
            watch: Callable[[int], AbstractContextManager[Any]] | None = None) -> RunResult:
    """Run ``contender`` over ``cases`` against a fresh registry; measure and verify.

    ``robot@/some/tree`` runs robot with that tree's robot_core, bots and selectors (an A/B
    of two versions in one run); ``app_switches`` are the fixture's fault switches;
    ``watch(pid)``, a context manager held while the contender runs (bench/lean.py's sampler).
    """
    from bench.lean import KindSampler, phases  # noqa: PLC0415 - bench.lean imports this module

    kinds: list[KindSampler] = []
    if watch is None:  # by default, PSS by process kind (a reading a second)
        def watch(pid: int) -> KindSampler:
            kinds.append(KindSampler(pid))
            return kinds[-1]
    tree = Path(contender.split("@", 1)[1]) if "@" in contender else ROOT
    expected = cases.expected[:limit] if limit else cases.expected
    result = RunResult(label, contender, latency_ms, len(expected))
    folder = workdir / label
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "registry.db"
    db.unlink(missing_ok=True)
    home = folder / "home"
    log = folder / "output.log"
    result.log_file = str(log)
    with LegacyWebApp(db, latency_ms=latency_ms, **(app_switches or {})) as app:
        env = {**os.environ, "REGISTRY_URL": app.url, "REGISTRY_USER": USER,
               "REGISTRY_PASSWORD": PASSWORD, "ROBOT_HOME": str(home),
               "PYTHONUNBUFFERED": "1"}  # ROBOT_CHROMIUM passed on only when set
        env.pop("COLUMNS", None)
        if tree != ROOT:
            env["PYTHONPATH"] = str(tree)
        result.source = source_fingerprint()
        spawned = datetime.now(UTC)
        sampler, progress, started = measured(
            command(contender, app.url, cases.xlsx, limit), tree, env, log, result,
            rss_cap_mb=rss_cap_mb, watch=watch)
        _verify(result, app.dump(), expected, progress)
    result.series_file = str(_save_series(folder, sampler, progress, started))
    if kinds:
        result.pss_by_kind = kinds[0].peaks()
    if contender.startswith("robot"):
        result.steps = audit_breakdown(home)
        result.first_action_s = first_action(home, spawned)
        result.phases = phases(home, spawned.timestamp())
    return result


def measured(cmd: list[str], cwd: Path, env: dict[str, str], log: Path, result: RunResult,
             *, rss_cap_mb: float = 0.0,
             watch: Callable[[int], AbstractContextManager[Any]] | None = None,
             ) -> tuple[TreeSampler, list[tuple[float, str, str]], float]:
    """Run ``cmd`` to its end, its output into ``log``: its tree's RSS sampled (and stopped
    above ``rss_cap_mb``, if given), ``watch(pid)`` held meanwhile, its progress lines read.
    Fills ``result``'s load, exit code, wall and progress figures; returns the sampler, the
    progress lines and the monotonic start, for the caller's own figures."""
    result.load_before = os.getloadavg()
    progress: list[tuple[float, str, str]] = []
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, encoding="utf-8",
                            errors="replace")
    guard = _MemoryGuard(proc, rss_cap_mb)
    with log.open("w", encoding="utf-8") as sink, \
            TreeSampler(proc.pid, SAMPLE_INTERVAL_S, on_sample=guard) as sampler, \
            (watch(proc.pid) if watch else contextlib.nullcontext()):
        reader = threading.Thread(target=_read_progress,
                                  args=(proc, sink, progress, started), daemon=True)
        reader.start()
        result.exit_code = proc.wait()
        result.wall_s = time.monotonic() - started
        reader.join()
    result.load_after = os.getloadavg()
    result.capped = guard.reason
    _progress_figures(result, progress, sampler, started)
    return sampler, progress, started


class _MemoryGuard:
    """Stop a run gracefully (SIGTERM: finish the case, then stop) before memory runs out."""

    def __init__(self, proc: subprocess.Popen[str], cap_mb: float) -> None:
        self.proc = proc
        self.cap_mb = cap_mb
        self.reason = ""

    def __call__(self, sample: Sample) -> None:
        if self.reason:
            return
        free_mb = psutil.virtual_memory().available / 2**20
        if self.cap_mb and sample.rss_mb > self.cap_mb:
            self.reason = f"tree RSS {sample.rss_mb:.0f} MB passed the cap of {self.cap_mb:.0f}"
        elif free_mb < MIN_FREE_MB:
            self.reason = f"only {free_mb:.0f} MB of memory left on the machine"
        else:
            return
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGTERM)


def _read_progress(proc: subprocess.Popen[str], sink: Any,
                   progress: list[tuple[float, str, str]], started: float) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        sink.write(line)
        sink.flush()  # the log can be followed while a long night runs
        match = PROGRESS.match(line)
        if match:
            progress.append((time.monotonic() - started, match.group(3), match.group(4)))


def _progress_figures(result: RunResult, progress: list[tuple[float, str, str]],
                      sampler: TreeSampler, started: float) -> None:
    done = [t for t, _, status in progress if status == "done"]
    result.done = len(done)
    result.failed = len(progress) - len(done)
    result.peak_rss_mb = sampler.peak_mb
    result.peak_pss_mb = sampler.peak_pss_mb
    result.peak_procs = sampler.peak_procs
    result.procs_seen = sampler.procs_seen
    result.cpu_s = sampler.cpu_s
    if done:
        result.first_done_s, result.last_done_s = done[0], done[-1]
        offset = sampler.started - started  # sampler clock = spawn clock - offset
        result.rss_after_first_mb = sampler.window_max(0.0, done[0] - offset)
        result.growth_mb_per_100 = growth_per_100(case_points(sampler, done, offset))
        tenth = len(done) // 10
        if tenth >= 2:
            result.ms_per_case_first_tenth = 1000 * (done[tenth] - done[0]) / tenth
            result.ms_per_case_last_tenth = 1000 * (done[-1] - done[-1 - tenth]) / tenth


def case_points(sampler: TreeSampler, done: list[float], offset: float,
                ) -> list[tuple[float, float]]:
    """(cases done, MB) for every sample after the warm-up share of cases."""
    skip = int(len(done) * WARMUP_SHARE)
    if len(done) - skip < 3:
        return []
    t0, t1 = done[skip] - offset, done[-1] - offset
    points: list[tuple[float, float]] = []
    index = 0
    for sample in sampler.series:
        if sample.t < t0 or sample.t > t1:
            continue
        while index < len(done) and done[index] - offset <= sample.t:
            index += 1
        points.append((float(index), sample.rss_mb))
    return points


def _verify(result: RunResult, records: list[dict[str, Any]], expected: list[dict[str, Any]],
            progress: list[tuple[float, str, str]]) -> None:
    """Every expected case in the registry exactly once, with exactly the expected values."""
    result.landed = len(records)
    counts: dict[str, int] = defaultdict(int)
    for record in records:
        counts[record["case_id"]] += 1
    wanted = {c["case_id"]: c for c in expected}
    problems = result.problems
    dupes = sorted(k for k, n in counts.items() if n > 1)
    if dupes:
        problems.append(f"{len(dupes)} case(s) entered more than once: {', '.join(dupes[:5])}")
    unknown = sorted(set(counts) - set(wanted))
    if unknown:
        problems.append(f"{len(unknown)} unexpected case(s) in the registry: "
                        f"{', '.join(unknown[:5])}")
    if result.capped:
        problems += _stopped_early(counts, progress)
    else:
        missing = sorted(set(wanted) - set(counts))
        if missing:
            problems.append(f"{len(missing)} case(s) missing from the registry: "
                            f"{', '.join(missing[:5])}")
        if len(records) != len(expected):
            problems.append(f"{len(records)} records for {len(expected)} cases")
    wrong = [f"{r['case_id']} ({', '.join(fields)})" for r in records
             if (fields := _wrong_fields(r, wanted.get(r["case_id"])))]
    if wrong:
        problems.append(f"{len(wrong)} record(s) with wrong values: {'; '.join(wrong[:5])}")
    if result.exit_code not in (0, None) and not result.capped:
        problems.append(f"{result.contender} exited with {result.exit_code}")
    result.landed_ok = not problems


def _stopped_early(counts: dict[str, int], progress: list[tuple[float, str, str]]) -> list[str]:
    """A run stopped on purpose: what landed must be what was reported done (+1 in flight)."""
    reported = {key for _, key, status in progress if status == "done"}
    problems = []
    missing = sorted(reported - set(counts))
    if missing:
        problems.append(f"reported done but not in the registry: {', '.join(missing[:5])}")
    if len(set(counts)) - len(reported) > 1:
        problems.append(f"{len(set(counts)) - len(reported)} records not reported done")
    return problems


def _wrong_fields(record: dict[str, Any], clean: dict[str, Any] | None) -> list[str]:
    if clean is None:
        return []
    return sorted(k for k, v in clean.items() if record.get(k) != v)


def _save_series(folder: Path, sampler: TreeSampler, progress: list[tuple[float, str, str]],
                 started: float) -> Path:
    """``series.csv``: t (s since spawn), tree RSS MB, processes, cases done so far."""
    path = folder / "series.csv"
    offset = sampler.started - started
    done_times = [t for t, _, status in progress if status == "done"]
    index = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("t_s,rss_mb,procs,cases_done\n")
        for s in sampler.series:
            t = s.t + offset
            while index < len(done_times) and done_times[index] <= t:
                index += 1
            out.write(f"{t:.2f},{s.rss_mb:.1f},{s.procs},{index}\n")
    return path


def first_action(home: Path, spawned: datetime) -> float | None:
    """Seconds from spawning ``robot run`` to the start of its first browser action."""
    for trail in sorted(home.glob("runs/*/audit.jsonl")):
        with trail.open(encoding="utf-8") as lines:
            for line in lines:
                event = json.loads(line)
                if event.get("event") == "step":
                    began = datetime.fromisoformat(event["ts"]).timestamp() \
                        - event["duration_ms"] / 1000
                    return round(began - spawned.timestamp(), 2)
    return None


# -- where the robot's time goes ------------------------------------------------------------------
def audit_breakdown(home: Path) -> dict[str, Any] | None:
    """Mean milliseconds per case of every step, from the run's audit trail."""
    trails = sorted(home.glob("runs/*/audit.jsonl"))
    if not trails:
        return None
    per_step: dict[str, list[int]] = defaultdict(list)
    step_sum: dict[str, int] = defaultdict(int)
    case_ms: list[int] = []
    between: list[int] = []
    recycles = 0
    with trails[-1].open(encoding="utf-8") as lines:
        for line in lines:
            event = json.loads(line)
            name = event.get("event")
            if name == "step" and event.get("case"):
                target = event.get("target") or ""
                per_step[f"{event['step']} {target}".strip()].append(event["duration_ms"])
                step_sum[event["case"]] += event["duration_ms"]
            elif name == "case_finished":
                case_ms.append(event["duration_ms"])
                between.append(event["duration_ms"] - step_sum.pop(event["case"], 0))
            elif name == "recycle":
                recycles += 1
    if not case_ms:
        return None
    n = len(case_ms)
    steps = {k: round(sum(v) / n, 2) for k, v in per_step.items()}
    in_steps = sum(steps.values())
    mean_case = sum(case_ms) / n
    return {
        "cases": n,
        "mean_case_ms": round(mean_case, 1),
        "mean_in_steps_ms": round(in_steps, 1),
        "mean_between_steps_ms": round(mean_case - in_steps, 1),
        "recycles": recycles,
        "first_tenth": _tenth(case_ms[: max(1, n // 10)], between[: max(1, n // 10)]),
        "last_tenth": _tenth(case_ms[-max(1, n // 10):], between[-max(1, n // 10):]),
        "per_step_ms": dict(sorted(steps.items(), key=lambda kv: -kv[1])),
        "audit": str(trails[-1]),
    }


def _tenth(case_ms: list[int], between: list[int]) -> dict[str, float]:
    return {"mean_case_ms": round(sum(case_ms) / len(case_ms), 1),
            "mean_between_steps_ms": round(sum(between) / len(between), 1)}
