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
from robot_core.script.lint import lint
from robot_core.script.model import BotScript


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
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 3).")
def validate(bots: tuple[str, ...], strict: bool) -> None:
    """Check bot scripts and their selector maps without running anything.

    Also warns (exit 0) about fixed sleeps, positional selectors, unconfirmed commits,
    unused targets and literals that look like secrets; --strict makes warnings errors.
    """
    names = list(bots) or [str(p) for p in sorted(bots_dir().glob("*.yaml"))]
    failed: list[BotScriptError] = []
    loaded: list[BotScript] = []
    for name in names:
        try:
            bot = load_named(name)
        except BotScriptError as exc:
            failed.append(exc)
            err.print(f"[red]✗[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
            continue
        loaded.append(bot)
        console.print(f"[green]✓[/green] {bot.file} ({len(bot.steps)} steps, "
                      f"selectors {bot.selectors.file})", highlight=False)
    warnings = lint(loaded)
    for warning in warnings:
        err.print(f"[yellow]⚠[/yellow] {escape(str(warning))}", highlight=False, soft_wrap=True)
    if failed:
        sys.exit(max(exit_code(exc) for exc in failed))
    if strict and warnings:
        err.print(f"{len(warnings)} warning(s), --strict: failing", highlight=False)
        sys.exit(exit_code(BotScriptError("lint")))
