"""The audit chain's verdict for the report, checked beside the reading on a big night.

The verdict is ``evidence.verify.verify_audit``'s, the one ``robot audit verify`` gives.
It hashes every line again: on a night of 10,000 cases that costs as much as reading the
file for the report, so from ``PARALLEL_FROM`` bytes on it runs in a second Python process
(a plain child, not a fork: the caller may hold a browser's threads) while this one reads.
The key and the anchor go to the child on its standard input, never its command line or
environment. If the child cannot start or answer, the chain is checked here instead.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from robot_core.evidence.verify import Verdict, verify_audit
from robot_core.queue.base import AuditAnchor

PARALLEL_FROM = 20_000_000  # bytes of audit trail (about 2,000 cases)
_CHILD = "from robot_core.evidence.report.chain import main; main()"


def chain_verdict(audit: Path, key: bytes | None = None,
                  anchor: AuditAnchor | None = None) -> Verdict:
    """The verdict on ``audit``, with the audit ``key`` and the run's ``anchor`` if known."""
    return verify_audit(audit, key, anchor)


def start_verdict(audit: Path, key: bytes | None = None, anchor: AuditAnchor | None = None,
                  ) -> Callable[[], Verdict]:
    """Start checking ``audit``; the returned function waits for and gives the verdict."""
    if audit.stat().st_size < PARALLEL_FROM:
        return lambda: chain_verdict(audit, key, anchor)
    try:
        child = subprocess.Popen([sys.executable, "-c", _CHILD, str(audit)],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True)
    except OSError:
        return lambda: chain_verdict(audit, key, anchor)
    question = json.dumps({"key": base64.b64encode(key).decode() if key else None,
                           "anchor": _anchor_json(anchor)})

    def verdict() -> Verdict:
        try:
            out, _ = child.communicate(question, timeout=900)
            answer = Verdict(**json.loads(out))
        except (subprocess.TimeoutExpired, ValueError, TypeError):
            answer = None
        except BaseException:  # a stop: leave no child behind
            child.kill()
            child.wait()
            raise
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        if child.returncode == 0 and answer is not None:
            return answer
        return chain_verdict(audit, key, anchor)  # the child could not say: check here

    return verdict


def _anchor_json(anchor: AuditAnchor | None) -> dict[str, Any] | None:
    if anchor is None:
        return None
    return {**dataclasses.asdict(anchor), "anchored_at": None}


def main() -> None:
    """The child: read the key and anchor from stdin; print the verdict on ``argv[1]``."""
    question = json.loads(sys.stdin.read() or "{}")
    key = base64.b64decode(question["key"]) if question.get("key") else None
    anchor = AuditAnchor(**question["anchor"]) if question.get("anchor") else None
    print(json.dumps(dataclasses.asdict(chain_verdict(Path(sys.argv[1]), key, anchor))))
