"""examples/swarm/views.py: the swarm's nodes, tasks and services parsed from real `docker inspect`
JSON (tests/unit/swarm_inspect.json, captured from the workshop's cluster), and each kind read
with one listing and one inspect (pure logic: the engine is a stand-in)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from examples.swarm import views
from examples.swarm.nodes import keeps_redis
from examples.swarm.panel import node_row, settling, task_rows
from examples.swarm.views import NodeView, ServiceView, TaskView, node_of, service_of, task_of
from examples.swarm.watch import image_tag, replicas_wanted, service_image

CAPTURED = json.loads((Path(__file__).parent / "swarm_inspect.json").read_text())


def by_id(kind: str) -> dict[str, dict]:
    return {each["ID"]: each for each in CAPTURED[kind]}


def test_nodes_parse_with_role_availability_state_and_labels():
    manager, redis = [node_of(each) for each in CAPTURED["node"]]
    assert manager == NodeView(manager.id, "wstest-bulk-b-swarm-1", "manager", "active", "ready", ())
    assert (redis.hostname, redis.role, redis.availability, redis.state) == ("wstest-bulk-b-swarm-2", "worker",
                                                                            "active", "ready")  # fmt: skip
    assert redis.labels == (("workshop-redis", "true"),)
    assert keeps_redis(redis) and not keeps_redis(manager)
    assert node_row(redis) == {"id": redis.id, "name": "wstest-bulk-b-swarm-2", "role": "worker",
                               "availability": "active", "state": "ready", "redis": True}  # fmt: skip


def test_an_updated_service_keeps_its_update_and_the_image_before_it():
    app, redis = [service_of(each) for each in CAPTURED["service"]]
    assert (app.name, app.replicas, app.update_state) == ("counter_app", 3, "completed")
    assert app.update_started == "2026-12-01T02:02:30.550449958Z"
    assert app.image.startswith("127.0.0.1:27011/counter:d1890118adfc@sha256:")
    assert service_image(app) == "127.0.0.1:27011/counter:d1890118adfc"
    assert app.previous_image.split("@", 1)[0] == service_image(app)  # an update --force: the same image
    assert (redis.name, redis.replicas, redis.update_state, redis.previous_image) == ("counter_redis", 1, "", "")
    assert replicas_wanted([app, redis]) == 4


def test_tasks_parse_with_their_replica_state_node_and_release():
    running, replaced = [task_of(each) for each in CAPTURED["task"]]
    app = CAPTURED["service"][0]["ID"]
    assert (running.service_id, running.slot, running.desired_state, running.state) == (app, 1, "running", "running")
    assert running.node_id == CAPTURED["task"][0]["NodeID"] and running.error == "started"
    assert image_tag(running.image) == "d1890118adfc"
    assert (replaced.desired_state, replaced.state, replaced.slot) == ("shutdown", "shutdown", 1)


def test_a_task_not_placed_yet_and_a_global_one_read_without_node_or_slot():
    raw = json.loads(json.dumps(CAPTURED["task"][0]))
    for key in ("NodeID", "Slot"):
        raw.pop(key)
    raw["Status"] = {"State": "pending", "Message": "pending task scheduling", "Err": "no suitable node"}
    placing = task_of(raw)
    assert (placing.node_id, placing.slot, placing.state) == ("", 0, "pending")
    assert placing.error == "no suitable node"  # the error, when there is one, over the message


def test_a_service_in_global_mode_wants_no_replica_count():
    raw = json.loads(json.dumps(CAPTURED["service"][1]))
    raw["Spec"]["Mode"] = {"Global": {}}
    raw["UpdateStatus"] = None
    assert service_of(raw).replicas == 0 and service_of(raw).update_state == ""


def test_the_board_draws_tasks_by_service_and_replica_and_settles_when_all_run():
    services = [service_of(each) for each in CAPTURED["service"]]
    tasks = [task_of(CAPTURED["task"][0])]
    c = SimpleNamespace(get=lambda name: "counter")
    rows = task_rows(c, tasks, services)  # type: ignore[arg-type]
    assert [(r["service"], r["replica"], r["release"], r["state"]) for r in rows] == [
        ("app", 1, "d1890118adfc", "running")
    ]
    assert settling(tasks, services)  # 1 task of the 4 the services want
    full = [TaskView(f"t{n}", s.id, "n", "running", "running", "", s.image, n) for s in services
            for n in range(1, s.replicas + 1)]  # fmt: skip
    assert not settling(full, services)
    rolling = [ServiceView(s.id, s.name, s.replicas, s.image, "updating") for s in services]
    assert settling(full, rolling)


@pytest.fixture
def engine(monkeypatch) -> tuple[Any, list[tuple[str, list[str]]]]:
    """A manager whose listings give the captured ids, and the inspects asked of it."""
    asked: list[tuple[str, list[str]]] = []

    def inspect_json(client: Any, references: list[str], kind: str) -> list[dict]:
        asked.append((kind, references))
        return [by_id(kind)[r] for r in references]

    def listed(kind: str) -> list[Any]:
        return [SimpleNamespace(id=each["ID"]) for each in CAPTURED[kind]]

    monkeypatch.setattr(views, "inspect_json", inspect_json)
    boss = SimpleNamespace(
        node=SimpleNamespace(list=lambda: listed("node")),
        service=SimpleNamespace(list=lambda filters: listed("service")),
        stack=SimpleNamespace(ps=lambda stack: listed("task")),
    )
    return boss, asked


def test_each_kind_is_one_listing_and_one_inspect_of_all_it_listed(engine):
    boss, asked = engine
    nodes = views.nodes_of(boss)
    tasks = views.tasks_of(boss, boss.stack.ps("counter"))
    services = views.stack_services_of(boss, "counter")
    assert [k for k, _ in asked] == ["node", "task", "service"]
    assert [len(refs) for _, refs in asked] == [2, 2, 2]
    assert [n.hostname for n in nodes] == sorted(n.hostname for n in nodes)
    assert {t.service_id for t in tasks} == {services[0].id}


def test_an_empty_listing_asks_no_inspect(engine):
    boss, asked = engine
    assert views.tasks_of(boss, []) == [] and asked == []
