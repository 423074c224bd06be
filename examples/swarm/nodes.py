"""Making the cluster's nodes: their images, their network, each node container (a Docker engine
in a container) with the options it starts with, the manager's swarm, the workers' joins, the
wait until every node is Ready, and the node Redis is pinned to."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from examples.swarm.cluster import Cluster
from examples.swarm.names import manager, manager_socket, network, node_key, node_name, state
from examples.swarm.registry import REGISTRY_TARGET
from examples.swarm.settings import COMPOSE_FILE, EXAMPLE, HEARTBEAT, PROXY_PORT, REDIS_LABEL, WAIT
from examples.swarm.views import NodeView, nodes_of
from workshop.cli import Ctx, warn
from workshop.engine import build_service
from workshop.hardening import exempt
from workshop.probe import port_is_free
from workshop.waiting import wait_for

if TYPE_CHECKING:  # pragma: no cover - typing only
    from python_on_whales import DockerClient

BAKED = ("SWARM_BIND", "SWARM_PORT", "SWARM_REGISTRY_PORT")  # a node keeps these from its start


@dataclass
class Clock:
    """`swarm.up`'s progress: when it began, and one line per phase done."""

    began: float = field(default_factory=time.monotonic)

    def took(self) -> float:
        """Seconds since the task began."""
        return time.monotonic() - self.began

    def step(self, what: str) -> None:
        """One line of progress (on stderr, with the build lines: stdout keeps the results): the
        seconds since the task began, and the phase done."""
        warn(f"  {self.took():5.1f}s  {what}")


def build_images(c: Ctx) -> None:
    """The node, registry and proxy images (a no-op when nothing changed)."""
    for service in ("node", "registry", "proxy"):
        build_service(c, COMPOSE_FILE, service, images=["BASE_IMAGE"] if service == "node" else ())


def ensure_network(c: Ctx) -> None:
    """The cluster's bridge network, created once."""
    name = network(c)
    if not [n for n in c.docker.network.list(filters=c.project.filters(EXAMPLE)) if n.name == name]:
        c.docker.network.create(name, labels=c.project.labels(EXAMPLE))


def made_with(c: Ctx) -> dict[str, str]:
    """Labels recording the settings a node was started with."""
    return {f"{c.project.label_prefix}.{name.lower()}": str(c.get(name)) for name in BAKED}


def same_settings(c: Ctx, there: dict[int, Any]) -> None:
    """The cluster was started with today's SWARM_BIND, SWARM_PORT and SWARM_REGISTRY_PORT, or one line."""
    wanted = made_with(c)
    for container in there.values():
        labels = container.config.labels or {}
        for key, value in wanted.items():
            if labels.get(key, value) != value:
                name = key.rsplit(".", 1)[1].upper()
                raise c.settings.raw(name).fail(
                    f"differs from the running swarm's {labels[key]!r}",
                    "`invoke swarm.down` first to start the cluster with the new value (or set it back)",
                )


def ports_free(c: Ctx, cluster: Cluster) -> None:
    """Before anything starts: the ports the cluster will publish are free (or already its own)."""
    bind = c.get("SWARM_BIND")
    wanted = [("SWARM_PORT", 1 not in cluster.nodes), ("SWARM_REGISTRY_PORT", cluster.registry is None)]
    for name, needed in wanted:
        if needed and not port_is_free(bind, c.get(name)):
            raise c.settings.raw(name).fail(
                f"cannot be published: {bind}:{c.get(name)} is already in use",
                f"stop what uses it or choose another {name} {c.settings.where(name)}",
            )


def socket_group() -> str:
    """The host's docker group, by number, which the manager's socket is given ("0" without one)."""
    import grp

    try:
        return str(grp.getgrnam("docker").gr_gid)
    except KeyError:
        return "0"


def node_options(c: Ctx, number: int) -> dict[str, Any]:
    """What node ``number`` starts with beyond its name: what an engine in a container needs, and
    nothing more (README: "The nodes"); the manager also gets its socket in our folder and the
    proxy's port on SWARM_BIND."""
    volumes: list[tuple[Any, ...]] = [("/sys/fs/cgroup", "/sys/fs/cgroup", "rw")]
    options: dict[str, Any] = {}
    if number == 1:
        sock = manager_socket(c).parent
        sock.mkdir(parents=True, exist_ok=True)
        volumes.insert(0, (sock, "/run/host"))
        options["publish"] = [(f"{c.get('SWARM_BIND')}:{c.get('SWARM_PORT')}", PROXY_PORT)]
    return {
        "labels": {**c.project.labels(EXAMPLE), node_key(c): str(number), **made_with(c), **exempt(c, "swarm-node")},
        "networks": [network(c)],
        "cap_add": ["ALL"], "cap_drop": ["SYS_RESOURCE"],
        "security_options": ["seccomp=unconfined", "apparmor=unconfined"],
        "tmpfs": ["/run"],
        "envs": {"SOCKET_GROUP": socket_group(),
                 "REGISTRY_FORWARD": f"{c.get('SWARM_REGISTRY_PORT')} {REGISTRY_TARGET}"},
        "volumes": volumes,
        **options,
    }  # fmt: skip


def start_node(c: Ctx, number: int) -> None:
    """Node ``number``: a Docker engine in a container, with only what an engine needs."""
    name = node_name(c, number)
    c.docker.run(c.get("SWARM_NODE_IMAGE"), detach=True, name=name, hostname=name, **node_options(c, number))


def bring_up(c: Ctx, number: int, there: dict[int, Any]) -> None:
    """Node ``number`` running: started again if it is there, made if not."""
    container = there.get(number)
    if container is None:
        start_node(c, number)
    elif not container.state.running:
        container.start()


def engine_answers(c: Ctx, number: int) -> str | None:
    """Node ``number``'s swarm state (inactive, pending, active, error, locked) once its engine
    answers; None while it does not."""
    from python_on_whales.exceptions import DockerException

    try:
        found = c.docker.container.execute(
            node_name(c, number), ["docker", "info", "--format", "{{.Swarm.LocalNodeState}}"]
        )
    except DockerException:
        return None
    return str(found).strip() or None


def engine_ready(c: Ctx, number: int) -> str:
    """Wait until node ``number``'s engine answers; return its swarm state."""
    name = node_name(c, number)
    return wait_for(lambda: engine_answers(c, number), f"the engine in {name}", WAIT, interval=0.2,
                    hint=f"see `docker logs {name}`")  # fmt: skip


def address_of(c: Ctx, number: int) -> str:
    """Node ``number``'s address on the cluster network."""
    container = c.docker.container.inspect(node_name(c, number))
    return str((container.network_settings.networks or {})[network(c)].ip_address)


def shrink(c: Ctx, there: dict[int, Any], count: int) -> dict[int, Any]:
    """Remove the nodes above ``count`` (they leave the swarm first); and when node 1 is gone, the
    workers too: a swarm whose manager is gone cannot be resumed, so the cluster is made anew.
    Return the node containers left."""
    doomed = {n: ct for n, ct in there.items() if n > count or 1 not in there}
    for number, container in sorted(doomed.items()):
        try:
            manager(c).node.remove(node_name(c, number), force=True)
        except Exception:  # noqa: BLE001 - not a member any more, or no manager to ask
            pass
        container.remove(force=True, volumes=True)
    return {n: ct for n, ct in there.items() if n not in doomed}


def lead(c: Ctx, there: dict[int, Any], clock: Clock) -> None:
    """Node 1 up and the swarm's manager: started first and alone, so that every worker that
    starts after it finds the manager's engine (and its overlay networks' gossip) there to join.
    Workers that start at the same moment as their manager each come up alone in the overlay
    network and only find each other a minute later: the stack answers 503 until then."""
    bring_up(c, 1, there)
    if engine_ready(c, 1) in ("inactive", "error"):
        manager(c).swarm.init(advertise_address=address_of(c, 1))
        clock.step(f"manager: {node_name(c, 1)} started the swarm")
    else:
        clock.step(f"manager: {node_name(c, 1)} is the swarm's manager")
    # a node is declared down after missing its heartbeats for a few periods: 2 s periods, not
    # swarm's 5 s, so a failed node's replicas move sooner (swarm.kill shows it)
    manager(c).swarm.update(dispatcher_heartbeat=timedelta(seconds=HEARTBEAT))


def join(c: Ctx, there: dict[int, Any], count: int, clock: Clock) -> None:
    """Workers 2..count running and members of the swarm: those that never joined (or whose
    join broke off) join now; a restarted member rejoins by itself."""
    workers = range(2, count + 1)
    for number in workers:
        bring_up(c, number, there)
    if not workers:
        return
    token, address = manager(c).swarm.join_token("worker"), f"{address_of(c, 1)}:2377"
    joined = []
    for number in workers:
        found = engine_ready(c, number)
        if found == "error":  # a join that broke off (Ctrl-C): leave what is left of it, then join again
            c.docker.container.execute(node_name(c, number), ["docker", "swarm", "leave", "--force"])
        if found in ("inactive", "error"):
            c.docker.container.execute(node_name(c, number), ["docker", "swarm", "join", "--token", token, address])
            joined.append(node_name(c, number))
    clock.step(f"workers: {', '.join(node_name(c, n) for n in workers)} running"
               + (f"; {', '.join(joined)} joined" if joined else ""))  # fmt: skip


def all_ready(c: Ctx, count: int) -> None:
    """Forget members that are no node of ours any more, then wait until every node is Ready."""
    boss = manager(c)
    wanted = {node_name(c, n) for n in range(1, count + 1)}
    for node in nodes_of(boss):
        if node.hostname not in wanted:
            boss.node.remove(node.id, force=True)

    def ready() -> bool:
        return wanted <= {n.hostname for n in nodes_of(boss) if n.state == "ready"}

    wait_for(ready, f"nodes {', '.join(sorted(wanted))} to be Ready", WAIT, interval=0.3,
             hint=lambda: f"their engines' logs: {keep_logs(c, count)}")  # fmt: skip


def keep_logs(c: Ctx, count: int) -> str:
    """Each node's engine log saved under our folder (as kind's `export logs` does); returns where.
    Called only when a wait gives up, so the logs are there to read after the failure."""
    folder = state(c) / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(1, count + 1):
        try:
            text = c.docker.container.logs(node_name(c, number))
        except Exception:  # noqa: BLE001 - a node that is gone has no log to keep
            continue
        (folder / f"{node_name(c, number)}.log").write_text(str(text))
    return str(folder)


def keeps_redis(node: NodeView) -> bool:
    """True for the node Redis and its volume are pinned to."""
    return bool(node.label(REDIS_LABEL))


def redis_node(boss: DockerClient) -> str | None:
    """Make sure one node carries the label that pins Redis (and its volume) to it: the first
    Ready worker (node 2 of the workshop's cluster), else a manager. Return the node newly
    labelled (None: one already was)."""
    nodes = nodes_of(boss)
    if any(keeps_redis(n) for n in nodes):
        return None
    ready = [n for n in nodes if n.state == "ready" and n.availability == "active"] or nodes
    chosen = next((n for n in ready if n.role == "worker"), ready[0])
    boss.node.update(chosen.id, labels_add={REDIS_LABEL: "true"})
    return chosen.hostname
