"""What the terminal driver needs beyond ``pip install robot-core``: the ``terminal`` extra.

Looked for, not imported, the moment a terminal bot starts, so a plain install reads one line
naming the extra instead of a ``ModuleNotFoundError`` traceback.
"""

from __future__ import annotations

import importlib.util

from robot_core.errors import ConfigError

#: The ``terminal`` extra of pyproject.toml: import name -> distribution to install.
TERMINAL_MODULES = {"pyte": "pyte", "wcwidth": "wcwidth", "asyncssh": "asyncssh",
                    "PIL": "pillow"}
INSTALL_HINT = "pip install 'robot-core[terminal]'"


def missing_terminal_packages() -> list[str]:
    """Distributions of the terminal extra that are not importable here."""
    missing = []
    for module, distribution in TERMINAL_MODULES.items():
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(distribution)
    return missing


def require_terminal() -> None:
    """Raise ``ConfigError`` (exit 3) naming the extra unless all of it is installed."""
    missing = missing_terminal_packages()
    if missing:
        raise ConfigError(f"the terminal driver needs the robot-core[terminal] extra: "
                          f"{INSTALL_HINT} (not installed: {', '.join(missing)})")
