"""``python -m robot_core.cli``: the ``robot`` command (``--workers`` starts workers so)."""

from robot_core.cli import main

main(prog_name="robot")
