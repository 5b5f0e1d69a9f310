"""The audit chain's verdict for the report, checked beside the reading on a big night.

``verify_chain`` hashes every line again: on a night of 10,000 cases that costs as much as
reading the file for the report, so from ``PARALLEL_FROM`` bytes on it runs in a second
Python process (a plain child, not a fork: the caller may hold a browser's threads) while
this one reads. If the child cannot start or answer, the chain is checked here instead.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from robot_core.evidence.audit import verify_chain

PARALLEL_FROM = 20_000_000  # bytes of audit trail (about 2,000 cases)
UNREADABLE = -1
_CHILD = "from robot_core.evidence.report.chain import main; main()"


def chain_verdict(audit: Path) -> int | None:
    """The first bad line (1-based); None when intact; ``UNREADABLE`` when not UTF-8."""
    try:
        return verify_chain(audit)
    except ValueError:  # UnicodeDecodeError: bytes no line of ours was written as
        return UNREADABLE


def start_verdict(audit: Path) -> Callable[[], int | None]:
    """Start checking ``audit``; the returned function waits for and gives the verdict."""
    if audit.stat().st_size < PARALLEL_FROM:
        return lambda: chain_verdict(audit)
    try:
        child = subprocess.Popen([sys.executable, "-c", _CHILD, str(audit)],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    except OSError:
        return lambda: chain_verdict(audit)

    def verdict() -> int | None:
        try:
            out, _ = child.communicate(timeout=900)
            answer = json.loads(out)
        except (subprocess.TimeoutExpired, ValueError):
            answer = "?"
        except BaseException:  # a stop: leave no child behind
            child.kill()
            child.wait()
            raise
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        if child.returncode == 0 and (answer is None or type(answer) is int):
            return answer
        return chain_verdict(audit)  # the child could not say: check here

    return verdict


def main() -> None:
    """The child: print the verdict on ``sys.argv[1]`` as JSON."""
    print(json.dumps(chain_verdict(Path(sys.argv[1]))))
