"""``robot check APP``: which alternative of each target matches on the live screens."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from robot_core.cli.app import STOP, console, main, warn_full_browser
from robot_core.cli.bots import bots_dir, load_named, sample_cases
from robot_core.errors import BotScriptError
from robot_core.home import robot_home
from robot_core.script.model import BotScript
from robot_core.tools.check import CheckReport, check_bot

STYLE = {"ok": "green", "fallback": "yellow", "ambiguous": "magenta", "missing": "red",
         "not shown": "dim"}


@main.command("check")
@click.argument("app")
@click.option("--bot", "bot_name", help="The bot whose screens to walk (default: the one bot "
                                        "of APP).")
@click.option("--input", "input_file", type=click.Path(path_type=Path),
              help="A case file to walk with (default: fixtures/cases/BOT.xlsx).")
@click.option("--case", help="The case to walk with (default: the first valid one).")
@click.option("--headed", is_flag=True, help="Show the browser window.")
def check(app: str, bot_name: str | None, input_file: Path | None, case: str | None,
          headed: bool) -> None:
    """Walk the screens BOT reaches (a dry run: nothing saved) and check APP's targets there.

    Exit 0 when every target the bot acts on matches, 1 when one matches nothing.
    """
    bot = _bot(app, bot_name)
    intake = sample_cases(bot, input_file)
    warn_full_browser(bot.driver, headed=headed)
    with STOP.graceful():
        report = check_bot(bot, intake, robot_home(), case, headed)
    _render(report)
    sys.exit(1 if report.missing else 0)


def _bot(app: str, name: str | None) -> BotScript:
    if name:
        bot = load_named(name)
        if bot.app != app:
            raise BotScriptError(f"{bot.name} drives {bot.app}, not {app}")
        return bot
    bots = [b for b in (load_named(str(p)) for p in sorted(bots_dir().glob("*.yaml")))
            if b.app == app]
    if len(bots) != 1:
        names = ", ".join(b.name for b in bots) or "none"
        raise BotScriptError(f"give --bot: the bots of {app} are {names}")
    return bots[0]


def _render(report: CheckReport) -> None:
    for screen, found in report.screens.items():
        table = Table("target", "status", "alternative used", "matches (per alternative)",
                      title=f"screen {escape(screen)}", title_justify="left")
        for h in found:
            style = STYLE[h.status]
            used = h.alternatives[h.used] if h.used is not None else ""
            counts = " · ".join(str(n) for n in h.counts)
            table.add_row(escape(h.name), f"[{style}]{h.status}[/{style}]", escape(used),
                          escape(counts))
        console.print(table)
    run = report.run
    if run is not None:
        for r in run.outcome.results:
            stopped = run.stopped_at.get(r.key)
            console.print(escape(f"walked with case {r.key}: " + (
                f"stopped before {stopped} (nothing saved)" if stopped else
                f"{r.status.value} {r.error}")), highlight=False, soft_wrap=True)
    reached = set(report.screens)
    others = sorted({n.split(".", 1)[0] for n in report.bot_targets} - reached)
    if others:
        console.print(escape(f"not reached by the dry run: {', '.join(others)} (screens after "
                             "the commit step, of verify, or of pages that only sometimes "
                             "show)"), highlight=False, soft_wrap=True)
    missing = report.missing
    console.print(f"[red]missing: {escape(', '.join(h.name for h in missing))}[/red]"
                  if missing else "[green]every target the bot acts on was found[/green]",
                  highlight=False)
