"""``robot schema``: the JSON Schemas of bot scripts, blocks, selector maps and schedules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from robot_core.cli.app import console, main
from robot_core.daemon.schedule import ScheduleSpec
from robot_core.script.schema import DRAFT, block_schema, bot_schema, selectors_schema

#: file name in schemas/ -> what it describes; shipped YAML names them on its first line
FILES = {"bot.schema.json": "bots/*.yaml", "block.schema.json": "blocks/*.yaml",
         "selectors.schema.json": "selectors/*.yaml", "schedule.schema.json": "schedules/*.yaml"}


def schedule_schema() -> dict[str, Any]:
    """The schema of ``schedules/NAME.yaml``."""
    schema = ScheduleSpec.model_json_schema()
    return {"$schema": DRAFT, "title": "robot schedule", **schema}


def all_schemas() -> dict[str, dict[str, Any]]:
    """Every schema by its file name in ``schemas/``."""
    return {"bot.schema.json": bot_schema(), "block.schema.json": block_schema(),
            "selectors.schema.json": selectors_schema(),
            "schedule.schema.json": schedule_schema()}


def render(schema: dict[str, Any]) -> str:
    """The text a schema file holds (stable, so the shipped files can be compared)."""
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


@main.command("schema")
@click.option("--write", "folder", type=click.Path(path_type=Path),
              help="Write the schemas into this folder (the project ships them in schemas/).")
def schema(folder: Path | None) -> None:
    """JSON Schemas for editors: bot scripts, blocks, selector maps and schedules.

    Name one on a YAML file's first line, for the YAML language server:
    # yaml-language-server: $schema=../schemas/bot.schema.json
    """
    schemas = all_schemas()
    if folder is None:
        for name, covers in FILES.items():
            console.print(f"{name}  ({covers})", highlight=False)
        console.print("write them with: robot schema --write schemas/", highlight=False)
        return
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in schemas.items():
        (folder / name).write_text(render(body), encoding="utf-8")
        console.print(f"wrote {folder / name}", highlight=False)
