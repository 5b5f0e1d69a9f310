"""robot-core as users install it: the wheel, ``pip install`` without extras, a fresh venv.

The module fixture builds the wheel from a copy of the sources, installs it with no extras
into a new virtual environment (about 25 s, most of it pip), and copies the shipped project
(bots/, selectors/, schedules/) beside it. Every command then runs from that venv, in that
project, the way an office that only has web systems runs it: nothing from the development
venv or the repository is importable there, and the tests check that first.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from fixtures.legacy_web.process import LegacyWebApp

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "fixtures" / "cases" / "sample.xlsx"
EXPECTED = json.loads((REPO / "fixtures" / "cases" / "sample.expected.json").read_text("utf-8"))
#: import name -> distribution of the desktop extra, which a plain install must not pull in.
DESKTOP = {"PIL": "pillow", "pyautogui": "pyautogui", "Xlib": "python-xlib",
           "cv2": "opencv-python-headless", "numpy": "numpy"}
#: ...nor the dev or postgres extras.
DEV = {"pytest": "pytest", "mypy": "mypy", "hypothesis": "hypothesis", "psycopg": "psycopg",
       "psutil": "psutil", "ruff": "ruff"}
EXTRA_LINE = ("the desktop driver needs the robot-core[desktop] extra: "
              "pip install 'robot-core[desktop]'")
CLEARED = ("ROBOT_PROJECT", "ROBOT_HOME", "ROBOT_DB", "PYTHONPATH", "PYTHONHOME",
           "VIRTUAL_ENV", "REGISTRY_URL", "REGISTRY_USER", "REGISTRY_PASSWORD")


@dataclass(frozen=True)
class Installed:
    """The built wheel, the fresh venv it went into, and a copy of the shipped project."""

    wheel: Path
    venv: Path
    project: Path
    root: Path

    @property
    def robot(self) -> Path:
        """The console script pip installed."""
        return self.venv / "bin" / "robot"

    @property
    def python(self) -> Path:
        """The fresh venv's interpreter."""
        return self.venv / "bin" / "python"

    def env(self, home: Path, **extra: str) -> dict[str, str]:
        """The environment of a user's shell: this venv on PATH, nothing of the repository."""
        env = {k: v for k, v in os.environ.items() if k not in CLEARED}
        env.update(PATH=f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
                   ROBOT_HOME=str(home), COLUMNS="250", NO_COLOR="1", **extra)
        return env


def _run(cmd: list[str | Path], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                          check=False, **kwargs)
    assert done.returncode == 0, f"{cmd}: {done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The wheel built from a copy of the sources, installed without extras in a new venv."""
    root = tmp_path_factory.mktemp("install")
    source = root / "source"  # a copy: the build's build/ and egg-info stay out of the repo
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    shutil.copytree(REPO / "robot_core", source / "robot_core",
                    ignore=shutil.ignore_patterns("__pycache__"))
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", root / "dist", source])
    (wheel,) = (root / "dist").glob("robot_core-*.whl")
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", venv])
    _run([venv / "bin" / "python", "-m", "pip", "install", "-q", wheel])
    project = root / "project"
    for folder in ("bots", "selectors", "blocks", "schedules"):
        shutil.copytree(REPO / folder, project / folder)
    return Installed(wheel, venv, project, root)


def test_wheel_holds_the_package_and_nothing_else(installed: Installed) -> None:
    """The wheel holds every robot_core module and py.typed, no tests; desktop is an extra."""
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
        metadata = next(wheel.read(n).decode() for n in names if n.endswith(".dist-info/METADATA"))
    modules = {p.relative_to(REPO).as_posix() for p in (REPO / "robot_core").rglob("*.py")}
    assert modules <= names
    assert "robot_core/py.typed" in names
    assert {n.split("/")[0] for n in names} == {"robot_core", "robot_core-0.1.0.dist-info"}
    requires = [line.split(":", 1)[1].strip() for line in metadata.splitlines()
                if line.startswith("Requires-Dist:")]
    unconditional = {r.split(";")[0].split(">")[0].split("<")[0].split("[")[0].lower()
                     for r in requires if "extra ==" not in r}
    assert unconditional.isdisjoint({*DESKTOP.values(), *DEV.values()})
    assert {"playwright", "openpyxl", "cryptography"} <= unconditional


def test_plain_install_has_no_desktop_or_dev_packages(installed: Installed) -> None:
    """In the fresh venv robot_core comes from the wheel and no extra's package is importable."""
    probe = ("import importlib.util, json, robot_core; print(json.dumps({'at': "
             "robot_core.__file__, 'found': [m for m in " + repr([*DESKTOP, *DEV]) +
             " if importlib.util.find_spec(m)]}))")
    done = _run([installed.python, "-c", probe], cwd=installed.root,
                env=installed.env(installed.root / "home"))
    seen = json.loads(done.stdout)
    assert seen["found"] == []
    assert Path(seen["at"]).is_relative_to(installed.venv)
    listed = _run([installed.python, "-m", "pip", "list", "--format=json"],
                  env=installed.env(installed.root / "home")).stdout
    distributions = {d["name"].lower() for d in json.loads(listed)}
    assert distributions.isdisjoint({*DESKTOP.values(), *DEV.values()})


@dataclass(frozen=True)
class Ran:
    """One finished command of the fresh venv."""

    returncode: int
    stdout: str
    stderr: str


COMMANDS: dict[str, list[str]] = {
    "help": ["--help"],
    "version": ["--version"],
    "list": ["list"],
    "validate": ["validate"],
    "queue_status": ["queue", "status"],
    "schedule_list": ["schedule", "list"],
    "capture_help": ["capture", "--help"],
    "daemon_help": ["daemon", "--help"],
    "report_help": ["report", "--help"],
    "run_desktop": ["run", "ledger_entry", "--input", str(SAMPLE)],
    "run_terminal": ["run", "resident_registration_terminal", "--input", str(SAMPLE)],
    "capture": ["capture", "ledger_desktop", "form.save", "--region", "0,0,8,8",
                "--from-screenshot", str(REPO / "selectors" / "images" / "form_save.png")],
}


@pytest.fixture(scope="module")
def commands(installed: Installed) -> dict[str, Ran]:
    """Every command, run at once (each spends most of its time importing) from the venv."""
    desktop_env = {"LEDGER_DB": str(installed.root / "ledger.db"), "LEDGER_USER": "clerk",
                   "LEDGER_PASSWORD": "clerk-pass", "REGISTRY_USER": "clerk",
                   "REGISTRY_PASSWORD": "clerk-pass"}
    started = {
        name: subprocess.Popen(
            [str(installed.robot), *args], cwd=installed.project, text=True,
            env=installed.env(installed.root / "homes" / name, **desktop_env),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for name, args in COMMANDS.items()}
    ran = {}
    for name, process in started.items():
        out, err = process.communicate(timeout=120)
        ran[name] = Ran(process.returncode, out, err)
    return ran


def test_every_command_starts_without_extras(commands: dict[str, Ran]) -> None:
    """--help, --version, list, validate, queue status, schedule list and the helps exit 0."""
    for name in ("help", "version", "list", "validate", "queue_status", "schedule_list",
                 "capture_help", "daemon_help", "report_help"):
        done = commands[name]
        assert done.returncode == 0, (name, done.stdout, done.stderr)
        assert "Traceback" not in done.stdout + done.stderr, name
    assert commands["version"].stdout.strip() == "robot, version 0.1.0"
    for command in ("capture", "daemon", "list", "queue", "report", "run", "schedule",
                    "validate"):
        assert f"  {command} " in commands["help"].stdout, command
    assert "--from-screenshot" in commands["capture_help"].stdout
    assert "nightly_registration" in commands["schedule_list"].stdout


def test_desktop_bot_validates_and_lists_without_the_extra(commands: dict[str, Ran],
                                                           installed: Installed) -> None:
    """Loading a desktop bot and its selector map needs none of pyautogui, Pillow or OpenCV."""
    validated = commands["validate"].stdout.splitlines()
    assert (f"✓ {installed.project / 'bots' / 'ledger_entry.yaml'} (28 steps, selectors "
            f"{installed.project / 'selectors' / 'ledger_desktop.yaml'})") in validated
    rows = [[cell.strip() for cell in line.split("│")[1:-1]]
            for line in commands["list"].stdout.splitlines() if line.startswith("│")]
    assert ["ledger_entry", "desktop", "ledger_desktop"] in [r[:3] for r in rows]


def test_terminal_run_names_the_extra(commands: dict[str, Ran]) -> None:
    """``robot run`` of a terminal bot without the extra is exit 3 with one line naming it."""
    done = commands["run_terminal"]
    assert done.returncode == 3, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: the terminal driver needs the robot-core[terminal] "
                               "extra: pip install 'robot-core[terminal]' (not installed: pyte")
    assert "Traceback" not in done.stdout + done.stderr


def test_desktop_run_names_the_extra(commands: dict[str, Ran]) -> None:
    """``robot run`` of a desktop bot without the extra is exit 3 with one line naming it."""
    done = commands["run_desktop"]
    assert done.returncode == 3, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"error: {EXTRA_LINE} (not installed: pillow, pyautogui")
    assert "Traceback" not in done.stdout + done.stderr


def test_capture_names_the_extra(commands: dict[str, Ran], installed: Installed) -> None:
    """``robot capture`` without the extra is exit 3, one line, and leaves the map untouched."""
    done = commands["capture"]
    assert done.returncode == 3, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: robot capture needs the robot-core[desktop] extra: "
                               "pip install 'robot-core[desktop]'")
    shipped = (REPO / "selectors" / "ledger_desktop.yaml").read_bytes()
    assert (installed.project / "selectors" / "ledger_desktop.yaml").read_bytes() == shipped


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Callable[[], LegacyWebApp]]:
    """The fixture registry (run by the development venv: it is not part of the package)."""
    apps: list[LegacyWebApp] = []

    def start() -> LegacyWebApp:
        apps.append(LegacyWebApp(tmp_path / "registry.db").__enter__())
        return apps[-1]

    yield start
    for app in apps:
        app.stop()


def _three_cases(target: Path) -> Path:
    """The sample's cases 1, 2 and 7 (the first invalid one); title and header rows kept."""
    book = openpyxl.load_workbook(SAMPLE)
    sheet = book.worksheets[0]  # cases start on row 4
    sheet.delete_rows(11, sheet.max_row)
    sheet.delete_rows(6, 4)
    book.save(target)
    return target


@pytest.mark.browser
def test_web_bot_runs_from_a_plain_install(installed: Installed, tmp_path: Path,
                                           registry: Callable[[], LegacyWebApp]) -> None:
    """The shipped web bot, run from the fresh venv, lands the valid cases, pictures the bad one."""
    app = registry()
    cases = _three_cases(tmp_path / "three.xlsx")
    home = tmp_path / "home"
    done = subprocess.run(
        [str(installed.robot), "run", "resident_registration", "--input", str(cases)],
        cwd=installed.project, capture_output=True, text=True, timeout=300, check=False,
        env=installed.env(home, REGISTRY_URL=app.url, REGISTRY_USER="clerk",
                          REGISTRY_PASSWORD="clerk-pass"))
    assert done.returncode == 1, (done.stdout, done.stderr)  # one business failure
    assert "Traceback" not in done.stdout + done.stderr
    wanted = {e["case_id"]: e for e in EXPECTED["valid"]
              if e["case_id"] in {"U2025-0001", "U2025-0002"}}
    assert "U2025-0007" in {e["case_id"] for e in EXPECTED["invalid"]}
    assert len(wanted) == 2
    records = {r["case_id"]: r for r in app.dump()}
    assert set(records) == set(wanted)
    for case_id, want in wanted.items():
        shared = [k for k in want if k in records[case_id]]
        assert len(shared) >= 10
        assert {k: records[case_id][k] for k in shared} == {k: want[k] for k in shared}
    shots = [p for p in home.rglob("*.png") if p.stat().st_size > 1000]
    assert shots, "the invalid case should leave a picture, drawn without Pillow"
    assert list(home.rglob("*.xlsx")), "the results workbook"
