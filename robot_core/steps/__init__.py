"""Steps: the action registry and the actions bot scripts are written in."""

from robot_core.steps import actions as _actions  # noqa: F401 - importing registers the actions
from robot_core.steps.registry import ACTIONS, Action, Args

__all__ = ["ACTIONS", "Action", "Args"]
