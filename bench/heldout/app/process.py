"""The held-out app as a subprocess on loopback (``with DogApp(db) as app: app.url``)."""

from __future__ import annotations

from fixtures.hosted import HttpFixture


class DogApp(HttpFixture):
    """Started until it prints ``listening on URL``; ``dump()`` reads its database."""

    MODULE = "bench.heldout.app"
    WHAT = "held-out dog registry"
