"""``robot inspect``: list a live screen's controls and propose (or write) their targets."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.markup import escape
from rich.table import Table

from robot_core.cli.app import console, main, warn_full_browser
from robot_core.cli.bots import load_named, sample_cases
from robot_core.errors import BotScriptError, ConfigError
from robot_core.home import robot_home
from robot_core.tools.inspect.merge import merge, render

if TYPE_CHECKING:
    from robot_core.script.loader import Unmapped
    from robot_core.script.model import BotScript, Step
    from robot_core.tools.inspect.web import Inspection


@main.command("inspect")
@click.argument("url", required=False)
@click.option("--bot", help="Run this bot's setup (its login) first, in the same browser.")
@click.option("--write", "write_to", type=click.Path(dir_okay=False, path_type=Path),
              help="Merge the proposed targets into this map (selectors/APP.yaml).")
@click.option("--screen", help="The screen the written targets go under (with --write).")
@click.option("--screenshot", type=click.Path(dir_okay=False, path_type=Path),
              help="Where the numbered screenshot goes (default: inspect-SCREEN.png).")
@click.option("--desktop", is_flag=True,
              help="List the windows of $DISPLAY instead (titles, classes, geometry), with a "
                   "screenshot that has a coordinate grid.")
@click.option("--follow", is_flag=True,
              help="Write (with --write) even when URL redirected to another page: its "
                   "controls go under --screen.")
@click.option("--headed", is_flag=True, help="Show the browser window.")
@click.option("--upto", metavar="N",
              help="With --bot and no URL: run one sample case's steps up to steps[N] (a dry "
                   "run: never past a commit: true step) and inspect the screen there.")
@click.option("--input", "input_file", type=click.Path(path_type=Path),
              help="With --upto: the case file (default: fixtures/cases/BOT.xlsx).")
@click.option("--case", help="With --upto: the case to type (default: the first valid one).")
def inspect(url: str | None, bot: str | None, write_to: Path | None, screen: str | None,
            screenshot: Path | None, desktop: bool, follow: bool, headed: bool,
            upto: str | None, input_file: Path | None, case: str | None) -> None:
    """List every control at URL with the words beside it and the alternatives that find it.

    Each alternative shown was tried on the screen and finds exactly that control. When URL
    redirects (a page behind a login shows the login), the page landed on is named and
    nothing is written without --follow: give --bot BOT to log in first. A screen no URL
    opens (step 2 of a form, a confirmation) is inspected with --bot BOT --upto N instead.

    \b
    Examples:
      robot inspect http://registry.local/login
      robot inspect http://registry.local/entry --bot resident_registration \\
          --write selectors/registry_web.yaml --screen entry
      robot inspect --bot resident_registration --upto 18 --screen confirm
    """
    if desktop:
        from robot_core.cli.inspect_desktop import inspect_desktop  # noqa: PLC0415 - X11

        inspect_desktop(screenshot)
        return
    _usage(url, bot, write_to, screen, upto, input_file, case)
    from robot_core.tools.inspect.web import inspect_url  # noqa: PLC0415 - Playwright on demand

    unmapped: list[Unmapped] = []
    loaded = load_named(bot, unmapped=unmapped) if bot else None
    cut: Step | None = None
    if loaded is not None and unmapped:
        loaded, cut = _without_unmapped(loaded, unmapped)
    warn_full_browser("web", headed=headed)
    shot = screenshot or Path(f"inspect-{screen or 'screen'}.png")
    if loaded is not None and upto is not None:
        found = _upto(loaded, upto, unmapped, cut, input_file, case, shot, headed)
    else:
        assert url is not None
        found = inspect_url(url, bot=loaded, home=robot_home(), screenshot=shot, headed=headed)
    _table(found)
    if found.redirected:
        _redirected(found, bot, write=write_to is not None and not follow)
    if write_to is not None and screen:
        added = merge(write_to, write_to.stem, screen, found.controls)
        console.print(f"[green]✓[/green] {escape(str(write_to))}: {added} target(s) added "
                      f"under {escape(screen)}; the map loads", highlight=False)


def _usage(url: str | None, bot: str | None, write_to: Path | None, screen: str | None,
           upto: str | None, input_file: Path | None, case: str | None) -> None:
    """The options that do not go together, refused before a browser starts."""
    if upto is None and not url:
        raise click.UsageError("give the URL of the screen (or --desktop, or --bot BOT --upto N "
                               "for a screen no URL opens)")
    if upto is not None and (url or not bot):
        raise click.UsageError("--upto N inspects the screen a bot's steps lead to: give "
                               "--bot BOT and no URL")
    if upto is None and (input_file or case):
        raise click.UsageError("--input and --case give the sample case of --upto")
    if write_to is not None and not screen:
        raise click.UsageError("--write needs --screen NAME: the screen the targets go under")


def _upto(bot: BotScript, text: str, unmapped: list[Unmapped], cut: Step | None,
          input_file: Path | None, case: str | None, shot: Path, headed: bool) -> Inspection:
    """The screen before ``steps[N]`` of one sample case (``tools/inspect/upto.py``)."""
    from robot_core.tools.inspect.upto import inspect_upto, upto_index  # noqa: PLC0415

    if bot.driver != "web":
        raise BotScriptError(f"{bot.name} is a {bot.driver} bot: --upto is for web bots")
    upto = upto_index(text, bot, unmapped, cut)
    found, key = inspect_upto(bot, sample_cases(bot, input_file), upto, home=robot_home(),
                              screenshot=shot, case=case, headed=headed)
    console.print(f"before {escape(bot.steps[upto].label)}: case {escape(key)} typed up to "
                  "there, then abandoned (nothing saved)", highlight=False, soft_wrap=True)
    return found


def _without_unmapped(bot: BotScript,
                      unmapped: list[Unmapped]) -> tuple[BotScript, Step | None]:
    """The bot as far as its map goes (and the setup step it stops before), and a line
    saying which targets it lacks."""
    from robot_core.tools.inspect.web import runnable_setup  # noqa: PLC0415 - Playwright

    first: dict[str, object] = {}
    for missing in unmapped:
        first.setdefault(missing.name, missing.location)  # each name where it is first named
    names = ", ".join(f"{name} ({where})" for name, where in first.items())
    runnable, cut = runnable_setup(bot, unmapped)
    stops = f"; its setup runs up to {cut.label}, which names one" if cut else ""
    console.print(f"[yellow]not in the map yet:[/yellow] {escape(names)}{escape(stops)}",
                  highlight=False, soft_wrap=True)
    return runnable, cut


def _redirected(found: Inspection, bot: str | None, *, write: bool) -> None:
    """Say that the page shown is not the one asked for; refuse to write it (unless told)."""
    why = (f"did the setup of {bot} log in?" if bot else
           "a page behind a login: give --bot BOT, whose setup logs in first")
    console.print(f"[yellow]landed on {escape(found.landed)}, not the URL asked for[/yellow] "
                  f"({escape(why)})", highlight=False)
    if write:
        raise ConfigError(f"nothing written: {found.url} redirected to {found.landed}, whose "
                          f"controls are listed above; {why} (--follow writes them anyway)")


def _table(found: Inspection) -> None:
    title = found.url + (f" → landed on {found.landed}" if found.redirected else "")
    table = Table("#", "kind", "reads", "target", "alternatives (each finds this one only)",
                  title=escape(title), title_justify="left")
    for c in found.controls:
        alts = escape(", ".join(render(a, None) for a in c.proposals)) or \
            "[yellow]none unique[/yellow]"
        if c.ambiguous:
            alts += f" [dim](ambiguous: {escape(', '.join(a.describe() for a in c.ambiguous))})"
        table.add_row(str(c.number), escape(c.kind + (f" in {c.frame}" if c.frame else "")),
                      escape(c.reads), c.name, alts)
    console.print(table)
    if found.screenshot:
        console.print(f"screenshot: {escape(str(found.screenshot))} (each control numbered)",
                      highlight=False)
