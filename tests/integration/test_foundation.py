"""The foundation against the real engine: setup is idempotent, bad values fail before anything
is created, docker's own failures become one line, compose sees the tasks' configuration."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from workshop.config import Settings

pytestmark = pytest.mark.integration

BAD_VALUES = [
    # (task, setting, bad value, words the error must contain)
    ("hello.run", "HELLO_IMAGE", "", ["HELLO_IMAGE", "empty"]),
    ("hello.run", "HELLO_IMAGE", "Ubuntu:Latest", ["HELLO_IMAGE", "not a valid image reference"]),
    ("hello.run", "HELLO_MESSAGE", "", ["HELLO_MESSAGE", "empty"]),
    ("hello.run", "WORKSHOP_PROFILE", "nosuch", ["WORKSHOP_PROFILE", "offline"]),
    ("hello.run", "WORKSHOP_PROJECT", "Bad Project", ["WORKSHOP_PROJECT"]),
    ("hello.run", "WORKSHOP_LABEL_PREFIX", "-bad-", ["WORKSHOP_LABEL_PREFIX"]),
    ("daemon.start", "DAEMON_NAME", "bad name!", ["DAEMON_NAME", "not a valid container name"]),
    ("daemon.start", "DAEMON_INTERVAL", "soon", ["DAEMON_INTERVAL", "not a number"]),
    ("daemon.start", "DAEMON_INTERVAL", "0", ["DAEMON_INTERVAL", "out of range"]),
    ("daemon.start", "DAEMON_IMAGE", "a b", ["DAEMON_IMAGE"]),
    ("daemon.start", "DAEMON_MESSAGE", "", ["DAEMON_MESSAGE"]),
]


@pytest.mark.parametrize("task, setting, value, words", BAD_VALUES, ids=[f"{s}={v!r}" for _, s, v, _ in BAD_VALUES])
def test_a_bad_value_fails_in_one_line_before_anything_is_created(workshop, resources, task, setting, value, words):
    result = workshop.run(task, **{setting: value})
    result.one_line_error(*words, "(from environment)")
    assert all(not found for found in resources(workshop.project).values())


def test_an_unreachable_daemon_is_one_line_naming_docker_host(workshop):
    missing = "unix:///nonexistent/docker.sock"
    workshop.run("hello.run", DOCKER_HOST=missing).one_line_error("Docker daemon unreachable", missing)


def test_a_missing_docker_cli_is_one_line(workshop):
    path = os.path.dirname(sys.executable)  # python, but no docker
    assert not Path(path, "docker").exists()
    workshop.run("hello.run", PATH=path).one_line_error("docker CLI", "invoke setup")


def test_an_unparsable_local_env_file_names_file_and_line(workshop, tmp_path):
    local = tmp_path / "local.env"
    repository_env = Path(__file__).resolve().parents[2] / ".env"
    kept = repository_env.read_text() if repository_env.exists() else ""
    local.write_text(kept + "\nTHIS IS NOT A SETTING\n")
    line = workshop.run("hello.run", WORKSHOP_ENV_FILE=str(local)).one_line_error(f"{local}:")
    assert "NAME=value" in line


def test_setup_run_again_changes_nothing_and_says_so():
    from conftest import Workshop

    first = Workshop().run("setup", timeout=900).ok()
    second = Workshop().run("setup", timeout=900).ok()
    for step in ("docker CLI", "docker daemon", "compose v2", "images"):
        assert f"[   ok] {step}:" in second.stdout, second.stdout
    assert "[fixed]" not in second.stdout and "[ todo]" not in second.stdout
    assert "nothing changed" in second.stdout
    assert first.stdout.count("\n") >= 5


def test_compose_sees_the_same_values_as_the_tasks(workshop):
    from python_on_whales import DockerClient

    environ = workshop.environ(GUNICORN_THREADS="7")
    settings = Settings.load(environ=environ)
    client = DockerClient(compose_files=[settings.root / "docker-compose.yml"], compose_env_files=settings.env_files)
    saved = dict(os.environ)
    os.environ.update(environ)
    try:
        config = client.compose.config(return_json=True)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    app, redis = config["services"]["app"], config["services"]["redis"]
    assert redis["image"] == settings.image("REDIS_IMAGE")  # from the profile's file
    assert app["environment"]["GUNICORN_THREADS"] == "7"  # from the environment
    assert app["image"] == workshop.env["APP_IMAGE"]
    assert config["name"] == workshop.project
