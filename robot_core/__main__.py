"""``python -m robot_core``: the ``robot`` command, for a machine where another package's
``robot`` script (Robot Framework's) took the name in the same environment."""

from robot_core.cli import main

if __name__ == "__main__":  # not on an import (the tests walk every module)
    main(prog_name="robot")
