"""``robot capture``: template images cut from a real Xvfb (or a screenshot) into a map.

The ledger client runs on a display started for this module, logged in with its entry form
open; each test works on its own copy of the project (``ROBOT_PROJECT``), so the shipped
map and images are never touched.
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image, ImageDraw

from robot_core.cli import main
from robot_core.drivers.desktop import DesktopDriver
from robot_core.drivers.desktop.image import Templates
from robot_core.drivers.desktop.x11 import Display
from robot_core.script.yamlsource import parse_yaml
from robot_core.selectors import SelectorMap, load_selector_map
from robot_core.tools.capture import CaptureError, Edit, capture, parse_region, plan_edit
from tests.integration.desktop_env import ROOT, desktop_environment, xvfb

MAP = Path("selectors/ledger_desktop.yaml")
FORM, MAIN = "台帳登録", "台帳管理システム"


@pytest.fixture(scope="module")
def screen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Xvfb with the ledger client logged in and its entry form (台帳登録) open."""
    with xvfb() as name, pytest.MonkeyPatch.context() as patch:
        for key, value in desktop_environment(name).items():
            patch.setenv(key, value)
        patch.setenv("ROBOT_PROJECT", str(ROOT))
        database = tmp_path_factory.mktemp("ledger") / "ledger.db"
        client = subprocess.Popen([sys.executable, "-m", "fixtures.legacy_desktop", "run",
                                   "--db", str(database)], cwd=ROOT, env={**os.environ},
                                  stdout=subprocess.DEVNULL)
        try:
            assert drive("open-form", str(ROOT / MAP)) == "ok"
            yield name
        finally:
            client.terminate()
            client.wait(timeout=10)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the project's bots and selectors, made the project for this test."""
    root = tmp_path / "project"
    for folder in ("bots", "selectors", "blocks"):
        shutil.copytree(ROOT / folder, root / folder)
    monkeypatch.setenv("ROBOT_PROJECT", str(root))
    return root


def robot(*args: str) -> subprocess.CompletedProcess[str]:
    """The real ``robot`` CLI in a process of its own, with this process's environment."""
    command = [str(Path(sys.executable).parent / "robot"), *args]
    return subprocess.run(command, capture_output=True, text=True, env={**os.environ},
                          timeout=60, check=False)


def found_box(display: str, template: Path, window: str) -> tuple[int, int, int, int]:
    """Where ``template`` is on screen, as x,y,w,h from ``window``'s corner (raised first)."""
    screen = Display(display)
    try:
        win = screen.find(window)
        assert win is not None
        screen.focus(win)
        templates = Templates(template.parent)
        deadline = time.monotonic() + 5
        while True:  # a raised window repaints a moment later
            grey = templates.grey(screen.grab())
            match = templates.best(template.name, grey, (0, 0, *screen.size))
            if (match is not None and match.score > 0.99) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    finally:
        screen.close()
    assert match is not None and match.score > 0.99
    return match.left - win.x, match.top - win.y, match.width, match.height


def drive(*args: str) -> str:
    """Run ``python -m tests.integration.test_capture ARGS``: the driver in a process of its own.

    pyautogui keeps one X connection per process, bound to a display *name*; the next
    module's Xvfb may reuse the name, so no test here drives the keyboard in-process.
    """
    done = subprocess.run([sys.executable, "-m", "tests.integration.test_capture", *args],
                          cwd=ROOT, capture_output=True, text=True, env={**os.environ},
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def sees(project: Path, target: str, window: str) -> bool:
    """Whether a fresh desktop driver on the project's map, ``window`` forward, sees ``target``."""
    return drive("sees", str(project / MAP), target, window) == "True"


def _attached(map_file: str) -> tuple[DesktopDriver, SelectorMap]:
    targets = load_selector_map(Path(map_file))
    launch = {k: v for k, v in targets.launch.items() if k != "command"}
    return DesktopDriver(launch=launch), targets


def _main(mode: str, map_file: str, *args: str) -> None:
    """``open-form MAP`` (log in, open 台帳登録) or ``sees MAP TARGET WINDOW`` (print it)."""
    driver, targets = _attached(map_file)
    get = targets.get
    try:
        driver.start()
        if mode == "open-form":
            driver.fill(get("login.user"), "clerk", 5000)
            driver.fill(get("login.password"), "clerk-pass", 5000)
            driver.click(get("login.submit"), 5000)
            driver.wait_any([get("main.window")], 5000)
            driver.press(None, "Control+n", 5000)
            driver.wait_any([get("form.window")], 5000)
            print("ok")
        else:
            target, window = args
            driver.goto(window, 5000)
            driver.wait_any([get(target)], 5000)
            print(driver.is_visible(get(target)))
    finally:
        driver.stop()


def added_lines(before: str, after: str) -> list[str]:
    """Lines of ``after`` that ``before`` lacks; asserts nothing was removed or changed."""
    diff = list(difflib.ndiff(before.splitlines(), after.splitlines()))
    assert [d for d in diff if d.startswith("- ")] == []
    return [d[2:] for d in diff if d.startswith("+ ")]


def test_capture_from_the_screen_adds_a_target_that_is_found(screen: str,
                                                            project: Path) -> None:
    """The 保存 button cut from the live form becomes form.save_button: a PNG of the box's
    size, one line more in the map (comments kept), a map that validates, and a target
    the driver sees on screen; again it needs --force, and in a window not open it exits 2."""
    x, y, w, h = found_box(screen, ROOT / "selectors/images/form_save.png", FORM)
    before = (project / MAP).read_text("utf-8")
    done = robot("capture", "ledger_desktop", "form.save_button", "--region", f"{x},{y},{w},{h}")
    assert done.returncode == 0, done.stderr
    assert "added target form.save_button" in done.stdout
    image = project / "selectors/images/form_save_button.png"
    with Image.open(image) as png:
        assert png.size == (w, h)
    after = (project / MAP).read_text("utf-8")
    assert added_lines(before, after) == ["      save_button:  [{image: form_save_button.png}]"]
    assert [c for c in before.splitlines() if c.lstrip().startswith("#")] == \
        [c for c in after.splitlines() if c.lstrip().startswith("#")]
    checked = robot("validate", "ledger_entry")
    assert checked.returncode == 0, checked.stderr
    targets = load_selector_map(project / MAP)
    assert [a.describe() for a in targets.get("form.save_button").alternatives] == \
        [f"image='form_save_button.png' in {FORM}"]
    assert sees(project, "form.save_button", FORM)
    again = robot("capture", "ledger_desktop", "form.save_button", "--region", f"{x},{y},{w},{h}")
    assert again.returncode == 3 and "--force" in again.stderr
    closed = CliRunner().invoke(main, ["capture", "ledger_desktop", "form.other", "--region",
                                       f"{x},{y},{w},{h}", "--window", "照会結果"])
    assert closed.exit_code == 2 and "no window titled '照会結果'" in closed.stderr
    assert (project / MAP).read_text("utf-8") == after


def test_capture_from_a_screenshot_adds_a_screen(screen: str, project: Path,
                                                 tmp_path: Path) -> None:
    """A box of a saved whole-screen shot (the 登録 menu) becomes a new screen block at the
    end of the map, framed by the main window, and the driver finds it on the live screen."""
    x, y, w, h = found_box(screen, ROOT / "selectors/images/menu_register.png", MAIN)
    shot = tmp_path / "shot.png"
    grabber = Display(screen)
    try:
        win = grabber.find(MAIN)
        assert win is not None
        grabber.grab().save(shot)
    finally:
        grabber.close()
    before = (project / MAP).read_text("utf-8")
    region = f"{x + win.x},{y + win.y},{w},{h}"  # a whole-screen shot counts from its corner
    done = robot("capture", "ledger_desktop", "menubar.register", "--region", region,
                 "--from-screenshot", str(shot), "--confidence", "0.95")
    assert done.returncode == 0, done.stderr
    assert "added screen menubar" in done.stdout
    assert added_lines(before, (project / MAP).read_text("utf-8")) == [
        "", "  menubar:", f"    frame: {MAIN}", "    targets:",
        "      register: [{image: menubar_register.png, confidence: 0.95}]"]
    assert robot("validate").returncode == 0
    assert sees(project, "menubar.register", MAIN)


def test_capture_is_undone_when_the_map_would_not_load(project: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """An edit that breaks the map puts both files back: the map byte for byte, and the
    template that --force replaced."""
    import robot_core.tools.capture.command as module  # noqa: PLC0415

    shot = tmp_path / "shot.png"
    picture(shot, marks=[(20, 20)])
    map_bytes = (project / MAP).read_bytes()
    template = project / "selectors/images/form_save.png"
    old_png = template.read_bytes()

    def broken(text: str, *_args: object, **_kwargs: object) -> Edit:
        return Edit(text.replace("save:         [{image:", "save:         [{imagee:"), 68, "x")

    monkeypatch.setattr(module, "plan_edit", broken)
    with pytest.raises(CaptureError) as raised:
        capture("ledger_desktop", "form.save", parse_region("10,10,40,30"), screenshot=shot,
                force=True)
    assert "imagee" in str(raised.value)
    assert (project / MAP).read_bytes() == map_bytes
    assert template.read_bytes() == old_png
    assert sorted(p.name for p in template.parent.iterdir() if p.name.startswith(".")) == []


def test_capture_refuses_ambiguous_flat_and_misplaced_boxes(project: Path,
                                                            tmp_path: Path) -> None:
    """A box that also matches elsewhere, is one flat colour or lies outside the picture, a
    bad target name and a target with options are refused with exit code 3, writing nothing."""
    shot = tmp_path / "twice.png"
    picture(shot, marks=[(20, 20), (120, 20)])
    map_bytes = (project / MAP).read_bytes()
    cases = {("form.twice", "10,10,40,30"): "also matches at 110,10",
             ("form.flat", "200,60,30,20"): "one flat colour",
             ("form.outside", "210,10,40,30"): "reaches outside the screenshot",
             ("form", "10,10,40,30"): "must be SCREEN.TARGET",
             ("form.sex", "10,10,40,30"): "has options"}
    for (target, region), message in cases.items():
        done = CliRunner().invoke(main, ["capture", "ledger_desktop", target, "--region",
                                         region, "--from-screenshot", str(shot)])
        assert done.exit_code == 3, (target, done.output)
        assert message in " ".join(done.stderr.split()), (target, done.stderr)
    assert (project / MAP).read_bytes() == map_bytes
    assert not list((project / "selectors/images").glob("form_[tfo]*.png"))


def picture(path: Path, marks: list[tuple[int, int]]) -> None:
    """A 240x100 grey screenshot with a framed, crossed box at each of ``marks``."""
    image = Image.new("RGB", (240, 100), (212, 208, 200))
    draw = ImageDraw.Draw(image)
    for x, y in marks:
        draw.rectangle((x - 10, y - 10, x + 29, y + 19), outline=(0, 0, 0))
        draw.line((x - 10, y - 10, x + 29, y + 19), fill=(0, 0, 128), width=2)
        draw.text((x - 2, y - 4), "OK", fill=(0, 0, 0))
    image.save(path)


def test_edits_keep_block_style_line_breaks_and_comments() -> None:
    """Block lists get a line of their own before the blind alternatives; CRLF files stay
    CRLF; a file without a final line break gets one; the result parses as meant."""
    text = ("app: x\r\ndriver: desktop\r\nscreens:\r\n    main:   # main window\r\n"
            "        targets:\r\n            ok:\r\n                - {title: OK}\r\n"
            "                - keys: alt+o   # access key\r\n    other:\r\n"
            "        targets:\r\n            one: pic.png")
    first = plan_edit(text, "m.yaml", "main", "ok", {"image": "main_ok.png"})
    assert first.line == 8
    assert "- {title: OK}\r\n                - {image: main_ok.png}\r\n" \
           "                - keys: alt+o   # access key\r\n" in first.text
    second = plan_edit(first.text, "m.yaml", "other", "two", {"image": "t.png"})
    assert second.text.endswith("one: pic.png\r\n            two: [{image: t.png}]\r\n")
    third = plan_edit(second.text, "m.yaml", "other", "one", {"image": "pic.png",
                                                              "confidence": 0.8})
    assert "one: [{image: pic.png, confidence: 0.8}]" in third.text
    data = parse_yaml(third.text, "m.yaml").data
    assert data["screens"]["main"]["targets"]["ok"][1] == {"image": "main_ok.png"}
    assert data["screens"]["other"]["targets"]["two"] == [{"image": "t.png"}]
    assert "\n" not in third.text.replace("\r\n", "")


if __name__ == "__main__":
    _main(*sys.argv[1:])
