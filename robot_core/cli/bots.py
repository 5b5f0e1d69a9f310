"""Finding a bot by the name an operator types: ``robot run resident_registration``.

Apart from ``app.py`` so that the group, which every command loads, imports no bot loader
(pydantic, Jinja2): only the commands that load a bot do.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from robot_core.cli.app import STOP
from robot_core.errors import BotScriptError, CaseDataError
from robot_core.home import project_dir
from robot_core.script.loader import Unmapped, load_bot
from robot_core.script.model import BotScript

if TYPE_CHECKING:
    from robot_core.intake import Intake


def bots_dir() -> Path:
    """The project's ``bots/`` folder."""
    return project_dir() / "bots"


def load_named(name: str, *, unmapped: list[Unmapped] | None = None) -> BotScript:
    """The bot ``name`` (a file path, or a name under the project's ``bots/``), loaded
    (``unmapped``: targets missing from its map noted there instead of failing, ``load_bot``)."""
    path = Path(name) if name.endswith((".yaml", ".yml")) else bots_dir() / f"{name}.yaml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in bots_dir().glob("*.yaml"))) or "none"
        raise BotScriptError(f"no bot named {name!r} (bots: {known})")
    return load_bot(path, project_dir() / "selectors", unmapped=unmapped)


def sample_cases(bot: BotScript, input_file: Path | None) -> Intake:
    """The case file a bot's screens are walked with (``robot check``, ``robot inspect
    --upto``): ``input_file``, else the project's ``fixtures/cases/BOT.xlsx``, read whole."""
    from robot_core.intake import collect, open_cases  # noqa: PLC0415 - not for validate

    source = input_file or project_dir() / "fixtures" / "cases" / f"{bot.name}.xlsx"
    if not source.exists():
        raise CaseDataError(f"{source} does not exist: give a case file with --input")
    with STOP.abortable(), open_cases(source, bot.input) as cases:
        return collect(cases)
