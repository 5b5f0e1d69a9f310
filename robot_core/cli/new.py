"""``robot new``: the files of a new bot, each loading and tested from the start."""

from __future__ import annotations

import click
from rich.markup import escape

from robot_core.cli.app import console, main
from robot_core.home import project_dir
from robot_core.tools.scaffold import GUIDE, scaffold


@main.command("new")
@click.argument("bot")
@click.option("--driver", type=click.Choice(["web", "desktop"]), required=True,
              help="web (a browser) or desktop (an X11 program).")
@click.option("--app", required=True, help="The system's name: its map is selectors/APP.yaml.")
@click.option("--url", help="web: the system's address (noted in the bot); desktop: the "
                            "program's main window title.")
def new(bot: str, driver: str, app: str, url: str | None) -> None:
    """Write bots/BOT.yaml, selectors/APP.yaml, a sample case file and a test of the bot.

    Nothing existing is overwritten. Next: robot inspect, robot validate, robot run
    --dry-run (the guide's "A bot for a new system").
    """
    project = project_dir()
    made = scaffold(project, bot, driver, app, url)
    for path in [*made.files(), *made.schemas]:
        console.print(f"wrote  {escape(str(path.relative_to(project)))}", highlight=False)
    env = f"{app.upper().replace('-', '_')}_URL"
    if driver == "web":
        console.print(f"next:  export {env}={escape(url or 'http://…')}; robot inspect "
                      f"\"${env}\" --write selectors/{app}.yaml --screen form", highlight=False)
        console.print(f"       (a screen behind a login: map the login screen, type it into "
                      f"setup, then add --bot {bot})", highlight=False)
    else:  # the map attaches to a running program until it says how to start one
        console.print(f"next:  give launch.command in selectors/{app}.yaml; start the program "
                      "on $DISPLAY and run robot inspect --desktop (its centres are the "
                      "point: alternatives)", highlight=False, soft_wrap=True)
    console.print(f"then:  robot validate {bot} · pytest {made.test.relative_to(project)} · "
                  f"robot run {bot} --input {made.cases.relative_to(project)} --dry-run "
                  f"(see {GUIDE})", highlight=False, soft_wrap=True)
