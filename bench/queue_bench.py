"""Queue throughput with no browser: ingest, then claim-and-complete 10,000 items.

    python -m bench.queue_bench [--items 10000] [--workers 1,2]

Each worker is a separate process on the same SQLite file, as on one office PC; the table
gives items per second for the whole drain and the share of claims that collided (none may).
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import time
from pathlib import Path

from robot_core.queue.base import NewItem, Outcome, State
from robot_core.queue.sqlite import SQLiteStore


def _drain(path: str, owner: str, go: object, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    store = SQLiteStore(Path(path))
    go.wait()  # type: ignore[attr-defined]
    taken: list[int] = []
    while (item := store.claim("bench", owner, 60)) is not None:
        store.complete(item.id, owner, Outcome(State.DONE, {"regno": f"RG-{item.id}"}))
        taken.append(item.id)
    store.close()
    out.put(taken)


def measure(items: int, workers: int) -> dict[str, float]:
    """Ingest ``items`` and drain them with ``workers`` processes; rates in items/s."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "queue.db"
        store = SQLiteStore(path)
        rows = [NewItem(f"K{i:06d}", i, {"values": {"case_id": f"K{i:06d}"}, "raw": {}})
                for i in range(items)]
        started = time.perf_counter()
        store.add_batch("bench", "bench.xlsx", "x", "s", ["case_id"], rows)
        ingest_s = time.perf_counter() - started
        store.close()
        ctx = multiprocessing.get_context("spawn")
        go, out = ctx.Event(), ctx.Queue()
        procs = [ctx.Process(target=_drain, args=(str(path), f"h:{n}:b", go, out))
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
    parser.add_argument("--workers", default="1,2")
    args = parser.parse_args()
    print(f"{'items':>7} {'workers':>7} {'ingest/s':>10} {'claim+complete/s':>17} "
          f"{'dup':>4} {'miss':>4}")
    for workers in (int(w) for w in args.workers.split(",")):
        r = measure(args.items, workers)
        print(f"{r['items']:>7.0f} {r['workers']:>7.0f} {r['ingest_per_s']:>10.0f} "
              f"{r['claim_complete_per_s']:>17.0f} {r['duplicates']:>4.0f} {r['missing']:>4.0f}")


if __name__ == "__main__":
    main()
