"""`invoke setup` against the real engine: run again it changes nothing and says so; and
compose sees the same configuration as the tasks."""

from __future__ import annotations

import os

import pytest

from workshop.config import Settings

pytestmark = pytest.mark.integration


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

    environ = workshop.environ(APP_THREADS="7")
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
    assert app["environment"]["GRANIAN_BLOCKING_THREADS"] == "7"  # from the environment
    assert app["image"] == workshop.env["APP_IMAGE"]
    assert config["name"] == workshop.project
