"""A plain Tk entry (no Windows-style Ctrl+A) filled through `launch.select_all` under Xvfb.

Tk on X11 binds Ctrl+A to "line start" and Control+/ to "select all": with the default keys
the typed text cannot be read back (nor replaced); with `select_all: Control+/` it is.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from robot_core.intake import read_cases
from robot_core.outcome import Status
from robot_core.run.session import RunOptions, run_direct
from robot_core.script.loader import load_bot
from tests.integration.desktop_env import desktop_environment, xvfb

PROGRAM = '''import sqlite3, sys, tkinter as tk
root = tk.Tk()
root.title("plain-tk")
root.geometry("300x120+20+20")
entry = tk.Entry(root)
entry.place(x=10, y=10, width=200, height=24)
def save():
    with sqlite3.connect(sys.argv[1]) as db:
        db.execute("create table if not exists saved (name text)")
        db.execute("insert into saved values (?)", (entry.get(),))
    top = tk.Toplevel(root)
    top.title("saved")
    top.bind("<Return>", lambda _e: top.destroy())
    top.focus_force()
tk.Button(root, text="save", command=save).place(x=10, y=50, width=80, height=30)
entry.focus_set()
root.mainloop()
'''
MAP = '''app: plain_tk
driver: desktop
launch:
  command: ["{python}", "{project}/plain_tk.py", "{project}/saved.db"]
  window: plain-tk
SELECT_ALL
screens:
  form:
    frame: plain-tk
    targets:
      window: [{title: plain-tk}]
      name:   [{point: "110,22"}]
      save:   [{point: "50,65"}]
  done:
    frame: saved
    targets:
      dialog: [{title: saved}]
'''
BOT = '''name: plain
app: plain_tk
input:
  key: case_id
  columns:
    case_id: {header: case_id, required: true}
    name:    {header: name, required: true}
retry: {step: 1, case: 1, system_failures: 0}
steps:
  - wait_for: form.window
  - fill: {target: form.name, value: "{{ case.name }}"}
  - fill: {target: form.name, value: "{{ case.name }}"}
  - click: {target: form.save, commit: true}
  - wait_for: done.dialog
  - press: {target: done.dialog, key: Enter}
  - wait_for: {gone: done.dialog}
'''


def _run(root: Path, select_all: str, monkeypatch: pytest.MonkeyPatch
         ) -> tuple[list[Status], list[str]]:
    monkeypatch.setenv("ROBOT_PROJECT", str(root))  # {project} in the launch command
    (root / "selectors").mkdir(parents=True)
    (root / "bots").mkdir()
    (root / "plain_tk.py").write_text(PROGRAM, encoding="utf-8")
    (root / "selectors" / "plain_tk.yaml").write_text(MAP.replace("SELECT_ALL", select_all),
                                                      encoding="utf-8")
    (root / "bots" / "plain.yaml").write_text(BOT, encoding="utf-8")
    (root / "cases.csv").write_text("case_id,name\nP-1,山田 太郎\n", encoding="utf-8")
    bot = load_bot(root / "bots" / "plain.yaml", root / "selectors")
    outcome, _ = run_direct(bot, read_cases(root / "cases.csv", bot.input),
                            RunOptions(root / "home"))
    saved = root / "saved.db"
    names = [r[0] for r in sqlite3.connect(saved).execute("select name from saved")] \
        if saved.exists() else []
    return [r.status for r in outcome.results], names


def test_select_all_keys_let_a_plain_tk_entry_be_filled(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With `select_all: Control+/` the name is typed twice over itself and saved once, as
    typed; with the default Ctrl+A the read-back fails and nothing is saved."""
    with xvfb() as display:
        for key, value in desktop_environment(display).items():
            monkeypatch.setenv(key, value)
        tk_keys = _run(tmp_path / "tk", "  select_all: Control+/", monkeypatch)
        default = _run(tmp_path / "default", "", monkeypatch)
    assert tk_keys == ([Status.DONE], ["山田 太郎"])
    assert default[0] != [Status.DONE] and default[1] == []
