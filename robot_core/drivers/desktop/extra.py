"""What the desktop driver and ``robot capture`` need beyond ``pip install robot-core``.

An office that only enters data into web systems installs robot-core without extras, so the
CLI, the queue and the web driver never import these packages (web screenshots are masked by
Playwright itself, not with Pillow). They are looked for the moment a desktop driver or a
capture is asked for, so a missing extra reads as one line naming it, not as a
``ModuleNotFoundError`` traceback. They are looked for, not imported: pyautogui connects to
``$DISPLAY`` on import.
"""

from __future__ import annotations

import importlib.util

from robot_core.errors import ConfigError

#: The ``desktop`` extra of pyproject.toml: import name -> distribution to install.
DESKTOP_MODULES = {
    "PIL": "pillow",
    "pyautogui": "pyautogui",
    "Xlib": "python-xlib",
    "cv2": "opencv-python-headless",
    "numpy": "numpy",
}
INSTALL_HINT = "pip install 'robot-core[desktop]'"


def extra_message(what: str = "the desktop driver") -> str:
    """The one line a user reads when ``what`` cannot run in this installation."""
    return f"{what} needs the robot-core[desktop] extra: {INSTALL_HINT}"


def missing_desktop_packages() -> list[str]:
    """Distributions of the desktop extra that are not importable here (none when complete)."""
    missing = []
    for module, distribution in DESKTOP_MODULES.items():
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):  # a half-removed package is as good as none
            found = False
        if not found:
            missing.append(distribution)
    return missing


def require_desktop(what: str = "the desktop driver") -> None:
    """Raise ``ConfigError`` (exit 3) naming the extra unless all of it is installed."""
    missing = missing_desktop_packages()
    if missing:
        raise ConfigError(f"{extra_message(what)} (not installed: {', '.join(missing)})")
