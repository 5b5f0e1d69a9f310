"""Queue throughput with no browser: ingest, then claim-and-complete 10,000 items.

    python -m bench.queue_bench [--items 10000] [--workers 1,2,4] [--backends sqlite,postgres]

Each worker is a separate process on the same queue: the SQLite file, as on one office PC, or
one PostgreSQL database (a throwaway server from ``fixtures.pg_server`` on a Unix socket), as
robot machines sharing it would. The table gives items per second for ingest and for the
whole drain, and the items taken twice or never (none may be).
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import tempfile
import time
from pathlib import Path

from fixtures.pg_server import PostgresServer
from robot_core.outcome import CaseResult, Status
from robot_core.queue.base import NewItem, Store
from robot_core.queue.postgres import PostgresStore
from robot_core.queue.sqlite import SQLiteStore


def _open(where: str) -> Store:
    if where.startswith("postgresql://"):
        return PostgresStore(where)
    return SQLiteStore(Path(where))


def _drain(where: str, owner: str, go: object, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    store = _open(where)
    go.wait()  # type: ignore[attr-defined]
    taken: list[int] = []
    while (item := store.claim("bench", owner, 60)) is not None:
        store.complete(item.id, owner, CaseResult(item.key, item.row_number, Status.DONE,
                                                  {"regno": f"RG-{item.id}"}))
        taken.append(item.id)
    store.close()
    out.put(taken)


def measure(where: str, items: int, workers: int) -> dict[str, float]:
    """Ingest ``items`` into the empty queue at ``where`` and drain them with ``workers``
    processes; rates in items/s."""
    store = _open(where)
    rows = [NewItem(f"K{i:06d}", i, {"values": {"case_id": f"K{i:06d}"}, "raw": {}})
            for i in range(items)]
    started = time.perf_counter()
    store.add_batch("bench", "bench.xlsx", "x", "s", ["case_id"], rows)
    ingest_s = time.perf_counter() - started
    store.close()
    ctx = multiprocessing.get_context("spawn")
    go, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_drain, args=(where, f"h:{n}:b", go, out))
             for n in range(workers)]
    for proc in procs:
        proc.start()
    time.sleep(1.0)  # every process is up and waiting on `go`
    started = time.perf_counter()
    go.set()
    taken = [out.get() for _ in procs]
    drain_s = time.perf_counter() - started
    for proc in procs:
        proc.join()
    every = [i for t in taken for i in t]
    return {"items": items, "workers": workers, "ingest_per_s": items / ingest_s,
            "claim_complete_per_s": items / drain_s, "duplicates": len(every) - len(set(every)),
            "missing": items - len(set(every))}


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    print(f"{'backend':>8} {'items':>7} {'workers':>7} {'ingest/s':>10} "
          f"{'claim+complete/s':>17} {'dup':>4} {'miss':>4}")
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        server = (stack.enter_context(PostgresServer()) if "postgres" in args.backends
                  else None)
        for backend in args.backends.split(","):
            for n, workers in enumerate(int(w) for w in args.workers.split(",")):
                where = (server.new_database() if backend == "postgres" and server
                         else str(Path(tmp) / f"queue-{n}.db"))
                r = measure(where, args.items, workers)
                print(f"{backend:>8} {r['items']:>7.0f} {r['workers']:>7.0f} "
                      f"{r['ingest_per_s']:>10.0f} {r['claim_complete_per_s']:>17.0f} "
                      f"{r['duplicates']:>4.0f} {r['missing']:>4.0f}", flush=True)


if __name__ == "__main__":
    main()
