"""Why a file was not taken in, in words staff understand (Japanese first, then English)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from robot_core.errors import CaseDataError

# (a phrase of the intake's message, Japanese, English); the first that matches is used.
REASONS: tuple[tuple[str, str, str], ...] = (
    ("Excel 97-2003",
     "古い Excel 形式 (.xls) のファイルです。Excel で開き、.xlsx 形式で保存し直してください。",
     "This is an old Excel 97-2003 file (.xls). Open it in Excel and save it as .xlsx."),
    ("not a readable .xlsx workbook",
     "Excel ブックとして読めません。ファイルが壊れているか、コピーが途中で止まっています。",
     "This is not a complete Excel workbook: it is damaged, or it was not copied to the end."),
    ("no header row",
     "必要な列の見出しが見つかりません。サービスデスクの所定の書き出しではないようです。",
     "The columns the robot needs are not there: this does not look like the service-desk "
     "export it expects."),
    ("unsupported file type",
     "読めない種類のファイルです。サービスデスクから .xlsx（または .csv）で書き出してください。",
     "The robot cannot read this kind of file. Export the cases as .xlsx (or .csv)."),
    ("no sheet named",
     "決められた名前のシートがありません。",
     "The sheet the robot reads is not in this workbook."),
)
GENERIC = ("このファイルは読み込めませんでした。", "The file could not be read.")
EMPTY = ("ファイルが空です（0 バイト）。", "The file is empty (0 bytes).")


def explain(path: Path, error: CaseDataError) -> tuple[str, str, str]:
    """(Japanese reason, English reason, technical detail without the file's path)."""
    message = str(error)
    detail = message.removeprefix(f"{path}: ")
    if path.exists() and path.stat().st_size == 0:
        return (*EMPTY, detail)
    for phrase, japanese, english in REASONS:
        if phrase in message:
            return japanese, english, detail
    return (*GENERIC, detail)


def error_text(path: Path, error: CaseDataError, schedule: str, when: datetime) -> str:
    """The ``.error.txt`` put beside a rejected file."""
    japanese, english, detail = explain(path, error)
    return (
        f"取り込めなかったファイル / File not taken in: {path.name}\n"
        f"日時 / When: {when:%Y-%m-%d %H:%M} ({when.tzname()})\n"
        f"スケジュール / Schedule: {schedule}\n\n"
        f"理由: {japanese}\n"
        f"Reason: {english}\n\n"
        f"詳細 / Details: {detail}\n\n"
        "対処: ファイルを直すか、もう一度書き出して inbox に置いてください。"
        "このファイルの案件は一件も入力されていません。\n"
        "What to do: fix the file, or export it again, and put the new file in the inbox. "
        "No case from this file was entered.\n"
    )


def duplicate_text(name: str, earlier: str, when: datetime) -> str:
    """The ``.duplicate.txt`` put beside an archived duplicate."""
    return (
        f"重複した書き出し / Duplicate export: {name}\n"
        f"日時 / When: {when:%Y-%m-%d %H:%M} ({when.tzname()})\n\n"
        f"同じ内容のファイルが既に取り込まれています: {earlier}\n"
        f"A file with exactly the same contents was taken in before: {earlier}\n"
        "このファイルからは何も登録していません。 Nothing from this copy was queued again.\n"
    )
