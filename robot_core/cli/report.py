"""``robot report RUN``: write a run's HTML report (``runs/<id>/report.html``) again.

RUN is a run id (a folder under ``ROBOT_HOME/runs/``) or the path of a run folder. The
report reads only what the run left on disk, so it can be written for any run, any time.
"""

from __future__ import annotations

from pathlib import Path

import click

from robot_core.cli.app import console, main
from robot_core.errors import ConfigError
from robot_core.evidence.anchor import checking_key
from robot_core.evidence.report import build_report
from robot_core.home import robot_home
from robot_core.queue import open_store


def run_folder(run: str) -> Path:
    """The folder of ``run``: a run id under ``ROBOT_HOME/runs/``, else a path to one."""
    runs = robot_home() / "runs"
    named = runs / run
    if run and "/" not in run and run not in (".", "..") and (named / "audit.jsonl").is_file():
        return named
    path = Path(run)
    if run and (path / "audit.jsonl").is_file():
        return path
    raise ConfigError(f"{run}: no such run (neither a run id under {runs} nor a run folder "
                      "holding audit.jsonl)")


@main.command()
@click.argument("run")
def report(run: str) -> None:
    """Write the HTML report of RUN (a run id or a run folder); print its path."""
    folder = run_folder(run)  # ConfigError: exit 3 (errors.EXIT_CODES)
    store = open_store(robot_home())  # the chain is checked as ``robot audit verify`` does
    try:
        anchor = store.audit_anchor(folder.name)
    finally:
        store.close()
    written = build_report(folder, checking_key(robot_home()), anchor)
    console.print(str(written), highlight=False, soft_wrap=True)
