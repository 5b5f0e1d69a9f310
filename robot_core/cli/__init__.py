"""The ``robot`` command. Thin: parse, call the library, render with rich.

``main`` is the click group (``app.py``); each command lives in a module of this package and
registers itself on ``main`` when that module is imported. ``COMMANDS`` says which module
holds each top-level command and its one-line help, so the group imports a command's module
only when it runs (``robot --help`` stays quick). The command modules import ``app``, never
this package, so the modules of the CLI import each other in one direction only.
"""

from robot_core.cli.app import main

# name: (module, the first sentence of its help). ``tests/unit/test_cli_startup.py`` keeps it
# true: every command is here, with its own help's first sentence.
COMMANDS: dict[str, tuple[str, str]] = {
    "audit": ("robot_core.cli.audit", "Check the audit trails runs left."),
    "capture": ("robot_core.cli.capture",
                "Save a template image of a screen region and add TARGET to APP's selector map."),
    "check": ("robot_core.cli.check",
              "Walk the screens BOT reaches (a dry run: nothing saved) and check APP's targets"
              " there."),
    "daemon": ("robot_core.cli.daemon",
               "Run the schedules in schedules/ until SIGTERM (SIGHUP reloads them)."),
    "inspect": ("robot_core.cli.inspect",
                "List every control at URL with the words beside it and the alternatives that"
                " find it."),
    "list": ("robot_core.cli.validate", "Each bot with its description, driver and app."),
    "new": ("robot_core.cli.new",
            "Write bots/BOT.yaml, selectors/APP.yaml, a sample case file and a test of the bot."),
    "prune": ("robot_core.cli.prune",
              "Remove old runs' screenshots, traces and reports; keep their audit trails,"
              " anchors, results and summaries."),
    "queue": ("robot_core.cli.queue", "Look at and act on the work queue."),
    "report": ("robot_core.cli.report",
               "Write the HTML report of RUN (a run id or a run folder); print its path."),
    "run": ("robot_core.cli.run", "Queue the cases of a case file for BOT_NAME, then enter them."),
    "schema": ("robot_core.cli.schema",
               "JSON Schemas for editors: bot scripts, blocks, selector maps and schedules."),
    "schedule": ("robot_core.cli.daemon", "Look at and fire the daemon's schedules."),
    "validate": ("robot_core.cli.validate",
                 "Check bot scripts and their selector maps without running anything."),
    "work": ("robot_core.cli.queue",
             "Work BOT_NAME's queue until it is empty (items of crashed workers included)."),
}
main.lazy.update(COMMANDS)

__all__ = ["COMMANDS", "main"]
