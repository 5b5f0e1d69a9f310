"""One worker process of a schedule run: ``python -m robot_core.daemon.work_until BOT --until T``.

It is ``robot work`` with a deadline: no new case is taken at or after ``--until`` (the end
of the run window). SIGTERM or SIGINT, however many, finish the case in hand and stop: the
daemon forwards SIGTERM, and a terminal's Ctrl-C or systemd may send one too; none of them
may break off a case half-typed. Items of crashed workers (``in_progress`` of a dead pid,
``uncertain``) are claimed and verified by ``Worker`` as usual.

Exit codes: 0 worked until dry, the deadline or a stop; otherwise the error's code in the
table of ``robot_core.errors`` (2 the queue or the application failed, 3 the bot or the
environment is not set up), as ``robot work`` exits.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import UTC, datetime
from types import FrameType

from robot_core.errors import RobotError, exit_code
from robot_core.home import project_dir, robot_home
from robot_core.outcome import CaseResult
from robot_core.run.session import RunOptions, work_queue
from robot_core.script.loader import load_bot


def main(argv: list[str] | None = None) -> int:
    """Work BOT's queue until it is dry, the deadline passes, or a signal asks to stop."""
    parser = argparse.ArgumentParser(prog="robot_core.daemon.work_until")
    parser.add_argument("bot")
    parser.add_argument("--until", type=datetime.fromisoformat, default=None,
                        help="ISO time with offset: take no new case from then on")
    args = parser.parse_args(argv)
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        print(f"{signal.Signals(signum).name}: finishing the current case", flush=True)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    until: datetime | None = args.until

    def stopping() -> bool:
        return stop.is_set() or (until is not None and datetime.now(UTC) >= until)

    def progress(result: CaseResult) -> None:
        print(f"{result.key} {result.status.value} {result.error}".rstrip(), flush=True)

    try:
        project = project_dir()
        bot = load_bot(project / "bots" / f"{args.bot}.yaml", project / "selectors")
        worked, paths = work_queue(bot, RunOptions(robot_home()), progress, stopping)
    except RobotError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return exit_code(exc)
    print(f"worked {worked} item(s); evidence: {paths.root}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
