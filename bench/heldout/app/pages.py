"""HTML of the held-out 犬の登録 system (a 保健所's dog registry): markup unlike the fixture's.

Labels tied with ``for=`` (some), a label wrapping its input, a field with a placeholder and
no label, a ``<th>``/``<td>`` row; a ``<select>`` of ~90 breeds; radio buttons; a birth date
in three selects; a 毛色 select that JavaScript fills a moment after the page loads; a
confirmation page; red server-side errors; plain ``<button>``s, not image links.
"""

from __future__ import annotations

from html import escape

BREEDS = (
    "秋田犬", "アイリッシュ・セター", "アイリッシュ・ウルフハウンド", "アフガン・ハウンド",
    "アメリカン・コッカー・スパニエル", "イタリアン・グレーハウンド",
    "イングリッシュ・コッカー・スパニエル", "イングリッシュ・スプリンガー・スパニエル",
    "ウィペット", "ウエスト・ハイランド・ホワイト・テリア", "ウェルシュ・コーギー・カーディガン",
    "ウェルシュ・コーギー・ペンブローク", "エアデール・テリア", "オーストラリアン・シェパード",
    "オールド・イングリッシュ・シープドッグ", "甲斐犬", "紀州犬",
    "キャバリア・キング・チャールズ・スパニエル", "グレート・デーン", "グレート・ピレニーズ",
    "ケアーン・テリア", "ゴールデン・レトリーバー", "コリー", "サモエド", "シー・ズー",
    "シェットランド・シープドッグ", "四国犬", "柴", "シベリアン・ハスキー",
    "ジャーマン・シェパード", "ジャック・ラッセル・テリア", "スコティッシュ・テリア",
    "スタンダード・プードル", "セント・バーナード", "ダックスフンド", "ダルメシアン",
    "チャウ・チャウ", "チワワ", "狆", "トイ・プードル", "土佐", "ドーベルマン",
    "ニューファンドランド", "ノーフォーク・テリア", "パグ", "バセット・ハウンド", "バセンジー",
    "パピヨン", "ビーグル", "ビション・フリーゼ", "ブービエ・デ・フランドル",
    "プチ・ブラバンソン", "ブル・テリア", "ブルドッグ", "フレンチ・ブルドッグ", "ペキニーズ",
    "ボーダー・コリー", "ボクサー", "ボストン・テリア", "北海道犬", "ポメラニアン", "ボルゾイ",
    "マスティフ", "マルチーズ", "ミニチュア・シュナウザー", "ミニチュア・ダックスフンド",
    "ミニチュア・ピンシャー", "ミニチュア・プードル", "ヨークシャー・テリア",
    "ラブラドール・レトリーバー", "ロットワイラー", "ワイアー・フォックス・テリア",
    "日本スピッツ", "日本テリア", "狼犬", "カニンヘン・ダックスフンド",
    "ブリュッセル・グリフォン", "ラサ・アプソ", "チベタン・スパニエル", "ベドリントン・テリア",
    "ノーリッチ・テリア", "ベルジアン・シェパード", "ホワイト・スイス・シェパード",
    "バーニーズ・マウンテン・ドッグ", "ワイマラナー", "ポインター", "雑種", "その他",
)
#: breed code (the option value) → name (the option's text)
BREED_CODES = {f"B{n:03d}": name for n, name in enumerate(BREEDS, start=1)}
COATS = ("白", "黒", "茶", "赤", "クリーム", "黒褐", "白黒", "白茶", "胡麻", "虎毛", "ブルー",
         "その他")
SEXES = {"M": "オス", "F": "メス"}
YEARS = range(2000, 2027)
CSS = ("body{font-family:sans-serif;font-size:13px} .error{color:#c00;font-weight:bold}"
       " th{background:#dde;text-align:left;padding:2px 8px} td{padding:2px 8px}")


def page(title: str, body: str) -> str:
    """A whole page with the office's banner."""
    return (f"<!DOCTYPE html><html lang=\"ja\"><head><meta charset=\"utf-8\"><title>{title}"
            f" - 犬の登録管理システム</title><style>{CSS}</style></head><body>"
            f"<div class=\"banner\">○○市保健所 犬の登録管理システム</div><h2>{title}</h2>"
            f"{body}</body></html>")


def errors_html(errors: list[str]) -> str:
    """Red messages above a form (none: nothing)."""
    if not errors:
        return ""
    items = "".join(f"<li>{escape(e)}</li>" for e in errors)
    return f"<ul class=\"error\" id=\"errors\">{items}</ul>"


def login_page(error: str = "") -> str:
    """職員番号 and パスワード, tied labels, a plain submit button."""
    return page("ログイン", errors_html([error] if error else [])
                + "<form method=\"post\" action=\"/login\">"
                "<p><label for=\"staff\">職員番号</label> <input id=\"staff\" name=\"staff\"></p>"
                "<p><label for=\"pass\">パスワード</label> "
                "<input id=\"pass\" name=\"pass\" type=\"password\"></p>"
                "<p><button type=\"submit\">ログイン</button></p></form>")


def top_page(user: str) -> str:
    """The menu after the login."""
    return page("業務メニュー", f"<p>職員: {escape(user)}</p><ul>"
                "<li><a href=\"/dog/new\">新規登録</a></li>"
                "<li><a href=\"/dog/search\">登録照会</a></li>"
                "<li><a href=\"/logout\">ログアウト</a></li></ul>")


def _v(values: dict[str, str], key: str) -> str:
    return escape(values.get(key, ""), quote=True)


def owner_page(values: dict[str, str], errors: list[str], token: str) -> str:
    """Step 1 of 3: the owner (飼い主)."""
    return page("新規登録（1/3 飼い主）", errors_html(errors)
                + "<form method=\"post\" action=\"/dog/owner\">"
                f"<input type=\"hidden\" name=\"token\" value=\"{token}\">"
                f"<p><label for=\"o1\">受付番号</label> <input id=\"o1\" name=\"recept\""
                f" value=\"{_v(values, 'recept')}\" size=\"12\"></p>"
                f"<p><label for=\"o2\">飼い主氏名</label> <input id=\"o2\" name=\"owner\""
                f" value=\"{_v(values, 'owner')}\"></p>"
                f"<p><input name=\"kana\" placeholder=\"フリガナ（全角カナ）\""
                f" value=\"{_v(values, 'kana')}\"></p>"
                f"<p><label>郵便番号 <input name=\"zip\" value=\"{_v(values, 'zip')}\""
                " size=\"8\"></label></p>"
                "<table><tr><th>住所</th><td><input name=\"addr\" size=\"50\""
                f" value=\"{_v(values, 'addr')}\"></td></tr>"
                "<tr><th>電話番号</th><td><input name=\"tel\""
                f" value=\"{_v(values, 'tel')}\"></td></tr></table>"
                "<p><button type=\"submit\" name=\"go\" value=\"next\">次へ</button></p></form>")


def _options(pairs: list[tuple[str, str]], chosen: str) -> str:
    return "".join(f"<option value=\"{escape(v, quote=True)}\""
                   f"{' selected' if v == chosen else ''}>{escape(t)}</option>" for v, t in pairs)


def pet_page(values: dict[str, str], errors: list[str], token: str, *, coat_delay_ms: int) -> str:
    """Step 2 of 3: the dog. The 毛色 select is built by script ``coat_delay_ms`` after load."""
    breeds = [("", "選択してください"), *BREED_CODES.items()]
    years = [("", "----"), *((str(y), f"{y}年") for y in YEARS)]
    months = [("", "--"), *((str(m), f"{m}月") for m in range(1, 13))]
    days = [("", "--"), *((str(d), f"{d}日") for d in range(1, 32))]
    radios = "".join(
        f"<input type=\"radio\" name=\"sex\" id=\"sex{code}\" value=\"{code}\""
        f"{' checked' if values.get('sex') == code else ''}>"
        f"<label for=\"sex{code}\">{text}</label> " for code, text in SEXES.items())
    coats = ",".join(f"\"{c}\"" for c in COATS)
    chosen = _v(values, "coat")
    script = (
        "<script>setTimeout(function(){var s=document.getElementById('coat');"
        f"[{coats}].forEach(function(c){{var o=document.createElement('option');"
        f"o.value=c;o.textContent=c;if(c==='{chosen}')o.selected=true;s.appendChild(o);}});"
        f"s.disabled=false;}},{coat_delay_ms});</script>")
    neutered = " checked" if values.get("neutered") == "1" else ""
    return page("新規登録（2/3 犬）", errors_html(errors)
                + "<form method=\"post\" action=\"/dog/pet\">"
                f"<input type=\"hidden\" name=\"token\" value=\"{token}\">"
                f"<p><label for=\"p1\">犬の名前</label> <input id=\"p1\" name=\"dogname\""
                f" value=\"{_v(values, 'dogname')}\"></p>"
                f"<p><label for=\"p2\">犬種</label> <select id=\"p2\" name=\"breed\">"
                f"{_options(breeds, values.get('breed', ''))}</select></p>"
                f"<p>性別 {radios}</p>"
                "<fieldset><legend>生年月日</legend>"
                f"<select name=\"by\">{_options(years, values.get('by', ''))}</select>"
                f"<select name=\"bm\">{_options(months, values.get('bm', ''))}</select>"
                f"<select name=\"bd\">{_options(days, values.get('bd', ''))}</select></fieldset>"
                "<p><label for=\"coat\">毛色</label> <select id=\"coat\" name=\"coat\" disabled>"
                "<option value=\"\">--</option></select></p>"
                f"<p><input type=\"checkbox\" id=\"p4\" name=\"neutered\" value=\"1\"{neutered}>"
                "<label for=\"p4\">不妊・去勢手術済み</label></p>"
                "<p><label for=\"p5\">狂犬病予防注射日</label> <input id=\"p5\" name=\"rabies\""
                f" placeholder=\"YYYY-MM-DD\" value=\"{_v(values, 'rabies')}\"></p>"
                "<p><button type=\"submit\" name=\"go\" value=\"next\">確認画面へ</button></p>"
                f"</form>{script}")


def confirm_page(record: dict[str, str], token: str) -> str:
    """Step 3 of 3: every value shown beside its label, 登録する / 戻る."""
    rows = "".join(f"<tr><th>{label}</th><td>{escape(record[key])}</td></tr>"
                   for key, label in LABELS)
    return page("新規登録（3/3 確認）", "<p>以下の内容で登録します。</p>"
                f"<table id=\"confirm\">{rows}</table><form method=\"post\" action=\"/dog/save\">"
                f"<input type=\"hidden\" name=\"token\" value=\"{token}\">"
                "<button type=\"submit\" name=\"go\" value=\"save\">登録する</button> "
                "<button type=\"submit\" name=\"go\" value=\"back\">戻る</button></form>")


LABELS = (("case_id", "受付番号"), ("owner", "飼い主氏名"), ("owner_kana", "フリガナ"),
          ("postal_code", "郵便番号"), ("address", "住所"), ("phone", "電話番号"),
          ("dog_name", "犬の名前"), ("breed", "犬種"), ("sex", "性別"),
          ("birth_date", "生年月日"), ("coat", "毛色"), ("neutered", "不妊・去勢"),
          ("rabies_date", "狂犬病予防注射日"))


def done_page(licence: str) -> str:
    """The record is saved: its licence (鑑札) number."""
    return page("登録完了", "<p class=\"msg\">登録しました。</p>"
                f"<p>鑑札番号: <span id=\"licence\">{licence}</span></p>"
                "<p><a href=\"/dog/new\">続けて登録</a> <a href=\"/top\">メニュー</a></p>")


def search_page(query: str | None, licence: str | None) -> str:
    """登録照会 by 受付番号."""
    if query is None:
        result = ""
    elif licence:
        result = f"<p>鑑札番号: <span id=\"found\">{licence}</span></p>"
    else:
        result = "<p class=\"none\">該当なし</p>"
    return page("登録照会", "<form method=\"get\" action=\"/dog/search\">"
                "<p><label for=\"q\">受付番号</label> <input id=\"q\" name=\"q\"> "
                f"<button type=\"submit\">照会</button></p></form>{result}")
