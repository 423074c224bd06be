"""The swarm's nodes, tasks and services read in bulk: the ids a listing gives, then ONE inspect
of all of them, parsed once into frozen views with just the fields the workshop reads.

A python-on-whales Node, Task or Service re-inspects itself for an attribute read more than 10 ms
after the last one (one docker CLI process each): reading a few fields of every object that way
was dozens of processes and seconds per look at the cluster. Here a look is one listing and one
inspect per kind, and what it shows is one moment's answer, not a mix of several.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from workshop.adapters import inspect_json

if TYPE_CHECKING:  # pragma: no cover - typing only
    from python_on_whales import DockerClient

Kind = Literal["node", "service", "task"]


@dataclass(frozen=True)
class TaskView:
    """What we read of a swarm task, read at once (a Task object re-reads itself later, and by then
    swarm may have pruned it: an update or a restart replaces tasks as we look)."""

    id: str
    service_id: str
    node_id: str
    desired_state: str
    state: str
    error: str
    image: str
    slot: int = 0  # the replica's number (0: a global service's task)


@dataclass(frozen=True)
class NodeView:
    """What we read of a swarm node."""

    id: str
    hostname: str
    role: str  # manager, worker
    availability: str  # active, pause, drain
    state: str  # ready, down, unknown, disconnected
    labels: tuple[tuple[str, str], ...] = ()  # the node's labels (Spec.Labels), sorted

    def label(self, key: str) -> str:
        """The node label ``key``'s value ("" when it has none)."""
        return dict(self.labels).get(key, "")


@dataclass(frozen=True)
class ServiceView:
    """What we read of a swarm service."""

    id: str
    name: str
    replicas: int  # the replicas it asks for (0: a global service)
    image: str  # as swarm stores it: registry/name:tag@sha256:...
    update_state: str = ""  # its update's state (updating, completed, rollback_started, ...); "": never updated
    update_started: str = ""  # when that update started, as swarm says it
    previous_image: str = ""  # the image of the spec before the last update ("": none)


def _at(data: Any, *path: str) -> Any:
    """``data[path[0]][path[1]]...``, or None where a key is missing or null."""
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def task_of(data: dict) -> TaskView:
    """A task as ``docker inspect --type task`` gives it."""
    status = data.get("Status") or {}
    return TaskView(
        str(data["ID"]),
        str(data.get("ServiceID") or ""),
        str(data.get("NodeID") or ""),
        str(data.get("DesiredState") or ""),
        str(status.get("State") or ""),
        str(status.get("Err") or status.get("Message") or ""),
        str(_at(data, "Spec", "ContainerSpec", "Image") or ""),
        int(data.get("Slot") or 0),
    )  # fmt: skip


def node_of(data: dict) -> NodeView:
    """A node as ``docker inspect --type node`` gives it."""
    labels = _at(data, "Spec", "Labels") or {}
    return NodeView(
        str(data["ID"]),
        str(_at(data, "Description", "Hostname") or ""),
        str(_at(data, "Spec", "Role") or ""),
        str(_at(data, "Spec", "Availability") or ""),
        str(_at(data, "Status", "State") or ""),
        tuple(sorted((str(k), str(v)) for k, v in labels.items())),
    )  # fmt: skip


def service_of(data: dict) -> ServiceView:
    """A service as ``docker inspect --type service`` gives it."""
    return ServiceView(
        str(data["ID"]),
        str(_at(data, "Spec", "Name") or ""),
        int(_at(data, "Spec", "Mode", "Replicated", "Replicas") or 0),
        str(_at(data, "Spec", "TaskTemplate", "ContainerSpec", "Image") or ""),
        str(_at(data, "UpdateStatus", "State") or ""),
        str(_at(data, "UpdateStatus", "StartedAt") or ""),
        str(_at(data, "PreviousSpec", "TaskTemplate", "ContainerSpec", "Image") or ""),
    )  # fmt: skip


def ids(listed: Iterable[Any]) -> list[str]:
    """The ids of what a python-on-whales listing gave (its objects know their id without a fetch)."""
    return [str(each.id) for each in listed]


def inspected(boss: DockerClient, kind: Kind, references: list[str]) -> list[dict]:
    """One ``docker inspect --type KIND`` of all ``references`` (none: no call); a reference that
    is gone fails the whole call (python-on-whales' DockerException): the caller reads again."""
    return inspect_json(boss, references, kind) if references else []


def tasks_of(boss: DockerClient, listed: Iterable[Any]) -> list[TaskView]:
    """The tasks a listing (``stack.ps``, ``service.ps``) gave, read in one call."""
    return [task_of(each) for each in inspected(boss, "task", ids(listed))]


def nodes_of(boss: DockerClient) -> list[NodeView]:
    """The swarm's nodes, read in one call, by hostname."""
    found = [node_of(each) for each in inspected(boss, "node", ids(boss.node.list()))]
    return sorted(found, key=lambda n: n.hostname)


def services_of(boss: DockerClient, references: list[str]) -> list[ServiceView]:
    """The services ``references`` (names or ids) name, read in one call."""
    return [service_of(each) for each in inspected(boss, "service", references)]


def stack_services_of(boss: DockerClient, stack: str) -> list[ServiceView]:
    """The services of stack ``stack``, read in one call (none when it is not deployed)."""
    listed = boss.service.list(filters=[("label", f"com.docker.stack.namespace={stack}")])
    return services_of(boss, ids(listed))
