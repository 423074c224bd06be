"""Layers point one way, read from the source (ast, nothing imported): no import circle inside
workshop/, workshop/ never imports the examples or tasks.py, and no hand-written wait loop
(a ``time.sleep`` inside a ``while`` or ``for``) outside workshop/waiting.py.

Every import counts: at module level, inside a function, and under ``TYPE_CHECKING`` (a typing-
only import is still a layer that knows the one above it)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def modules(package: Path) -> dict[str, Path]:
    """Every module of ``package`` (a folder under a root), by dotted name."""
    root = package.parent
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imported(name: str, path: Path) -> Iterator[str]:
    """The dotted names ``path`` (module ``name``) imports, anywhere in it; ``from a import b``
    gives ``a.b`` as well as ``a`` (b may be a module)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def import_graph(package: Path) -> dict[str, set[str]]:
    """Each module of ``package`` and the modules of the same package it imports."""
    found = modules(package)
    return {
        name: {other for other in imported(name, path) if other in found and other != name}
        for name, path in found.items()
    }


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, round the circle (Tarjan's strongly
    connected components of more than one module), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def described(graph: dict[str, set[str]], group: list[str]) -> str:
    """A circle as its imports: ``a -> b, b -> a``."""
    return ", ".join(f"{a} -> {b}" for a in group for b in sorted(graph[a]) if b in group)


def upward_imports(package: Path, above: tuple[str, ...]) -> list[str]:
    """``module -> name`` for each import in ``package`` of a top-level name in ``above``."""
    return [
        f"{name} -> {other}"
        for name, path in modules(package).items()
        for other in imported(name, path)
        if other.split(".")[0] in above
    ]


def sleeps_in_loops(path: Path) -> list[int]:
    """The lines where ``path`` calls ``time.sleep`` (or a ``sleep`` imported from time) inside
    a ``while`` or ``for`` loop."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bare = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "time"
        for alias in node.names
        if alias.name == "sleep"
    }

    def is_sleep(call: ast.Call) -> bool:
        func = call.func
        if isinstance(func, ast.Attribute):
            return func.attr == "sleep" and isinstance(func.value, ast.Name) and func.value.id == "time"
        return isinstance(func, ast.Name) and func.id in bare

    return sorted(
        {
            node.lineno
            for loop in ast.walk(tree)
            if isinstance(loop, (ast.While, ast.For, ast.AsyncFor))
            for node in ast.walk(loop)
            if isinstance(node, ast.Call) and is_sleep(node)
        }
    )


# -- the repository ------------------------------------------------------------------------------


def test_no_import_circle_in_the_workshop_layer():
    graph = import_graph(ROOT / "workshop")
    assert len(graph) > 30  # the check read the package
    found = [described(graph, group) for group in circles(graph)]
    assert found == [], "import circles in workshop/ (cut each so the layers point one way):\n" + "\n".join(found)


def test_the_workshop_layer_never_imports_the_examples_or_tasks_py():
    assert upward_imports(ROOT / "workshop", ("examples", "tasks")) == []


def test_no_hand_written_wait_loop_outside_workshop_waiting():
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for folder in ("workshop", "examples")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path != ROOT / "workshop" / "waiting.py"
        for line in sleeps_in_loops(path)
    ]
    assert found == [], "a time.sleep in a loop: wait with workshop.waiting.wait_for instead\n" + "\n".join(found)


# -- the checks themselves, on planted trees -----------------------------------------------------


def plant(tmp_path: Path, files: dict[str, str]) -> Path:
    """A package ``pkg`` of these files (relative path: source) under ``tmp_path``."""
    for relative, text in files.items():
        path = tmp_path / "pkg" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path / "pkg"


def test_a_circle_is_found_through_function_level_and_typing_only_imports(tmp_path):
    package = plant(
        tmp_path,
        {
            "__init__.py": "",
            "low.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.high import Thing\n",
            "mid.py": "def f():\n    from pkg import low\n",
            "high.py": "from . import mid\n",
            "apart.py": "import pkg.low\n",
        },
    )
    graph = import_graph(package)
    assert circles(graph) == [["pkg.high", "pkg.low", "pkg.mid"]]
    assert described(graph, circles(graph)[0]) == "pkg.high -> pkg.mid, pkg.low -> pkg.high, pkg.mid -> pkg.low"


def test_layers_that_point_one_way_have_no_circle(tmp_path):
    package = plant(tmp_path, {"__init__.py": "", "a.py": "from pkg import b\n", "b.py": "import os\n"})
    assert circles(import_graph(package)) == []


def test_an_import_of_the_examples_is_found_wherever_it_hides(tmp_path):
    hidden = "def f():\n    import examples.nginx\n"
    package = plant(tmp_path, {"__init__.py": "", "sub/__init__.py": "", "sub/x.py": hidden})
    assert upward_imports(package, ("examples", "tasks")) == ["pkg.sub.x -> examples.nginx"]


def test_a_sleep_in_a_loop_is_found_and_one_outside_a_loop_is_not(tmp_path):
    path = tmp_path / "loops.py"
    path.write_text(
        "import time\nfrom time import sleep as nap\n"
        "time.sleep(1)\n"
        "while True:\n    if x:\n        time.sleep(0.5)\n"
        "for _ in range(3):\n    nap(1)\n"
        "def f():\n    while x:\n        pass\n    time.sleep(2)\n",
        encoding="utf-8",
    )
    assert sleeps_in_loops(path) == [6, 8]
