"""The house drawn from the code's own imports: layers that do not leak, no circles, small rooms.

The layers, lowest first (a module may import its own layer and the ones below it):

    foundation  errors, home, private, vault, credentials, outcome (Status, CaseResult: what
                the queue stores, the runner makes and the results show), the package itself
    script      script/ (model, loader, templating, rules, action specs), selectors, transforms/
    intake      intake/ (case files to CaseRows)
    queue       queue/ (the Store and its backends; the row format)
    drivers     drivers/ (web, desktop)
    evidence    evidence/ (audit, cards, results workbook, export)
    run         run/ (ingest, session, runner, worker, steps, crash points)
    daemon      daemon/
    tools       tools/ (capture), beside the CLI: the CLI imports it, never the reverse
    cli         cli/ (only the console script imports it)

Evidence sits below run: the runner writes audit events and outcomes, a session writes the
results workbook, and nothing in evidence needs to know how a case was run.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import robot_core

ROOT = Path(robot_core.__file__).parent
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("foundation", ("robot_core", "robot_core.errors", "robot_core.home", "robot_core.private",
                    "robot_core.vault", "robot_core.credentials", "robot_core.outcome")),
    ("script", ("robot_core.script", "robot_core.selectors", "robot_core.transforms")),
    ("intake", ("robot_core.intake",)),
    ("queue", ("robot_core.queue",)),
    ("drivers", ("robot_core.drivers",)),
    ("evidence", ("robot_core.evidence",)),
    ("run", ("robot_core.run",)),
    ("daemon", ("robot_core.daemon",)),
    ("tools", ("robot_core.tools", "robot_core.testing")),  # beside the CLI: nothing imports them
    ("cli", ("robot_core.cli", "robot_core.__main__")),  # python -m robot_core is the CLI
)
RANK = {name: rank for rank, (name, _) in enumerate(LAYERS)}
MAX_LINES = 420  # "modules stay under ~400 lines"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def layer_of(module: str) -> str:
    """The layer a module of robot_core belongs to (the longest matching prefix wins)."""
    best = ("", "")
    for name, prefixes in LAYERS:
        for prefix in prefixes:
            hit = module == prefix or (prefix != "robot_core" and module.startswith(prefix + "."))
            if hit and len(prefix) > len(best[1]):
                best = (name, prefix)
    return best[0]


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _walk(body: list[ast.stmt], *, module_level: bool) -> Iterator[ast.stmt]:
    """Import statements, skipping ``if TYPE_CHECKING:`` (and function bodies at module level)."""
    for node in body:
        if _is_type_checking(node):
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
            continue
        if module_level and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for field in ("body", "orelse", "finalbody", "handlers"):
            children = getattr(node, field, None)
            if isinstance(children, list):
                yield from _walk([c for c in children if isinstance(c, ast.AST)],
                                 module_level=module_level)


def _targets(module: str, node: ast.stmt) -> Iterator[str]:
    """The robot_core modules one import statement of ``module`` imports."""
    known = _modules()
    if isinstance(node, ast.Import):
        yield from (a.name for a in node.names if a.name.split(".")[0] == "robot_core")
        return
    assert isinstance(node, ast.ImportFrom)
    base = node.module or ""
    if node.level:
        package = module if _modules()[module].name == "__init__.py" else module.rsplit(".", 1)[0]
        parts = package.split(".")[: len(package.split(".")) - node.level + 1]
        base = ".".join([*parts, *([node.module] if node.module else [])])
    if base.split(".")[0] != "robot_core":
        return
    for alias in node.names:
        sub = f"{base}.{alias.name}"
        yield sub if sub in known else base  # ``from pkg import submodule`` imports it


@cache
def imports(*, module_level: bool) -> dict[str, frozenset[str]]:
    """Every module's robot_core imports (all of them, or only those run at import time)."""
    graph = {}
    for module, path in _modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[module] = frozenset(t for node in _walk(tree.body, module_level=module_level)
                                  for t in _targets(module, node) if t != module)
    return graph


def upward(layer: str) -> list[str]:
    """``importer -> imported`` for each import from ``layer`` into a higher layer."""
    found = []
    for module, targets in imports(module_level=False).items():
        if layer_of(module) != layer:
            continue
        found += [f"{module} -> {t}" for t in sorted(targets)
                  if RANK[layer_of(t)] > RANK[layer]]
    return found


def test_every_module_is_in_a_layer() -> None:
    """Each module of robot_core belongs to one of the named layers."""
    assert [m for m in _modules() if not layer_of(m)] == []


def test_foundation_imports_no_higher_layer() -> None:
    """errors, home, private, vault, credentials and outcome import nothing above them."""
    assert upward("foundation") == []


def test_script_imports_no_higher_layer() -> None:
    """script/, selectors and transforms import nothing from intake, queue, drivers, run,
    evidence, daemon, tools or cli: loading a bot needs no driver and no runner."""
    assert upward("script") == []


def test_intake_imports_no_higher_layer() -> None:
    """intake imports nothing from queue, drivers, evidence, run, daemon, tools or cli."""
    assert upward("intake") == []


def test_queue_imports_no_higher_layer() -> None:
    """queue imports nothing from drivers, evidence, run, daemon, tools or cli."""
    assert upward("queue") == []


def test_drivers_import_no_higher_layer() -> None:
    """drivers import only selectors, errors and the foundation: never evidence, run or cli."""
    assert upward("drivers") == []


def test_evidence_imports_no_higher_layer() -> None:
    """evidence imports nothing from run, daemon, tools or cli."""
    assert upward("evidence") == []


def test_run_imports_no_higher_layer() -> None:
    """run imports nothing from daemon, tools or cli."""
    assert upward("run") == []


def test_daemon_imports_no_higher_layer() -> None:
    """daemon imports nothing from tools or cli."""
    assert upward("daemon") == []


def test_tools_import_no_cli() -> None:
    """tools (capture) import nothing from cli: the CLI calls them, not the other way."""
    assert upward("tools") == []


def test_nothing_outside_the_cli_imports_it() -> None:
    """Only modules of cli/ import cli/ (the console script is its one other caller)."""
    assert [f"{m} -> {t}" for m, targets in imports(module_level=False).items()
            for t in targets if layer_of(t) == "cli" and layer_of(m) != "cli"] == []


def test_cli_command_modules_never_import_the_cli_package() -> None:
    """The command modules import cli.app; only the package imports them, so no circle."""
    assert [m for m, targets in imports(module_level=False).items()
            if m.startswith("robot_core.cli.") and "robot_core.cli" in targets] == []


def _cycles(graph: dict[str, frozenset[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root, targets in graph.items():
        if root in index:
            continue
        work = [(root, iter(sorted(targets)))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next((c for c in children if c in graph), None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        top = stack.pop()
                        on_stack.discard(top)
                        component.append(top)
                        if top == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def test_cycle_finder_finds_a_cycle() -> None:
    """The cycle check sees a circle of three modules and ignores a chain."""
    graph = {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}),
             "d": frozenset({"a"})}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": frozenset({"b"}), "b": frozenset()}) == []


def test_no_import_cycles() -> None:
    """No two modules import each other, directly or round about, at import time."""
    assert _cycles(imports(module_level=True)) == []


def test_modules_stay_small() -> None:
    """No module of robot_core passes ~400 lines."""
    sizes = {m: len(p.read_text(encoding="utf-8").splitlines()) for m, p in _modules().items()}
    assert {m: n for m, n in sizes.items() if n > MAX_LINES} == {}


def test_loading_a_bot_imports_no_driver_runner_or_intake() -> None:
    """Importing the script loader (and the selector maps) pulls in no driver, run, intake,
    queue or evidence module."""
    code = ("import sys, robot_core.script.loader\n"
            "print(sorted(m for m in sys.modules if m.startswith(('robot_core.drivers', "
            "'robot_core.run', 'robot_core.intake', 'robot_core.queue', 'robot_core.evidence'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120)
    assert done.stdout.strip() == "[]"


def test_every_action_spec_has_an_implementation() -> None:
    """Each action the loader accepts has a function the runner runs, and no function is
    registered without a spec."""
    from robot_core.run.steps import RUN  # noqa: PLC0415
    from robot_core.script.actions import ACTIONS  # noqa: PLC0415

    assert sorted(RUN) == sorted(ACTIONS)


def test_layer_of_names_the_longest_prefix() -> None:
    """A module is placed by its longest matching prefix, and the package root is foundation."""
    assert layer_of("robot_core") == "foundation"
    assert layer_of("robot_core.selectors") == "script"
    assert layer_of("robot_core.run.steps.actions") == "run"
    assert layer_of("robot_core.cli") == "cli"
