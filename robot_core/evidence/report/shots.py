"""Screenshots for the report: failures inlined as ``data:`` URIs (within a budget), the
rest linked beside the report.

Only a PNG inside the run's ``screenshots/`` folder is ever read or linked: the path comes
from the audit file, which is evidence to check, not a set of instructions.
"""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import quote

from robot_core.errors import ConfigError
from robot_core.home import contained

PNG = b"\x89PNG\r\n\x1a\n"
MAX_ONE = 1_500_000  # bytes of one inlined picture; a larger one is linked
MAX_TOTAL = 8_000_000  # bytes of pictures inlined in one report, so it stays small


class Shots:
    """The pictures one report shows; ``add`` gives each an index into ``table``."""

    def __init__(self, run_dir: Path, budget: int = MAX_TOTAL) -> None:
        self.run_dir = run_dir.resolve()
        self.folder = run_dir / "screenshots"
        self.budget = budget
        self.table: list[dict[str, str | bool]] = []
        self._seen: dict[str, int] = {}

    def add(self, relative: str, *, inline: bool) -> int | None:
        """The index of the picture at ``relative`` (to the run folder); None if it is not a
        picture of this run's. ``inline`` asks for its bytes in the page, budget allowing."""
        if relative in self._seen:
            return self._seen[relative]
        path = self._inside(relative)
        if path is None:
            return None
        href = "/".join(quote(part) for part in path.relative_to(self.run_dir).parts)
        entry: dict[str, str | bool] = {"href": href, "src": href, "inline": False}
        if inline:
            data = self._png(path)
            if data is not None:
                entry["src"] = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
                entry["inline"] = True
        self._seen[relative] = len(self.table)
        self.table.append(entry)
        return self._seen[relative]

    def _inside(self, relative: str) -> Path | None:
        if not relative or "\x00" in relative:
            return None
        try:
            path = contained(self.run_dir / relative, self.folder)
        except (ConfigError, OSError, ValueError):
            return None
        return path if path.suffix.lower() == ".png" and path.is_file() else None

    def _png(self, path: Path) -> bytes | None:
        """The file's bytes if it is a PNG that fits the budget (and spend it)."""
        try:
            size = path.stat().st_size
            if size > MAX_ONE or size * 4 // 3 > self.budget:
                return None
            data = path.read_bytes()
        except OSError:
            return None
        if not data.startswith(PNG):
            return None
        self.budget -= len(data) * 4 // 3
        return data
