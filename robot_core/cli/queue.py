"""``robot work`` and ``robot queue …``: the operator's commands for the durable queue."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from robot_core.cli.app import STOP, console, load_named, main
from robot_core.cli.render import ProgressReport
from robot_core.errors import QueueRefused
from robot_core.evidence.export import export_batch
from robot_core.home import robot_home
from robot_core.outcome import Status
from robot_core.queue import Store, open_store
from robot_core.run.session import RunOptions, work_queue

STATES = click.Choice([s.value for s in Status])


# Errors are not caught here: each ends the command with its code in errors.EXIT_CODES.
def _store() -> Store:
    return open_store(robot_home())


@main.command()
@click.argument("bot_name")
@click.option("--batch", type=int, help="Work only this batch.")
@click.option("--limit", type=click.IntRange(min=1), help="Work at most N items.")
@click.option("--headed", is_flag=True, help="Show the browser window.")
def work(bot_name: str, batch: int | None, limit: int | None, headed: bool) -> None:
    """Work BOT_NAME's queue until it is empty (items of crashed workers included)."""
    bot = load_named(bot_name)
    store = _store()
    waiting = sum(n for (b, _), counts in store.counts(bot.name).items() if b == bot.name
                  for s, n in counts.items() if s in (Status.PENDING, Status.UNCERTAIN,
                                                       Status.IN_PROGRESS))
    store.close()
    with ProgressReport(min(waiting, limit or waiting)) as report, STOP.graceful():
        worked, paths = work_queue(bot, RunOptions(robot_home(), headed, limit), report,
                                   STOP.requested, batch)
    console.print(f"worked {worked} item(s); evidence: {paths.root}", highlight=False,
                  soft_wrap=True)
    _status(bot.name)


@main.group()
def queue() -> None:
    """Look at and act on the work queue."""


@queue.command()
@click.argument("bot_name", required=False)
def status(bot_name: str | None) -> None:
    """Counts by state, per batch."""
    _status(bot_name)


def _status(bot_name: str | None) -> None:
    """One row per batch: what it added, what it found already queued, and the states of
    the cases it added. Each case is counted once, under the batch that queued it."""
    store = _store()
    try:
        counts = store.counts(bot_name)
        batches = sorted(store.batches(bot_name), key=lambda b: b.id)
    finally:
        store.close()
    table = Table("bot", "batch", "file", "new", "already queued", *[s.value for s in Status],
                  title="queue")
    for batch in batches:
        by_state = counts.get((batch.bot, batch.id), {})
        table.add_row(batch.bot, str(batch.id), Path(batch.source).name, str(batch.new),
                      str(batch.duplicates), *[str(by_state.get(s, 0) or "") for s in Status])
    console.print(table)
    total = sum(n for per in counts.values() for n in per.values())
    console.print(f"{total} case(s) queued, each counted once", highlight=False)


@queue.command("list")
@click.option("--state", "states", type=STATES, multiple=True, help="Only items in this state.")
@click.option("--bot", "bot_name", help="Only this bot's items.")
@click.option("--batch", type=int, help="Only this batch's items.")
def list_items(states: tuple[str, ...], bot_name: str | None, batch: int | None) -> None:
    """Items, with their state, attempts and last error."""
    store = _store()
    try:
        items = store.items(bot_name, batch, [Status(s) for s in states])
    finally:
        store.close()
    table = Table("id", "bot", "batch", "key", "state", "attempts", "error", "screenshot")
    for item in items:
        table.add_row(str(item.id), item.bot, str(item.batch), item.key, item.state.value,
                      str(item.attempts), item.error[:70], item.screenshot)
    console.print(table)
    console.print(f"{len(items)} item(s)")


@queue.command()
@click.argument("ids", type=int, nargs=-1)
@click.option("--state", "states", type=STATES, multiple=True, help="Retry every item in it.")
@click.option("--bot", "bot_name", help="Only this bot's items.")
def retry(ids: tuple[int, ...], states: tuple[str, ...], bot_name: str | None) -> None:
    """Put finished items (by id, or every item in a state) back to pending."""
    if not ids and not states:
        raise click.UsageError("name item ids or --state")
    store = _store()
    try:  # an item whose secrets were erased: SecretsErased (exit 3), nothing changed
        n = store.retry(ids, [Status(s) for s in states], bot_name)
    finally:
        store.close()
    console.print(f"{n} item(s) back to pending")


@queue.command()
@click.argument("ids", type=int, nargs=-1)
@click.option("--state", "states", type=STATES, multiple=True, help="Cancel every item in it.")
@click.option("--bot", "bot_name", help="Only this bot's items.")
@click.option("--batch", type=int, help="Only this batch's items.")
def cancel(ids: tuple[int, ...], states: tuple[str, ...], bot_name: str | None,
           batch: int | None) -> None:
    """Cancel items that are waiting (never one a worker holds)."""
    if not ids and not states and batch is None:
        raise click.UsageError("name item ids, --state or --batch")
    store = _store()
    try:
        n = store.cancel(ids, [Status(s) for s in states], bot_name, batch)
    finally:
        store.close()
    console.print(f"{n} item(s) cancelled")


@queue.command()
@click.option("--batch", type=int, required=True, help="The batch to export.")
@click.argument("target", type=click.Path(path_type=Path))
def export(batch: int, target: Path) -> None:
    """Write the results workbook of a batch to TARGET.xlsx, as things stand now.

    A first SIGTERM or Ctrl-C lets a short export finish (a second of grace); a longer one
    is dropped, and so is any at a second signal: TARGET is then left as it was.
    """
    store = _store()
    try:
        try:
            found = store.batch(batch)
        except KeyError:
            raise QueueRefused(f"no batch {batch}") from None
        bot = load_named(found.bot)
        with STOP.graceful("the results workbook"):
            path = export_batch(store, bot, batch, target, stop=STOP.deadline())
    finally:
        store.close()
    console.print(f"results: {path}", highlight=False, soft_wrap=True)
