"""The ``robot`` console script, run as staff run it (no browser: each run stops before one).

Every command below is started at once by the module fixture ``cli`` (each process spends most
of its time importing), then each test checks one command's exit code and output.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ROBOT = REPO / ".venv" / "bin" / "robot"
SAMPLE = REPO / "fixtures" / "cases" / "sample.xlsx"
SHIPPED_BOT = REPO / "bots" / "resident_registration.yaml"
CLEARED = ("ROBOT_PROJECT", "ROBOT_HOME", "REGISTRY_URL", "REGISTRY_USER", "REGISTRY_PASSWORD")
URL = {"REGISTRY_URL": "http://127.0.0.1:9"}  # never contacted: every run stops before


@dataclass(frozen=True)
class Ran:
    """One finished ``robot`` command."""

    returncode: int
    stdout: str
    stderr: str
    home: Path  # its ROBOT_HOME, which must not exist unless a run started


@dataclass(frozen=True)
class Paths:
    """Files the commands were given."""

    project: Path
    broken: Path
    broken_line: int
    not_zip: Path
    csv: Path
    missing: Path


@pytest.fixture(scope="module")
def paths(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    """A copy of the shipped project plus one broken bot, and bad case files."""
    root = tmp_path_factory.mktemp("cli")
    project = root / "project"
    shutil.copytree(REPO / "bots", project / "bots")
    shutil.copytree(REPO / "selectors", project / "selectors")
    shutil.copytree(REPO / "blocks", project / "blocks")
    text = SHIPPED_BOT.read_text(encoding="utf-8")
    good = '  - fill: {target: form.name, value: "{{ case.name }}"}'
    broken = project / "bots" / "broken.yaml"
    broken.write_text(text.replace(good, good.replace("fill:", "fil:")), encoding="utf-8")
    not_zip, csv = root / "cases.xlsx", root / "cases.csv"
    for path in (not_zip, csv):
        path.write_text("受付番号,氏名\nU1,山田\n", encoding="utf-8")
    return Paths(project, broken, 1 + text.splitlines().index(good), not_zip, csv,
                 root / "nope.xlsx")


@pytest.fixture(scope="module")
def cli(paths: Paths, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Ran]:
    """Run every command concurrently; results by name."""
    commands: dict[str, tuple[list[str], dict[str, str], Path | None]] = {
        "version": (["--version"], {}, None),
        "list": (["list"], {}, None),
        "list_broken": (["list"], {}, paths.project),
        "validate": (["validate"], {}, None),
        "validate_broken": (["validate"], {}, paths.project),
        "validate_named": (["validate", "resident_registration"], {}, paths.project),
        "run_unknown_bot": (["run", "nosuch", "--input", str(SAMPLE)], URL, None),
        "run_no_input": (["run", "resident_registration"], URL, None),
        "run_not_zip": (["run", "resident_registration", "--input", str(paths.not_zip)], URL,
                        None),
        "run_csv": (["run", "resident_registration", "--input", str(paths.csv)], URL, None),
        "run_missing_file": (["run", "resident_registration", "--input", str(paths.missing)],
                             URL, None),
        "run_no_env": (["run", "resident_registration", "--input", str(SAMPLE)], {}, None),
        "run_empty_env": (["run", "resident_registration", "--input", str(SAMPLE)],
                          {"REGISTRY_URL": ""}, None),
    }
    base = {k: v for k, v in os.environ.items() if k not in CLEARED}
    base.update(COLUMNS="250", NO_COLOR="1")
    homes = tmp_path_factory.mktemp("homes")
    started = {}
    for name, (args, extra, project) in commands.items():
        env = {**base, **extra, "ROBOT_HOME": str(homes / name)}
        if project is not None:
            env["ROBOT_PROJECT"] = str(project)
        started[name] = subprocess.Popen([str(ROBOT), *args], cwd=REPO, env=env, text=True,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    ran = {}
    for name, process in started.items():
        out, err = process.communicate(timeout=60)
        ran[name] = Ran(process.returncode, out, err, homes / name)
    return ran


def test_version(cli: dict[str, Ran]) -> None:
    """``robot --version`` prints the package version."""
    done = cli["version"]
    assert done.returncode == 0
    assert done.stdout.strip() == "robot, version 0.1.0"


def test_list_shows_shipped_bot(cli: dict[str, Ran]) -> None:
    """``robot list`` in the repository shows resident_registration (web, registry_web)."""
    done = cli["list"]
    assert done.returncode == 0, done.stderr
    rows = [[cell.strip() for cell in line.split("│")[1:-1]]
            for line in done.stdout.splitlines() if line.startswith("│")]
    row = next(r for r in rows if r[0] == "resident_registration")
    assert row[:3] == ["resident_registration", "web", "registry_web"]
    assert row[3].startswith("Enter moving-in notifications")


def test_list_marks_invalid_bot(cli: dict[str, Ran], paths: Paths) -> None:
    """``robot list`` still lists a broken bot, marked invalid with its location."""
    done = cli["list_broken"]
    assert done.returncode == 0, done.stderr
    # the name column is as wide as the longest bot name (resident_registration_terminal)
    assert re.search(r"resident_registration +│ web", done.stdout), done.stdout
    assert f"invalid: {paths.broken}:{paths.broken_line}:5:" in done.stdout


def test_validate_shipped_bots(cli: dict[str, Ran]) -> None:
    """``robot validate`` passes the shipped bots and names each bot and its map."""
    done = cli["validate"]
    assert done.returncode == 0, done.stderr
    assert (f"✓ {SHIPPED_BOT} (27 steps, selectors "
            f"{REPO / 'selectors' / 'registry_web.yaml'})") in done.stdout.splitlines()
    shipped = sorted((REPO / "bots").glob("*.yaml"))
    assert len([line for line in done.stdout.splitlines() if line.startswith("✓")]) == \
        len(shipped)


def test_validate_one_broken_bot(cli: dict[str, Ran], paths: Paths) -> None:
    """One broken bot makes ``robot validate`` exit 3 and print its file:line:col."""
    done = cli["validate_broken"]
    assert done.returncode == 3
    assert done.stderr.strip() == (f"✗ {paths.broken}:{paths.broken_line}:5: steps[2].fil: "
                                   "unknown action 'fil' (did you mean 'fill'?)")
    assert f"✓ {paths.project / 'bots' / 'resident_registration.yaml'}" in done.stdout


def test_validate_named_bot(cli: dict[str, Ran]) -> None:
    """``robot validate NAME`` checks only that bot, so the broken one does not fail it."""
    done = cli["validate_named"]
    assert done.returncode == 0, done.stderr
    assert "broken" not in done.stdout + done.stderr
    assert "resident_registration.yaml (27 steps" in done.stdout


def test_run_unknown_bot(cli: dict[str, Ran]) -> None:
    """``robot run`` with an unknown bot exits 3 and lists the known bots."""
    done = cli["run_unknown_bot"]
    assert done.returncode == 3
    known = ", ".join(sorted(p.stem for p in (REPO / "bots").glob("*.yaml")))
    assert done.stderr.strip() == f"error: no bot named 'nosuch' (bots: {known})"
    assert not done.home.exists()


def test_run_without_input(cli: dict[str, Ran]) -> None:
    """``robot run`` without ``--input`` exits 3 and says how to give the file."""
    done = cli["run_no_input"]
    assert done.returncode == 3
    assert done.stderr.strip() == "error: give the case file with --input FILE.xlsx"
    assert not done.home.exists()


@pytest.mark.parametrize("which", ["run_not_zip", "run_csv"])
def test_run_with_non_workbook(cli: dict[str, Ran], paths: Paths, which: str) -> None:
    """A case file that is not a workbook (.xlsx or .csv) makes ``robot run`` exit 3 naming it."""
    done = cli[which]
    bad = paths.not_zip if which == "run_not_zip" else paths.csv
    assert done.returncode == 3, done.stderr
    assert done.stderr.startswith(f"error: {bad}: ")
    assert "Traceback" not in done.stderr
    assert not done.home.exists()


def test_run_with_missing_input_file(cli: dict[str, Ran], paths: Paths) -> None:
    """A case file that does not exist makes ``robot run`` exit 3 naming the file."""
    done = cli["run_missing_file"]
    assert done.returncode == 3
    assert done.stderr.strip() == f"error: {paths.missing}: no such file"
    assert not done.home.exists()


@pytest.mark.parametrize("which", ["run_no_env", "run_empty_env"])
def test_run_without_env_var(cli: dict[str, Ran], which: str) -> None:
    """Without REGISTRY_URL (unset or empty) ``robot run`` exits 3 naming it; no run starts."""
    done = cli[which]
    assert done.returncode == 3, done.stderr
    assert done.stderr.strip() == (f"error: {SHIPPED_BOT}: set the environment variable(s) "
                                   "REGISTRY_URL")
    assert done.stdout == ""
    assert not done.home.exists()
