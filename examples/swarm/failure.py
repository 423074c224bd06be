"""Nodes failing and leaving: `swarm.drain` (move every task off a node), `swarm.activate` (take it
back) and `swarm.kill` (stop a worker's container abruptly, as when a machine fails)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from examples.swarm.cluster import require_cluster
from examples.swarm.names import node_name, not_ours, yours
from examples.swarm.nodes import keeps_redis
from examples.swarm.settings import EXAMPLE, HEARTBEAT
from examples.swarm.views import NodeView, nodes_of
from examples.swarm.watch import settle, stack_tasks
from workshop.cli import Ctx, say, task
from workshop.engine import claim_container
from workshop.errors import WorkshopError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from python_on_whales import DockerClient

NODE_HELP = "the node: its number (2), hostname or id"


def named(node: str | None) -> str:
    """The NODE argument, or one line when it is missing (before the engine is asked anything)."""
    if not node:
        raise WorkshopError(
            "NODE is missing: name the node by its number (2), hostname or id; see `invoke swarm.nodes`"
        )
    return str(node)


def find_node(c: Ctx, boss: DockerClient, which: str) -> NodeView:
    """A node of the swarm by number (ours: 2 is <project>-swarm-2), hostname or id."""
    wanted = node_name(c, int(which)) if which.isdigit() and not yours(c) else which
    found = nodes_of(boss)
    for each in found:
        if wanted in (each.hostname, each.id) or (len(wanted) >= 6 and each.id.startswith(wanted)):
            return each
    known = ", ".join(n.hostname for n in found)
    raise WorkshopError(f"NODE={which!r}: no such node; the swarm has {known} (`invoke swarm.nodes`)")


def the_node(c: Ctx, node: str | None) -> tuple[DockerClient, NodeView]:
    """The manager's client and the node NODE names, or one line."""
    which = named(node)
    boss = require_cluster(c)
    return boss, find_node(c, boss, which)


def drain_refused(boss: DockerClient, found: NodeView, node: str | None) -> str | None:
    """Why draining ``found`` without --force is refused (it keeps Redis, or is the only active
    manager); None: it may be drained."""
    name = found.hostname
    if keeps_redis(found):
        return (
            f"NODE={node!r}: {name} keeps Redis and its volume, which cannot move; draining it stops the "
            "counter (503) until `invoke swarm.activate`: add --force to do it anyway"
        )
    managers = [n.id for n in nodes_of(boss) if n.role == "manager" and n.availability == "active"]
    if found.role == "manager" and managers == [found.id]:
        return f"NODE={node!r}: {name} is the only active manager, where the proxy runs; add --force to drain it anyway"
    return None


@task(positional=["node"], help={
    "node": NODE_HELP, "force": "drain it even if it keeps Redis or is the only manager (the stack stops answering)",
})  # fmt: skip
def drain(c: Ctx, node=None, force=False):
    """Move every task off NODE and keep new ones away (docker node update --availability drain)."""
    boss, found = the_node(c, node)
    refused = None if force else drain_refused(boss, found, node)
    if refused:
        raise WorkshopError(refused)
    boss.node.update(found.id, availability="drain")
    took = settle(c, boss, away_from=found.id) if stack_tasks(c, boss) else 0.0
    say(
        f"{found.hostname} drained: its tasks run elsewhere ({took:.1f}s); `invoke swarm.activate {node}` takes it back"
    )


@task(positional=["node"], help={"node": NODE_HELP})
def activate(c: Ctx, node=None):
    """Let NODE take tasks again (docker node update --availability active)."""
    boss, found = the_node(c, node)
    boss.node.update(found.id, availability="active")
    say(
        f"{found.hostname} is active: new tasks may run there (swarm does not move running ones back; "
        "the next `invoke stack.update --force` or `stack.scale` spreads them)"
    )
    if keeps_redis(found) and stack_tasks(c, boss):
        settle(c, boss)


@task(positional=["node"], help={"node": "the node: its number (2) or hostname; a worker"})
def kill(c: Ctx, node=None):
    """Stop NODE's container abruptly, as when a machine fails; `invoke swarm.up` starts it again."""
    if yours(c):
        raise not_ours(c, "swarm.kill")
    boss, found = the_node(c, node)
    name = found.hostname
    if found.role == "manager":
        raise WorkshopError(
            f"NODE={node!r}: {name} is the manager, which runs the proxy and the control plane; kill a worker"
        )
    container = claim_container(c.docker, c.project, EXAMPLE, name, "NODE")
    if container is None or not container.state.running:
        raise WorkshopError(f"NODE={node!r}: {name} is not running; `invoke swarm.up` starts it")
    container.kill()
    what = "Redis with it: the counter answers 503 until the node is back" if keeps_redis(found) else "its replicas"
    say(
        f"{name} killed, and {what}; the manager declares it down after {3 * HEARTBEAT}s of silence and "
        "runs its replicas elsewhere; `invoke swarm.up` brings it back"
    )
