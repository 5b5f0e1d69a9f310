"""The HTML run report: ``build_report(run_dir)`` reads what a run left on disk (its
``audit.jsonl``, screenshots, results workbook) and writes ``report.html`` beside them.

``read`` streams the audit trail, ``shots`` picks the pictures, ``page`` writes the page,
``assets`` is its inline style and script, ``texts`` its words in Japanese and English.
"""

from robot_core.evidence.report.page import REPORT, build_report

__all__ = ["REPORT", "build_report"]
