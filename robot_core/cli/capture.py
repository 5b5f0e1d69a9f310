"""``robot capture``: IT staff save a template image of a control and list it in the map."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from robot_core.cli.app import console, err, main
from robot_core.home import project_dir
from robot_core.tools.capture import CaptureReport, capture, parse_region


@main.command("capture")
@click.argument("app")
@click.argument("target")
@click.option("--region", required=True, metavar="X,Y,W,H",
              help="The control's box in pixels, from the window's top-left corner (the way "
                   "point: alternatives count), or from the screenshot's.")
@click.option("--window", metavar="TITLE",
              help="Exact title of the window the region is in (default: the screen's "
                   "frame:, else the map's launch.window); a new screen gets it as its "
                   "frame:.")
@click.option("--confidence", type=click.FloatRange(0, 1, min_open=True),
              help="How alike the screen must be to match (default 0.9).")
@click.option("--from-screenshot", "screenshot",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Cut from this PNG instead of the live screen ($DISPLAY); the region is "
                   "then in its pixels.")
@click.option("--force", is_flag=True, help="Replace an existing template image.")
def capture_command(app: str, target: str, region: str, window: str | None,
                    confidence: float | None, screenshot: Path | None, force: bool) -> None:
    """Save a template image of a screen region and add TARGET to APP's selector map.

    TARGET is SCREEN.NAME (form.save). The image is written to
    selectors/images/SCREEN_NAME.png and listed in selectors/APP.yaml as an image
    alternative (a new target, a new screen, or one more alternative of an existing
    target); the map's comments and layout are kept, and both files are put back if the
    edited map does not load.

    \b
    Example, with the program open on the display:
      robot capture ledger_desktop form.save --region 364,568,128,28
    """
    # CaptureError, ConfigError …: one line and the table's code (cli/app.py, errors.py)
    report = capture(app, target, parse_region(region), window=window,
                     confidence=confidence, screenshot=screenshot, force=force)
    _print(report)


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(project_dir()))
    except ValueError:
        return str(path)


def _print(report: CaptureReport) -> None:
    width, height = report.size

    def say(text: str) -> None:  # paths like "map.yaml:100:" are not emoji codes
        console.print(text, highlight=False, soft_wrap=True, emoji=False)

    say(escape(f"captured  {width}x{height} px at {report.region.x},{report.region.y} of "
               f"{report.origin}"))
    for warning in report.warnings:
        err.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False,
                  soft_wrap=True, emoji=False)
    verb = "replaced" if report.replaced_image else "wrote"
    say(escape(f"{verb:<9} {_shown(report.image)}"))
    say(escape(f"map       {_shown(report.map_file)}:{report.edit.line}: "
               f"{report.edit.summary}"))
    say(f"[green]✓[/green] {escape(_shown(report.map_file))} loads ({report.targets} targets); "
        f"elsewhere the image matches at most {max(0.0, report.runner_up.other):.2f}")
