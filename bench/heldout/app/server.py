"""HTTP server of the held-out 犬の登録 system: a session login, a three-step form, a save.

Standard library only. ``--latency-ms`` delays every page (as the fixture registry's switch
does); ``--coat-delay-ms`` is how long the page's script takes to build the 毛色 select.

    python -m bench.heldout.app serve --port 0 --db /tmp/dogs.db [--latency-ms 50]
    python -m bench.heldout.app dump --db /tmp/dogs.db
"""

from __future__ import annotations

import argparse
import contextlib
import json
import secrets
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bench.heldout.app import pages, store

USERS = {"hoken01": "inu-pass"}
COOKIE = "SID"
_GONE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


@dataclass
class Session:
    """One logged-in clerk and the record being entered (step 1's and 2's values)."""

    user: str
    token: str = field(default_factory=lambda: secrets.token_hex(8))
    draft: dict[str, Any] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)  # step 2 as typed, for 戻る


class DogServer(ThreadingHTTPServer):
    """Threaded server with the app's state."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], db: Path, latency_ms: int,
                 coat_delay_ms: int) -> None:
        super().__init__(address, Handler)
        self.db, self.latency_ms, self.coat_delay_ms = db, latency_ms, coat_delay_ms
        self.sessions: dict[str, Session] = {}


class Handler(BaseHTTPRequestHandler):
    """Routes of the app; everything but the login needs a session."""

    server: DogServer
    server_version = "Microsoft-IIS/6.0"

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        """Handle GET."""
        self._dispatch("GET", {})

    def do_POST(self) -> None:
        """Handle POST."""
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8", errors="replace") if length else ""
        self._dispatch("POST", {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()})

    def _dispatch(self, method: str, form: dict[str, str]) -> None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if self.server.latency_ms:
            time.sleep(self.server.latency_ms / 1000)
        sid = self._sid()
        session = self.server.sessions.get(sid or "")
        if url.path in ("/", "/login"):
            self._login(method, form)
        elif session is None:
            self._redirect("/login")
        elif method == "GET":
            self._get(url.path, query, session, sid or "")
        else:
            self._post(url.path, form, session)

    def _sid(self) -> str | None:
        try:
            morsel = SimpleCookie(self.headers.get("Cookie") or "").get(COOKIE)
        except CookieError:
            return None
        return morsel.value if morsel else None

    def _login(self, method: str, form: dict[str, str]) -> None:
        if method == "GET":
            self._html(pages.login_page())
            return
        user, password = form.get("staff", ""), form.get("pass", "")
        if not secrets.compare_digest(USERS.get(user, "\0").encode(), password.encode()):
            self._html(pages.login_page("職員番号またはパスワードが違います"))
            return
        sid = secrets.token_hex(16)
        self.server.sessions[sid] = Session(user)
        self._redirect("/top", f"{COOKIE}={sid}; Path=/; HttpOnly")

    def _get(self, path: str, query: dict[str, str], session: Session, sid: str) -> None:
        if path == "/top":
            self._html(pages.top_page(session.user))
        elif path == "/dog/new":
            session.draft, session.form = {}, {}
            self._html(pages.owner_page({}, [], session.token))
        elif path == "/dog/pet" and session.draft:
            self._pet(session.form, [], session)
        elif path == "/dog/search":
            q = query.get("q")
            self._html(pages.search_page(q, store.find(self.server.db, q.strip()) if q else None))
        elif path == "/logout":
            self.server.sessions.pop(sid, None)
            self._redirect("/login", f"{COOKIE}=; Path=/; Max-Age=0")
        else:
            self._html(pages.page("エラー", "<p>ページが見つかりません</p>"), HTTPStatus.NOT_FOUND)

    def _post(self, path: str, form: dict[str, str], session: Session) -> None:
        if not secrets.compare_digest(form.get("token", "").encode(), session.token.encode()):
            expired = "画面の有効期限が切れました。最初から入力してください"
            self._html(pages.owner_page({}, [expired], session.token))
        elif path == "/dog/owner":
            rec, errors = store.check_owner(form)
            if errors:
                self._html(pages.owner_page(form, errors, session.token))
                return
            session.draft = rec
            self._redirect("/dog/pet")
        elif path == "/dog/pet" and session.draft:
            rec, errors = store.check_pet(form, date.today())
            session.form = form
            if errors:
                self._pet(form, errors, session)
                return
            session.draft.update(rec)
            shown = {k: str(v) for k, v in session.draft.items()}
            shown["neutered"] = "済" if rec["neutered"] else "未"
            self._html(pages.confirm_page(shown, session.token))
        elif path == "/dog/save" and {"dog_name", "case_id"} <= session.draft.keys():
            if form.get("go") == "back":
                self._pet(session.form, [], session)
                return
            licence = store.insert(self.server.db, session.draft)
            session.draft, session.form = {}, {}
            self._html(pages.done_page(licence))
        else:
            self._html(pages.owner_page({}, ["最初から入力してください"], session.token))

    def _pet(self, form: dict[str, str], errors: list[str], session: Session) -> None:
        self._html(pages.pet_page(form, errors, session.token,
                                  coat_delay_ms=self.server.coat_delay_ms))

    def _html(self, text: str, status: int = HTTPStatus.OK) -> None:
        self._send(status, text.encode("utf-8"), [("Content-Type", "text/html; charset=utf-8")])

    def _redirect(self, location: str, cookie: str = "") -> None:
        headers = [("Location", location)] + ([("Set-Cookie", cookie)] if cookie else [])
        self._send(HTTPStatus.FOUND, b"", headers)

    def _send(self, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
        with contextlib.suppress(*_GONE):
            self.send_response(status)
            for name, value in [*headers, ("Content-Length", str(len(body))),
                                ("Cache-Control", "no-store")]:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)


def main(argv: list[str] | None = None) -> int:
    """``serve`` (prints ``listening on URL``) or ``dump`` (JSON of every saved record)."""
    parser = argparse.ArgumentParser(prog="python -m bench.heldout.app", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve")
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--db", type=Path, required=True)
    serve.add_argument("--latency-ms", type=int, default=0)
    serve.add_argument("--coat-delay-ms", type=int, default=120)
    sub.add_parser("dump").add_argument("--db", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "dump":
        print(json.dumps(store.dump(args.db), ensure_ascii=False, indent=1))
        return 0
    store.init(args.db)
    server = DogServer(("127.0.0.1", args.port), args.db, args.latency_ms, args.coat_delay_ms)

    def stop(_signum: int, _frame: FrameType | None) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"listening on http://127.0.0.1:{server.server_port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
