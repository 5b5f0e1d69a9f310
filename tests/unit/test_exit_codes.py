"""One exit-code table keyed on the one error tree: every error class drawn, every one coded."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator

import robot_core
from robot_core import errors
from robot_core.errors import (
    EXIT_CODES,
    EXIT_INVALID,
    EXIT_SYSTEM,
    QueueError,
    QueueRefused,
    RobotError,
    SecretsErased,
    exit_code,
)
from robot_core.vault import VaultError

_BRANCH = re.compile(r"^(?P<lead>[ │]*)[├└]── (?P<name>\w+)(?:\s+(?P<code>\d))?")


def _package_errors() -> set[type[RobotError]]:
    """Every RobotError subclass defined anywhere in robot_core (each module imported)."""
    for module in pkgutil.walk_packages(robot_core.__path__, "robot_core."):
        importlib.import_module(module.name)

    def walk(cls: type[RobotError]) -> Iterator[type[RobotError]]:
        for sub in cls.__subclasses__():
            yield sub
            yield from walk(sub)

    return {c for c in walk(RobotError) if c.__module__.startswith("robot_core.")}


def _drawn() -> dict[str, tuple[str, int | None]]:
    """The docstring tree of errors.py: each class name with its drawn parent and code."""
    doc = errors.__doc__ or ""
    lines = doc.split("::", 1)[1].strip("\n").splitlines()
    assert lines[0].strip().startswith("RobotError")
    drawn: dict[str, tuple[str, int | None]] = {}
    parents = ["RobotError"]
    for line in lines[1:]:
        if not line.strip():
            break
        found = _BRANCH.match(line[4:])
        assert found, f"not a branch of the tree: {line!r}"
        depth = len(found["lead"]) // 4
        parents[depth + 1:] = [found["name"]]
        code = int(found["code"]) if found["code"] else None
        drawn[found["name"]] = (parents[depth], code)
    return drawn


def test_every_error_class_is_drawn_under_its_parent() -> None:
    """Each RobotError subclass in the package is in errors.py's tree, under its real base."""
    drawn = _drawn()
    for cls in _package_errors():
        assert cls.__name__ in drawn, f"{cls.__module__}.{cls.__name__} is not drawn"
        assert drawn[cls.__name__][0] == cls.__base__.__name__, cls.__name__
    names = {c.__name__ for c in _package_errors()}
    assert set(drawn) == names, f"drawn but not defined: {set(drawn) - names}"


def test_every_error_class_has_the_exit_code_drawn_beside_it() -> None:
    """Each error class exits with a table code, and the tree's drawn code is that code."""
    drawn = _drawn()
    for cls in _package_errors():
        code = exit_code(cls("x"))
        assert code in {1, 2, 3}
        shown = drawn[cls.__name__][1]
        assert shown is None or shown == code, (cls.__name__, shown, code)
    assert all(issubclass(c, RobotError) for c in EXIT_CODES)


def test_invalid_input_is_3_and_system_trouble_is_2() -> None:
    """Bad input (a key, a batch that is not there, an erased item) is 3; a failing queue 2."""
    assert exit_code(VaultError("no key")) == EXIT_INVALID
    assert exit_code(QueueRefused("no batch 7")) == EXIT_INVALID
    assert exit_code(SecretsErased("erased")) == EXIT_INVALID
    assert exit_code(QueueError("locked")) == EXIT_SYSTEM
    assert exit_code(ZeroDivisionError()) == EXIT_SYSTEM


def test_a_refused_queue_request_is_still_a_queue_error() -> None:
    """Code that catches QueueError still catches a refusal (SecretsErased included)."""
    assert issubclass(SecretsErased, QueueRefused) and issubclass(QueueRefused, QueueError)
