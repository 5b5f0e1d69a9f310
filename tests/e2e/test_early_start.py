"""``robot run`` starts its browser while the batch is queued (``run/early.py``): a stop or
bad input in that overlap must end the run as before, with nothing queued and no Chromium or
Node process left behind. Each test runs the console script and watches its process tree."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from tests.e2e.test_stop_and_scale import BOT, REPO, ROBOT, big_csv, counts, env_for

__all__ = ["big_csv"]  # the module fixture, shared
pytestmark = pytest.mark.browser


def _tree(pid: int) -> dict[int, str]:
    """Every descendant of ``pid`` now, by pid and name."""
    try:
        return {p.pid: p.name() for p in psutil.Process(pid).children(recursive=True)}
    except psutil.Error:
        return {}


def _watch_until(process: subprocess.Popen[str], seen: dict[int, str], ready: bool,
                 db: Path, seconds: float = 120) -> None:
    """Record the process tree until Chromium shows in it and the queue exists (``ready``)
    or the process ends."""
    deadline = time.monotonic() + seconds
    while process.poll() is None and time.monotonic() < deadline:
        seen.update(_tree(process.pid))
        if ready and db.exists() and any("chrom" in n for n in seen.values()):
            return
        time.sleep(0.02)


def _gone(pids: dict[int, str], seconds: float = 10) -> list[str]:
    """Those of ``pids`` still running after ``seconds`` (zombies count as gone)."""
    deadline = time.monotonic() + seconds
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if psutil.pid_exists(p)
                 and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
        time.sleep(0.1)
    return [f"{p} {pids[p]}" for p in alive]


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_while_the_browser_starts_and_the_batch_is_queued_leaves_nothing(
        big_csv: Path, tmp_path: Path, signum: int, code: int) -> None:
    """A first signal while Chromium starts and 40,000 rows are being queued: the batch
    rolls back, the run says nothing was queued, exits 128+signal, and its Chromium and
    Node processes are gone."""
    home = tmp_path / "home"
    process = subprocess.Popen([str(ROBOT), "run", BOT, "--input", str(big_csv)], cwd=REPO,
                               env=env_for(home), text=True, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    seen: dict[int, str] = {}
    _watch_until(process, seen, True, home / "queue.db")
    assert process.poll() is None, process.communicate()
    process.send_signal(signum)
    _, err = process.communicate(timeout=30)
    assert process.returncode == code, err
    assert "Traceback" not in err
    assert "while queueing: nothing was queued" in err, err
    assert counts(home / "queue.db") == (0, 0)
    assert any("node" in n for n in seen.values()), seen
    assert _gone(seen) == []


def test_a_bad_header_fails_as_before_and_launches_no_chromium(tmp_path: Path) -> None:
    """A case file without the bot's header: exit 3 with the header error, nothing queued,
    and no Chromium was ever launched (Playwright's Node driver alone may have started)."""
    home = tmp_path / "home"
    bad = tmp_path / "cases.csv"
    bad.write_text("foo,bar\n1,2\n", encoding="utf-8")
    process = subprocess.Popen([str(ROBOT), "run", BOT, "--input", str(bad)], cwd=REPO,
                               env=env_for(home), text=True, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    seen: dict[int, str] = {}
    _watch_until(process, seen, False, home / "queue.db")
    out, err = process.communicate(timeout=30)
    assert process.returncode == 3, err
    assert err.startswith("error: "), err
    assert "Traceback" not in err
    assert "batch" not in out
    assert not any("chrom" in n for n in seen.values()), seen
    assert _gone(seen) == []
    db = home / "queue.db"
    assert not db.exists() or counts(db) == (0, 0)
