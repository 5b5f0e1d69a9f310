"""The held-out app as a subprocess on loopback (``with DogApp(db) as app: app.url``)."""

from __future__ import annotations

from pathlib import Path

from fixtures.hosted import HostedFixture


class DogApp(HostedFixture):
    """Started until it prints ``listening on URL``; ``dump()`` reads its database."""

    MODULE = "bench.heldout.app"
    WHAT = "held-out dog registry"

    def __init__(self, db: Path, **switches: float | int | str) -> None:
        super().__init__(db, **switches)
        self.url = ""

    def ready(self, line: str) -> bool:
        if not line.startswith("listening on "):
            return False
        self.url = line.split("listening on ", 1)[1].strip()
        return True
