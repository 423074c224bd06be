"""The workshop's cluster as a task finds it: its node containers and its registry, read once per
task and passed along; what is unfinished or stopped about it; whether it is up; and the
manager's client a stack task needs (one line when there is no cluster to ask)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from examples.swarm.names import answers, manager, node_key, node_name, stack_url, state, yours
from examples.swarm.registry import registry_container
from examples.swarm.settings import EXAMPLE, check_settings
from examples.swarm.views import nodes_of
from examples.swarm.watch import stack_tasks
from workshop.cli import Ctx
from workshop.errors import WorkshopError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from python_on_whales import DockerClient

FINISH = "`invoke swarm.up` finishes it"


def nodes_there(c: Ctx) -> dict[int, Any]:
    """Our node containers, by number."""
    found = c.docker.container.list(all=True, filters=c.project.filters(EXAMPLE))
    numbered = {ct: (ct.config.labels or {}).get(node_key(c)) for ct in found}
    return {int(number): ct for ct, number in numbered.items() if number}


def running(containers: dict[int, Any]) -> set[int]:
    """The numbers of the node containers that run."""
    return {number for number, container in containers.items() if container.state.running}


def wanted_file(c: Ctx) -> Path:
    """Where `swarm.up` records the number of nodes it was asked for, before it starts anything."""
    return state(c) / "nodes"


def wanted_nodes(c: Ctx) -> int | None:
    """The number of nodes the last `swarm.up` was asked for (None: no record)."""
    try:
        return int(wanted_file(c).read_text().strip())
    except (OSError, ValueError):
        return None


@dataclass
class Cluster:
    """The workshop's cluster as read once: its node containers by number and its registry
    container (None: there is none). The manager's member list is asked for on first use only."""

    c: Ctx
    nodes: dict[int, Any]
    registry: Any

    @property
    def made(self) -> bool:
        """True if any of it is there, running or not."""
        return bool(self.nodes) or self.registry is not None

    @property
    def running(self) -> set[int]:
        """The numbers of the nodes that run."""
        return running(self.nodes)

    @property
    def registry_runs(self) -> bool:
        """True if the registry container is there and runs."""
        return self.registry is not None and bool(self.registry.state.running)

    @cached_property
    def members(self) -> set[str] | None:
        """The hostnames of the swarm's members, as its manager lists them (None: no manager answers)."""
        return member_hostnames(self.c)


def read(c: Ctx) -> Cluster:
    """The workshop's cluster, read now."""
    return Cluster(c, nodes_there(c), registry_container(c))


def member_hostnames(c: Ctx) -> set[str] | None:
    """The hostnames of the swarm's members, as its manager lists them; None when node 1's engine
    does not answer or is not a manager (yet)."""
    from python_on_whales.exceptions import DockerException

    try:
        boss = manager(c)
        found = boss.info().swarm
        if found is None or not found.control_available:
            return None
        return {n.hostname for n in nodes_of(boss)}
    except DockerException:
        return None


def half_made(cluster: Cluster) -> str | None:
    """One line when the workshop's cluster is stopped or unfinished (an interrupted `swarm.up`,
    an engine restart, `invoke down`), naming the task that brings it back; None when it is
    complete, or when there is none. A worker that was killed on purpose is not a half-made
    cluster: the swarm runs on without it (`swarm.nodes` shows it down)."""
    if not cluster.made:
        return None
    return containers_problem(cluster) or members_problem(cluster)


def containers_problem(cluster: Cluster) -> str | None:
    """What is missing or stopped among the cluster's containers, in one line; None: nothing."""
    there, up_now = cluster.nodes, cluster.running
    if not there:
        return f"the swarm is incomplete: its registry is there but no node yet; {FINISH}"
    if not up_now and (not cluster.registry_runs or 1 in there):
        return (
            "the swarm is stopped (by `invoke down` or an engine restart); `invoke up` or `invoke swarm.up` resumes it"
        )
    if 1 not in there:
        return "the swarm has no manager (node 1 is gone); `invoke swarm.up` makes the cluster again"
    if 1 not in up_now:
        return "the swarm's manager (node 1) is stopped; `invoke swarm.up` starts it again"
    if not cluster.registry_runs:
        return f"the swarm's registry is {'missing' if cluster.registry is None else 'stopped'}; {FINISH}"
    return None


def members_problem(cluster: Cluster) -> str | None:
    """Which nodes never joined the swarm, or how many `swarm.up` did not make yet; None: none."""
    members = cluster.members
    if members is None:
        return f"node 1 is not a swarm manager yet; {FINISH}"
    strays = [str(n) for n in sorted(cluster.nodes) if node_name(cluster.c, n) not in members]
    if strays:
        return f"the swarm is incomplete: node(s) {', '.join(strays)} never joined; {FINISH}"
    wanted = wanted_nodes(cluster.c)
    if wanted is not None and len(cluster.nodes) < wanted:
        return f"the swarm is incomplete: {len(cluster.nodes)} of the {wanted} nodes `swarm.up` was asked for; {FINISH}"
    return None


def condition(c: Ctx) -> str | None:
    """What `invoke status` says of the cluster beyond its containers: unfinished or stopped, or
    which nodes are down; None when it is whole (or there is none, or it is a swarm of yours)."""
    if yours(c):
        return None
    cluster = read(c)
    problem = half_made(cluster)
    if problem:
        return problem
    stopped = sorted(set(cluster.nodes) - cluster.running)
    if stopped:
        return f"node(s) {', '.join(map(str, stopped))} stopped; `invoke swarm.up` brings them back"
    return None


def is_up(c: Ctx) -> bool:
    """True if the workshop's cluster is whole, every node runs, and its stack (if deployed) serves."""
    cluster = read(c)
    if not cluster.nodes or half_made(cluster) is not None or cluster.running != set(cluster.nodes):
        return False
    return not stack_tasks(c, manager(c)) or answers(stack_url(c) + "healthz")


def exists(c: Ctx) -> bool:
    """True if the workshop's cluster was made (running or not): `invoke up` resumes only such a cluster."""
    return not yours(c) and read(c).made


def require_cluster(c: Ctx) -> DockerClient:
    """The manager's client; one line when there is no swarm."""
    check_settings(c)  # before the engine is asked anything
    target = yours(c)
    if target:
        return your_manager(c, target)
    cluster = read(c)
    if not cluster.made:
        raise WorkshopError("there is no swarm; start it with `invoke swarm.up`")
    problem = half_made(cluster)
    if problem:
        raise WorkshopError(problem)
    return answering(c, manager(c))


def answering(c: Ctx, boss: DockerClient) -> DockerClient:
    """``boss`` once its engine answered (and, for a swarm of yours, as a swarm manager); else one line."""
    from python_on_whales.exceptions import DockerException

    target = yours(c)
    try:
        swarm_info = boss.info().swarm
    except DockerException:
        if target:
            raise c.settings.raw("SWARM_MANAGER").fail(
                "does not answer", "check that engine (`docker -H ... info`) or point SWARM_MANAGER elsewhere"
            ) from None
        raise WorkshopError("the swarm's manager does not answer; `invoke swarm.up` starts it again") from None
    if target and (swarm_info is None or not swarm_info.control_available):
        raise c.settings.raw("SWARM_MANAGER").fail(
            "is not a swarm manager", "point it at a manager node's engine, or unset it to use the workshop's cluster"
        )
    return boss


def your_manager(c: Ctx, target: str) -> DockerClient:
    """The client of SWARM_MANAGER's engine (a context that exists, an engine that answers as a manager)."""
    from python_on_whales.exceptions import DockerException

    if "://" not in target:
        try:
            c.docker.context.inspect(target)
        except DockerException:
            raise c.settings.raw("SWARM_MANAGER").fail(
                "names no docker context", "see `docker context ls`, or give an engine URL (tcp://, ssh://, unix://)"
            ) from None
    return answering(c, manager(c))
