"""Steps as the runner runs them: what each action does (``RUN``) and sees (``StepContext``).

The action specs (names, arguments, which faults repeat a step) are in
``robot_core.script.actions``; ``RUN`` maps each of those names to its function.
"""

from robot_core.run.steps import expect as _expect  # noqa: F401 - registers ``expect``
from robot_core.run.steps.actions import RUN, ActionFn
from robot_core.run.steps.context import StepContext

__all__ = ["RUN", "ActionFn", "StepContext"]
