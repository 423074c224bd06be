"""The task collection (tasks.ns) and the workshop.cli.task decorator."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from invoke import Context
from invoke.exceptions import Exit

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import tasks  # noqa: E402
from workshop.cli import task  # noqa: E402
from workshop.errors import ConfigError, WorkshopError  # noqa: E402

REQUIRED_TASKS = {
    "setup",
    "test",
    "hello.run",
    "hello.shell",
    "daemon.start",
    "daemon.logs",
    "daemon.stop",
    "daemon.status",
    "daemon.rm",
}
#: the assembled collection, its tasks' own functions (tasks.ns may be the saved listing's)
REAL = tasks.shop.root
ALL_TASKS = sorted(REAL.task_names)


def test_collection_has_required_tasks():
    assert set(tasks.ns.task_names) >= REQUIRED_TASKS
    assert set(tasks.ns.task_names) == set(REAL.task_names)


@pytest.mark.parametrize("name", ALL_TASKS)
def test_task_has_help_text(name):
    doc = REAL[name].__doc__
    assert doc and doc.strip()


def first_paragraph(doc: str) -> list[str]:
    """The lines of a docstring up to its first blank line, stripped."""
    lines = [line.strip() for line in doc.strip().splitlines()]
    return lines[: lines.index("")] if "" in lines else lines


@pytest.mark.parametrize("name", ALL_TASKS)
def test_first_docstring_line_stands_alone_in_list(name):
    # `invoke --list` shows only the first line: it must be the whole first paragraph, a sentence
    paragraph = first_paragraph(REAL[name].__doc__ or "")
    assert len(paragraph) == 1, f"{name}: the first paragraph spans {len(paragraph)} lines: {paragraph}"
    assert paragraph[0].endswith("."), f"{name}: {paragraph[0]!r} does not end with a full stop"


def test_first_paragraph_rule_catches_a_wrapped_line():
    assert first_paragraph("Run it until Ctrl-C: saving reloads, a changed\n    file rebuilds.") == [
        "Run it until Ctrl-C: saving reloads, a changed",
        "file rebuilds.",
    ]
    assert first_paragraph("One line.\n\n    More.") == ["One line."]


@pytest.mark.parametrize("name", ALL_TASKS)
def test_every_task_argument_has_help(name):
    # Read the help dict, not get_arguments(): invoke pops help entries as it builds Arguments.
    found = REAL[name]
    # invoke strips leading/trailing underscores (json_ -> --json) and reads help by that name
    parameters = {name.strip("_") for name in found.argspec(found.body).parameters}
    assert parameters <= {key for key, text in found.help.items() if text and text.strip()}


def test_daemon_logs_arguments_are_follow_and_tail():
    found = REAL["daemon.logs"]
    assert list(found.argspec(found.body).parameters) == ["follow", "tail"]


def run_invoke(*args, env=None):
    """`invoke ARGS` in the repository, with ``-X importtime`` (``env`` added to ours; an empty
    value removes that variable)."""
    merged = {key: value for key, value in {**os.environ, **(env or {})}.items() if value}
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "invoke", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=merged,
    )


def imported(importtime: str) -> set[str]:
    """The modules a ``python -X importtime`` run imported, read from its report on stderr."""
    names = set()
    for line in importtime.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            if name != "imported package":  # the report's header
                names.add(name)
    return names


def test_imported_reads_the_importtime_report():
    report = (
        "import time: self [us] | cumulative | imported package\n"
        "import time:       120 |        120 |   _io\n"
        "import time:      3005 |       9031 | python_on_whales.utils\n"
        "some other line\n"
    )
    assert imported(report) == {"_io", "python_on_whales.utils"}


def whales(modules: set[str]) -> list[str]:
    """The python-on-whales modules among ``modules``."""
    return sorted(name for name in modules if name.split(".")[0] == "python_on_whales")


def test_list_does_not_import_python_on_whales_even_when_it_assembles(tmp_path):
    # a bytecode prefix of its own, and no bytecode written: no saved listing, every example imported
    result = run_invoke("--list", env={"PYTHONPYCACHEPREFIX": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1"})
    assert result.returncode == 0, result.stderr
    assert "daemon.logs" in result.stdout
    modules = imported(result.stderr)
    assert {"invoke", "workshop.cli", "examples.swarm.example"} <= modules  # the report covers tasks.py
    assert whales(modules) == []


@pytest.mark.parametrize("told_not_to", ["", "1"], ids=["by-default", "PYTHONDONTWRITEBYTECODE"])
def test_assembling_caches_the_workshops_bytecode_unless_python_is_told_not_to(tmp_path, told_not_to):
    """invoke writes no bytecode by default; the workshop's modules are cached all the same."""
    env = {"PYTHONPYCACHEPREFIX": str(tmp_path), "PYTHONDONTWRITEBYTECODE": told_not_to}
    assert run_invoke("--list", env=env).returncode == 0  # no listing under this prefix yet: assembles
    cached = {path.name.split(".")[0] for path in tmp_path.rglob("workshop/*.pyc")}
    assert ({"cli", "config", "engine"} <= cached) if not told_not_to else (cached == set()), cached


@pytest.mark.parametrize("args", [["--list"], ["--help", "daemon.logs"]], ids=["list", "help"])
def test_with_the_listing_saved_it_imports_no_example(tmp_path, args):
    env = {"PYTHONPYCACHEPREFIX": str(tmp_path), "PYTHONDONTWRITEBYTECODE": ""}
    assert run_invoke("--list", env=env).returncode == 0  # assembles, and saves the listing
    result = run_invoke(*args, env=env)
    assert result.returncode == 0, result.stderr
    assert "daemon.logs" in result.stdout or "--tail" in result.stdout
    modules = imported(result.stderr)
    assert "workshop.listing" in modules  # the report covers tasks.py
    assert [name for name in modules if name.startswith("examples")] == []
    assert whales(modules) == [] and "workshop.cli" not in modules


# -- workshop.cli.task ----------------------------------------------------------------------


def failing(exc):
    @task()
    def body(c):
        """Fail."""
        raise exc

    return body


@pytest.mark.parametrize("exc", [WorkshopError("x"), ConfigError("x")])
def test_workshop_error_exits_1_with_one_line(exc):
    with pytest.raises(Exit) as caught:
        failing(exc)(Context())
    assert caught.value.code == 1
    assert caught.value.message == "error: x"


def test_docker_failure_exits_1_with_described_message():
    from python_on_whales.exceptions import DockerException

    exc = DockerException(["docker", "x"], 1, stderr=b"docker: Error response from daemon: boom.\n")
    with pytest.raises(Exit) as caught:
        failing(exc)(Context())
    assert (caught.value.code, caught.value.message) == (1, "error: boom")


def test_keyboard_interrupt_exits_130():
    with pytest.raises(Exit) as caught:
        failing(KeyboardInterrupt())(Context())
    assert caught.value.code == 130


def test_bug_keeps_its_exception():
    with pytest.raises(ValueError, match="bug"):
        failing(ValueError("bug"))(Context())


def test_exit_passes_through_unchanged():
    with pytest.raises(Exit) as caught:
        failing(Exit("quiet", code=7))(Context())
    assert (caught.value.code, caught.value.message) == (7, "quiet")


def test_task_returns_body_result_and_passes_arguments():
    @task(help={"n": "a number"})
    def double(c, n=1):
        """Double n."""
        return 2 * n

    assert double(Context(), n=4) == 8
    assert double.help == {"n": "a number"}
    assert double.__doc__ == "Double n."
    assert list(double.argspec(double.body).parameters) == ["n"]


def test_bare_task_decorator_works_and_gets_the_context():
    from workshop.cli import Ctx

    seen = []

    @task
    def bare(c):
        """Record the context."""
        seen.append(c)

    bare(Context())
    assert isinstance(seen[0], Ctx)


# -- numeric options: a word where a number belongs is one line, exit 1 -----------------------


def numeric_options():
    """(task name, option) for every int or float option of every task, found by walking the collection."""
    found = []
    for name in ALL_TASKS:
        each = REAL[name]  # its signature, as invoke reads it (get_arguments would use up its help)
        for parameter in each.argspec(each.body).parameters.values():
            if type(parameter.default) in (int, float):
                found.append((name, parameter.name.strip("_").replace("_", "-")))
    return found


NUMERIC = numeric_options()


def test_the_walk_finds_the_numeric_options():
    assert ("daemon.logs", "tail") in NUMERIC and ("compose.logs", "tail") in NUMERIC


@pytest.mark.parametrize("name, option", NUMERIC, ids=[f"{n}--{o}" for n, o in NUMERIC])
@pytest.mark.parametrize("value", ["abc", "1.5x", ""])
def test_a_word_for_a_numeric_option_is_one_line_naming_it(name, option, value):
    result = subprocess.run(
        [sys.executable, "-m", "invoke", name, f"--{option}", value],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [f"error: --{option}={value!r} is not a whole number; give e.g. --{option} 10"], result.stderr


# -- layers and folders -------------------------------------------------------------------------


def test_the_workshop_layer_never_imports_the_examples():
    for path in (ROOT / "workshop").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "from examples" not in text and "import examples" not in text, path.name


def test_adding_an_example_is_its_folder_named_once_in_tasks_py():
    text = (ROOT / "tasks.py").read_text(encoding="utf-8")
    folders = sorted(path.parent.name for path in (ROOT / "examples").glob("*/example.py"))
    assert sorted(tasks.FOLDERS) == folders
    assert all(text.count(f'"{folder}"') == 1 for folder in folders)
    assert "from examples" not in text and "import examples" not in text
    assert [example for folder in tasks.FOLDERS for example in tasks.examples_in(folder)] == list(tasks.shop.examples)
    assert set(tasks.ns.collections) == {e.collection.name for e in tasks.shop.examples}


@pytest.mark.parametrize("folder", ["examples/nginx", "examples/compose/app", "examples", "tests/unit", "envs"])
def test_task_names_work_from_any_folder_of_the_repository(folder):
    result = subprocess.run(
        [sys.executable, "-m", "invoke", "--list"],
        cwd=ROOT / folder,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "nginx.up" in result.stdout and "compose.up" in result.stdout and "tour" in result.stdout
    help_ = subprocess.run(
        [sys.executable, "-m", "invoke", "--help", "nginx.up"],
        cwd=ROOT / folder,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert help_.returncode == 0 and "NGINX_HTML_DIR" in help_.stdout, help_.stderr


def test_no_folder_below_the_root_has_a_tasks_module_that_would_shadow_it():
    shadows = [
        str(p.relative_to(ROOT)) for p in ROOT.rglob("tasks.py") if p != ROOT / "tasks.py" and ".git" not in p.parts
    ]
    assert shadows == []


# -- in-process runs (tour, up, down) -----------------------------------------------------------


def test_run_task_captures_output_and_turns_a_failure_into_its_one_line():
    from invoke import Config

    from workshop.cli import run_task

    context = Context(config=Config(overrides={"workshop": {"shop": tasks.shop}}))
    ran = run_task(context, "hello.shell")  # refuses without a terminal, before any engine call
    assert ran.code == 1 and ran.stdout == ""
    assert ran.error.startswith("hello.shell needs an interactive terminal")
    assert ran.command == "invoke hello.shell"


def test_no_two_test_files_share_a_name():
    """pytest imports test files by their bare name (the folders have no __init__.py): two of one
    name fail the whole run's collection ("import file mismatch")."""
    from collections import Counter
    from pathlib import Path

    names = Counter(path.name for path in (Path(__file__).parent.parent).rglob("test_*.py"))
    assert [name for name, count in names.items() if count > 1] == []
