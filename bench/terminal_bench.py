"""``python -m bench.terminal_bench``: cases per minute, terminal driver against web driver.

The same generated all-valid cases go through ``robot run`` twice, each against a fresh
fixture: the web bot into ``fixtures.legacy_web`` (Chromium), the terminal bot into
``fixtures.legacy_terminal`` over SSH on loopback. Each run is checked against its fixture's
own dump (every case once, every field exact); a wrong entry voids the bench (exit 1).
Keep ``--cases`` small on a shared machine: a dozen cases already shows the difference.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.measure import ROOT, case_file
from fixtures.legacy_terminal.process import LegacyTerminalHost
from fixtures.legacy_web.process import LegacyWebApp

ROBOT = Path(sys.executable).parent / "robot"
FIELDS = ("case_id", "name", "name_kana", "sex", "birth_date", "postal_code", "address",
          "household_head", "phone", "moved_in", "my_number", "nhi", "remarks")


def _run(bot: str, xlsx: Path, env: dict[str, str], home: Path) -> float:
    started = time.monotonic()
    done = subprocess.run([str(ROBOT), "run", bot, "--input", str(xlsx)], cwd=ROOT, check=False,
                          env={**os.environ, **env, "ROBOT_HOME": str(home)},
                          capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise SystemExit(f"{bot}: robot exited {done.returncode}\n{done.stdout[-2000:]}")
    return time.monotonic() - started


def _exact(records: list[dict[str, Any]], valid: list[dict[str, Any]]) -> bool:
    by_case = {r["case_id"]: r for r in records}
    return len(records) == len(valid) and all(
        {k: by_case.get(v["case_id"], {}).get(k) for k in FIELDS} == v for v in valid)


def main(argv: list[str] | None = None) -> int:
    """Run both, print a table, write ``bench/out/terminal.json``."""
    parser = argparse.ArgumentParser(prog="python -m bench.terminal_bench", description=__doc__)
    parser.add_argument("--cases", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    rows: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="robot-tbench-") as tmp:
        work = Path(tmp)
        cases = case_file(args.cases, args.seed, work / "cases")
        with LegacyWebApp(work / "web.db") as web:
            env = {"REGISTRY_URL": web.url, "REGISTRY_USER": "clerk",
                   "REGISTRY_PASSWORD": "clerk-pass"}
            seconds = _run("resident_registration", cases.xlsx, env, work / "home-web")
            rows["web"] = {"seconds": seconds, "exact": _exact(web.dump(), cases.expected)}
        with LegacyTerminalHost(work / "terminal.db") as host:
            seconds = _run("resident_registration_terminal", cases.xlsx, host.env(),
                           work / "home-terminal")
            rows["terminal"] = {"seconds": seconds, "exact": _exact(host.dump(), cases.expected)}
    print(f"{'driver':<10}{'cases':>7}{'seconds':>10}{'cases/min':>11}  exact")
    for name, row in rows.items():
        row["cases_per_min"] = round(args.cases / row["seconds"] * 60, 1)
        print(f"{name:<10}{args.cases:>7}{row['seconds']:>10.1f}{row['cases_per_min']:>11}"
              f"  {row['exact']}")
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "terminal.json").write_text(json.dumps({"cases": args.cases, "runs": rows},
                                                  indent=2), encoding="utf-8")
    return 0 if all(r["exact"] for r in rows.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
