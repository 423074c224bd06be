"""The cluster's tasks: `swarm.up` (make, grow, shrink or resume it), `swarm.nodes`, `swarm.stop`
and `swarm.down` (with what its data holds, which `--volumes` deletes)."""

from __future__ import annotations

import json
import shutil
from typing import Any

from examples.swarm.cluster import Cluster, half_made, read, require_cluster, running, wanted_file
from examples.swarm.names import manager, not_ours, registry, registry_name, stack_url, state, yours
from examples.swarm.nodes import (
    Clock,
    all_ready,
    build_images,
    ensure_network,
    join,
    lead,
    ports_free,
    redis_node,
    same_settings,
    shrink,
)
from examples.swarm.registry import ensure_registry, pushed_images
from examples.swarm.settings import EXAMPLE, check_settings
from examples.swarm.views import nodes_of
from examples.swarm.watch import stack_tasks, wait_for_stack
from workshop.cli import VERBOSE_HELP, Ctx, say, task
from workshop.confirm import Data, confirm, deletion_help, gone_from, report
from workshop.display import table
from workshop.errors import WorkshopError


def node_count(c: Ctx, nodes: Any) -> int:
    """--nodes (default SWARM_NODES) as a number of nodes from 1 to 9, or one line."""
    count = c.get("SWARM_NODES") if nodes is None else str(nodes)
    if not str(count).isdigit() or not 1 <= int(count) <= 9:
        raise WorkshopError(f"--nodes={count}: give a whole number of nodes from 1 to 9")
    return int(count)


@task(help={"nodes": "how many nodes (default: SWARM_NODES); the cluster grows or shrinks to it",
            "verbose": VERBOSE_HELP})  # fmt: skip
def up(c: Ctx, nodes=None, verbose=False):
    """Start or resume the workshop's swarm: node containers (the first the manager) and its registry."""
    check_settings(c)  # before anything is built or started
    if yours(c):
        raise not_ours(c, "swarm.up")
    registry(c)  # SWARM_REGISTRY is not for the workshop's cluster
    count, clock = node_count(c, nodes), Clock()
    cluster = read(c)
    same_settings(c, cluster.nodes)
    ports_free(c, cluster)
    found = half_made(cluster)
    if found:
        say(f"found: {found.split(';')[0]}")
    wanted_file(c).parent.mkdir(parents=True, exist_ok=True)
    wanted_file(c).write_text(f"{count}\n")  # before anything starts: `status` tells an unfinished cluster
    build_images(c)
    clock.step("images: node, registry and proxy built")
    ensure_network(c)
    ensure_registry(c, cluster.registry)
    clock.step(f"registry: {registry_name(c)} answers")
    there = shrink(c, cluster.nodes, count)
    lead(c, there, clock)
    join(c, there, count, clock)
    all_ready(c, count)
    clock.step(f"nodes: {count} Ready")
    redis_node(manager(c))
    show_nodes(c)
    serving = ""
    if stack_tasks(c, manager(c)):  # a stack was deployed: it serves again before we say so
        wait_for_stack(c, manager(c))
        serving = f"; stack {c.get('SWARM_STACK')} serves at {stack_url(c)}"
    say(f"the swarm has {count} node(s), all Ready, after {clock.took():.1f}s{serving}")


def show_nodes(c: Ctx) -> None:
    """The nodes: role, availability, state, and the replicas each runs."""
    boss = manager(c)
    running_: dict[str, int] = {}
    for each in stack_tasks(c, boss):  # none before the stack is deployed
        running_[each.node_id] = running_.get(each.node_id, 0) + 1
    rows = [(n.hostname, n.role, n.availability, n.state, str(running_.get(n.id, 0))) for n in nodes_of(boss)]
    say(table(("NODE", "ROLE", "AVAILABILITY", "STATE", "TASKS"), rows))


@task
def nodes(c: Ctx):
    """List the swarm's nodes: role, availability, state and the tasks each runs (docker node ls)."""
    require_cluster(c)
    show_nodes(c)


@task
def stop(c: Ctx):
    """Stop the workshop's swarm, keeping every node's state: `invoke swarm.up` resumes it as it was."""
    if yours(c):
        raise not_ours(c, "swarm.stop")
    cluster = read(c)
    if not cluster.made:
        say("no swarm; nothing to stop")
        return
    up_now = [cluster.nodes[n] for n in sorted(cluster.running, reverse=True)]  # workers first, the manager last
    for container in up_now:
        container.stop()
    if cluster.registry_runs:
        cluster.registry.stop()
    if not up_now:
        say("the swarm was stopped already; `invoke swarm.up` resumes it")
        return
    say(
        f"stopped the swarm ({len(cluster.nodes)} node(s) and the registry), its state kept; "
        "`invoke swarm.up` resumes it"
    )


@task(help=deletion_help("also delete the registry's volume (the pushed images); asks first on a terminal"))
def down(c: Ctx, volumes=False, yes=False):
    """Remove the workshop's swarm: every node (with the stack on it) and the registry."""
    cluster = read(c)
    if not cluster.made:
        forget_state(c)  # what a deploy to a swarm of yours left: the stack file
        say("no swarm; nothing to remove")
        return
    doomed = swarm_data(c, cluster) if volumes else []
    confirm(c.project.name, doomed, yes, "invoke swarm.down --volumes")
    for container in cluster.nodes.values():
        container.remove(force=True, volumes=True)
    if cluster.registry is not None:
        cluster.registry.remove(force=True, volumes=False)
    for net in c.docker.network.list(filters=c.project.filters(EXAMPLE)):
        net.remove()
    forget_state(c)  # the manager's socket folder, the stack file
    if volumes:
        for volume in c.docker.volume.list(filters=c.project.filters(EXAMPLE)):
            volume.remove()
    report(doomed, gone_from(c.docker))
    say(f"removed the swarm ({len(cluster.nodes)} node(s) and the registry)")


def forget_state(c: Ctx) -> None:
    """Remove our folder for this cluster, and the swarm folder above it once it holds no other."""
    shutil.rmtree(state(c), ignore_errors=True)
    try:
        state(c).parent.rmdir()
    except OSError:  # another project's cluster is there (or it was never made)
        pass


def swarm_data(c: Ctx, cluster: Cluster | None = None) -> list[Data]:
    """What `swarm.down --volumes` deletes: the registry's volume (the pushed images), and the
    nodes' engines, which hold the stack's Redis data (they go with the nodes, --volumes or not)."""
    cluster = cluster or read(c)
    found = [
        Data("volume", v.name, f"the cluster registry's pushed images{pushed_images(c, cluster.registry)}")
        if v.name == f"{registry_name(c)}-data"
        else Data("volume", v.name, "data of the swarm example")
        for v in c.docker.volume.list(filters=c.project.filters(EXAMPLE))
    ]
    if cluster.nodes:
        names = ", ".join(ct.name for _, ct in sorted(cluster.nodes.items()))
        found.append(
            Data("node", names, f"each node's engine, with the stack's Redis data: {hit_count(cluster.nodes)}")
        )
    return found


def hit_count(there: dict[int, Any]) -> str:
    """The swarm's hit count, read from Redis inside whichever running node runs it."""
    from python_on_whales.exceptions import DockerException

    for container in (there[n] for n in sorted(running(there))):
        try:
            value = redis_hits(container)
        except (DockerException, ValueError):
            continue
        if value is not None:
            return f"the hit count, {value} (in {container.name})" if value.isdigit() else "no hit counted yet"
    return "the hit count (not read: no running node runs Redis)"


def redis_hits(node: Any) -> str | None:
    """``hits`` as the stack's Redis on ``node`` holds it (asked through the node's engine); None:
    Redis does not run there."""
    service, cmd = '{{.ID}} {{.Label "com.docker.swarm.service.name"}}', "{{json .Config.Cmd}}"
    listed = str(node.execute(["docker", "ps", "--format", service]))
    for ident in [line.split()[0] for line in listed.splitlines() if line.endswith("_redis")]:
        command = json.loads(str(node.execute(["docker", "inspect", "--format", cmd, ident])))
        port = command[command.index("--port") + 1] if "--port" in command[:-1] else "6379"
        return str(node.execute(["docker", "exec", ident, "redis-cli", "-p", port, "get", "hits"])).strip()
    return None
