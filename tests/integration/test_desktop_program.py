"""The ledger client's program faults under real Xvfb: a form replaced mid-case, a client that
saves on exit with recycle_every: 1, and a program run once per case (no window at all).

Each test writes a small project (the shipped bot and map, the client's switches added to
``launch.command``) and runs the real ``robot run``; what landed is read back from the
client's own database and compared with the export, field by field.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.desktop_env import ROOT, client_pids, desktop_environment, dump, xvfb
from tests.integration.test_desktop import (
    FIELDS,
    SAMPLE,
    VALID,
    Run,
    assert_landed_exactly,
    finish,
    sample_keys,
)

ONCE_ARGS = {
    "case-id": "case.case_id", "name": "case.name", "name-kana": "case.name_kana",
    "sex": "case.sex", "era": "case.birth_date | wareki_era",
    "birth-year": "case.birth_date | wareki_year", "birth-month": "case.birth_date | month",
    "birth-day": "case.birth_date | day", "postal-code": "case.postal_code",
    "address": "case.address", "household-head": "case.household_head", "phone": "case.phone",
    "moved-in": "case.moved_in | strftime('%Y/%m/%d')", "nhi": "'1' if case.nhi else '0'",
    "remarks": "case.remarks",
}


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    """A fresh Xvfb for this module."""
    with xvfb() as name:
        yield name


def project(tmp_path: Path, *, switches: list[str], bot_edit: dict[str, str] | None = None,
            launch: str | None = None) -> Path:
    """A copy of the shipped ledger project: switches added to the client's command line,
    ``bot_edit`` replacements in the bot, or a whole ``launch:`` block of its own."""
    root = tmp_path / "project"
    shutil.copytree(ROOT / "selectors", root / "selectors")
    shutil.copytree(ROOT / "blocks", root / "blocks")  # the bot logs in with `use: login`
    (root / "bots").mkdir()
    bot = (ROOT / "bots/ledger_entry.yaml").read_text("utf-8")
    for old, new in (bot_edit or {}).items():
        assert old in bot, old
        bot = bot.replace(old, new)
    (root / "bots/ledger_entry.yaml").write_text(bot, "utf-8")
    mapping = root / "selectors/ledger_desktop.yaml"
    text = mapping.read_text("utf-8")
    if launch is not None:
        text = re.sub(r"launch:\n(  .*\n)+", launch, text)
    else:
        text = text.replace('"{env.LEDGER_SEED:-0}"]', '"{env.LEDGER_SEED:-0}", ' +
                            ", ".join(f'"{s}"' for s in switches) + "]")
    mapping.write_text(text, "utf-8")
    return root


def run_robot(tmp_path: Path, display: str, root: Path, limit: int) -> Run:
    """``robot run ledger_entry --input sample.xlsx --limit N`` in the project ``root``."""
    env = {**os.environ, **desktop_environment(display), "ROBOT_HOME": str(tmp_path / "home"),
           "ROBOT_PROJECT": str(root), "PYTHONPATH": str(ROOT),
           "LEDGER_DB": str(tmp_path / "ledger.db"), "LEDGER_USER": "clerk",
           "LEDGER_PASSWORD": "clerk-pass"}
    robot = Path(sys.executable).parent / "robot"
    proc = subprocess.Popen([str(robot), "run", "ledger_entry", "--input", str(SAMPLE),
                             "--limit", str(limit)], cwd=root, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return finish(proc, tmp_path, timeout=240)


def test_a_form_replaced_mid_case_is_never_typed_into(display: str, tmp_path: Path) -> None:
    """The client swaps its form for a fresh, empty one with the same title mid-case: the case
    stops as a system failure (screenshot) before its saving click, then lands whole."""
    root = project(tmp_path, switches=["--replace-form-after", "3"])
    run = run_robot(tmp_path, display, root, 2)
    valid, _ = sample_keys(2)
    assert run.code == 2, run.output  # --limit leaves the rest of the file pending
    assert_landed_exactly(dump(tmp_path / "ledger.db"), valid)
    first = sorted(valid)[0]
    replaced = [e for e in run.of("step") if e["outcome"] == "error"
                and "replaced mid-case" in e.get("error", "")]
    assert replaced and replaced[0]["case"] == first, run.of("step")
    assert run.finished()[first]["attempts"] == 2
    shots = [e["path"] for e in run.of("screenshot") if e["case"] == first]
    assert shots and all((run.root / p).is_file() for p in shots)


def test_a_client_that_saves_on_exit_is_not_killed_before_it_wrote(display: str,
                                                                   tmp_path: Path) -> None:
    """With recycle_every: 1, a client that writes its record after 登録完了 closes, and only
    then exits, is let finish: every case lands once, field by field."""
    root = project(tmp_path, switches=["--exit-after-save", "--write-delay-ms", "1500"],
                   bot_edit={"recycle_every: 100": "recycle_every: 1"})
    run = run_robot(tmp_path, display, root, 3)
    valid, _ = sample_keys(3)
    assert run.code == 2, run.output
    assert_landed_exactly(dump(tmp_path / "ledger.db"), valid)
    assert all(run.finished()[k]["outcome"] == "done" for k in valid)
    assert client_pids(tmp_path / "ledger.db") == []


def test_a_program_run_once_per_case_leaves_its_exit_code_and_output(display: str,
                                                                     tmp_path: Path) -> None:
    """mode: per_case starts the client's window-less `once` command for each case with the
    case as arguments and the 個人番号 on stdin; its exit code and output are the outputs,
    masked, and every record lands as the export says."""
    args = ", ".join(f'"--{name}={{{{ {expr} }}}}"' for name, expr in ONCE_ARGS.items())
    launch = ("launch:\n  mode: per_case\n"
              f'  command: ["{{python}}", -m, fixtures.legacy_desktop, once, --db, '
              f'"{{env.LEDGER_DB}}", {args}]\n'
              '  stdin: "{{ case.my_number }}\\n"\n  exit_timeout_ms: 20000\n')
    bot = (ROOT / "bots/ledger_entry.yaml").read_text("utf-8")
    steps = bot[bot.index("\nsetup:"):bot.index("\nretry:")]
    root = project(tmp_path, switches=[], launch=launch,
                   bot_edit={steps: "\nsetup: []\nsteps: []\n",
                             "credentials: ledger": "# no credentials"})
    run = run_robot(tmp_path, display, root, 3)
    valid, _ = sample_keys(3)
    assert run.code == 2, run.output
    records = dump(tmp_path / "ledger.db")
    assert_landed_exactly(records, valid)
    finished = run.finished()
    for record in records:
        outputs = finished[record["case_id"]]["outputs"]
        assert outputs["exit_code"] == "0"
        assert outputs["stdout"].startswith(f"登録完了 {record['ledger_no']}\n")
    audit = (run.root / "audit.jsonl").read_text("utf-8")
    assert all(VALID[k]["my_number"] not in audit for k in valid)
    assert {f: records[0][f] for f in FIELDS} == {f: VALID[records[0]["case_id"]][f]
                                                  for f in FIELDS}
