"""Deleting data asks first: on a terminal (a pseudo-terminal here) `--volumes` names the project,
each volume and what it holds, and deletes only after a yes; without a terminal it goes ahead
and prints exactly what it deleted."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT, Workshop
from engine_state import ours
from terminal import Session, answered

from workshop.config import STATE_DIR, Settings

pytestmark = pytest.mark.integration

NO = "nothing deleted, nothing stopped: you answered no (--yes skips the question)"


def on_a_terminal(workshop: Workshop, answer: bytes, *args: str) -> Session:
    """``invoke ARGS`` on a pseudo-terminal, ``answer`` typed at its question."""
    return answered(workshop.command(*args), answer, workshop.environ(), ROOT, timeout=300)


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


@pytest.mark.swarm
def test_swarm_down_volumes_names_the_pushed_images_and_the_count_in_a_node_and_down_asks_once_for_all(
    workshop, docker_client
):
    workshop.env.update(SWARM_NODES="2", SWARM_REPLICAS="1")
    redis = Settings.load().image("REDIS_IMAGE")  # the user's image: stack.deploy pushes it
    tags = sorted(docker_client.image.inspect(redis).repo_tags)
    node = rf"{workshop.project}-swarm-[12]"
    nodes = f"{workshop.project}-swarm-1, {workshop.project}-swarm-2"
    registry_volume, stack_volume = f"{workshop.project}-swarm-registry-data", f"{workshop.project}_redis_data"
    try:
        workshop.run("swarm.up", timeout=900).ok()
        workshop.run("stack.deploy", timeout=900).ok()
        assert sorted(docker_client.image.inspect(redis).repo_tags) == tags  # the push's tag is off again
        assert "seen 1 times" in workshop.run("stack.hit").ok().stdout
        workshop.run("compose.up", timeout=900).ok()
        assert hit(workshop) == 1

        no = on_a_terminal(workshop, b"n\n", "swarm.down", "--volumes")
        assert no.returncode == 1 and no.output.rstrip().endswith(NO), no.output
        images = "the cluster registry's pushed images (counter, proxy, redis)"
        assert f"  volume {registry_volume}: {images}\n" in no.output
        redis_data = rf"  node {nodes}: each node's engine, with the stack's Redis data: the hit count, 1 \(in {node}\)"
        assert re.search(redis_data, no.output), no.output
        assert "seen 2 times" in workshop.run("stack.hit").ok().stdout  # the swarm is untouched

        yes = on_a_terminal(workshop, b"y\n", "down", "--volumes")
        assert yes.returncode == 0, yes.output
        assert yes.questions == 1, yes.output  # one question for the stack's data and the swarm's
        assert f"  volume {stack_volume}: the stack's Redis data, the hit count, 1\n" in yes.output
        assert f"  volume {registry_volume}: {images}\n" in yes.output
        assert f"deleted volume {stack_volume} (the stack's Redis data, the hit count, 1)\n" in yes.output
        assert f"deleted volume {registry_volume} ({images})\n" in yes.output
        assert re.search(rf"deleted node {nodes} \(.*the hit count, 2 \(in {node}\)\)\n", yes.output), yes.output
        assert not docker_client.volume.exists(registry_volume) and not docker_client.volume.exists(stack_volume)
        assert not (STATE_DIR / "swarm" / workshop.project).exists()
    finally:
        workshop.run("down", "--volumes", timeout=300)
