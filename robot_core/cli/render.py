"""What a run looks like on the terminal: the progress of the cases, the table at the end."""

from __future__ import annotations

from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from robot_core.cli.app import console, err
from robot_core.errors import SystemDown
from robot_core.outcome import CaseResult, RunOutcome, Status, shown
from robot_core.run.session import Ending

REPORT = "report.html"  # the run report's file name (evidence/report/page.py)

STYLE = {Status.DONE: "green", Status.BUSINESS_FAILED: "yellow", Status.FAILED: "red",
         Status.PENDING: "dim", Status.IN_PROGRESS: "cyan", Status.UNCERTAIN: "magenta",
         Status.CANCELLED: "dim", Status.MISMATCH: "bold red"}


class ProgressReport:
    """A rich progress bar on a terminal; one plain line per case otherwise."""

    def __init__(self, total: int | None = None) -> None:
        self.total = total  # None until known: a run learns it from its batch
        self.seen = 0
        self.counts = {s: 0 for s in Status}
        self.bar: Progress | None = None

    def __enter__(self) -> ProgressReport:
        if console.is_terminal:
            self.bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                                MofNCompleteColumn(), TextColumn("{task.fields[tally]}"),
                                TimeRemainingColumn(), console=console)
            self.bar.start()
            self.task = self.bar.add_task("entering", total=self.total, tally="")
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def expect(self, total: int) -> None:
        """The number of cases this run will enter, once known."""
        self.total = total
        if self.bar is not None:
            self.bar.update(self.task, total=total)

    def __call__(self, result: CaseResult) -> None:
        self.seen += 1
        self.counts[result.status] += 1
        tally = (f"done {self.counts[Status.DONE]} · business "
                 f"{self.counts[Status.BUSINESS_FAILED]} · failed {self.counts[Status.FAILED]}")
        if self.counts[Status.MISMATCH]:
            tally += f" · mismatch {self.counts[Status.MISMATCH]}"
        if self.bar is not None:
            self.bar.update(self.task, advance=1, tally=tally)
            return
        extra = " ".join(result.outputs.values()) or result.error
        console.print(escape(f"[{self.seen}/{self.total or '?'}] {result.key} "
                             f"{result.status.value} {extra}"),
                      highlight=False, soft_wrap=True)


SHOWN = 200  # cases in the table at the end of a run; the results workbook has every one


def render(outcome: RunOutcome) -> None:
    """The results table (the first ``SHOWN`` cases) and the counts."""
    table = Table("case", "status", "outputs", "error", "attempts", title=f"run {outcome.run_id}",
                  caption=f"the first {SHOWN} of {len(outcome.results)} cases: every one is "
                          "in the results workbook" if len(outcome.results) > SHOWN else None)
    for r in outcome.results[:SHOWN]:
        style = STYLE.get(r.status, "")
        status = f"conflict ({r.status.value})" if r.conflict else r.status.value
        table.add_row(escape(r.key), f"[{style}]{status}[/{style}]",
                      escape(" ".join(r.outputs.values())), escape(r.error[:80]),
                      str(r.attempts))
    console.print(table)
    counts = outcome.counts()
    conflicts = sum(r.conflict for r in outcome.results)
    console.print(" · ".join([f"{s.value}: {counts.get(s, 0)}" for s in shown(counts)]
                             + ([f"conflict: {conflicts}"] if conflicts else [])))
    deferred(outcome)


def deferred(outcome: RunOutcome) -> None:
    """Say which cases wait for a later try after a system failure, and from when."""
    waiting = int(outcome.meta.get("deferred") or 0)
    if waiting:
        console.print(f"{waiting} case(s) failed for system reasons and wait to be tried "
                      f"again from {outcome.meta['next_try'][:16].replace('T', ' ')} UTC: "
                      f"robot work {outcome.bot} (or the daemon's next pass) takes them then",
                      highlight=False, soft_wrap=True)


def stopped(exc: SystemDown) -> None:
    """The breaker's one line: the app, what was seen, what stays queued."""
    err.print(f"[red]stopped:[/red] {escape(exc.reason)}", highlight=False, soft_wrap=True)


def tell(ending: Ending) -> None:
    """However a run ended: its table and counts, and where its report, results and
    evidence are (or why one is missing)."""
    if ending.outcome is not None:
        render(ending.outcome)
    elif ending.batch is None:
        console.print("no case was queued or entered", highlight=False)
    if ending.paths is None:
        return
    root = ending.paths.root
    report = root / REPORT  # evidence/report/page.py's name, not imported before a run
    results = ending.paths.results
    shown_report = str(report) if report.is_file() else \
        f"not written; robot report {root.name} writes it"
    console.print(f"report:   {shown_report}", highlight=False, soft_wrap=True)
    if ending.results_written and results.is_file():
        shown_results = str(results)
    elif ending.batch is not None:
        shown_results = (f"not written (stopped); robot queue export --batch {ending.batch.id}"
                         f" {results} writes them")
    else:
        shown_results = "none (nothing was queued)"
    console.print(f"results:  {shown_results}", highlight=False, soft_wrap=True)
    console.print(f"evidence: {root}", highlight=False, soft_wrap=True)
