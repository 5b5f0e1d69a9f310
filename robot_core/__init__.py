"""robot: declarative RPA for back-office data entry into legacy web and desktop systems."""

import sys

__version__ = "0.1.0"


class _NoNumpyForOpenpyxl:
    """openpyxl imports numpy, if installed (opencv brings it, for desktop templates), only
    to accept numpy numbers in cells; robot writes none. That import cost every case file
    read ~0.1 s quiet (0.3 s loaded) and ~12 MB; here it fails for openpyxl alone. numpy
    already imported is used as it is; anything else importing numpy gets it."""

    @staticmethod
    def find_spec(name: str, *_args: object) -> None:
        if name == "numpy" and _importing("openpyxl.compat.numbers"):
            raise ModuleNotFoundError("numpy is not offered to openpyxl", name=name)


def _importing(module: str) -> bool:
    frame = sys._getframe(1)
    for _ in range(40):  # the module's frame is a few import-machinery frames up
        if frame.f_back is None:
            return False
        frame = frame.f_back
        if frame.f_globals.get("__name__") == module:
            return True
    return False


sys.meta_path.insert(0, _NoNumpyForOpenpyxl())
