"""The ``robot`` command. Thin: parse, call the library, render with rich.

``main`` is the click group (``app.py``); each command group lives in its own module and
registers itself on ``main`` when imported here: ``run`` (run, validate, list), ``queue``,
``daemon``, ``capture``, ``report``, ``audit``, ``prune``. The command modules import
``app``, never this package, so the modules of the CLI import each other in one direction
only.
"""

from robot_core.cli import (  # noqa: F401 - registers the commands
    audit,
    capture,
    daemon,
    prune,
    queue,
    report,
    run,
)
from robot_core.cli.app import main

__all__ = ["main"]
