"""Deleting data asks first: on a terminal (a pseudo-terminal here) `--volumes` names the project,
each volume and what it holds, and deletes only after a yes; without a terminal it goes ahead
and prints exactly what it deleted."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT, Workshop
from engine_state import ours
from terminal import NO, on_a_terminal

pytestmark = pytest.mark.integration


def hit(workshop: Workshop) -> int:
    """One visit to the counter: its count."""
    answer = workshop.run("compose.hit").ok().stdout
    found = re.search(r"seen (\d+) times", answer)
    assert found, answer
    return int(found.group(1))


def test_on_a_terminal_volumes_asks_first_naming_the_project_each_volume_and_the_hit_count(workshop, resources):
    workshop.run("compose.up", timeout=900).ok()
    assert [hit(workshop), hit(workshop)] == [1, 2]
    volume = f"{workshop.project}_redis_data"

    enter = on_a_terminal(workshop, b"\n", "compose.down", "--volumes")  # Enter: the default, No
    assert enter.returncode == 1, enter.output
    assert enter.questions == 1
    assert f"`invoke compose.down --volumes` deletes the data of project '{workshop.project}' for good:" in enter.output
    assert f"  volume {volume}: the stack's Redis data, the hit count, 2\n" in enter.output
    assert enter.output.rstrip().endswith(NO), enter.output
    assert hit(workshop) == 3  # nothing stopped, nothing lost

    ctrl_c = on_a_terminal(workshop, b"\x03", "clean", "--volumes")
    assert ctrl_c.returncode == 1 and ctrl_c.output.rstrip().endswith(NO), ctrl_c.output
    assert f"  volume {volume}: the stack's Redis data, the hit count, 3\n" in ctrl_c.output
    assert hit(workshop) == 4  # clean removed nothing either

    yes = on_a_terminal(workshop, b"y\n", "down", "--volumes")
    assert yes.returncode == 0, yes.output
    assert yes.questions == 1  # once for every example
    assert f"deleted volume {volume} (the stack's Redis data, the hit count, 4)\n" in yes.output
    found = resources(workshop.project)
    assert found["containers"] == [] and found["volumes"] == []


def stack_volume(docker_client, workshop: Workshop) -> str:
    """A volume labelled as the stack's (as compose labels it), with no stack running."""
    name = f"{workshop.project}_redis_data"
    labels = {
        **ours(workshop.project).labels("compose"),
        "com.docker.compose.project": workshop.project,
        "com.docker.compose.volume": "redis_data",
    }
    docker_client.volume.create(name, labels=labels)
    return name


def test_without_a_terminal_volumes_goes_ahead_and_prints_exactly_what_it_deleted(workshop, docker_client):
    volume = stack_volume(docker_client, workshop)
    down = workshop.run("compose.down", "--volumes", timeout=300).ok()
    assert down.stdout.splitlines() == [
        f"deleted volume {volume} (the stack's Redis data, the hit count (not read: Redis is not running))",
        "stack removed; the data is gone",
    ]
    assert not docker_client.volume.exists(volume)

    volume = stack_volume(docker_client, workshop)
    results = ROOT / workshop.env["CURL_RESULTS_DIR"] / "results"
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text("<html>fetched</html>\n")
    clean = workshop.run("clean", "--volumes", timeout=300).ok()
    assert clean.stdout.splitlines() == [
        f"removed volume {volume} (compose: the stack's Redis data, the hit count (not read: Redis is not running))",
        f"removed file {results} (example 3's results: the pages curl fetched)",
    ]
    assert not docker_client.volume.exists(volume) and not results.exists()


def test_yes_skips_the_question_on_a_terminal(workshop, docker_client):
    volume = stack_volume(docker_client, workshop)
    session = on_a_terminal(workshop, b"n\n", "clean", "--volumes", "--yes")
    assert session.returncode == 0 and session.questions == 0, session.output
    assert f"removed volume {volume} (compose: " in session.output
    assert not docker_client.volume.exists(volume)
