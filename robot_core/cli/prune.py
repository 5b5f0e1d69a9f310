"""``robot prune --older-than 90d [--dry-run]``: free the room old runs' pictures take.

See ``evidence/prune.py`` for what goes and what stays (audit trails, anchors, results and
a summary stay). It prints what it removed: runs, files and bytes.
"""

from __future__ import annotations

import click
from rich.markup import escape

from robot_core.cli.app import console, main
from robot_core.evidence.prune import parse_age, prune_runs
from robot_core.home import robot_home


@main.command()
@click.option("--older-than", "older_than", required=True, metavar="AGE",
              help="Prune runs that started longer ago than this: 90d, 12w, 36h.")
@click.option("--dry-run", is_flag=True, help="Say what would be removed; remove nothing.")
def prune(older_than: str, dry_run: bool) -> None:
    """Remove old runs' screenshots, traces and reports; keep their audit trails,
    anchors, results and summaries."""
    pruned = prune_runs(robot_home(), parse_age(older_than), dry_run)  # ConfigError: exit 3
    verb = "would remove" if dry_run else "removed"
    console.print(f"{verb} {pruned.files} file(s), {_size(pruned.bytes)} ({pruned.bytes} "
                  f"bytes), from {pruned.runs} run(s) older than {older_than}; audit trails, "
                  "anchors, results and summaries kept", highlight=False, soft_wrap=True)
    for note in pruned.skipped:
        console.print(f"skipped {escape(note)}", highlight=False, soft_wrap=True)


def _size(count: int) -> str:
    """``3.2 MB``: bytes as a person reads them."""
    if count < 1024:
        return f"{count} bytes"
    size = float(count)
    for unit in ("KB", "MB", "GB"):
        size /= 1024
        if size < 1024 or unit == "GB":
            break
    return f"{size:.1f} {unit}"
