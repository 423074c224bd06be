"""What `invoke dashboard` shows of example 5 and offers: the cluster's nodes and the stack's tasks
(read from the manager, whose events it follows), and the buttons of the swarm and stack tasks."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from examples.swarm.names import manager, manager_socket, yours
from examples.swarm.nodes import keeps_redis
from examples.swarm.views import NodeView, ServiceView, TaskView, nodes_of
from examples.swarm.watch import app_service, image_tag, replicas_wanted, stack_services, stack_tasks
from workshop.cli import Ctx
from workshop.errors import last_line
from workshop.example import Action, Panel

if TYPE_CHECKING:  # pragma: no cover - typing only
    from python_on_whales import DockerClient

UPDATING = ("updating", "rollback_started")  # a service's update_status while it rolls


def cluster_engine(c: Ctx) -> DockerClient | None:
    """The manager's engine, whose events the dashboard follows; None while the workshop has no cluster
    (its socket is not there: checked without asking any engine)."""
    if yours(c) or manager_socket(c).exists():
        return manager(c)
    return None


def node_row(node: NodeView) -> dict[str, Any]:
    """A node as the page draws it."""
    return {
        "id": node.id,
        "name": node.hostname,
        "role": node.role,
        "availability": node.availability,
        "state": node.state,
        "redis": keeps_redis(node),
    }


def cluster_view(c: Ctx) -> dict[str, Any]:
    """The swarm as `swarm.nodes` and `stack.ps` read it: each node (role, availability, state) and
    each task of the stack meant to run (service, replica, release tag, state, node)."""
    from python_on_whales.exceptions import DockerException

    if cluster_engine(c) is None:
        return {"kind": "cluster", "present": False, "settling": False}
    try:
        nodes_, tasks, services = read_together(c, manager(c))
    except DockerException as exc:
        return {"kind": "cluster", "present": True, "ok": False, "settling": False,
                "error": f"the cluster's manager does not answer ({last_line(exc.stderr)}); "
                         "`invoke swarm.up` brings it back"}  # fmt: skip
    return {
        "kind": "cluster",
        "present": True,
        "ok": True,
        "nodes": [node_row(n) for n in nodes_],
        "tasks": task_rows(c, tasks, services),
        "settling": settling(tasks, services),
    }


def read_together(c: Ctx, boss: DockerClient) -> tuple[list[NodeView], list[TaskView], list[ServiceView]]:
    """The nodes, the stack's tasks meant to run and its services (none while it has no task), each
    kind read in a thread of its own: their docker CLI calls run side by side, not one after another."""
    from concurrent.futures import ThreadPoolExecutor

    c.get("SWARM_STACK")  # the settings loaded here, not in three threads at once
    with ThreadPoolExecutor(3) as pool:
        nodes_ = pool.submit(nodes_of, boss)
        tasks = pool.submit(stack_tasks, c, boss)
        services = pool.submit(stack_services, c, boss)
        return nodes_.result(), tasks.result(), services.result() if tasks.result() else []


def task_rows(c: Ctx, tasks: list[TaskView], services: list[ServiceView]) -> list[dict[str, Any]]:
    """The stack's tasks as the page draws them, by service and replica."""
    prefix = f"{c.get('SWARM_STACK')}_"
    names = {s.id: s.name.removeprefix(prefix) for s in services}
    rows = [{"id": t.id, "service": names.get(t.service_id, t.service_id), "replica": t.slot,
             "release": image_tag(t.image), "state": t.state, "node": t.node_id, "error": t.error}
            for t in tasks]  # fmt: skip
    return sorted(rows, key=lambda t: (t["service"], t["replica"]))


def settling(tasks: list[TaskView], services: list[ServiceView]) -> bool:
    """True while the stack moves (an update rolls, tasks are missing or not running yet): tasks
    change on the workers without an event on the manager, so the page reads it again."""
    updating = any(s.update_state in UPDATING for s in services)
    return updating or len(tasks) < replicas_wanted(services) or any(t.state != "running" for t in tasks)


def on_node(c: Ctx, argument: str) -> dict[str, Any]:
    """The options of a node's button: the node, by the hostname the page shows."""
    return {"node": argument}


def replicas_by(step_: int) -> Callable[[Ctx, str], dict[str, Any]]:
    """The options of a scale button: the app's replicas now, plus ``step_``."""

    def options(c: Ctx, argument: str) -> dict[str, Any]:
        return {"replicas": app_service(c, manager(c)).replicas + step_}

    return options


SWARM_PANEL = Panel(
    view=cluster_view,
    engine=cluster_engine,
    actions=(
        Action("swarm.up", "swarm.up", "swarm.up"),
        Action("swarm.drain", "drain", "swarm.drain", on_node, per_node=True),
        Action("swarm.activate", "activate", "swarm.activate", on_node, per_node=True),
        Action("swarm.kill", "kill", "swarm.kill", on_node, per_node=True),
    ),
)
STACK_PANEL = Panel(
    actions=(
        Action("stack.hit", "hit the swarm's counter", "stack.hit"),
        Action("stack.scale-down", "scale −1", "stack.scale", replicas_by(-1)),
        Action("stack.scale-up", "scale +1", "stack.scale", replicas_by(+1)),
        Action("stack.update", "update --force", "stack.update", lambda c, argument: {"force": True}),
        Action("stack.rollback", "rollback", "stack.rollback"),
    )
)
