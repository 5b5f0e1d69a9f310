"""Write ``runs/<id>/report.html``: one self-contained page a person reads instead of the
audit file.

The summary is written as HTML here (it reads without the script); the cases travel as
JSON in a ``<script type="application/json">`` block that ``assets.JS`` pages through. The
page's Content-Security-Policy allows only its own inline style and script (by hash) and
pictures from ``data:`` or beside it: nothing is fetched from anywhere.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import pwd
from collections import Counter
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

from robot_core.errors import ConfigError
from robot_core.evidence.report.assets import CSS, JS
from robot_core.evidence.report.chain import start_verdict
from robot_core.evidence.report.read import AuditRead, CaseRecord, clean, read_audit
from robot_core.evidence.report.shots import Shots
from robot_core.evidence.report.texts import (
    CHAIN_LABEL,
    EXIT_MEANING,
    ORDER,
    WHEN_PRESENT,
    next_steps,
    status_label,
)
from robot_core.evidence.verify import Verdict
from robot_core.private import FILE_MODE
from robot_core.queue.base import AuditAnchor

REPORT = "report.html"
NOT_RECORDED = "記録なし (not recorded)"


def build_report(run_dir: Path, key: bytes | None = None,
                 anchor: AuditAnchor | None = None) -> Path:
    """Read ``run_dir/audit.jsonl``; write ``run_dir/report.html``; return its path.

    The chain is checked with the audit ``key`` against the run's ``anchor``, as
    ``robot audit verify`` does; without them the verdict says what it could not check.
    """
    audit = run_dir / "audit.jsonl"
    if not audit.is_file():
        raise ConfigError(f"{run_dir}: no audit.jsonl here (not a run folder)")
    verdict = start_verdict(audit, key, anchor)
    try:
        found = read_audit(audit)
    finally:
        broken = verdict()  # waited for even on a failure: no process is left behind
    shots = Shots(run_dir)
    cases = [_case_row(c, shots) for c in found.cases.values()]
    data = {"strings": found.strings.table, "cases": cases, "shots": shots.table,
            "session": found.session, "labels": {s: status_label(s) for s in ORDER}}
    page = _page(run_dir, found, broken, data)
    target = run_dir / REPORT
    _write(target, page)
    return target


def _case_row(case: CaseRecord, shots: Shots) -> list[Any]:
    """One case as the compact array the script reads (see ``caseBody`` in assets.JS)."""
    failed = case.status != "done"
    final = shots.add(case.screenshot, inline=failed) if case.screenshot else None
    shown = [i for i in (shots.add(s, inline=False) if s != case.screenshot else final
                         for s in case.shots) if i is not None]
    return [case.key, case.status, case.row, case.attempts, case.duration_ms, case.error,
            sorted(case.outputs.items()), final, shown, int(case.verified), case.steps,
            case.steps_dropped]


def json_block(data: Any) -> str:
    """``data`` as JSON that cannot end its ``<script>`` block or open markup inside it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for raw, safe in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                      ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, safe)
    return text


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _page(run_dir: Path, found: AuditRead, broken: Verdict, data: dict[str, Any]) -> str:
    run = found.run
    policy = (f"default-src 'none'; style-src {_csp_hash(CSS)}; script-src {_csp_hash(JS)}; "
              "img-src data: file: 'self'; base-uri 'none'; form-action 'none'")
    title = f"実行レポート (run report) · {run.bot or '?'} · {run.run_id or run_dir.name}"
    listed = Counter(c[1] for c in data["cases"])
    return "".join([
        '<!DOCTYPE html>\n<html lang="ja">\n<head>\n<meta charset="utf-8">\n',
        f'<meta http-equiv="Content-Security-Policy" content="{escape(policy)}">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        f"<h1>{escape(title)}</h1>\n",
        _summary(run_dir, found, broken),
        _counts(found),
        _cases_section(listed),
        _events_section(found),
        '<script type="application/json" id="report-data">', json_block(data), "</script>\n",
        f"<script>{JS}</script>\n</body>\n</html>\n",
    ])


def _row(head: str, value: str, cls: str = "data", ident: str = "") -> str:
    """One summary row; ``value`` is already HTML (escaped by the caller)."""
    attr = f' id="{ident}"' if ident else ""
    return f'<tr><th>{escape(head)}</th><td class="{cls}"{attr}>{value}</td></tr>\n'


def _summary(run_dir: Path, found: AuditRead, broken: Verdict) -> str:
    run, finished = found.run, found.run.finished or {}
    exit_code = finished.get("exit_code")
    exit_text = (f"{exit_code} — {EXIT_MEANING.get(exit_code, '')}"
                 if isinstance(exit_code, int) else "記録なし: 実行が最後まで終わっていません "
                 "(not recorded: the run did not finish)")
    verdict = _verdict_html(broken)  # its sentence counts the lines
    if run.unreadable:
        verdict += f' <span class="verdict-bad">読めない行 (unreadable lines): ' \
                   f'{escape(", ".join(map(str, run.unreadable[:20])))}</span>'
    rows = [
        _row("ボット (bot)", escape(run.bot or NOT_RECORDED)),
        _row("実行 ID (run id)", escape(run.run_id or run_dir.name)),
        _row("実行者 (who)", escape(run.user or _owner(run_dir / "audit.jsonl"))),
        _row("端末 (where)", escape(run.host or NOT_RECORDED)),
        _row("開始 (start)", escape(_when(run.started))),
        _row("終了 (end)", escape(_when(run.ended))),
        _row("所要時間 (duration)", escape(_duration(run.started, run.ended))),
        _row("入力 (input)", escape(run.input or NOT_RECORDED)),
        _row("終了コード (exit code)", escape(exit_text), ident="exit-code"),
        *([_row("停止理由 (stopped because)", escape(run.stopped), ident="stopped")]
          if run.stopped else []),
        _row("監査ログ (audit chain)", verdict, ident="chain"),
        _row("ファイル (files)", _links(run_dir)),
    ]
    return '<h2>概要 (summary)</h2>\n<table class="summary">\n' + "".join(rows) + "</table>\n"


def _verdict_html(verdict: Verdict) -> str:
    """The chain's verdict: a Japanese label, then the verifier's own sentence."""
    label = CHAIN_LABEL.get(verdict.kind, verdict.kind)
    css = "verdict-ok" if verdict.ok else "verdict-bad"
    return (f'<span class="{css}" data-kind="{escape(verdict.kind)}">{escape(label)}</span> '
            f'<span class="muted">{escape(verdict.message)}</span>')


def _links(run_dir: Path) -> str:
    parts = []
    for name, label in (("results.xlsx", "結果ブック (results workbook)"),
                        ("audit.jsonl", "監査ログ (audit trail)")):
        if (run_dir / name).is_file():
            parts.append(f'<a href="{name}">{escape(label)}: {name}</a>')
        else:
            parts.append(f'<span class="muted">{escape(label)}: {name} — '
                         "ありません (not written)</span>")
    return " · ".join(parts)


def _counts(found: AuditRead) -> str:
    """Counts by status, from run_finished (the batch's), else from the cases seen."""
    finished = found.run.finished or {}
    recorded = {s: finished[s] for s in ORDER if s and isinstance(finished.get(s), int)}
    counts = recorded or dict(Counter(c.status for c in found.cases.values()))
    source = ("実行終了時の集計 (as recorded when the run finished)" if recorded else
              "監査ログのケースから数えた値 (counted from the cases in the audit trail)")
    rows = []
    for status in ORDER:
        number = counts.get(status, 0)
        if status in WHEN_PRESENT and not number:
            continue
        advice = next_steps(status, found.run.bot) if number else ""
        rows.append(f'<tr><td>{escape(status_label(status))}</td>'
                    f'<td class="n" id="count-{status or "unfinished"}">{number}</td>'
                    f'<td class="advice">{escape(advice)}</td></tr>\n')
    return ("<h2>件数と次にすること (counts, and what to do next)</h2>\n"
            f'<p class="muted">{escape(source)}</p>\n<table class="counts">\n'
            "<tr><th>状態 (status)</th><th>件数 (cases)</th>"
            "<th>次にすること (what to do next)</th></tr>\n" + "".join(rows) + "</table>\n")


def _cases_section(listed: Counter[str]) -> str:
    buttons = [f'<button type="button" data-status="*" aria-pressed="true">すべて (all) '
               f"{sum(listed.values())}</button>"]
    buttons += [f'<button type="button" data-status="{escape(s)}" aria-pressed="false">'
                f"{escape(status_label(s))} {listed[s]}</button>"
                for s in ORDER if listed.get(s)]
    return ("<h2>ケース (cases)</h2>\n"
            "<noscript><p>ケース一覧の表示には JavaScript が必要です "
            "(the case list needs JavaScript).</p></noscript>\n"
            '<div class="bar" id="filters">' + "".join(buttons) + "</div>\n"
            '<div class="bar"><input type="search" id="search" '
            'placeholder="キーで検索 (search by key)" aria-label="search by key">'
            '<button type="button" id="prev">前へ (previous)</button>'
            '<button type="button" id="next">次へ (next)</button>'
            '<span id="pageinfo"></span></div>\n<div id="cases"></div>\n')


def _events_section(found: AuditRead) -> str:
    rows = "".join(f'<tr><td class="data">{escape(ts)}</td><td class="data">{escape(name)}'
                   f'</td><td class="data">{escape(detail)}</td></tr>\n'
                   for ts, name, detail in found.events)
    dropped = (f'<p class="muted">… +{found.events_dropped} 件省略 (events not shown)</p>'
               if found.events_dropped else "")
    return ("<h2>セッション (session)</h2>\n<details><summary>ログイン・回復などの記録 "
            f"(log-in, recovery and other run events): {len(found.events)}</summary>\n"
            "<table><tr><th>時刻 (time)</th><th>イベント (event)</th>"
            f"<th>内容 (detail)</th></tr>\n{rows}</table>{dropped}\n"
            '<div id="session-steps"></div></details>\n')


def _when(ts: str) -> str:
    """An ISO timestamp in the reader's local time, with the stored value beside it."""
    ts = clean(ts, 60)
    try:
        local = datetime.fromisoformat(ts).astimezone()
    except ValueError:
        return ts or NOT_RECORDED
    return f"{local:%Y-%m-%d %H:%M:%S %Z} ({ts})"


def _duration(start: str, end: str) -> str:
    try:
        seconds = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    except (ValueError, TypeError):
        return NOT_RECORDED
    minutes, rest = divmod(max(seconds, 0.0), 60)
    return f"{int(minutes)} 分 {rest:.1f} 秒 ({seconds:.1f} s)"


def _owner(path: Path) -> str:
    """Who owns the audit file: the account the run ran as, when the run did not say."""
    try:
        name = pwd.getpwuid(path.stat().st_uid).pw_name
    except (KeyError, OSError):
        return NOT_RECORDED
    return f"{clean(name, 100)} (監査ログの所有者 / owner of the audit file)"


def _write(target: Path, page: str) -> None:
    """Write ``page`` whole, then move it into place (0600: it names cases)."""
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(page)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
