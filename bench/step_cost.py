"""What one fill costs the driver: the one look (fill + read-back in a single evaluation)
against Playwright's locator fill (what the old 150 ms fast path sent), on the fixture's form.

    python -m bench.step_cost --fills 200

Both fill the 氏名 field by its ``beside: 氏名`` alternative in the same page, alternately,
and print wall and CPU (this process and the whole browser tree) per fill.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
from playwright.sync_api import sync_playwright

from bench.measure import PASSWORD, ROOT, USER
from fixtures.legacy_web.process import LegacyWebApp
from robot_core.drivers.web_chromium import chromium_path, launch_args
from robot_core.drivers.web_locate import locator_for, register_engines
from robot_core.drivers.web_look import LOOK_JS, look_arg
from robot_core.selectors import load_selector_map


def _cpu() -> float:
    me = psutil.Process()
    return sum(sum(p.cpu_times()[:2]) for p in [me, *me.children(recursive=True)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.step_cost", description=__doc__)
    parser.add_argument("--fills", type=int, default=200)
    args = parser.parse_args(argv)
    selectors = load_selector_map(ROOT / "selectors" / "registry_web.yaml")
    target = selectors.get("form.name")
    watch = [a for name in ("login.expired", "page.unavailable")
             for a in selectors.get(name).alternatives]
    arg = look_arg([list(target.alternatives)], watch, {"fill": "山田 太郎"}, 500)
    with tempfile.TemporaryDirectory() as tmp, LegacyWebApp(Path(tmp) / "r.db") as app, \
            sync_playwright() as pw:
        register_engines(pw)
        browser = pw.chromium.launch(executable_path=chromium_path(),
                                     args=launch_args(selectors.section.block))
        page = browser.new_context().new_page()
        page.goto(f"{app.url}/login")
        page.fill('input[name="f1"]', USER)
        page.fill('input[name="f2"]', PASSWORD)
        page.click('input[type="image"]')
        page.wait_for_url("**/menu")
        page.goto(f"{app.url}/entry", wait_until="load")
        field = locator_for(page, target.alternatives[0]).filter(visible=True).first
        ways: dict[str, Callable[[], Any]] = {
            "one look (fill + read-back)": lambda: page.evaluate(LOOK_JS, arg),
            "Playwright locator.fill": lambda: field.fill("山田 太郎", timeout=8000),
        }
        spent = {name: [0.0, 0.0] for name in ways}
        for _ in range(2):  # alternating, twice
            for name, way in ways.items():
                cpu, wall = _cpu(), time.perf_counter()
                for _ in range(args.fills // 2):
                    way()
                spent[name][0] += time.perf_counter() - wall
                spent[name][1] += _cpu() - cpu
        browser.close()
    for name, (wall, cpu) in spent.items():
        print(f"{name:<30} {1000 * wall / args.fills:6.2f} ms wall  "
              f"{1000 * cpu / args.fills:6.2f} ms CPU per fill")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
