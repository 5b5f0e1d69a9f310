"""Hostile bot scripts, selector maps and YAML: each is refused at load, located, never run.

The bombs (alias expansion, deep nesting, an oversized file) run in a subprocess capped at
512 MiB of address space and 60 s, as the held-out check runs them: the loader must refuse
them with its one-line message, not run out of memory or time.
"""

from __future__ import annotations

import os
import resource
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import DEMO_SELECTORS, dedent, write_project

from robot_core.daemon.paths import DaemonPaths
from robot_core.errors import BotScriptError, ConfigError
from robot_core.home import RunPaths
from robot_core.script.loader import load_bot
from robot_core.script.yamlsource import load_yaml
from robot_core.selectors import load_selector_map

HEAD = dedent("""\
    name: demo
    app: demo
    credentials: registry
    input:
      key: case_id
      columns:
        case_id: {header: 受付番号, required: true}
        name: {header: 氏名}
    """)
STEPS = "steps:\n  - fill: {target: form.name, value: \"{{ case.name }}\"}\n"
#: demo's map plus a login screen whose password is marked secret, and a PIN not marked.
SELECTORS = DEMO_SELECTORS + (
    "  login:\n"
    "    targets:\n"
    "      password: {secret: true, any: ['#pw']}\n"
    "      user_pin: '#pin'\n"
    "      user: '#user'\n")
MIB = 1024 * 1024


def alias_bomb(levels: int = 9, refs: int = 9) -> str:
    """The "billion laughs": each level lists the previous one ``refs`` times."""
    lines = ['l0: &l0 ["lol"]']
    for n in range(1, levels + 1):
        lines.append(f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * refs) + "]")
    return "\n".join(lines) + "\n"


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (512 * MIB, 512 * MIB))


def load_capped(path: Path, tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    """Load ``path`` as a bot in a child capped at 512 MiB and 60 s; print what it raised."""
    code = ("import sys\nfrom pathlib import Path\nfrom robot_core.errors import BotScriptError\n"
            "from robot_core.script.loader import load_bot\n"
            "try:\n    load_bot(Path(sys.argv[1]), Path(sys.argv[2]))\n"
            "except BotScriptError as exc:\n    print(exc)\n    sys.exit(3)\n")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code, str(path), str(tmp_path / "selectors")],
                          capture_output=True, text=True, timeout=60, preexec_fn=_limit_memory,
                          env={**os.environ, "PYTHONPATH": str(Path.cwd())}, check=False)
    return done, time.monotonic() - started


@pytest.mark.parametrize(("text", "line", "message"), [
    pytest.param(HEAD + STEPS + alias_bomb(), 11,
                 "more than 100000 values once aliases are expanded (an alias bomb?)",
                 id="alias_bomb_9x9"),
    pytest.param(HEAD + STEPS + "deep: " + "[" * 10_000 + "]" * 10_000 + "\n", 11,
                 "nested deeper than 50 levels", id="nesting_10000"),
])
def test_bombs_are_refused_fast_in_small_memory(tmp_path: Path, text: str, line: int,
                                                 message: str) -> None:
    """Alias and nesting bombs are refused with file:line in seconds under a 512 MiB cap."""
    bot = write_project(tmp_path, text)
    done, took = load_capped(bot, tmp_path)
    assert done.returncode == 3, done.stderr
    assert done.stdout.startswith(f"{bot}:{line}:")  # the first line of the bomb
    assert message in done.stdout
    assert "MemoryError" not in done.stderr and "Traceback" not in done.stderr
    assert took < 30


def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    """A 2 MiB bot is refused by its size, under the memory cap, naming the file."""
    bot = write_project(tmp_path, HEAD + STEPS + "# " + "x" * (2 * MIB) + "\n")
    done, _ = load_capped(bot, tmp_path)
    assert done.returncode == 3, done.stderr
    assert done.stdout.strip() == (f"{bot}:1:1: file is larger than 1 MiB; "
                                   "no bot script or map is that long")


def test_python_tag_is_refused_and_never_runs(tmp_path: Path) -> None:
    """``!!python/object/apply`` is refused at its line; the command it names never runs."""
    marker = tmp_path / "pwned"
    bot = write_project(tmp_path, HEAD + STEPS
                        + f"description: !!python/object/apply:os.system [\"touch {marker}\"]\n")
    with pytest.raises(BotScriptError) as caught:
        load_bot(bot, tmp_path / "selectors")
    assert str(caught.value) == (f"{bot}:11:14: YAML tags are not allowed "
                                 "(tag:yaml.org,2002:python/object/apply:os.system)")
    assert not marker.exists()


@pytest.mark.parametrize(("snippet", "tag"), [
    ("!!binary aGk=", "tag:yaml.org,2002:binary"),
    ("!custom x", "!custom"),
    ("!!str 12", "tag:yaml.org,2002:str"),
    ("! plain", "!"),
])
def test_every_explicit_tag_is_refused(tmp_path: Path, snippet: str, tag: str) -> None:
    """Any explicit tag, even a standard one, is refused at its line and column."""
    path = tmp_path / "x.yaml"
    path.write_text(f"a: 1\nb: {snippet}\n", encoding="utf-8")
    with pytest.raises(BotScriptError) as caught:
        load_yaml(path)
    assert str(caught.value) == f"{path}:2:4: YAML tags are not allowed ({tag})"


def test_recursive_alias_is_refused(tmp_path: Path) -> None:
    """An anchor that contains its own alias is refused, not a RecursionError."""
    path = tmp_path / "x.yaml"
    path.write_text("a: &a [1, *a]\n", encoding="utf-8")
    with pytest.raises(BotScriptError, match=r":1:8: nested deeper than 50 levels \(through"):
        load_yaml(path)


def test_merge_keys_work_within_the_budget(tmp_path: Path) -> None:
    """Plain ``<<: *base`` merges still load; keys written in the mapping win."""
    path = tmp_path / "x.yaml"
    path.write_text("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3\n", encoding="utf-8")
    assert load_yaml(path).data["c"] == {"x": 1, "y": 3}


def test_impossible_date_is_located(tmp_path: Path) -> None:
    """A scalar YAML cannot build (2001-02-30) is a located error, not a ValueError."""
    path = tmp_path / "x.yaml"
    path.write_text("a: 1\nd: 2001-02-30\n", encoding="utf-8")
    with pytest.raises(BotScriptError, match=r":2:4: bad value '2001-02-30'"):
        load_yaml(path)


def test_control_character_is_located(tmp_path: Path) -> None:
    """A control character in the file names its line, column and code point."""
    path = tmp_path / "x.yaml"
    path.write_text("a: 1\nb: x\x1b[31m\n", encoding="utf-8")
    with pytest.raises(BotScriptError) as caught:
        load_yaml(path)
    assert str(caught.value) == f"{path}:2:5: character U+001B is not allowed in YAML"


PLAIN = "must be a plain name (a letter, then letters, digits, _ or -; at most 64), not "


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param(HEAD.replace("name: demo", "name: ../../etc") + STEPS,
                 "{bot}:1:1: name: name " + PLAIN + "'../../etc'", id="name_climbs"),
    pytest.param(HEAD.replace("app: demo", "app: ../x") + STEPS,
                 "{bot}:2:1: app: app (the selector map, selectors/APP.yaml) " + PLAIN + "'../x'",
                 id="app_climbs"),
    pytest.param(HEAD.replace("app: demo", "app: /etc/passwd") + STEPS,
                 "{bot}:2:1: app: app (the selector map, selectors/APP.yaml) " + PLAIN
                 + "'/etc/passwd'", id="app_absolute"),
    pytest.param(HEAD.replace("credentials: registry", "credentials: ../k") + STEPS,
                 "{bot}:3:1: credentials: credentials " + PLAIN + "'../k'", id="credentials"),
    pytest.param(HEAD + "steps:\n  - extract: {target: form.regno, into: ../../x}\n",
                 "{bot}:10:35: steps[0].extract.into: into " + PLAIN + "'../../x'", id="into"),
    pytest.param(HEAD + "steps:\n  - screenshot: ../../x\n",
                 "{bot}:10:5: steps[0].screenshot.name: name " + PLAIN + "'../../x'",
                 id="screenshot_name"),
    pytest.param(HEAD + "steps:\n  - fill: {target: form.name, value: '{{ case.__class__ }}'}\n",
                 "{bot}:10:31: steps[0].fill.value: template error: attribute '__class__' is "
                 "not allowed (names starting with _ are Python internals)", id="dunder"),
    pytest.param(HEAD + "steps:\n  - fill: {target: form.name, value: \"{{ ''|attr('__class__') "
                 "}}\"}\n",
                 "{bot}:10:31: steps[0].fill.value: template error: filter 'attr' is not "
                 "allowed in a bot template", id="attr_filter"),
    pytest.param(HEAD + "steps:\n  - fill: {target: login.password, value: hunter2}\n",
                 "{bot}:10:36: steps[0].fill.value: login.password is a secret target: its "
                 "value must come from a template such as {{ secret.password }}, never literal "
                 "text in the script", id="password_literal"),
    pytest.param(HEAD + "steps:\n  - fill: {target: login.password, value: \"{{ 'hunter2' }}\"}"
                 "\n",
                 "{bot}:10:36: steps[0].fill.value: login.password is a secret target: its "
                 "value must come from a template such as {{ secret.password }}, never literal "
                 "text in the script", id="password_constant_template"),
    pytest.param(HEAD + "steps:\n  - fill: {target: login.user_pin, value: '1234'}\n",
                 "{bot}:10:36: steps[0].fill.value: login.user_pin is a secret target: its "
                 "value must come from a template such as {{ secret.password }}, never literal "
                 "text in the script", id="pin_named_target"),
])
def test_hostile_bot_refused_with_location(tmp_path: Path, text: str, expected: str) -> None:
    """Names that could climb out of the project, unsafe templates and literal passwords fail."""
    bot = write_project(tmp_path, text, selectors=SELECTORS)
    with pytest.raises(BotScriptError) as caught:
        load_bot(bot, tmp_path / "selectors")
    assert str(caught.value) == expected.replace("{bot}", str(bot))


def test_secret_targets_filled_from_templates_load(tmp_path: Path) -> None:
    """A secret target filled from secret.* (or a secret column) is fine, as is clearing it."""
    text = HEAD + dedent("""\
        steps:
          - fill: {target: login.user, value: "{{ secret.user }}"}
          - fill: {target: login.password, value: "{{ secret.password }}"}
          - fill: {target: login.user_pin, value: ""}
        """)
    bot = load_bot(write_project(tmp_path, text, selectors=SELECTORS), tmp_path / "selectors")
    assert [s.secret for s in bot.steps] == [True, True, False]


def test_file_stem_must_be_a_plain_name_without_name_key(tmp_path: Path) -> None:
    """Without name:, the file's stem names the run; one that is not a plain name is refused."""
    bot = write_project(tmp_path, HEAD.replace("name: demo\n", "") + STEPS, name="my bot")
    with pytest.raises(BotScriptError, match=r":1:1: the file name 'my bot' is not a plain name"):
        load_bot(bot, tmp_path / "selectors")


def test_selector_map_symlinked_out_is_refused(tmp_path: Path) -> None:
    """A selectors/APP.yaml that is a symlink out of the folder is refused (defence in depth)."""
    bot = write_project(tmp_path, HEAD + STEPS)
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text(DEMO_SELECTORS, encoding="utf-8")
    link = tmp_path / "selectors" / "demo.yaml"
    link.unlink()
    link.symlink_to(outside)
    with pytest.raises(BotScriptError, match=r":2:1: app: .*refusing a path outside"):
        load_bot(bot, tmp_path / "selectors")


@pytest.mark.parametrize(("change", "expected"), [
    (("app: demo", "app: ../x"), ":1:1: app: app " + PLAIN + "'../x'"),
    (("  search:", "  ../s:"), ":16:3: screens.../s: a screen name " + PLAIN + "'../s'"),
    (("hit: 'td.hit'", "../hit: 'td.hit'"),
     ":18:7: screens.search.targets.../hit: a target name " + PLAIN + "'../hit'"),
])
def test_hostile_selector_map_refused(tmp_path: Path, change: tuple[str, str],
                                      expected: str) -> None:
    """Selector maps' app, screen and target names cannot lead out of the project."""
    path = tmp_path / "demo.yaml"
    path.write_text(DEMO_SELECTORS.replace(*change), encoding="utf-8")
    with pytest.raises(BotScriptError) as caught:
        load_selector_map(path)
    assert str(caught.value) == f"{path}{expected}"


@pytest.mark.parametrize("image", ["../../etc/x.png", "/etc/x.png", "a/../../x.png", ".x.png"])
def test_image_template_cannot_climb_out(tmp_path: Path, image: str) -> None:
    """A desktop map's image template is a relative name under its images folder."""
    path = tmp_path / "desk.yaml"
    path.write_text(dedent(f"""\
        app: desk
        driver: desktop
        screens:
          main:
            targets:
              ok: [{{image: '{image}'}}, {{point: "1,1"}}]
        """), encoding="utf-8")
    with pytest.raises(BotScriptError) as caught:
        load_selector_map(path)
    assert str(caught.value) == (
        f"{path}:6:13: screens.main.targets.ok[0].image: an image is a file name under the "
        f"map's images folder (like login_submit.png; no '..', no absolute path), not {image!r}")


def test_run_paths_are_private_and_stay_in_home(tmp_path: Path) -> None:
    """A run's folders are 0700, and a run id that climbs out of runs/ is refused."""
    home = tmp_path / "home"
    paths = RunPaths.create(home, "20250101-000000-demo-abcd")
    for folder in (home, home / "runs", paths.root, paths.screenshots):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert paths.screenshot("../../x", 1, "../y").parent == paths.screenshots.resolve()
    with pytest.raises(ConfigError, match="refusing a path outside"):
        RunPaths.create(home, "../../elsewhere")
    assert not (tmp_path / "elsewhere").exists()


def test_daemon_paths_refuse_names_that_climb_out(tmp_path: Path) -> None:
    """Lock files and run folders built from names stay under ROBOT_HOME; folders are 0700."""
    paths = DaemonPaths(tmp_path / "home").make()
    assert stat.S_IMODE(paths.outbox.stat().st_mode) == 0o700
    assert paths.lock("nightly") == (paths.locks / "nightly.lock").resolve()
    with pytest.raises(ConfigError):
        paths.lock("../../../etc/x")
    with pytest.raises(ConfigError):
        paths.run_dir("../../x")
