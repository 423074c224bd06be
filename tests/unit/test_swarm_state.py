"""Example 5's reading of its cluster and of the stack's tasks, on made-up answers (pure logic: no
engine): what `status` and the tasks say of a half-made cluster, and how a listing of tasks that
swarm prunes while it is read is asked again, within a deadline."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from python_on_whales.exceptions import DockerException

from examples.swarm import cluster as cluster_module
from examples.swarm import watch
from examples.swarm.cluster import Cluster, half_made
from examples.swarm.nodes import Clock
from examples.swarm.views import TaskView
from workshop.waiting import TimedOut

PROJECT = "shop"


def ctx() -> Any:
    """Just what naming and our state folder read of a task's context."""
    return SimpleNamespace(project=SimpleNamespace(name=PROJECT))


def box(running: bool) -> Any:
    """A container as the cluster's reading sees it."""
    return SimpleNamespace(state=SimpleNamespace(running=running))


def reading(nodes: dict[int, bool], registry: bool | None, members: set[int] | None = None) -> Cluster:
    """A cluster of ``nodes`` (number: running), a registry (None: none; else whether it runs),
    and, when given, the member nodes the manager lists (None: it does not answer)."""
    found = Cluster(ctx(), {n: box(up) for n, up in nodes.items()}, None if registry is None else box(registry))
    found.__dict__["members"] = None if members is None else {f"{PROJECT}-swarm-{n}" for n in members}
    return found


@pytest.fixture(autouse=True)
def no_record(monkeypatch, tmp_path):
    """No `swarm.up` record unless a test writes one: our state folder is a temporary one."""
    monkeypatch.setattr(cluster_module, "state", lambda c: tmp_path)


@pytest.mark.parametrize(
    ("nodes", "registry", "members", "says"),
    [
        ({}, None, None, None),
        ({}, True, None, "its registry is there but no node yet"),
        ({1: False, 2: False}, False, None, "the swarm is stopped"),
        ({2: True}, True, None, "node 1 is gone"),
        ({1: False, 2: True}, True, None, "the swarm's manager (node 1) is stopped"),
        ({1: True}, None, {1}, "the swarm's registry is missing"),
        ({1: True}, False, {1}, "the swarm's registry is stopped"),
        ({1: True, 2: True}, True, None, "node 1 is not a swarm manager yet"),
        ({1: True, 2: True, 3: True}, True, {1, 3}, "node(s) 2 never joined"),
        ({1: True, 2: False}, True, {1, 2}, None),  # a killed worker: the swarm runs on without it
    ],
)
def test_a_half_made_cluster_is_one_line_naming_what_brings_it_back(nodes, registry, members, says):
    found = half_made(reading(nodes, registry, members))
    if says is None:
        assert found is None
    else:
        assert found is not None and says in found and "`invoke" in found, found


def test_fewer_nodes_than_swarm_up_was_asked_for_is_unfinished(tmp_path):
    (tmp_path / "nodes").write_text("3\n")
    found = half_made(reading({1: True, 2: True}, True, {1, 2}))
    assert found == "the swarm is incomplete: 2 of the 3 nodes `swarm.up` was asked for; `invoke swarm.up` finishes it"


def test_the_manager_is_asked_for_its_members_only_when_the_containers_are_whole(monkeypatch):
    asked = []
    monkeypatch.setattr(cluster_module, "member_hostnames", lambda c: asked.append(c) or set())
    stopped = Cluster(ctx(), {1: box(False)}, box(False))
    assert "stopped" in str(half_made(stopped)) and asked == []
    whole = Cluster(ctx(), {1: box(True)}, box(True))
    for _ in range(2):
        half_made(whole)
    assert len(asked) == 1  # read once, however often the reading is asked


def task(ident: str) -> TaskView:
    """A swarm task as one bulk inspect reads it."""
    return TaskView(ident, "s1", "n1", "running", "running", "started", "127.0.0.1:5051/counter:abc@sha256:1", 1)


def pruned() -> DockerException:
    """What the CLI says when a task it listed is gone before it could be inspected."""
    return DockerException(["docker", "inspect"], 1, stderr=b"Error response from daemon: task t9 not found\n")


def test_a_listing_swarm_pruned_meanwhile_is_read_again():
    answers: list[Any] = [pruned(), [task("t1"), task("t2")]]

    def read() -> list[TaskView]:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert [t.id for t in watch.settled(read)] == ["t1", "t2"]
    assert answers == []


def test_an_empty_listing_is_an_answer_not_a_reason_to_wait():
    assert watch.settled(lambda: []) == []


def test_a_listing_that_keeps_failing_gives_up_naming_the_managers_answer(monkeypatch):
    monkeypatch.setattr(watch, "READ_AGAIN", 0.05)

    def read() -> list[TaskView]:
        raise pruned()

    with pytest.raises(TimedOut) as failed:
        watch.settled(read)
    assert "waiting for a full reading of the swarm's tasks" in str(failed.value)
    assert str(failed.value).endswith("the manager said: task t9 not found")


def test_swarm_up_says_each_phase_with_the_seconds_since_it_began(capsys, monkeypatch):
    clock = Clock(began=100.0)
    monkeypatch.setattr("examples.swarm.nodes.time.monotonic", lambda: 112.34)
    clock.step("nodes: 3 Ready")
    assert capsys.readouterr().err == "   12.3s  nodes: 3 Ready\n"


def replica(state: str, error: str = "") -> TaskView:
    return TaskView("t1", "s1", "n1", "running", state, error, "reg:5000/counter:c03dc980736c@sha256:ab", 2)


def test_a_new_replica_is_said_healthy_failed_or_failed_after_it_had_started():
    from examples.swarm.rollout import new_replica_line

    assert (
        new_replica_line(replica("running"), "node-2", 3.04)
        == "    3.0s  new replica on node-2 (c03dc980736c) is healthy"
    )
    never = new_replica_line(replica("failed", "unhealthy container"), "node-2", 17.6)
    assert never.endswith("(c03dc980736c) never became healthy (failed: unhealthy container)")
    after = new_replica_line(replica("failed", "unhealthy container"), "node-2", 19.0, was_running=True)
    assert after.endswith("(c03dc980736c) failed its health check after it had started (failed: unhealthy container)")


def test_a_replica_told_to_stop_still_serves_until_it_has_stopped():
    from dataclasses import replace

    from examples.swarm.rollout import still_serving

    new, stopping = replica("running"), replace(replica("running"), id="t0", desired_state="shutdown")
    stopped = replace(stopping, id="t9", state="shutdown")
    assert still_serving([new, stopping, stopped]) == [stopping]
    assert still_serving([new, stopped]) == []
