"""Tests of the fixture legacy 住民記録 web app, driven as a real subprocess over HTTP."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # allow running pytest from outside the repo root
    sys.path.insert(0, str(ROOT))

from fixtures.legacy_web import validation  # noqa: E402
from fixtures.legacy_web.db import dump_records  # noqa: E402
from fixtures.town import POSTAL_CODES, UNKNOWN_POSTAL_CODE  # noqa: E402

CHROMIUM = "/usr/bin/chromium"


# -- helpers ------------------------------------------------------------------------


@contextmanager
def running_server(db_path: Path, *extra: str) -> Iterator[str]:
    """Start ``python -m fixtures.legacy_web serve`` and yield its base URL."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("FIXTURE_WEB_VERBOSE", None)
    cmd = [
        sys.executable,
        "-m",
        "fixtures.legacy_web",
        "serve",
        "--port",
        "0",
        "--db",
        str(db_path),
        *extra,
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.fullmatch(r"listening on (http://127\.0\.0\.1:\d+)\n", line)
        assert match, f"unexpected first line: {line!r}"
        yield match.group(1)
    finally:
        proc.terminate()
        try:
            assert proc.wait(timeout=5) == 0, "server did not exit 0 on SIGTERM"
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Resp:
    status: int
    url: str
    headers: Any
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


class Client:
    """A cookie-keeping HTTP client, like a clerk's browser without JavaScript."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = CookieJar()
        cookies = urllib.request.HTTPCookieProcessor(self.jar)
        self._follow = urllib.request.build_opener(cookies)
        self._stay = urllib.request.build_opener(cookies, _NoRedirect())

    def request(
        self,
        path: str,
        data: dict[str, str] | None = None,
        *,
        follow: bool = True,
        timeout: float = 5,
    ) -> Resp:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        opener = self._follow if follow else self._stay
        try:
            with opener.open(self.base + path, data=body, timeout=timeout) as r:
                return Resp(r.status, r.geturl(), r.headers, r.read())
        except urllib.error.HTTPError as e:
            with e:
                return Resp(e.code, e.geturl(), e.headers, e.read())

    def login(self) -> Resp:
        resp = self.request("/login", {"f1": "clerk", "f2": "clerk-pass"})
        assert resp.url.endswith("/menu"), resp.text
        return resp


class _InputCollector(HTMLParser):
    """All <input> elements of a page as dicts of attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "input":
            self.inputs.append({k: v or "" for k, v in attrs})


def hidden_fields(page: str) -> dict[str, str]:
    parser = _InputCollector()
    parser.feed(page)
    return {i["name"]: i.get("value", "") for i in parser.inputs if i.get("type") == "hidden"}


def token_of(client: Client) -> str:
    return hidden_fields(client.request("/entry/form").text)["__token"]


def my_number(n: int) -> str:
    """A valid 個人番号 derived from ``n``."""
    first11 = f"{n:011d}"
    return first11 + str(validation.my_number_check_digit(first11))


def valid_form(n: int, **overrides: str) -> dict[str, str]:
    form = {
        "txt01": f"C-{n:05d}",
        "txt02": "山田 太郎",
        "txt03": "ヤマダ　タロウ",
        "rdo01": "1",
        "sel01": "S",
        "txt04": "60",
        "txt05": "4",
        "txt06": "1",
        "txt07": "0481501",
        "txt08": "北海道虻田郡みらい町本町1-2-3",
        "txt09": "山田 太郎",
        "txt10": "0123-45-6789",
        "txt11": "2024/04/01",
        "pwd01": my_number(n),
        "txa01": "",
    }
    form.update(overrides)
    return form


def errors_of(page: str) -> list[str]:
    return re.findall(r'<font color="red" class="err">(.*?)</font><br>', page)


def register(client: Client, form: dict[str, str]) -> Resp:
    """Confirm then commit; return the commit response."""
    token = token_of(client)
    confirm = client.request("/entry/form", {**form, "__token": token})
    assert "以下の内容で登録します。よろしいですか？" in confirm.text, errors_of(confirm.text)
    return client.request("/entry/commit", hidden_fields(confirm.text))


# -- the shared server --------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    db_path = tmp_path_factory.mktemp("legacy") / "data" / "registry.db"
    with running_server(db_path) as url:
        yield url, db_path


@pytest.fixture()
def client(server: tuple[str, Path]) -> Client:
    c = Client(server[0])
    c.login()
    return c


def test_health_and_redirects(server: tuple[str, Path]) -> None:
    anon = Client(server[0])
    assert anon.request("/health").text == "ok"
    root = anon.request("/", follow=False)
    assert (root.status, root.headers["Location"]) == (302, "/login")
    menu = anon.request("/menu", follow=False)
    assert (menu.status, menu.headers["Location"]) == (302, "/login")
    forged = urllib.request.Request(server[0] + "/menu", headers={"Cookie": "JSESSIONID=NOPE"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.build_opener(_NoRedirect()).open(forged, timeout=5)
    with err.value:
        assert err.value.code == 302 and err.value.headers["Location"] == "/login?expired=1"


def test_login_page_and_bad_password(server: tuple[str, Path]) -> None:
    anon = Client(server[0])
    page = anon.request("/login").text
    assert "<title>住民記録システム ログイン</title>" in page
    assert '<td>利用者ID</td><td><input type="text" name="f1"></td>' in page
    assert '<td>パスワード</td><td><input type="password" name="f2"></td>' in page
    assert '<input type="image" src="/img/login.gif" alt="ログイン">' in page
    bad = anon.request("/login", {"f1": "clerk", "f2": "wrong"})
    assert '<font color="red">利用者IDまたはパスワードが違います。</font>' in bad.text
    ok = anon.request("/login", {"f1": "clerk", "f2": "clerk-pass"}, follow=False)
    assert ok.status == 302 and ok.headers["Location"] == "/menu"
    assert re.fullmatch(r"JSESSIONID=\w+; Path=/; HttpOnly", ok.headers["Set-Cookie"])


def test_menu_entry_and_form_contract(client: Client) -> None:
    menu = client.request("/menu").text
    for link in (
        '<a href="/entry">転入届 入力</a>',
        '<a href="/search">受付番号 照会</a>',
        '<a href="/logout">ログアウト</a>',
    ):
        assert link in menu
    entry = client.request("/entry").text
    assert (
        '<iframe name="main" src="/entry/form" width="900" height="1100" frameborder="0"></iframe>'
    ) in entry
    form = client.request("/entry/form").text
    assert '<form method="post" action="/entry/form">' in form
    assert " id=" not in form and "<label" not in form
    for snippet in (
        '<td class="lbl">受付番号</td><td><input type="text" name="txt01" size="12"></td>',
        '<input type="radio" name="rdo01" value="1">男 '
        '<input type="radio" name="rdo01" value="2">女',
        '<td class="lbl">転入日（YYYY/MM/DD）</td>',
        '<input type="password" name="pwd01" maxlength="12">',
        '<input type="checkbox" name="chk01" value="1">加入する',
        '<textarea name="txa01" rows="3" cols="60"></textarea>',
        '<img src="/img/kakunin.gif" alt="確認" border="0" width="80" height="24">',
    ):
        assert snippet in form


def test_register_and_dump(client: Client, server: tuple[str, Path]) -> None:
    form = valid_form(101, txt07="０４８－１５０２", chk01="1", txa01="二世帯\r\n同居")
    done = register(client, form)
    assert "<p>登録が完了しました。</p>" in done.text
    reg_no = re.search(r'<b class="regno">(RG-\d{6})</b>', done.text).group(1)  # type: ignore[union-attr]
    out = subprocess.run(
        [sys.executable, "-m", "fixtures.legacy_web", "dump", "--db", str(server[1])],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    ).stdout
    records = json.loads(out)
    assert records == dump_records(server[1])
    record = next(r for r in records if r["reg_no"] == reg_no)
    created_at = record.pop("created_at")
    assert created_at.startswith(date.today().isoformat())
    assert record == {
        "reg_no": reg_no,
        "case_id": "C-00101",
        "name": "山田 太郎",
        "name_kana": "ヤマダ　タロウ",
        "sex": "男",
        "birth_date": "1985-04-01",
        "postal_code": "048-1502",
        "address": "北海道虻田郡みらい町本町1-2-3",
        "household_head": "山田 太郎",
        "phone": "0123-45-6789",
        "moved_in": "2024-04-01",
        "my_number": my_number(101),
        "nhi": True,
        "remarks": "二世帯\n同居",
    }
    assert "048-1502" in POSTAL_CODES


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"txt03": "やまだ たろう"}, "フリガナは全角カタカナで入力してください。"),
        ({"txt07": UNKNOWN_POSTAL_CODE}, "郵便番号が存在しません。"),
        ({"pwd01": "123456789012"}, "個人番号が正しくありません。"),
        ({"pwd01": "12345"}, "個人番号が正しくありません。"),
        ({"sel01": "R", "txt04": "60"}, "生年月日が未来の日付です。"),
        ({"sel01": "H", "txt04": "31", "txt05": "5", "txt06": "1"}, "生年月日が正しくありません。"),
        ({"txt05": "2", "txt06": "30"}, "生年月日が正しくありません。"),
        ({"txt11": "2024/13/01"}, "転入日が正しくありません。"),
        ({"txt11": "1980/01/01"}, "転入日が生年月日より前です。"),
        ({"txt02": "", "rdo01": ""}, "氏名を入力してください。"),
    ],
)
def test_validation_errors_save_nothing(
    client: Client, server: tuple[str, Path], overrides: dict[str, str], message: str
) -> None:
    before = len(dump_records(server[1]))
    form = valid_form(200, **overrides)
    page = client.request("/entry/form", {**form, "__token": token_of(client)}).text
    assert message in errors_of(page)
    assert "以下の内容で登録します" not in page
    # The submitted values are kept in the re-rendered form.
    assert f'name="txt08" size="60" value="{form["txt08"]}"' in page
    assert len(dump_records(server[1])) == before


def test_missing_everything_lists_required_messages(client: Client) -> None:
    page = client.request("/entry/form", {"__token": token_of(client)}).text
    labels = [
        "受付番号",
        "氏名",
        "フリガナ",
        "性別",
        "生年月日",
        "郵便番号",
        "住所",
        "転入日",
        "個人番号",
    ]
    assert errors_of(page) == [f"{label}を入力してください。" for label in labels]


def test_bad_token_and_duplicate_my_number(client: Client, server: tuple[str, Path]) -> None:
    stale = client.request("/entry/form", {**valid_form(300), "__token": "stale"}).text
    assert errors_of(stale) == ["画面の有効期限が切れました。最初からやり直してください。"]
    token = token_of(client)
    confirm = client.request("/entry/form", {**valid_form(300), "__token": token}).text
    assert f'<td class="mynum">{my_number(300)}</td>' in confirm
    assert 'alt="登録"' in confirm and 'alt="戻る"' in confirm
    first = client.request("/entry/commit", hidden_fields(confirm))
    assert "登録が完了しました。" in first.text
    count = len(dump_records(server[1]))
    # Pressing 登録 twice (a robot retrying blindly) is refused at commit time ...
    again = client.request("/entry/commit", hidden_fields(confirm)).text
    assert errors_of(again) == ["この個人番号は既に登録されています。"]
    # ... and at confirm time.
    confirm2 = client.request("/entry/form", {**valid_form(300), "__token": token}).text
    assert "この個人番号は既に登録されています。" in errors_of(confirm2)
    assert len(dump_records(server[1])) == count


def test_search_and_duplicate_case_id(client: Client) -> None:
    register(client, valid_form(401, txt01="DUP-1"))
    register(client, valid_form(402, txt01="DUP-1", txt02="佐藤 花子", rdo01="2"))
    page = client.request("/search?q1=DUP-1").text
    assert "<title>受付番号 照会</title>" in page
    assert "<tr><th>登録番号</th><th>受付番号</th><th>氏名</th><th>登録日時</th></tr>" in page
    rows = re.findall(r"<tr><td>(RG-\d{6})</td><td>DUP-1</td><td>(.*?)</td>", page)
    assert [name for _, name in rows] == ["山田 太郎", "佐藤 花子"]
    missing = client.request("/search?q1=NOPE").text
    assert '<font color="red">該当するデータはありません。</font>' in missing


def test_logout(client: Client) -> None:
    assert client.request("/logout").url.endswith("/login")
    # Logout also drops the cookie, so the next visit is a plain (not "expired") one.
    assert not list(client.jar)
    assert client.request("/menu", follow=False).headers["Location"] == "/login"


def test_session_expiry(tmp_path: Path) -> None:
    with running_server(tmp_path / "s.db", "--session-requests", "3") as url:
        c = Client(url)
        c.request("/login", {"f1": "clerk", "f2": "clerk-pass"}, follow=False)
        for _ in range(3):
            assert c.request("/menu", follow=False).status == 200
        dead = c.request("/menu", follow=False)
        assert (dead.status, dead.headers["Location"]) == (302, "/login?expired=1")
        page = c.request("/login?expired=1").text
        assert "セッションの有効期限が切れました。再度ログインしてください。" in page


def test_fail_rate_one_gives_503(tmp_path: Path) -> None:
    with running_server(tmp_path / "f.db", "--fail-rate", "1.0") as url:
        c = Client(url)
        resp = c.request("/login", {"f1": "clerk", "f2": "clerk-pass"})
        assert resp.status == 503
        assert "<h1>503 Service Temporarily Unavailable</h1>" in resp.text
        assert c.request("/health").text == "ok"
        gif = c.request("/img/login.gif")
        assert gif.status == 200 and gif.body.startswith(b"GIF89a")
        assert gif.headers["Content-Type"] == "image/gif"


def test_faults_are_reproducible_with_seed(tmp_path: Path) -> None:
    runs = []
    for i in range(2):
        with running_server(tmp_path / f"r{i}.db", "--fail-rate", "0.5", "--seed", "7") as url:
            c = Client(url)
            runs.append([c.request("/login").status for _ in range(16)])
    assert runs[0] == runs[1]
    assert {200, 503} <= set(runs[0])


def test_hung_commit_is_saved_and_latency(tmp_path: Path) -> None:
    db_path = tmp_path / "h.db"
    with running_server(
        db_path, "--hang-rate", "1.0", "--hang-seconds", "0.6", "--latency-ms", "100"
    ) as url:
        c = Client(url)
        started = time.monotonic()
        c.login()
        assert time.monotonic() - started >= 0.7 * 2 - 0.05  # POST + redirected GET
        token = token_of(c)
        confirm = c.request("/entry/form", {**valid_form(500), "__token": token})
        with pytest.raises((TimeoutError, urllib.error.URLError)):
            c.request("/entry/commit", hidden_fields(confirm.text), timeout=0.3)
        time.sleep(0.1)
        assert [r["my_number"] for r in dump_records(db_path)] == [my_number(500)]
        assert c.request("/health", timeout=0.3).text == "ok"


def test_validation_units() -> None:
    assert validation.is_valid_my_number("123456789018")
    assert not validation.is_valid_my_number("123456789019")
    assert not validation.is_valid_my_number("１２３４５６７８９０１８")
    e = validation.era_to_date
    assert e("H", "1", "1", "8") == date(1989, 1, 8)
    assert e("H", "元", "1", "7") is None
    assert e("S", "64", "1", "7") == date(1989, 1, 7)
    assert e("S", "64", "1", "8") is None
    assert e("T", "1", "7", "29") is None
    assert e("R", "1", "4", "30") is None
    assert e("R", "1", "5", "1") == date(2019, 5, 1)
    assert e("H", "0", "1", "8") is None
    assert validation.format_wareki("H", "1", "01", "08") == "平成元年1月8日"
    assert validation.normalise_postal_code("０４８１５０１") == "048-1501"
    assert validation.normalise_postal_code("48-1501") is None


@pytest.mark.browser
def test_browser_can_drive_the_iframe(server: tuple[str, Path]) -> None:
    """A real Chromium fills the form inside the iframe and reaches the completion page."""
    from playwright import sync_api  # noqa: PLC0415 - only this test needs a browser

    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        try:
            page = browser.new_page()
            page.set_default_timeout(10_000)
            page.goto(server[0] + "/")
            page.fill("input[name=f1]", "clerk")
            page.fill("input[name=f2]", "clerk-pass")
            page.click("input[alt=ログイン]")
            page.click("text=転入届 入力")
            frame = page.frame_locator("iframe[name=main]")
            values = valid_form(900, txt01="PW-1")
            for name in (
                "txt01",
                "txt02",
                "txt03",
                "txt04",
                "txt05",
                "txt06",
                "txt07",
                "txt08",
                "txt09",
                "txt10",
                "txt11",
                "pwd01",
            ):
                frame.locator(f"[name={name}]").fill(values[name])
            frame.locator("input[name=rdo01][value='2']").check()
            frame.locator("select[name=sel01]").select_option("S")
            frame.locator("input[name=chk01]").check()
            frame.locator("textarea[name=txa01]").fill("ブラウザから")
            # The GIF buttons must really decode, or the layout would collapse.
            assert frame.locator("img[alt=確認]").evaluate("i => i.naturalWidth") == 80
            frame.locator("a:has(img[alt=確認])").click()
            assert frame.locator("td.mynum").inner_text() == values["pwd01"]
            frame.locator("a:has(img[alt=登録])").click()
            reg_no = frame.locator("b.regno").inner_text()
        finally:
            browser.close()
    assert re.fullmatch(r"RG-\d{6}", reg_no)
    record = next(r for r in dump_records(server[1]) if r["reg_no"] == reg_no)
    assert (record["case_id"], record["sex"], record["nhi"], record["remarks"]) == (
        "PW-1",
        "女",
        True,
        "ブラウザから",
    )
