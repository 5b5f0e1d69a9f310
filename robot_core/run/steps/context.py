"""What an action sees while it runs: the driver, the resolved targets and the case's values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from robot_core.drivers.base import Driver
from robot_core.errors import BotScriptError
from robot_core.run.timeouts import resolve_timeout
from robot_core.script.model import BotScript, Step
from robot_core.script.templating import TemplateProblem
from robot_core.selectors import Target


@dataclass
class StepContext:
    """Per-case state shared by the steps of one block run."""

    bot: BotScript
    driver: Driver
    variables: dict[str, Any]
    capture: Callable[[str], str]
    outputs: dict[str, str] = field(default_factory=dict)
    found: bool | None = None
    committed: bool = False
    matched: str = ""
    shown_value: str = ""
    #: set by a control step (if/repeat/use): the step lists to run next, and a block's params
    next_blocks: list[tuple[Step, ...]] = field(default_factory=list)
    next_params: dict[str, str] | None = None

    def target(self, name: str) -> Target:
        """The selector-map target called ``name`` (checked at load, so always there)."""
        return self.bot.selectors.get(name)

    def render(self, step: Step, field_name: str, **extra: Any) -> str:
        """Render one template argument of ``step`` against the case."""
        template = step.templates[field_name]
        try:
            return template.render({**self.variables, "outputs": self.outputs, **extra})
        except TemplateProblem as exc:
            raise BotScriptError(f"cannot render {field_name}: {exc}", step.location,
                                 step.label) from exc

    def timeout(self, step: Step, target: Target | None = None) -> int:
        """The wait for ``step`` on ``target`` (``run/timeouts.py``: step, target, bot)."""
        return resolve_timeout(step, target, self.bot)
