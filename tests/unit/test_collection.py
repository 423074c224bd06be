"""The task collection (tasks.ns) and the workshop.cli.task decorator."""

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
    "setup", "test",
    "hello.run", "hello.shell",
    "daemon.start", "daemon.logs", "daemon.stop", "daemon.status", "daemon.rm",
}
ALL_TASKS = sorted(tasks.ns.task_names)


def test_collection_has_required_tasks():
    assert REQUIRED_TASKS <= set(tasks.ns.task_names)


@pytest.mark.parametrize("name", ALL_TASKS)
def test_task_has_help_text(name):
    doc = tasks.ns[name].__doc__
    assert doc and doc.strip()


@pytest.mark.parametrize("name", ALL_TASKS)
def test_every_task_argument_has_help(name):
    # Read the help dict, not get_arguments(): invoke pops help entries as it builds Arguments.
    found = tasks.ns[name]
    # invoke strips leading/trailing underscores (json_ -> --json) and reads help by that name
    parameters = {name.strip("_") for name in found.argspec(found.body).parameters}
    assert parameters <= {key for key, text in found.help.items() if text and text.strip()}


def test_daemon_logs_arguments_are_follow_and_tail():
    found = tasks.ns["daemon.logs"]
    assert list(found.argspec(found.body).parameters) == ["follow", "tail"]


def run_invoke(*args):
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "invoke", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )


def test_list_does_not_import_python_on_whales():
    result = run_invoke("--list")
    assert result.returncode == 0, result.stderr
    assert "daemon.logs" in result.stdout
    assert "| invoke" in result.stderr  # importtime really reported
    assert "python_on_whales" not in result.stderr


def test_task_help_does_not_import_python_on_whales():
    result = run_invoke("--help", "daemon.logs")
    assert result.returncode == 0, result.stderr
    assert "--follow" in result.stdout and "--tail" in result.stdout
    assert "| invoke" in result.stderr
    assert "python_on_whales" not in result.stderr


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
