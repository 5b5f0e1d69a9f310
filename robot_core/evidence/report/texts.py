"""The words of the report, in Japanese and English: statuses, and what to do next."""

from __future__ import annotations

from robot_core.outcome import Status

#: Statuses in the order the report lists them; "" is a case the run stopped in.
ORDER = ("done", "business_failed", "failed", "mismatch", "pending", "uncertain", "")
#: Listed in the counts only when some case has them.
WHEN_PRESENT = frozenset({"mismatch", "uncertain", ""})
_EN = {"done": "done", "business_failed": "business failure", "failed": "system failure",
       "mismatch": "saved with other values", "pending": "not entered",
       "uncertain": "queued, verified before it is typed again", "": "unfinished"}


def status_label(status: str) -> str:
    """``完了 (done)``: the word staff read in the workbook, then English."""
    try:
        ja = Status(status).ja
    except ValueError:
        ja = "中断" if status == "" else status
    return f"{ja} ({_EN.get(status, status)})"


def next_steps(status: str, bot: str) -> str:
    """What a person does about the cases left in ``status`` (empty for ``done``)."""
    bot = bot or "BOT"
    return {
        "business_failed":
            "職員がデータを直してください: results.xlsx の「要確認（データ）」の行を確認し、"
            "修正した行を新しい受付ファイルで再投入します。 / Staff: fix the rows marked "
            "business failure in results.xlsx (the error column says what is wrong), then "
            "send the corrected rows again in a new case file.",
        "failed":
            "システム側の障害です。業務システムの復旧を確認してから "
            f"`robot queue retry --state failed --bot {bot}` と `robot work {bot}` を実行します。"
            " / The legacy system or the robot failed. Once the system is back, run "
            f"`robot queue retry --state failed --bot {bot}` then `robot work {bot}`; "
            "cases that may have been saved are checked before they are typed again.",
        "mismatch":
            "登録後の確認で、業務システムの表示がケースと一致しませんでした。"
            "業務システムで該当の記録を確認し、手で直してください（ロボットは再入力しません）。"
            " / Saved, but the legacy system shows other values than the case (the error "
            "column says which field, expected and read): check that record in the legacy "
            "system and correct it by hand; the robot does not type it again.",
        "pending":
            f"未処理のケースはキューに残っています。`robot work {bot}` で再開します。 / These "
            f"cases were not entered (the run stopped or hit its limit); they stay queued: "
            f"`robot work {bot}` carries on.",
        "uncertain":
            f"登録済みか不明のケースはキューに残っています。`robot work {bot}` が先に業務システムを"
            "確認してから再開します。 / These cases may have been saved before the system "
            "failed; they stay queued: `robot work {bot}` checks the legacy system first "
            "and types only what is not there.",
        "":
            "実行が途中で終わりました。`robot queue status` で状態を確認し、"
            f"`robot work {bot}` で再開します。 / The run ended inside these cases (a crash or "
            f"a stop): `robot queue status` shows where they are; `robot work {bot}` carries "
            "on, checking first whether each was already saved.",
    }.get(status, "")


EXIT_MEANING = {
    0: "すべて完了 (every case done)",
    1: "要確認のデータあり (some business failures)",
    2: "システムエラーまたは未処理あり (system failures or cases left)",
    3: "入力または設定が不正 (invalid input or set-up; nothing entered)",
}


#: The audit chain's verdict (``evidence.verify`` kinds), as the summary names it.
CHAIN_LABEL = {
    "intact": "改ざんなし (intact)",
    "unkeyed": "鍵なし・旧形式 (unkeyed (older robot))",
    "edited": "改ざん: 行の書き換え (edited line)",
    "deleted": "改ざん: 行の削除 (deleted line)",
    "reordered": "改ざん: 行の並べ替え (reordered lines)",
    "cut": "改ざん: 末尾の切り取り (cut tail)",
    "appended": "改ざん: 行の追加 (appended line)",
    "recomputed": "改ざん: ハッシュの再計算 (recomputed chain)",
    "wrong_key": "別の鍵 (another audit key)",
    "key_missing": "鍵がありません (audit key missing)",
    "no_anchor": "アンカーなし: 実行が正常終了していません (no anchor: the run did not end)",
    "unreadable": "読めません (unreadable)",
    "missing": "監査ログがありません (audit trail missing)",
}
