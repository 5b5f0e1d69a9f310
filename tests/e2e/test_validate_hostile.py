"""``robot validate`` on a project holding hostile bots, run as staff run it, memory capped.

Each hostile bot gets exactly one line naming its file:line:column; the shipped bots still
validate; the exit code is 3; no traceback; nothing is written under ``ROBOT_HOME``.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ROBOT = REPO / ".venv" / "bin" / "robot"
MIB = 1024 * 1024
GOOD_FILL = '  - fill: {target: form.name, value: "{{ case.name }}"}'
PASSWORD_FILL = '  - fill: {target: login.password, value: "{{ secret.password }}"}'
#: the shipped bot logs in through blocks/login.yaml; the hostile one types a password itself
USE_LOGIN = "  - use: login                    # blocks/login.yaml: user, password, submit"


def _bomb() -> str:
    lines = ['l0: &l0 ["lol"]']
    lines += [f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 9) + "]" for n in range(1, 10)]
    return "\n".join(lines) + "\n"


def _hostile(shipped: str) -> dict[str, tuple[str, str]]:
    """File stem -> (bot text, what its one line must say)."""
    return {
        "alias_bomb": (shipped + _bomb(), "an alias bomb?"),
        "deep": (shipped + "deep: " + "[" * 10_000 + "]" * 10_000 + "\n",
                 "nested deeper than 50 levels"),
        "huge": (shipped + "# " + "x" * (2 * MIB) + "\n", ":1:1: file is larger than 1 MiB; no bot script or map is that long"),
        "pytag": (shipped.replace("description: Enter",
                                  'description: !!python/object/apply:os.system ["touch /tmp/'
                                  'pwned-robot"]\n# Enter'),
                  "YAML tags are not allowed"),
        "name_climbs": (shipped.replace("name: resident_registration", "name: ../../etc"),
                        ":3:1: name: name must be a plain name"),
        "app_climbs": (shipped.replace("app: registry_web", "app: ../x"),
                       ":6:1: app: app (the selector map"),
        "dunder": (shipped.replace("{{ case.name }}", "{{ case.__class__ }}"),
                   "attribute '__class__' is not allowed"),
        "attr": (shipped.replace("{{ case.name }}", "{{ ''|attr('__class__') }}"),
                 "filter 'attr' is not allowed"),
        "password": (shipped.replace(USE_LOGIN, PASSWORD_FILL.replace(
                     '"{{ secret.password }}"', "hunter2")),
                     "login.password is a secret target"),
    }


def _cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (512 * MIB, 512 * MIB))


def test_validate_refuses_each_hostile_bot_in_one_line(tmp_path: Path) -> None:
    """Every hostile bot is one located line on stderr, the shipped ones pass, exit 3."""
    project, home = tmp_path / "project", tmp_path / "home"
    shutil.copytree(REPO / "bots", project / "bots")
    shutil.copytree(REPO / "selectors", project / "selectors")
    shutil.copytree(REPO / "blocks", project / "blocks")
    shipped = (REPO / "bots" / "resident_registration.yaml").read_text(encoding="utf-8")
    assert GOOD_FILL in shipped and USE_LOGIN in shipped
    hostile = _hostile(shipped)
    for stem, (text, _) in hostile.items():
        (project / "bots" / f"{stem}.yaml").write_text(text, encoding="utf-8")
    env = {**os.environ, "ROBOT_PROJECT": str(project), "ROBOT_HOME": str(home)}
    done = subprocess.run([str(ROBOT), "validate"], capture_output=True, text=True, env=env,
                          timeout=60, preexec_fn=_cap, check=False)
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    lines = done.stderr.splitlines()
    assert len(lines) == len(hostile), done.stderr
    for stem, (_, says) in hostile.items():
        path = project / "bots" / f"{stem}.yaml"
        mine = [line for line in lines if line.startswith(f"✗ {path}:")]
        assert len(mine) == 1, (stem, done.stderr)
        assert says in mine[0], (stem, mine[0])
    assert done.stdout.count("✓") == len(list((REPO / "bots").glob("*.yaml")))  # shipped: valid
    assert not home.exists()
    assert not Path("/tmp/pwned-robot").exists()
