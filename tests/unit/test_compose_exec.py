"""compose.exec and compose.shell before they reach the engine: a wrong service, no command,
no terminal; and the command after `--` keeps its quoting."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from invoke import Config, Context

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import tasks  # noqa: E402
from examples.compose.inside import command_after_dashes  # noqa: E402
from workshop.cli import Ctx, run_task  # noqa: E402

UNREACHABLE = "unix:///nonexistent/docker.sock"


@pytest.fixture
def context(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", UNREACHABLE)  # reaching for the engine would fail differently
    return Context(config=Config(overrides={"workshop": {"shop": tasks.shop}}))


def test_exec_on_a_service_the_stack_does_not_have_is_one_line_naming_the_choices(context):
    ran = run_task(context, "compose.exec", service="nosuch")
    assert ran.code == 1 and ran.stdout == ""
    assert ran.error == "SERVICE='nosuch': not a service of the stack; give one of app, redis"


def test_exec_without_a_command_says_where_it_goes(context):
    ran = run_task(context, "compose.exec", service="redis")
    assert ran.code == 1
    assert ran.error.startswith("no command given; put it after `--`")
    assert "invoke compose.exec redis -- redis-cli get hits" in ran.error


def test_shell_without_a_terminal_refuses_in_one_line(context):
    ran = run_task(context, "compose.shell", service="redis")
    assert ran.code == 1 and "\n" not in ran.error
    assert ran.error.startswith("compose.shell needs an interactive terminal")
    assert "invoke compose.exec SERVICE -- COMMAND" in ran.error


def test_shell_on_a_service_the_stack_does_not_have_names_the_option(context):
    ran = run_task(context, "compose.shell", service="web")
    assert ran.error == "--service='web': not a service of the stack; give one of app, redis"


def test_the_command_after_the_dashes_keeps_its_quoting(monkeypatch):
    typed = ["sh", "-c", "echo 'a  b'; exit 3"]
    monkeypatch.setattr(sys, "argv", ["invoke", "compose.exec", "app", "--", *typed])
    context = Ctx(config=Config(), remainder=" ".join(typed))
    assert command_after_dashes(context) == typed


def test_without_argv_the_command_comes_from_invokes_remainder(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["pytest"])
    context = Ctx(config=Config(), remainder="redis-cli get hits")
    assert command_after_dashes(context) == ["redis-cli", "get", "hits"]
