"""The JSON Schemas editors use: up to date with the models, naming every shipped YAML, and
accepting every shipped YAML (and refusing a typo an editor should underline)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import REPO
from jsonschema import Draft202012Validator

from robot_core.cli.schema import FILES, all_schemas, render
from robot_core.script.loader import load_bot

SHIPPED = [(p, schema) for schema, glob in FILES.items() for p in sorted(REPO.glob(glob))]


def _plain(value: Any) -> Any:
    """YAML data as an editor's JSON view has it: dates are strings."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value.isoformat() if isinstance(value, date) else value


def _validator(name: str) -> Draft202012Validator:
    schema = json.loads((REPO / "schemas" / name).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@pytest.mark.parametrize("name", sorted(FILES))
def test_the_shipped_schemas_are_what_the_models_say(name: str) -> None:
    """schemas/ holds exactly what `robot schema --write schemas/` writes today."""
    assert (REPO / "schemas" / name).read_text(encoding="utf-8") == render(all_schemas()[name])


@pytest.mark.parametrize(("path", "schema"), SHIPPED, ids=[p.name for p, _ in SHIPPED])
def test_every_shipped_yaml_names_its_schema_and_passes_it(path: Path, schema: str) -> None:
    """First line names the schema for the YAML language server; the file validates."""
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == f"# yaml-language-server: $schema=../schemas/{schema}"
    errors = [e.message for e in _validator(schema).iter_errors(_plain(yaml.safe_load(text)))]
    assert errors == []


def test_all_four_kinds_are_shipped() -> None:
    """There is a shipped bot, block, selector map and schedule for the schemas to check."""
    assert {schema for _, schema in SHIPPED} == set(FILES)


def test_the_bot_schema_underlines_a_misspelt_action_and_key(tmp_path: Path) -> None:
    """`clik:` and `taget:` are schema errors, as they are loader errors."""
    bot = yaml.safe_load((REPO / "bots" / "resident_registration.yaml").read_text("utf-8"))
    validator = _validator("bot.schema.json")
    bot["steps"].append({"clik": "form.confirm"})
    assert not validator.is_valid(_plain(bot))
    bot["steps"][-1] = {"fill": {"taget": "form.name", "value": "x"}}
    assert not validator.is_valid(_plain(bot))
    bot["steps"][-1] = {"if": {"visible": "form.name"}, "then": [{"press": {"key": "Tab",
                                                                             "times": 3}}]}
    assert validator.is_valid(_plain(bot))


def test_the_loader_tolerates_the_schema_comment() -> None:
    """The shipped bot loads with its yaml-language-server line (it is only a comment)."""
    bot = load_bot(REPO / "bots" / "resident_registration.yaml", REPO / "selectors")
    assert bot.setup[0].location.line > 1
