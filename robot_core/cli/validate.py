"""``robot list`` and ``robot validate``: the bots of the project, checked without running.

Apart from ``run`` so that checking a bot loads no case-file reader, queue or driver.
"""

from __future__ import annotations

import sys

import click
from rich.markup import escape
from rich.table import Table

from robot_core.cli.app import console, err, main
from robot_core.cli.bots import bots_dir, load_named
from robot_core.errors import BotScriptError, exit_code


@main.command("list")
def list_bots() -> None:
    """Each bot with its description, driver and app."""
    table = Table("bot", "driver", "app", "description")
    for path in sorted(bots_dir().glob("*.yaml")):
        try:
            bot = load_named(str(path))
            table.add_row(bot.name, bot.driver, bot.app, bot.description)
        except BotScriptError as exc:
            table.add_row(path.stem, "", "", f"[red]invalid: {escape(str(exc))}[/red]")
    console.print(table)


@main.command()
@click.argument("bots", nargs=-1)
def validate(bots: tuple[str, ...]) -> None:
    """Check bot scripts and their selector maps without running anything."""
    names = list(bots) or [str(p) for p in sorted(bots_dir().glob("*.yaml"))]
    failed: list[BotScriptError] = []
    for name in names:
        try:
            bot = load_named(name)
        except BotScriptError as exc:
            failed.append(exc)
            err.print(f"[red]✗[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
            continue
        console.print(f"[green]✓[/green] {bot.file} ({len(bot.steps)} steps, "
                      f"selectors {bot.selectors.file})", highlight=False)
    if failed:
        sys.exit(max(exit_code(exc) for exc in failed))
