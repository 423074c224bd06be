"""Failures around the tasks, each one line (no engine needed): an unreachable daemon, a
missing docker CLI, an env file python-dotenv cannot parse, an unknown task or flag."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from invoke import Config, Context

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import tasks  # noqa: E402
from workshop.cli import run_task  # noqa: E402

UNREACHABLE = "unix:///nonexistent/docker.sock"
#: tasks that need the engine, each run with valid settings
NEED_THE_ENGINE = [
    "hello.run", "daemon.start", "daemon.status", "daemon.logs", "nginx.up", "nginx.down", "nginx.inspect",
    "curl.build", "curl.run", "curl.images", "compose.up", "compose.build", "compose.down", "compose.ps",
    "compose.logs", "compose.volumes", "status", "clean", "up", "down",
]  # fmt: skip


@pytest.fixture
def run_here(monkeypatch, tmp_path):
    """Run a task in this process with ``environ`` set; results go to a folder of the test's own."""
    monkeypatch.setenv("CURL_RESULTS_DIR", str(tmp_path / "vol"))
    context = Context(config=Config(overrides={"workshop": {"shop": tasks.shop}}))

    def run(name: str, **environ: str):
        for key, value in environ.items():
            monkeypatch.setenv(key, value)
        return run_task(context, name)

    return run


@pytest.mark.parametrize("name", NEED_THE_ENGINE)
def test_an_unreachable_daemon_is_one_line_naming_docker_host(run_here, name):
    ran = run_here(name, DOCKER_HOST=UNREACHABLE)
    assert ran.code == 1, ran
    assert ran.error.startswith(f"Docker daemon unreachable at {UNREACHABLE}"), ran.error
    assert "DOCKER_HOST" in ran.error


@pytest.mark.parametrize("name", ["hello.run", "status", "nginx.up"])
def test_a_missing_docker_cli_is_one_line(run_here, name):
    folder = os.path.dirname(sys.executable)  # python, but no docker
    assert not Path(folder, "docker").exists()
    ran = run_here(name, PATH=folder)
    assert ran.code == 1 and "docker CLI" in ran.error and "invoke setup" in ran.error, ran


@pytest.mark.parametrize("name", ["status", "nginx.up", "compose.up", "setup", "hello.run"])
def test_an_unparsable_env_line_stops_every_task_naming_file_and_line(run_here, tmp_path, name):
    local = tmp_path / "local.env"  # the local layer, as WORKSHOP_ENV_FILE names it
    local.write_text("WORKSHOP_PROFILE=offline\n\n\nNGINX_PORT 8080\n")
    ran = run_here(name, WORKSHOP_ENV_FILE=str(local), DOCKER_HOST=UNREACHABLE)
    assert ran.code == 1
    assert ran.error.startswith(f"{local}:4: cannot parse 'NGINX_PORT 8080'"), ran.error
    assert "NAME=value" in ran.error


@pytest.mark.parametrize(
    "args, message",
    [
        (("no.such.task",), "No idea what 'no.such.task' is!"),
        (("nginx.up", "--no-such-flag"), "No idea what '--no-such-flag' is!"),
    ],
)
def test_an_unknown_task_or_flag_gets_invokes_own_message(args, message):
    result = subprocess.run([sys.executable, "-m", "invoke", *args], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert message in result.stderr, result.stderr
