"""Tell someone a batch is finished: run the schedule's command, or POST to its webhook.

Only what the schedule names is called. A notification that fails is recorded and the night
goes on: the results workbook is already in the outbox.
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from collections.abc import Mapping
from typing import Any

from robot_core.daemon.log import Events
from robot_core.daemon.schedule import NotifySpec

COMMAND_TIMEOUT_S = 60
WEBHOOK_TIMEOUT_S = 15


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A webhook goes to the URL in the schedule, not wherever a redirect points."""

    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None


def notify(spec: NotifySpec | None, summary: Mapping[str, Any], events: Events) -> None:
    """Send ``summary`` as ``spec`` says; record the outcome in ``events``."""
    if spec is None:
        return
    if spec.when == "problems" and not (summary["business_failed"] or summary["failed"]
                                        or summary.get("mismatch")
                                        or summary.get("conflicts")):
        return
    via = "command" if spec.command else "webhook"
    try:
        if spec.command:
            _command(list(spec.command), summary)
        elif spec.webhook:
            _webhook(spec.webhook, summary)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        events.event("notify_failed", via=via, batch=summary["batch"], error=str(exc))
        return
    events.event("notified", via=via, batch=summary["batch"])


def environment(summary: Mapping[str, Any]) -> dict[str, str]:
    """``ROBOT_<FIELD>`` for every summary field, and ``ROBOT_SUMMARY`` as JSON."""
    env = {f"ROBOT_{k.upper()}": str(v) for k, v in summary.items()}
    env["ROBOT_SUMMARY"] = json.dumps(summary, ensure_ascii=False)
    return env


def _command(cmd: list[str], summary: Mapping[str, Any]) -> None:
    done = subprocess.run(cmd, env={**os.environ, **environment(summary)},
                          capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S,
                          check=False, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise subprocess.SubprocessError(f"{cmd[0]} exited with {done.returncode}: "
                                         f"{done.stderr.strip()[-300:]}")


def _webhook(url: str, summary: Mapping[str, Any]) -> None:
    body = json.dumps(summary, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    opener = urllib.request.build_opener(_NoRedirect)
    with opener.open(request, timeout=WEBHOOK_TIMEOUT_S) as response:
        if response.status >= 300:
            raise OSError(f"webhook answered HTTP {response.status}")
