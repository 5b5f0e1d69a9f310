"""The program's life across cases: awaiting a per-case program, letting a saving one finish.

* A per-case program (``launch.mode: per_case``) is awaited for ``exit_timeout_ms``; its exit
  code and what it printed become the case's outputs ``exit_code`` and ``stdout``. A non-zero
  exit, or one that does not end in time (it is killed), is ``SystemUnavailable``.
* A program is never killed while it may still be saving: when the last case's commit was
  not confirmed, or the program has closed its windows but not exited yet (it writes, then
  exits), it gets ``exit_timeout_ms`` to exit by itself first. After a case that saved, a
  program whose windows still show is watched for ``settle_ms`` first: one that saves and
  exits may not have begun to close when the runner wants it stopped (a loaded machine
  answers a click late), and once its windows go it gets ``exit_timeout_ms`` too.
"""

from __future__ import annotations

import time

from robot_core.drivers.desktop.launch import AppProcess
from robot_core.drivers.desktop.x11 import Display
from robot_core.errors import SystemUnavailable
from robot_core.script.launch import LaunchSpec


def await_exit(app: AppProcess, spec: LaunchSpec) -> dict[str, str]:
    """Wait for a per-case program to end; its outputs, or ``SystemUnavailable``."""
    code = app.wait_exit(spec.exit_timeout_ms / 1000)
    printed = app.stdout()
    app.stop()  # reaps it (or kills a program that did not end) and closes its files
    if code is None:
        raise SystemUnavailable(f"the program did not exit within {spec.exit_timeout_ms} ms "
                                "(it was stopped)")
    if code != 0:
        how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
        raise SystemUnavailable(f"the program {how}")
    return {"exit_code": str(code), "stdout": printed}


def closing_by_itself(app: AppProcess, spec: LaunchSpec, display: Display | None) -> bool:
    """Running, but none of its windows is left: it is finishing its work before exiting."""
    if app.exit_code() is not None or display is None or not spec.gui:
        return False
    return display.find(spec.ready) is None and display.find(spec.window) is None


def let_finish_s(app: AppProcess, spec: LaunchSpec, display: Display | None, *,
                 unconfirmed: bool, committed: bool = False) -> float:
    """How long to let the program exit by itself before it is signalled.

    ``committed``: the last case clicked a saving button; the program is watched for
    ``settle_ms`` in case it starts closing by itself (it saves on exit).
    """
    if app.exit_code() is not None:
        return 0.0
    if unconfirmed or closing_by_itself(app, spec, display):
        return spec.exit_timeout_ms / 1000
    deadline = time.monotonic() + (spec.settle_ms / 1000 if committed else 0)
    while time.monotonic() < deadline:
        if app.exit_code() is not None:
            return 0.0
        if closing_by_itself(app, spec, display):
            return spec.exit_timeout_ms / 1000
        time.sleep(0.05)
    return 0.0
