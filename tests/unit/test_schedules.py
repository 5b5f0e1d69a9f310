"""Schedules and the daemon's parts that need no browser: grammar, triggers, window, intake."""

from __future__ import annotations

import json
import shutil
import sys
import threading
import zipfile
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from helpers import REPO, SAMPLE_XLSX, SHIPPED_BOTS, dedent

from robot_core.daemon import DaemonPaths, load_schedule, load_schedules
from robot_core.daemon.context import RunContext
from robot_core.daemon.inbox import Inbox
from robot_core.daemon.ledger import Ledger
from robot_core.daemon.log import HeldBack
from robot_core.daemon.notify import notify
from robot_core.daemon.receive import Receiver
from robot_core.daemon.rejection import explain
from robot_core.daemon.schedule import NotifySpec
from robot_core.daemon.service import Daemon
from robot_core.daemon.triggers import crontab_weekdays, next_fire
from robot_core.errors import BotScriptError, CaseDataError
from robot_core.queue.sqlite import SQLiteStore
from robot_core.run.ingest import checksum
from robot_core.script.loader import load_bot

TOKYO = ZoneInfo("Asia/Tokyo")
GOOD = dedent("""\
    bot: resident_registration
    cron: "0 22 * * *"
    inbox: registration/*.xlsx
    """)


class Recorder:
    """Collects events, like an audit trail would."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    def event(self, name: str, **fields: Any) -> None:
        self.events.append((name, fields))

    def names(self) -> list[str]:
        return [name for name, _ in self.events]


def _write(tmp_path: Path, text: str, name: str = "night") -> Path:
    path = tmp_path / "schedules" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- the grammar --------------------------------------------------------------------------

def test_shipped_schedule_loads_with_its_window() -> None:
    """schedules/nightly_registration.yaml is valid: 22:00 Tokyo, window 22:00–06:00, one worker."""
    schedule = load_schedule(REPO / "schedules" / "nightly_registration.yaml", SHIPPED_BOTS)
    assert (schedule.name, schedule.bot, schedule.cron) == \
        ("nightly_registration", "resident_registration", "0 22 * * *")
    assert str(schedule.window) == "22:00–06:00" and schedule.spec.workers == 1
    assert schedule.tz == TOKYO and schedule.spec.enabled


def test_defaults_are_tokyo_one_worker_enabled(tmp_path: Path) -> None:
    """A minimal schedule runs in Asia/Tokyo with one worker, a 10 s settle and an hour's grace."""
    schedule = load_schedule(_write(tmp_path, GOOD), SHIPPED_BOTS)
    spec = schedule.spec
    assert (spec.timezone, spec.workers, spec.enabled, spec.settle_s, spec.misfire_grace_s) == \
        ("Asia/Tokyo", 1, True, 10.0, 3600)
    assert schedule.window is None and spec.notify is None
    assert schedule.inbox_pattern(Path("/h/inbox")) == "/h/inbox/registration/*.xlsx"


BROKEN: list[tuple[str, str, str]] = [
    ("unknown_bot", GOOD.replace("resident_registration", "resident_registratoin"),
     "{f}:1:1: bot: unknown bot 'resident_registratoin' (did you mean "
     "'resident_registration'?) (bots: "
     + ", ".join(sorted(p.stem for p in SHIPPED_BOTS.glob("*.yaml"))) + ")"),
    ("unknown_key", GOOD + "inbx: x\n",
     "{f}:4:1: inbx: unknown key (did you mean 'inbox'?) (allowed: bot, cron, description, "
     "enabled, inbox, interval, misfire_grace_s, name, notify, settle_s, timezone, window, "
     "workers)"),
    ("missing_inbox", GOOD.replace("inbox: registration/*.xlsx\n", ""),
     "{f}:1:1: inbox: Field required"),
    ("cron_and_interval", GOOD + "interval: {hours: 1}\n",
     "{f}:1:1: give exactly one of cron: (\"0 22 * * *\") or interval: ({hours: 1})"),
    ("no_trigger", GOOD.replace('cron: "0 22 * * *"\n', ""),
     "{f}:1:1: give exactly one of cron: (\"0 22 * * *\") or interval: ({hours: 1})"),
    ("bad_hour", GOOD.replace("0 22", "0 25"),
     "{f}:2:1: cron: bad cron expression '0 25 * * *': Error validating expression '25': "
     "the last value (25) is higher than the maximum value (23)"),
    ("four_fields", GOOD.replace("0 22 * * *", "0 22 * *"),
     "{f}:2:1: cron: bad cron expression '0 22 * *': a cron expression has 5 fields "
     "(minute hour day month weekday), not 4"),
    ("bad_weekday", GOOD.replace("0 22 * * *", "0 22 * * 9"),
     "{f}:2:1: cron: bad cron expression '0 22 * * 9': day of week '9' is not 0-7 "
     "(0 and 7 are Sunday) or sun…sat"),
    ("zero_interval", GOOD.replace('cron: "0 22 * * *"', "interval: {hours: 0}"),
     "{f}:2:1: interval: an interval must be longer than zero"),
    ("interval_typo", GOOD.replace('cron: "0 22 * * *"', "interval: {hour: 1}"),
     "{f}:2:12: interval.hour: unknown key (did you mean 'hours'?) "
     "(allowed: days, hours, minutes, seconds, weeks)"),
    ("bad_zone", GOOD + "timezone: Asia/Tokio\n",
     "{f}:4:1: timezone: unknown time zone 'Asia/Tokio' (like Asia/Tokyo)"),
    ("unquoted_window", GOOD + "window: {start: 22:00, end: \"06:00\"}\n",
     "{f}:4:10: window.start: write the time in quotes (start: \"22:00\"): unquoted, YAML "
     "reads 22:00 as a number"),
    ("bad_window_time", GOOD + "window: {start: \"22h\", end: \"06:00\"}\n",
     "{f}:4:10: window.start: '22h' is not a time like 22:00"),
    ("empty_window", GOOD + "window: {start: \"06:00\", end: \"06:00\"}\n",
     "{f}:4:1: window: the window starts and ends at the same time"),
    ("no_workers", GOOD + "workers: 0\n",
     "{f}:4:1: workers: Input should be greater than or equal to 1"),
    ("notify_both", GOOD + "notify: {command: [x], webhook: \"http://127.0.0.1/\"}\n",
     "{f}:4:1: notify: give one of command: [program, args…] or webhook: URL"),
    ("webhook_not_http", GOOD + "notify: {webhook: \"ftp://host/x\"}\n",
     "{f}:4:10: notify.webhook: a webhook is an http:// or https:// URL"),
    ("yaml_syntax", GOOD + "window: {start: \"22:00\"\n",
     "{f}:5:1: YAML syntax error: expected ',' or '}', but got '<stream end>'"),
    ("bad_name", GOOD + "name: night shift\n",
     "{f}:4:1: name: a schedule name must be a plain name (a letter, then letters, digits, _ "
     "or -; at most 64), not 'night shift'"),
    ("name_climbs_out", GOOD + "name: ../../etc\n",
     "{f}:4:1: name: a schedule name must be a plain name (a letter, then letters, digits, _ "
     "or -; at most 64), not '../../etc'"),
    ("bot_climbs_out", GOOD.replace("bot: resident_registration", "bot: ../../etc/passwd"),
     "{f}:1:1: bot: bot must be a plain name (a letter, then letters, digits, _ or -; at most "
     "64), not '../../etc/passwd'"),
    ("inbox_climbs_out", GOOD.replace("registration/*.xlsx", "../../etc/*"),
     "{f}:3:1: inbox: the inbox glob must not climb out with '..' ('../../etc/*')"),
    ("python_tag", GOOD + "enabled: !!python/object/apply:os.system [\"touch /tmp/pwned\"]\n",
     "{f}:4:10: YAML tags are not allowed (tag:yaml.org,2002:python/object/apply:os.system)"),
]


@pytest.mark.parametrize(("text", "expected"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_broken_schedule_names_file_line_and_key(tmp_path: Path, text: str, expected: str) -> None:
    """Each mistake is reported at its file:line:column with the key, like a bot script's."""
    path = _write(tmp_path, text)
    with pytest.raises(BotScriptError) as caught:
        load_schedule(path, SHIPPED_BOTS)
    assert str(caught.value) == expected.replace("{f}", str(path))


def test_load_schedules_keeps_the_good_and_reports_the_bad(tmp_path: Path) -> None:
    """A broken file does not hide the valid ones; a repeated name is an error."""
    _write(tmp_path, GOOD, "a")
    _write(tmp_path, GOOD.replace("0 22", "0 99"), "b")
    _write(tmp_path, GOOD + "name: a\n", "c")
    found, errors = load_schedules(tmp_path / "schedules", SHIPPED_BOTS)
    assert [s.name for s in found] == ["a"]
    assert [str(e).split(": ")[0] for e in errors] == [f"{tmp_path}/schedules/b.yaml:2:1",
                                                       f"{tmp_path}/schedules/c.yaml"]


# --- when it fires ------------------------------------------------------------------------

@pytest.mark.parametrize(("field", "names"), [
    ("*", "*"), ("1-5", "mon,tue,wed,thu,fri"), ("0", "sun"), ("7", "sun"),
    ("0,6", "sat,sun"), ("*/2", "tue,thu,sat,sun"), ("fri-mon", "mon,fri,sat,sun"),
    ("sat-sun", "sat,sun"), ("1-5/2", "mon,wed,fri"),
])
def test_crontab_weekdays_count_sunday_as_zero(field: str, names: str) -> None:
    """crontab's 0 and 7 are Sunday and 1-5 is Monday to Friday, whatever APScheduler counts."""
    assert crontab_weekdays(field) == names


def test_next_fire_of_a_weekday_cron_skips_the_weekend(tmp_path: Path) -> None:
    """``0 22 * * 1-5`` seen on a Friday night fires next on Monday at 22:00 Tokyo time."""
    schedule = load_schedule(_write(tmp_path, GOOD.replace("* * *", "* * 1-5")), SHIPPED_BOTS)
    friday_night = datetime(2025, 7, 18, 23, 0, tzinfo=TOKYO)
    assert next_fire(schedule, friday_night) == datetime(2025, 7, 21, 22, 0, tzinfo=TOKYO)


@pytest.mark.parametrize(("clock", "until"), [
    ((2025, 7, 16, 22, 0), (2025, 7, 17, 6, 0)),
    ((2025, 7, 16, 23, 59), (2025, 7, 17, 6, 0)),
    ((2025, 7, 17, 5, 59), (2025, 7, 17, 6, 0)),
    ((2025, 7, 17, 6, 0), None),
    ((2025, 7, 17, 21, 59), None),
])
def test_overnight_window_ends_at_six_the_next_morning(
        tmp_path: Path, clock: tuple[int, ...], until: tuple[int, ...] | None) -> None:
    """22:00–06:00 is open from 22:00 until 06:00 the next day, and shut in between."""
    window = '\nwindow: {start: "22:00", end: "06:00"}\n'
    schedule = load_schedule(_write(tmp_path, GOOD + window), SHIPPED_BOTS)
    assert schedule.window is not None
    got = schedule.window.until(datetime(*clock, tzinfo=TOKYO))
    assert got == (datetime(*until, tzinfo=TOKYO) if until else None)


def test_daytime_window_with_seconds(tmp_path: Path) -> None:
    """A window within one day, to the second, as tests and short runs need."""
    window = '\nwindow: {start: "09:00:00", end: "17:30:15"}\n'
    schedule = load_schedule(_write(tmp_path, GOOD + window), SHIPPED_BOTS)
    assert schedule.window is not None and str(schedule.window) == "09:00:00–17:30:15"
    assert schedule.window.until(datetime(2025, 7, 16, 12, 0, tzinfo=TOKYO)) == \
        datetime(2025, 7, 16, 17, 30, 15, tzinfo=TOKYO)
    assert schedule.window.until(datetime(2025, 7, 16, 8, 59, tzinfo=TOKYO)) is None


# --- which files are complete -------------------------------------------------------------

class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_inbox_takes_a_file_only_after_it_settles(tmp_path: Path) -> None:
    """A file must look the same over settle_s; a growing one waits, a truncated zip waits twice."""
    clock = Clock()
    inbox = Inbox(str(tmp_path / "*.xlsx"), tmp_path / "rejected", 5, clock)
    whole = tmp_path / "whole.xlsx"
    shutil.copy(SAMPLE_XLSX, whole)
    growing = tmp_path / "growing.xlsx"
    growing.write_bytes(SAMPLE_XLSX.read_bytes()[:1000])
    assert inbox.complete() == [] and inbox.waiting()
    clock.now += 5
    growing.write_bytes(SAMPLE_XLSX.read_bytes()[:2000])
    assert inbox.complete() == [whole.resolve()]
    whole.unlink()  # taken
    inbox.forget(whole.resolve())
    clock.now += 5
    assert inbox.complete() == []  # unchanged 5 s, but not yet a whole zip: give it longer
    clock.now += 5
    assert inbox.complete() == [growing.resolve()]


def test_a_file_open_for_writing_or_in_excel_is_not_complete(tmp_path: Path) -> None:
    """A copy that pauses with the file still open, or a workbook open in Excel, waits."""
    clock = Clock()
    inbox = Inbox(str(tmp_path / "*.xlsx"), tmp_path / "rejected", 1, clock)
    copying = tmp_path / "copying.xlsx"
    with copying.open("wb") as writer:
        writer.write(SAMPLE_XLSX.read_bytes()[:1000])
        writer.flush()
        assert inbox.complete() == []
        clock.now += 60
        assert inbox.complete() == [] and inbox.waiting()
    assert inbox.complete() == [copying.resolve()]
    copying.unlink()
    inbox.forget(copying.resolve())
    opened = tmp_path / "opened.xlsx"
    shutil.copy(SAMPLE_XLSX, opened)
    (tmp_path / "~$opened.xlsx").write_bytes(b"clerk")
    inbox.complete()
    clock.now += 60
    assert inbox.complete() == []
    (tmp_path / "~$opened.xlsx").unlink()
    assert inbox.complete() == [opened.resolve()]


def test_inbox_ignores_lock_files_notes_and_rejected(tmp_path: Path) -> None:
    """Excel's ~$ lock files, hidden files, .error.txt notes and rejected/ are never candidates."""
    (tmp_path / "rejected").mkdir()
    for name in ("~$a.xlsx", ".b.xlsx", "rejected/c.xlsx", "d.xlsx.error.txt", "e.xlsx"):
        (tmp_path / name).write_bytes(b"x")
    inbox = Inbox(str(tmp_path / "**" / "*"), tmp_path / "rejected", 1, Clock())
    assert [p.name for p in inbox.files()] == ["e.xlsx"]


@pytest.mark.parametrize(("message", "english"), [
    ("not a readable .xlsx workbook (File is not a zip file)", "not a complete Excel workbook"),
    ("no header row with the required columns (受付番号) in the first 30 rows of x",
     "The columns the robot needs are not there"),
    ("an Excel 97-2003 workbook (.xls); open it in Excel and save it as .xlsx", "(.xls)"),
    ("unsupported file type .pdf (use .xlsx, .csv, .tsv or .txt)", "cannot read this kind"),
    ("something new", "The file could not be read"),
])
def test_rejection_reasons_are_in_staff_words(tmp_path: Path, message: str, english: str) -> None:
    """The intake's technical message becomes a reason staff understand, with the detail kept."""
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"not empty")
    japanese, said, detail = explain(path, CaseDataError(f"{path}: {message}"))
    assert english in said and japanese and detail == message


# --- taking files in, and crashes in between ----------------------------------------------

@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[RunContext]:
    """A run context over a real queue and ledger in a temporary ROBOT_HOME."""
    paths = DaemonPaths(tmp_path / "home").make()
    schedule = load_schedule(_write(tmp_path, GOOD), SHIPPED_BOTS)
    bot = load_bot(SHIPPED_BOTS / "resident_registration.yaml", REPO / "selectors")
    store = SQLiteStore(paths.home / "queue.db")
    ledger = Ledger(paths.jobs_db)
    yield RunContext("run-1", schedule, bot, store, ledger, paths, Recorder())
    store.close()
    ledger.close()


def test_receive_archives_queues_and_knows_a_duplicate(ctx: RunContext) -> None:
    """A good file is archived and queued; the same bytes under another name add nothing."""
    first, again = ctx.paths.inbox / "a.xlsx", ctx.paths.inbox / "b.xlsx"
    shutil.copy(SAMPLE_XLSX, first)
    shutil.copy(SAMPLE_XLSX, again)
    receiver = Receiver(ctx)
    taken = receiver.receive(first)
    assert (taken.state, taken.batch) == ("queued", 1)
    assert Path(taken.archived).read_bytes() == SAMPLE_XLSX.read_bytes()
    duplicate = receiver.receive(again)
    assert duplicate.state == "duplicate" and not again.exists()
    assert Path(duplicate.archived).with_name("b.xlsx.duplicate.txt").exists()
    assert len(ctx.store.batches()) == 1 and len(ctx.store.items()) == 50


def test_a_crash_between_taken_and_queued_is_finished_next_run(ctx: RunContext) -> None:
    """A file recorded as taken but never queued is queued by the next run, exactly once."""
    source = ctx.paths.inbox / "a.xlsx"
    shutil.copy(SAMPLE_XLSX, source)
    archived = ctx.paths.archive / "2025-07-16" / "a.xlsx"
    entry = ctx.ledger.add("night", "resident_registration", source,
                           checksum=checksum(source), state="taken", archived=archived)
    # the crash came before the move: the file is still in the inbox
    [recovered] = Receiver(ctx).recover()
    assert recovered.id == entry.id and recovered.state == "queued"
    assert archived.exists() and not source.exists()
    assert Receiver(ctx).recover() == [] and len(ctx.store.batches()) == 1


def test_a_crash_after_the_batch_links_the_existing_batch(ctx: RunContext) -> None:
    """If the batch was added before the crash, recovery links it rather than adding another."""
    source = ctx.paths.inbox / "a.xlsx"
    shutil.copy(SAMPLE_XLSX, source)
    receiver = Receiver(ctx)
    taken = receiver.receive(source)
    ctx.ledger.db.execute("UPDATE robot_inbox_files SET state = 'taken', batch = NULL")
    [recovered] = receiver.recover()
    assert (recovered.state, recovered.batch) == ("queued", taken.batch)
    assert len(ctx.store.batches()) == 1


def test_a_damaged_workbook_is_rejected_beside_its_reason(ctx: RunContext) -> None:
    """A corrupt workbook moves to inbox/rejected/ with a bilingual .error.txt."""
    broken = ctx.paths.inbox / "broken.xlsx"
    broken.write_bytes(SAMPLE_XLSX.read_bytes()[:4000])
    assert not zipfile.is_zipfile(broken)
    entry = Receiver(ctx).receive(broken)
    assert entry.state == "rejected"
    note = (ctx.paths.rejected / "broken.xlsx.error.txt").read_text("utf-8")
    assert "Reason: This is not a complete Excel workbook" in note and "理由:" in note
    assert ctx.store.batches() == []


# --- telling people -----------------------------------------------------------------------

SUMMARY = {"schedule": "night", "file": "a.xlsx", "batch": 3, "total": 5, "done": 4,
           "business_failed": 1, "failed": 0, "cancelled": 0, "results": "/o/a_results.xlsx"}


def test_notify_command_gets_the_summary_in_its_environment(tmp_path: Path) -> None:
    """The command runs with ROBOT_FILE, ROBOT_DONE, … and ROBOT_SUMMARY as JSON."""
    out = tmp_path / "env.json"
    code = f"import os, json; open({str(out)!r}, 'w').write(json.dumps(dict(os.environ)))"
    events = Recorder()
    notify(NotifySpec(command=(sys.executable, "-c", code)), SUMMARY, events)
    env = json.loads(out.read_text("utf-8"))
    assert (env["ROBOT_FILE"], env["ROBOT_DONE"], env["ROBOT_BUSINESS_FAILED"]) == \
        ("a.xlsx", "4", "1")
    assert json.loads(env["ROBOT_SUMMARY"])["batch"] == 3
    assert events.names() == ["notified"]


def test_notify_webhook_posts_json_to_the_named_url() -> None:
    """The webhook gets the summary as a JSON POST (a loopback server stands in for chat)."""
    received: list[dict[str, Any]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        events = Recorder()
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        notify(NotifySpec(webhook=url), SUMMARY, events)
    finally:
        server.shutdown()
        server.server_close()
    assert received == [SUMMARY] and events.names() == ["notified"]


def test_a_failing_notification_is_recorded_not_raised(tmp_path: Path) -> None:
    """A command that fails, or a webhook nobody answers, leaves a notify_failed event."""
    events = Recorder()
    notify(NotifySpec(command=(sys.executable, "-c", "raise SystemExit(4)")), SUMMARY, events)
    notify(NotifySpec(webhook="http://127.0.0.1:9/"), SUMMARY, events)
    notify(NotifySpec(command=("true",), when="problems"), {**SUMMARY, "business_failed": 0},
           events)
    assert events.names() == ["notify_failed", "notify_failed"]


def test_a_run_in_which_nothing_happened_leaves_no_trace() -> None:
    """HeldBack drops an empty run's start and finish, and replays the start when needed."""
    opened: list[Recorder] = []

    def make() -> Recorder:
        opened.append(Recorder())
        return opened[-1]

    quiet = HeldBack(make, "run_started", "run_finished")
    quiet.event("run_started", n=1)
    quiet.event("run_finished")
    assert opened == []
    busy = HeldBack(make, "run_started", "run_finished")
    busy.event("run_started", n=2)
    busy.event("intake_queued")
    busy.event("run_finished")
    assert opened[0].names() == ["run_started", "intake_queued", "run_finished"]


# --- the daemon's job store ---------------------------------------------------------------

@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder with the shipped bots and one schedule, ``night``."""
    root = tmp_path / "project"
    (root / "schedules").mkdir(parents=True)
    (root / "bots").symlink_to(SHIPPED_BOTS)
    (root / "selectors").symlink_to(REPO / "selectors")
    (root / "schedules" / "night.yaml").write_text(GOOD, encoding="utf-8")
    return root


def _daemon(tmp_path: Path, project: Path) -> Daemon:
    daemon = Daemon(tmp_path / "home", project)
    daemon.paths.make()
    daemon.scheduler.start(paused=True)
    return daemon


def test_reload_adds_changes_keeps_and_removes_jobs(tmp_path: Path, project: Path) -> None:
    """A changed trigger replaces the job; a broken file keeps the last valid one; a removed
    or disabled schedule loses its job."""
    daemon = _daemon(tmp_path, project)
    try:
        daemon.reload("start")
        [job] = daemon.scheduler.get_jobs()
        assert (job.id, job.args, job.max_instances, job.coalesce) == ("night", ("night",), 1, True)
        assert job.next_run_time.astimezone(TOKYO).hour == 22
        schedule = project / "schedules" / "night.yaml"
        schedule.write_text(GOOD.replace("0 22", "30 21"), encoding="utf-8")
        daemon.reload("files changed")
        assert daemon.scheduler.get_job("night").next_run_time.astimezone(TOKYO).minute == 30
        schedule.write_text(GOOD.replace("0 22", "0 99"), encoding="utf-8")
        daemon.reload("files changed")
        assert daemon.scheduler.get_job("night") is not None  # the 21:30 version still runs
        schedule.write_text(GOOD + "enabled: false\n", encoding="utf-8")
        daemon.reload("SIGHUP")
        assert daemon.scheduler.get_jobs() == []
    finally:
        daemon.halt()
        daemon.log.close()
    events = [json.loads(line)["event"] for line in daemon.paths.log.read_text().splitlines()]
    assert events.count("schedule_added") == 1 and events.count("schedule_changed") == 1
    assert "schedule_invalid" in events and "schedule_removed" in events


def test_a_restart_keeps_the_stored_next_run_time(tmp_path: Path, project: Path) -> None:
    """An unchanged schedule keeps its job in jobs.db, so a run missed while down is not lost."""
    first = _daemon(tmp_path, project)
    first.reload("start")
    missed = datetime(2025, 7, 16, 22, 0, tzinfo=TOKYO)
    first.scheduler.modify_job("night", next_run_time=missed)
    first.halt()
    first.log.close()
    second = _daemon(tmp_path, project)
    try:
        second.reload("start")
        assert second.scheduler.get_job("night").next_run_time == missed
    finally:
        second.halt()
        second.log.close()
