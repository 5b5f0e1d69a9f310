"""``robot --help`` and ``--version`` start without the heavy libraries; the lazy table is true."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from robot_core.cli import COMMANDS, main

# Libraries a command may need but listing the commands never does.
HEAVY = ("openpyxl", "sqlalchemy", "apscheduler", "PIL", "jinja2", "pydantic", "playwright",
         "yaml", "psycopg", "cryptography", "structlog", "tenacity", "numpy", "cv2")

_PROBE = """
import json, sys
from robot_core.cli import main
try:
    main(sys.argv[1:], prog_name="robot")
except SystemExit:
    pass
print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})), file=sys.stderr)
"""


def _loaded(*args: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True,
                          text=True, timeout=60, check=True)
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize("args", [("--help",), ("--version",)])
def test_listing_commands_imports_no_heavy_library(args: tuple[str, ...]) -> None:
    """``robot --help`` and ``robot --version`` import none of the heavy libraries."""
    assert _loaded(*args) & set(HEAVY) == set()


def test_a_command_s_help_loads_only_what_it_needs() -> None:
    """``robot report --help`` imports its own module, but not the daemon's scheduler."""
    loaded = _loaded("report", "--help")
    assert "apscheduler" not in loaded and "sqlalchemy" not in loaded


def test_the_lazy_table_names_every_command_with_its_own_help() -> None:
    """Each top-level command is in ``COMMANDS``, in the module named, with its help's first sentence."""
    for module, _ in COMMANDS.values():
        importlib.import_module(module)
    assert set(main.commands) == set(COMMANDS)
    for name, command in main.commands.items():
        module, first = COMMANDS[name]
        assert command.callback is not None and command.callback.__module__ == module, name
        assert first == command.get_short_help_str(10**6), name


def test_help_lists_every_command() -> None:
    """``robot --help`` lists every command of the table by name."""
    done = subprocess.run([sys.executable, "-c", "from robot_core.cli import main; main()",
                           "--help"], capture_output=True, text=True, timeout=60)
    listed = {line.split()[0] for line in done.stdout.split("Commands:")[1].splitlines()
              if line.startswith("  ")}
    assert listed == set(COMMANDS), done.stdout + done.stderr


def test_an_unknown_command_is_a_usage_error() -> None:
    """A command that is not in the table is refused by click with exit 2."""
    done = CliRunner().invoke(main, ["no-such-command"])
    assert done.exit_code == 2 and "No such command" in done.output


def test_validating_a_bot_loads_no_reader_queue_or_driver() -> None:
    """``robot validate`` checks the shipped bots without openpyxl, the queue or Playwright."""
    loaded = _loaded("validate")
    assert {"openpyxl", "sqlalchemy", "apscheduler", "playwright", "psycopg"} & loaded == set()
    assert "pydantic" in loaded  # it did load the bots


def test_python_m_robot_core_is_the_robot_command() -> None:
    """``python -m robot_core`` is ``robot`` (Robot Framework's own script is also called
    ``robot``; in a shared environment the one installed last owns the name)."""
    done = subprocess.run([sys.executable, "-m", "robot_core", "--help"], capture_output=True,
                          text=True, timeout=60, check=True)
    assert done.stdout.startswith("Usage: robot ")
    assert all(name in done.stdout for name in COMMANDS)
