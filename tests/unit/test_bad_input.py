"""Every wrong value of every setting stops the task that uses it with one line naming the
setting, where it came from and the fix, before the task touches the engine or the disk.

Each case runs its task in this process, with the wrong value in the environment and
DOCKER_HOST pointing at a socket that does not exist: a task that reached for the engine
before checking its settings would fail with "Docker daemon unreachable" instead. That no
container, image, volume or network is created is proven against the real engine, once per
task, by tests/integration/test_bad_input.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from invoke import Config, Context

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bad_values import ALSO, CASES, UNDECLARED, readers, wrong_values  # noqa: E402

import tasks  # noqa: E402
from workshop.cli import run_task  # noqa: E402

UNREACHABLE = "unix:///nonexistent/docker.sock"


def test_the_table_covers_every_setting():
    covered = {param.values[0].setting for param in CASES}
    assert set(tasks.shop.registry.settings) - covered == set(), "settings with no bad-input case"
    assert covered <= set(tasks.shop.registry.settings)


@pytest.mark.parametrize("setting", list(tasks.shop.registry), ids=lambda setting: setting.name)
def test_every_setting_declares_the_wrong_values_it_refuses_and_who_reads_it(setting):
    assert wrong_values(setting), (
        f"{setting.name}: its check declares no wrong values; make it a workshop.kinds.Kind with `refuses`"
    )
    assert readers(setting, tasks.shop), f"{setting.name}: no task reads it (its used_by names none)"


def test_the_hand_written_parts_name_declared_settings_and_tasks():
    assert set(UNDECLARED) <= set(tasks.shop.registry.settings)
    assert {name for name, _ in ALSO} <= set(tasks.shop.registry.settings)
    assert {task for _, task in ALSO} <= set(tasks.ns.task_names)


def test_the_table_covers_every_task_that_reads_a_setting():
    covered = {param.values[0].task for param in CASES}
    # `doctor` reports wrong values as findings (tests/integration/test_doctor.py); `down` stops
    # what it can whatever a setting says; the others read no setting of their own or only
    # settings whose wrong values are covered through another task of the same example
    without = {
        "swarm.nodes",  # these read the swarm settings through the same check as swarm.up and stack.deploy
        "swarm.drain",  # (these three take a node: tests/unit/test_bad_input.py's option cases cover them)
        "swarm.activate",
        "swarm.kill",
        "swarm.down",  # removes what carries our labels, whatever a setting says
        "swarm.stop",  # stops what carries our labels, whatever a setting says
        "stack.ps",
        "stack.logs",
        "stack.hit",
        "stack.scale",
        "stack.rm",
        "doctor",
        "down",
        "test",
        "lint",
        "settings",
        "catalog",  # reads no setting: it rebuilds the tour's message catalogs
        "hello.shell",
        "nginx.open",
        "compose.hit",
        "compose.ps",
        "compose.logs",
        "compose.volumes",
        "compose.exec",  # read only WORKSHOP_PROJECT, as compose.ps does; a wrong SERVICE: test_compose_exec.py
        "compose.shell",
        "compose.down",
        "daemon.status",
        "status",
        "curl.images",
        "curl.clean",
        "nginx.inspect",
        "nginx.logs",
        "nginx.down",
        "daemon.stop",
        "daemon.rm",
        "daemon.logs",
    }
    assert set(tasks.ns.task_names) - covered <= without


@pytest.fixture
def in_process(monkeypatch, tmp_path):
    """Run a task here, with an unreachable engine and a results folder of the test's own."""
    monkeypatch.setenv("DOCKER_HOST", UNREACHABLE)
    monkeypatch.setenv("CURL_RESULTS_DIR", str(tmp_path / "vol"))
    context = Context(config=Config(overrides={"workshop": {"shop": tasks.shop}}))
    return lambda name, **environ: (
        [monkeypatch.setenv(key, value) for key, value in environ.items()],
        run_task(context, name),
    )[1]


@pytest.mark.parametrize("case", CASES)
def test_a_wrong_value_stops_its_task_in_one_line_before_it_reaches_the_engine(in_process, tmp_path, case):
    ran = in_process(case.task, **{case.setting: case.value})
    assert ran.code == 1, ran
    assert ran.message.startswith("error: "), ran
    line = ran.error
    assert "\n" not in line and "Docker daemon unreachable" not in line, line
    for word in (case.setting, "(from environment)", *case.words):
        assert word in line, f"{word!r} not in {line!r}"
    if case.setting != "CURL_RESULTS_DIR":
        assert not (tmp_path / "vol").exists(), "the results folder was created"


def test_a_swarm_of_yours_needs_a_registry_before_anything_is_built(in_process):
    ran = in_process("stack.deploy", SWARM_MANAGER="tcp://127.0.0.1:9", SWARM_REGISTRY="")
    assert ran.code == 1 and "\n" not in ran.error, ran
    assert "SWARM_REGISTRY=''" in ran.error and "SWARM_MANAGER names a swarm of yours" in ran.error, ran.error


@pytest.mark.parametrize("name", ["swarm.up"])
def test_the_workshops_cluster_tasks_refuse_a_swarm_of_yours(in_process, name):
    ran = in_process(name, SWARM_MANAGER="ssh://admin@manager.lan", SWARM_REGISTRY="reg.lan:5000")
    assert ran.code == 1 and "\n" not in ran.error, ran
    assert "names a swarm of yours" in ran.error and "unset SWARM_MANAGER" in ran.error, ran.error


@pytest.mark.parametrize(
    ("name", "options", "words"),
    [
        ("swarm.up", {"nodes": "0"}, "--nodes=0: give a whole number of nodes from 1 to 9"),
        ("swarm.up", {"nodes": "10"}, "--nodes=10"),
        ("swarm.up", {"nodes": "-1"}, "--nodes=-1"),
        ("swarm.up", {"nodes": "three"}, "--nodes=three"),
        ("stack.scale", {"replicas": -1}, "--replicas=-1: give a number of replicas from 1 to 20"),
        ("stack.scale", {"replicas": 21}, "--replicas=21"),
        ("stack.scale", {}, "--replicas=0"),
        ("stack.logs", {"service": "web"}, "--service='web': use app, redis or proxy"),
        ("swarm.drain", {}, "NODE is missing"),
        ("swarm.activate", {"node": ""}, "NODE is missing"),
        ("swarm.kill", {}, "NODE is missing"),
    ],
)
def test_a_wrong_option_of_example_5_stops_in_one_line_before_the_engine(in_process, name, options, words):
    # (in_process: the engine is unreachable from here on)
    context = Context(config=Config(overrides={"workshop": {"shop": tasks.shop}}))
    ran = run_task(context, name, **options)
    assert ran.code == 1 and "\n" not in ran.error, ran
    assert words in ran.error and "Docker daemon unreachable" not in ran.error, ran.error
