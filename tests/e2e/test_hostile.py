"""The hostile corpus, fed to ``robot`` as an attacker or a careless office would.

Every input of ``fixtures.hostile`` goes through the console script in a subprocess, under a
memory cap and a time limit. Each test asserts the verdict: the exit code, one message naming
the file (and row, column or line), no traceback, nothing queued, nothing in the fixture
registry's database, and nothing written outside ``ROBOT_HOME``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import resource
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import psutil
import pytest

from fixtures.hostile.generate import Hostile, build
from fixtures.legacy_web.process import LegacyWebApp

REPO = Path(__file__).resolve().parents[2]
ROBOT = REPO / ".venv" / "bin" / "robot"
MEMORY_CAP = 512 << 20
TIME_LIMIT_S = 60
CLEARED = ("ROBOT_PROJECT", "ROBOT_HOME", "REGISTRY_URL", "REGISTRY_USER", "REGISTRY_PASSWORD",
           "ROBOT_DB")


@dataclass(frozen=True)
class Ran:
    """One finished ``robot`` command and the folders it was given."""

    returncode: int
    stdout: str
    stderr: str
    home: Path


@dataclass(frozen=True)
class Corpus:
    """The written corpus, its verdicts by name, and a registry that must stay empty."""

    root: Path
    verdicts: dict[str, Hostile]
    registry: LegacyWebApp


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Corpus]:
    """Write the corpus once; start one fixture registry for every run of this module."""
    root = tmp_path_factory.mktemp("hostile")
    verdicts = {h.name: h for h in build(root / "corpus")}
    with LegacyWebApp(root / "registry.db") as app:
        yield Corpus(root, verdicts, app)


def _cap(kind: int) -> Callable[[], None]:
    def limit() -> None:
        resource.setrlimit(kind, (MEMORY_CAP, MEMORY_CAP))
    return limit


def robot(corpus: Corpus, args: list[str], *, home: Path, project: Path = REPO,
          browser: bool = False) -> Ran:
    """Run ``robot ARGS`` as staff do, with its memory bounded.

    Without a browser the address space is capped. Chromium and Playwright's driver reserve
    far more address space (and data segment) than they use, so a run that starts a browser
    is watched instead: the robot process's own peak RSS must stay under the same cap.
    """
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(COLUMNS="250", NO_COLOR="1", ROBOT_HOME=str(home), ROBOT_PROJECT=str(project),
               REGISTRY_URL=corpus.registry.url, REGISTRY_USER="clerk",
               REGISTRY_PASSWORD="clerk-pass")
    if not browser:
        done = subprocess.run([str(ROBOT), *args], cwd=corpus.root, env=env, text=True,
                              capture_output=True, timeout=TIME_LIMIT_S,
                              preexec_fn=_cap(resource.RLIMIT_AS), check=False)
        return Ran(done.returncode, done.stdout, done.stderr, home)
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen([str(ROBOT), *args], cwd=corpus.root, env=env, text=True,
                                   stdout=out, stderr=err)
        peak = _watch(process, time.monotonic() + TIME_LIMIT_S * 2)
        out.seek(0)
        err.seek(0)
        assert peak < MEMORY_CAP, f"robot's own peak RSS was {peak >> 20} MiB"
        return Ran(process.returncode, out.read(), err.read(), home)


def _watch(process: subprocess.Popen[str], deadline: float) -> int:
    """Wait for ``process``, sampling its resident memory; its peak in bytes."""
    watched, peak = psutil.Process(process.pid), 0
    while process.poll() is None:
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("robot did not finish in time")
        with contextlib.suppress(psutil.Error):
            peak = max(peak, watched.memory_info().rss)
        time.sleep(0.1)
    return peak


def tree(folder: Path, *, outside: Path) -> set[str]:
    """Every path below ``folder`` except those under ``outside``."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*")
            if not p.is_relative_to(outside)}


def queued(home: Path) -> int:
    """How many items the home's queue holds (0 when there is no queue at all)."""
    db = home / "queue.db"
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM items").fetchone()[0])


def assert_refused(ran: Ran, verdict: Hostile) -> None:
    """Exit code, one message line naming what the verdict says, no traceback."""
    output = ran.stdout + ran.stderr
    assert ran.returncode == verdict.exit_code, output
    assert "Traceback" not in output
    lines = [line for line in ran.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, ran.stderr
    for word in verdict.says:
        assert word.lower() in lines[0].lower(), (word, lines[0])


CASE_FILES = ["zip_bomb", "lying_sizes", "many_members", "entity_bomb", "external_entity",
              "encrypted", "empty_xlsx", "empty_csv", "truncated", "duplicate_headers",
              "unterminated_quote", "swallowing_quote", "ragged_record", "short_record"]
BOTS = ["alias_bomb", "deep_nesting", "huge_file", "python_tag", "custom_tag",
        "name_traversal", "app_traversal", "template_dunder", "template_attr",
        "literal_password"]


@pytest.mark.parametrize("name", CASE_FILES)
def test_hostile_case_file_is_refused_before_anything_is_queued(corpus: Corpus,
                                                                name: str) -> None:
    """A hostile case file is refused in one line (exit 3): nothing queued, typed or leaked."""
    verdict = corpus.verdicts[name]
    home = corpus.root / "homes" / name
    before = tree(corpus.root, outside=corpus.root / "homes")
    ran = robot(corpus, ["run", "resident_registration", "--input",
                         str(corpus.root / "corpus" / verdict.file)], home=home)
    assert_refused(ran, verdict)
    assert queued(home) == 0
    assert corpus.registry.dump() == []
    assert tree(corpus.root, outside=corpus.root / "homes") == before


@pytest.mark.parametrize("name", BOTS)
def test_hostile_bot_script_is_refused_by_validate(corpus: Corpus, name: str) -> None:
    """A hostile bot script is refused by ``robot validate`` naming file:line, within bounds."""
    verdict = corpus.verdicts[name]
    home = corpus.root / "homes" / name
    project = corpus.root / "corpus" / verdict.file
    before = tree(corpus.root, outside=corpus.root / "homes")
    ran = robot(corpus, ["validate"], home=home, project=project)
    assert_refused(ran, verdict)
    assert not (corpus.root / "corpus" / "pwned").exists()
    assert tree(corpus.root, outside=corpus.root / "homes") == before


@pytest.mark.parametrize("name", ["name_traversal", "app_traversal"])
def test_traversing_names_write_nothing_outside_home(corpus: Corpus, name: str) -> None:
    """``robot run`` of a bot whose name or app climbs out of its folder writes nothing."""
    verdict = corpus.verdicts[name]
    home = corpus.root / "homes" / f"run-{name}"
    project = corpus.root / "corpus" / verdict.file
    before = tree(corpus.root, outside=corpus.root / "homes")
    ran = robot(corpus, ["run", "hostile", "--input", str(REPO / "fixtures" / "cases" /
                                                           "sample.xlsx")],
                home=home, project=project)
    assert ran.returncode == 3, ran.stdout + ran.stderr
    assert "Traceback" not in ran.stdout + ran.stderr
    assert tree(corpus.root, outside=corpus.root / "homes") == before
    assert corpus.registry.dump() == []


def _results(home: Path) -> dict[str, dict[str, str]]:
    """The results workbook of the one run under ``home``, rows by case id."""
    [path] = home.glob("runs/*/results.xlsx")
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        headers = [str(h) for h in next(rows)]
        return {str(r[0]): {h: "" if v is None else str(v)
                            for h, v in zip(headers, r, strict=False)} for r in rows if r[0]}
    finally:
        book.close()


@pytest.mark.browser
@pytest.mark.parametrize("name", ["content_policy_xlsx", "content_policy_csv"])
def test_hostile_values_are_business_failures_never_typed(
        corpus: Corpus, registry: Callable[..., LegacyWebApp], name: str) -> None:
    """Rows with control, bidi, zero-width, private-use or formula text fail; others land."""
    verdict = corpus.verdicts[name]
    home = corpus.root / "homes" / name
    app = registry()
    ran = robot(dataclasses.replace(corpus, registry=app),
                ["run", "resident_registration", "--input",
                 str(corpus.root / "corpus" / verdict.file)], home=home, browser=True)
    output = ran.stdout + ran.stderr
    assert ran.returncode == verdict.exit_code, output
    assert "Traceback" not in output
    landed = {r["case_id"]: r for r in app.dump()}
    assert set(verdict.lands) <= set(landed)
    assert not set(verdict.refused) & set(landed)
    typed = "\n".join(str(v) for record in landed.values() for v in record.values())
    for text in verdict.never_typed:
        assert text not in typed
    results = _results(home)
    for case_id, words in verdict.refused.items():
        row = results[case_id]
        assert "business_failed" in row["状態 (status)"], row
        for word in words:
            assert word in row["エラー (error)"], (case_id, word, row["エラー (error)"])
        assert len(row["エラー (error)"]) < 400
