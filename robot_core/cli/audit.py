"""``robot audit verify RUN | --all``: check runs' audit trails as an auditor would.

Each run gets one line: ``✓`` and what was checked, or ``✗``, the kind of finding and the
first bad line (``evidence/verify.py``). Exit 0 when every run checked is sound, 1 when
anything was found (edited, deleted, reordered, cut, appended, recomputed, keyed with
another key, the key missing, no anchor), 3 when RUN is no run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.markup import escape

from robot_core.cli.app import console, main
from robot_core.cli.report import run_folder
from robot_core.evidence.anchor import checking_key
from robot_core.evidence.verify import Verdict, verify_audit
from robot_core.home import robot_home
from robot_core.queue import open_store
from robot_core.queue.base import AuditAnchor

EXIT_FINDING = 1  # as ``robot run`` says "look at these" with 1


@main.group()
def audit() -> None:
    """Check the audit trails runs left."""


@audit.command()
@click.argument("run", required=False)
@click.option("--all", "every", is_flag=True, help="Every run under ROBOT_HOME/runs.")
def verify(run: str | None, every: bool) -> None:
    """Check RUN's audit trail (a run id or a run folder), or every run's (--all)."""
    if bool(run) == every:
        raise click.UsageError("name one RUN, or give --all")
    home = robot_home()
    key = checking_key(home)  # a key file others can read: VaultError, exit 3
    store = open_store(home)
    try:
        if every:
            anchors = {a.run_id: a for a in store.audit_anchors()}
            checks = _every_run(home / "runs", anchors)
        else:
            folder = run_folder(str(run))
            checks = [(folder.name, folder / "audit.jsonl", store.audit_anchor(folder.name))]
    finally:
        store.close()
    found = 0
    for name, audit_file, anchor in checks:
        verdict = verify_audit(audit_file, key, anchor)
        found += not verdict.ok
        _say(name, verdict)
    if every:
        console.print(f"{len(checks)} run(s) checked, {found} with findings", highlight=False)
    sys.exit(EXIT_FINDING if found else 0)


def _every_run(runs: Path, anchors: dict[str, AuditAnchor],
               ) -> list[tuple[str, Path, AuditAnchor | None]]:
    """Each run folder (never one reached through a symlink), and each anchored run whose
    folder is gone."""
    folders = sorted(p for p in runs.iterdir() if p.is_dir() and not p.is_symlink()) \
        if runs.is_dir() else []
    checks = [(p.name, p / "audit.jsonl", anchors.get(p.name)) for p in folders]
    seen = {p.name for p in folders}
    checks += [(run_id, runs / run_id / "audit.jsonl", anchor)
               for run_id, anchor in sorted(anchors.items()) if run_id not in seen]
    return checks


def _say(name: str, verdict: Verdict) -> None:
    mark, style = ("✓", "green") if verdict.ok else ("✗", "red")
    where = f" (line {verdict.line})" if verdict.line else ""
    # "intact: …" and "unkeyed (older robot): …" name their kind already.
    head = "" if verdict.message.startswith(verdict.kind) else f"{verdict.kind}{where}: "
    console.print(f"[{style}]{mark}[/{style}] {escape(name)}: {head}"
                  f"{escape(verdict.message)}", highlight=False, soft_wrap=True)
