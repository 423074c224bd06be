"""Example 5: scale out. Example 4's stack on a Docker Swarm whose nodes are containers on your
engine (as kind does for Kubernetes): your own engine never enters swarm mode, and `clean`
removes the whole cluster.

The cluster: SWARM_NODES node containers (a Docker engine each; the first is the manager) on a
bridge network of their own, and a registry container every node pulls from. The stack: the
app (SWARM_REPLICAS replicas, no virtual IP: ``endpoint_mode: dnsrr``), Redis (one replica,
pinned to the node that keeps its volume) and a proxy (haproxy) that finds the replicas
through the swarm's DNS and is published on the manager, which maps it to
SWARM_BIND:SWARM_PORT. The host drives the manager's engine through a socket in a folder of
ours, never through a TCP port.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from invoke import Collection

from workshop.cli import VERBOSE_HELP, Ctx, Ran, say, task, warn
from workshop.config import Settings, state_dir
from workshop.confirm import Data, confirm, gone_from, report
from workshop.display import table
from workshop.engine import build_service, claim_container, copy_output, copy_until_interrupted
from workshop.errors import WorkshopError, last_line
from workshop.example import Action, Example, Move, Panel, Service, Step, expect, expect_soon
from workshop.hardening import SERVICE, exempt, hardened, healthcheck
from workshop.i18n import N_, tr
from workshop.probe import answer_line, get, http_url, port_is_free, unreachable
from workshop.settings import Setting, address, image, port, whole
from workshop.waiting import wait_for

if TYPE_CHECKING:  # pragma: no cover - typing only
    from python_on_whales import DockerClient

EXAMPLE = "swarm"
COMPOSE_FILE = "examples/swarm/compose.yml"  # builds the node, registry and proxy images
STACK_FILE = "examples/swarm/stack.yml"  # the stack: docker-compose.yml plus this
PROXY_PORT = 8080  # where the proxy listens, on the manager node
REGISTRY_TARGET = "registry:5000"  # the registry container, as each node's forwarder reaches it
REDIS_LABEL = "workshop-redis"  # the node label that pins Redis (and its volume) to one node
WAIT = 180  # seconds a cluster or a stack may take to be ready
HEARTBEAT = 2  # seconds between a node's heartbeats to the manager
REGISTRY_USER = "10002:10002"  # the registry image's docker-registry user, by number
#: the registry answers its API's base URL with 200 (bash's /dev/tcp: the image has no HTTP client)
REGISTRY_HEALTH = (
    'bash -c \'exec 3<>/dev/tcp/127.0.0.1/5000 && printf "GET /v2/ HTTP/1.0\\r\\n\\r\\n" >&3 '
    '&& head -c 12 <&3 | grep -q " 200"\''
)

MANAGER_SCHEMES = ("unix", "tcp", "ssh", "npipe")


def manager_target(settings: Settings, name: str) -> str:
    """Empty, a docker context name, or an engine URL with a host (unix:///path, tcp://host:port, ssh://user@host)."""
    value = settings.raw(name)
    target = value.value.strip()
    if not target:
        return ""
    if "://" in target:
        scheme, rest = target.split("://", 1)
        if scheme in MANAGER_SCHEMES and rest.strip("/") and " " not in rest:
            return target
        raise value.fail(
            "is not an engine URL", f"use {', '.join(s + '://' for s in MANAGER_SCHEMES)}... or a docker context name"
        )
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.+-]*", target):
        return target
    raise value.fail("is neither a docker context name nor an engine URL", "use e.g. `prod` or tcp://manager:2376")


def registry_address(settings: Settings, name: str) -> str:
    """Empty, or a registry as image names spell it: host[:port][/path], no scheme."""
    value = settings.raw(name)
    target = value.value.strip()
    if not target or re.fullmatch(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[a-z0-9._-]+)*", target):
        return target
    raise value.fail("is not a registry address", "write it as image names do: host[:port][/path], e.g. reg.lan:5000")


SETTINGS = (
    Setting("SWARM_NODES", "3", whole(1, 9), "nodes of the workshop's swarm (the first is the manager)", (EXAMPLE,)),
    Setting("SWARM_STACK", "counter", Settings.project, "name of the stack on the swarm", (EXAMPLE,)),
    Setting("SWARM_REPLICAS", "3", whole(1, 20), "replicas of the app on the swarm", (EXAMPLE,)),
    Setting("SWARM_BIND", "127.0.0.1", address, "host address the swarm's proxy and registry are published on",
            (EXAMPLE,)),
    Setting("SWARM_PORT", "8090", port, "host port of the stack on the swarm (its proxy)", (EXAMPLE,),
            bind="SWARM_BIND"),
    Setting("SWARM_REGISTRY_PORT", "5051", port, "host port of the cluster's registry (this machine pushes there)",
            (EXAMPLE,), bind="SWARM_BIND"),
    Setting("SWARM_NODE_IMAGE", "docker-workshop/swarm-node:latest", image,
            "image of a swarm node: a Docker engine in a container, built FROM BASE_IMAGE", (EXAMPLE,),
            per_project="{project}/swarm-node:latest"),
    Setting("SWARM_REGISTRY_IMAGE", "docker-workshop/swarm-registry:latest", image,
            "image of the cluster's registry, built FROM BASE_IMAGE", (EXAMPLE,),
            per_project="{project}/swarm-registry:latest"),
    Setting("SWARM_PROXY_IMAGE", "docker-workshop/swarm-proxy:latest", image,
            "image of the stack's proxy (haproxy), built FROM BASE_IMAGE", (EXAMPLE,),
            per_project="{project}/swarm-proxy:latest"),
    Setting("SWARM_MANAGER", "", manager_target,
            "a swarm of yours to deploy to: a docker context name or an engine URL (unix://, tcp://, ssh://); "
            "empty: the workshop's own cluster", (EXAMPLE,)),
    Setting("SWARM_REGISTRY", "", registry_address,
            "with SWARM_MANAGER: the registry (host[:port][/path]) this machine pushes to and your nodes pull from",
            (EXAMPLE,)),
)  # fmt: skip


# -- names ------------------------------------------------------------------------------------------


def network(c: Ctx) -> str:
    """The cluster's bridge network."""
    return f"{c.project.name}-swarm"


def node_name(c: Ctx, number: int) -> str:
    """Node ``number`` (1 is the manager)."""
    return f"{c.project.name}-swarm-{number}"


def registry_name(c: Ctx) -> str:
    """The registry container."""
    return f"{c.project.name}-swarm-registry"


def state(c: Ctx) -> Path:
    """Our folder for this cluster: the manager's socket, the deployed stack file."""
    return state_dir() / "swarm" / c.project.name


def yours(c: Ctx) -> str:
    """SWARM_MANAGER: a swarm of the user's (a docker context or an engine URL), or "" for ours."""
    return str(c.get("SWARM_MANAGER"))


def manager(c: Ctx) -> DockerClient:
    """A client of the manager's engine: SWARM_MANAGER's, or our cluster's through its socket in our folder."""
    from python_on_whales import DockerClient

    target = yours(c)
    if not target:
        return DockerClient(host=f"unix://{state(c) / 'sock' / 'docker.sock'}")
    if "://" in target:
        return DockerClient(host=target)
    return DockerClient(context=target)


def registry(c: Ctx) -> str:
    """Where images are pushed and pulled: SWARM_REGISTRY for a swarm of yours; for ours, the
    cluster's registry as 127.0.0.1:SWARM_REGISTRY_PORT, the same name on this machine (published
    there) and on every node (a forwarder there)."""
    named = str(c.get("SWARM_REGISTRY"))
    if yours(c):
        if not named:
            raise c.settings.raw("SWARM_REGISTRY").fail(
                "is empty, and SWARM_MANAGER names a swarm of yours",
                "set SWARM_REGISTRY to a registry this machine pushes to and your nodes pull from",
            )
        return named
    if named:
        raise c.settings.raw("SWARM_REGISTRY").fail(
            "is only for a swarm of yours (SWARM_MANAGER)",
            "leave it empty: the workshop's cluster brings its own registry",
        )
    return f"127.0.0.1:{c.get('SWARM_REGISTRY_PORT')}"


def not_ours(c: Ctx, task_name: str) -> WorkshopError:
    """The error of a task that manages only the workshop's own cluster."""
    return WorkshopError(
        f"SWARM_MANAGER={yours(c)!r} names a swarm of yours: `invoke {task_name}` manages only the workshop's "
        "own cluster (your nodes are yours to run); unset SWARM_MANAGER to use the workshop's cluster"
    )


def node_key(c: Ctx) -> str:
    """The label naming a node container's number."""
    return f"{c.project.label_prefix}.swarm-node"


# -- the cluster --------------------------------------------------------------------------------------


def nodes_there(c: Ctx) -> dict[int, Any]:
    """Our node containers, by number."""
    found = c.docker.container.list(all=True, filters=c.project.filters(EXAMPLE))
    numbered = {ct: (ct.config.labels or {}).get(node_key(c)) for ct in found}
    return {int(number): ct for ct, number in numbered.items() if number}


def wanted_file(c: Ctx) -> Path:
    """Where `swarm.up` records the number of nodes it was asked for, before it starts anything."""
    return state(c) / "nodes"


def wanted_nodes(c: Ctx) -> int | None:
    """The number of nodes the last `swarm.up` was asked for (None: no record)."""
    try:
        return int(wanted_file(c).read_text().strip())
    except (OSError, ValueError):
        return None


def running(containers: dict[int, Any]) -> set[int]:
    """The numbers of the node containers that run."""
    return {number for number, container in containers.items() if container.state.running}


def half_made(c: Ctx) -> str | None:
    """One line when the workshop's cluster is stopped or unfinished (an interrupted `swarm.up`,
    an engine restart, `invoke down`), naming the task that brings it back; None when it is
    complete, or when there is none. A worker that was killed on purpose is not a half-made
    cluster: the swarm runs on without it (`swarm.nodes` shows it down)."""
    there, registry_ = nodes_there(c), registry_container(c)
    if not there and registry_ is None:
        return None
    finish = "`invoke swarm.up` finishes it"
    if not there:
        return f"the swarm is incomplete: its registry is there but no node yet; {finish}"
    if not running(there) and (registry_ is None or not registry_.state.running or 1 in there):
        return (
            "the swarm is stopped (by `invoke down` or an engine restart); `invoke up` or `invoke swarm.up` resumes it"
        )
    if 1 not in there:
        return "the swarm has no manager (node 1 is gone); `invoke swarm.up` makes the cluster again"
    if 1 not in running(there):
        return "the swarm's manager (node 1) is stopped; `invoke swarm.up` starts it again"
    if registry_ is None or not registry_.state.running:
        return f"the swarm's registry is {'missing' if registry_ is None else 'stopped'}; {finish}"
    members = member_hostnames(c)
    if members is None:
        return f"node 1 is not a swarm manager yet; {finish}"
    strays = [str(n) for n in sorted(there) if node_name(c, n) not in members]
    if strays:
        return f"the swarm is incomplete: node(s) {', '.join(strays)} never joined; {finish}"
    wanted = wanted_nodes(c)
    if wanted is not None and len(there) < wanted:
        return f"the swarm is incomplete: {len(there)} of the {wanted} nodes `swarm.up` was asked for; {finish}"
    return None


def member_hostnames(c: Ctx) -> set[str] | None:
    """The hostnames of the swarm's members, as its manager lists them; None when node 1's engine
    does not answer or is not a manager (yet)."""
    from python_on_whales.exceptions import DockerException

    try:
        boss = manager(c)
        found = boss.info().swarm
        if found is None or not found.control_available:
            return None
        return {str(n.description.hostname) for n in boss.node.list()}
    except DockerException:
        return None


def condition(c: Ctx) -> str | None:
    """What `invoke status` says of the cluster beyond its containers: unfinished or stopped, or
    which nodes are down; None when it is whole (or there is none, or it is a swarm of yours)."""
    if yours(c):
        return None
    problem = half_made(c)
    if problem:
        return problem
    stopped = sorted(set(nodes_there(c)) - running(nodes_there(c)))
    if stopped:
        return f"node(s) {', '.join(map(str, stopped))} stopped; `invoke swarm.up` brings them back"
    return None


def ensure_network(c: Ctx) -> None:
    """The cluster's bridge network, created once."""
    name = network(c)
    if not [n for n in c.docker.network.list(filters=c.project.filters(EXAMPLE)) if n.name == name]:
        c.docker.network.create(name, labels=c.project.labels(EXAMPLE))


def registry_container(c: Ctx) -> Any:
    """The cluster's registry container, or None."""
    return claim_container(c.docker, c.project, EXAMPLE, registry_name(c), "WORKSHOP_PROJECT")


def ensure_registry(c: Ctx) -> None:
    """The registry container on the cluster network (alias ``registry``), published on SWARM_BIND."""
    bind, published = c.get("SWARM_BIND"), c.get("SWARM_REGISTRY_PORT")
    name = registry_name(c)
    container = registry_container(c)
    if container is None:
        volume = f"{name}-data"
        if not c.docker.volume.exists(volume):
            c.docker.volume.create(volume, labels=c.project.labels(EXAMPLE))
        c.docker.run(
            c.get("SWARM_REGISTRY_IMAGE"), detach=True, name=name, init=True, labels=c.project.labels(EXAMPLE),
            networks=[network(c)], network_aliases=["registry"], publish=[(f"{bind}:{published}", 5000)],
            volumes=[(volume, "/var/lib/docker-registry")], restart="unless-stopped", user=REGISTRY_USER,
            **hardened(c, SERVICE), **healthcheck(REGISTRY_HEALTH),
        )  # fmt: skip
    elif not container.state.running:
        container.start()
    url = http_url(bind, published, "/v2/")
    wait_for(lambda: answers(url), f"the cluster's registry to answer at {url}", WAIT, interval=0.2,
             hint=f"see `docker logs {name}`")  # fmt: skip


def answers(url: str) -> bool:
    """True if a GET of ``url`` answers 200."""
    try:
        return get(url, timeout=2).status == 200
    except OSError:
        return False


def start_node(c: Ctx, number: int) -> None:
    """Node ``number``: a Docker engine in a container, with only what an engine needs."""
    import grp

    try:
        group = str(grp.getgrnam("docker").gr_gid)
    except KeyError:
        group = "0"
    options: dict[str, Any] = {}
    if number == 1:  # the manager: its socket in our folder, its proxy port on SWARM_BIND
        sock = state(c) / "sock"
        sock.mkdir(parents=True, exist_ok=True)
        options = {
            "volumes": [(sock, "/run/host")],
            "publish": [(f"{c.get('SWARM_BIND')}:{c.get('SWARM_PORT')}", PROXY_PORT)],
        }
    cgroups = ("/sys/fs/cgroup", "/sys/fs/cgroup", "rw")
    options["volumes"] = [*options.get("volumes", []), cgroups]
    name = node_name(c, number)
    c.docker.run(
        c.get("SWARM_NODE_IMAGE"), detach=True, name=name, hostname=name,
        labels={**c.project.labels(EXAMPLE), node_key(c): str(number), **made_with(c), **exempt(c, "swarm-node")},
        networks=[network(c)],
        # what an engine in a container needs, and nothing more (README: "The nodes")
        cap_add=["ALL"], cap_drop=["SYS_RESOURCE"],
        security_options=["seccomp=unconfined", "apparmor=unconfined"],
        tmpfs=["/run"],
        envs={"SOCKET_GROUP": group, "REGISTRY_FORWARD": f"{c.get('SWARM_REGISTRY_PORT')} {REGISTRY_TARGET}"},
        **options,
    )  # fmt: skip


def bring_up(c: Ctx, number: int, there: dict[int, Any]) -> None:
    """Node ``number`` running: started again if it is there, made if not."""
    container = there.get(number)
    if container is None:
        start_node(c, number)
    elif not container.state.running:
        container.start()


BAKED = ("SWARM_BIND", "SWARM_PORT", "SWARM_REGISTRY_PORT")  # a node keeps these from its start


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


def ports_free(c: Ctx, there: dict[int, Any]) -> None:
    """Before anything starts: the ports the cluster will publish are free (or already its own)."""
    bind = c.get("SWARM_BIND")
    wanted = [("SWARM_PORT", 1 not in there), ("SWARM_REGISTRY_PORT", registry_container(c) is None)]
    for name, needed in wanted:
        if needed and not port_is_free(bind, c.get(name)):
            raise c.settings.raw(name).fail(
                f"cannot be published: {bind}:{c.get(name)} is already in use",
                f"stop what uses it or choose another {name} {c.settings.where(name)}",
            )


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


def lead(c: Ctx, there: dict[int, Any]) -> None:
    """Node 1 up and the swarm's manager: started first and alone, so that every worker that
    starts after it finds the manager's engine (and its overlay networks' gossip) there to join.
    Workers that start at the same moment as their manager each come up alone in the overlay
    network and only find each other a minute later: the stack answers 503 until then."""
    bring_up(c, 1, there)
    if engine_ready(c, 1) in ("inactive", "error"):
        manager(c).swarm.init(advertise_address=address_of(c, 1))
        step(c, f"manager: {node_name(c, 1)} started the swarm")
    else:
        step(c, f"manager: {node_name(c, 1)} is the swarm's manager")
    # a node is declared down after missing its heartbeats for a few periods: 2 s periods, not
    # swarm's 5 s, so a failed node's replicas move sooner (swarm.kill shows it)
    manager(c).swarm.update(dispatcher_heartbeat=timedelta(seconds=HEARTBEAT))


def join(c: Ctx, there: dict[int, Any], count: int) -> None:
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
    step(c, f"workers: {', '.join(node_name(c, n) for n in workers)} running"
         + (f"; {', '.join(joined)} joined" if joined else ""))  # fmt: skip


def all_ready(c: Ctx, count: int) -> None:
    """Forget members that are no node of ours any more, then wait until every node is Ready."""
    boss = manager(c)
    wanted = {node_name(c, n) for n in range(1, count + 1)}
    for node in boss.node.list():
        if node.description.hostname not in wanted:
            boss.node.remove(node.id, force=True)

    def ready() -> bool:
        return wanted <= {str(n.description.hostname) for n in boss.node.list() if n.status.state == "ready"}

    wait_for(ready, f"nodes {', '.join(sorted(wanted))} to be Ready", WAIT, interval=0.3,
             hint=f"their engines' logs: {keep_logs(c, count)}")  # fmt: skip


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


def redis_node(boss: DockerClient) -> str | None:
    """Make sure one node carries the label that pins Redis (and its volume) to it: the first
    Ready worker (node 2 of the workshop's cluster), else a manager. Return the node newly
    labelled (None: one already was)."""
    nodes = sorted(boss.node.list(), key=lambda n: str(n.description.hostname))
    if any((n.spec.labels or {}).get(REDIS_LABEL) for n in nodes):
        return None
    ready = [n for n in nodes if n.status.state == "ready" and n.spec.availability == "active"] or nodes
    chosen = next((n for n in ready if n.spec.role == "worker"), ready[0])
    boss.node.update(chosen.id, labels_add={REDIS_LABEL: "true"})
    return str(chosen.description.hostname)


def show_nodes(c: Ctx) -> None:
    """The nodes: role, availability, state, and the replicas each runs."""
    boss = manager(c)
    running_: dict[str, int] = {}
    for each in stack_tasks(c, boss):  # none before the stack is deployed
        running_[each.node_id] = running_.get(each.node_id, 0) + 1
    rows = [
        (
            str(n.description.hostname),
            str(n.spec.role),
            str(n.spec.availability),
            str(n.status.state),
            str(running_.get(n.id, 0)),
        )
        for n in sorted(boss.node.list(), key=lambda n: str(n.description.hostname))
    ]
    say(table(("NODE", "ROLE", "AVAILABILITY", "STATE", "TASKS"), rows))


def build_images(c: Ctx) -> None:
    """The node, registry and proxy images (a no-op when nothing changed)."""
    for service in ("node", "registry", "proxy"):
        build_service(c, COMPOSE_FILE, service, images=["BASE_IMAGE"] if service == "node" else ())


def step(c: Ctx, what: str) -> None:
    """One line of `swarm.up`'s progress (on stderr, with the build lines: stdout keeps the
    results): the seconds since the task began, and the phase done."""
    warn(f"  {time.monotonic() - c.__dict__.get('_began', time.monotonic()):5.1f}s  {what}")


def shrink(c: Ctx, there: dict[int, Any], count: int) -> None:
    """Remove the nodes above ``count`` (they leave the swarm first); and when node 1 is gone, the
    workers too: a swarm whose manager is gone cannot be resumed, so the cluster is made anew."""
    for number, container in sorted(there.items()):
        if number > count or 1 not in there:
            try:
                manager(c).node.remove(node_name(c, number), force=True)
            except Exception:  # noqa: BLE001 - not a member any more, or no manager to ask
                pass
            container.remove(force=True, volumes=True)


@task(help={"nodes": "how many nodes (default: SWARM_NODES); the cluster grows or shrinks to it",
            "verbose": VERBOSE_HELP})  # fmt: skip
def up(c: Ctx, nodes=None, verbose=False):
    """Start or resume the workshop's swarm: node containers (the first the manager) and its registry."""
    c.check([setting.name for setting in SETTINGS])  # before anything is built or started
    if yours(c):
        raise not_ours(c, "swarm.up")
    registry(c)  # SWARM_REGISTRY is not for the workshop's cluster
    count = c.get("SWARM_NODES") if nodes is None else str(nodes)
    if not str(count).isdigit() or not 1 <= int(count) <= 9:
        raise WorkshopError(f"--nodes={count}: give a whole number of nodes from 1 to 9")
    count = int(count)
    began = c.__dict__.setdefault("_began", time.monotonic())
    there = nodes_there(c)
    same_settings(c, there)
    ports_free(c, there)
    found = half_made(c)
    if found:
        say(f"found: {found.split(';')[0]}")
    wanted_file(c).parent.mkdir(parents=True, exist_ok=True)
    wanted_file(c).write_text(f"{count}\n")  # before anything starts: `status` tells an unfinished cluster
    build_images(c)
    step(c, "images: node, registry and proxy built")
    ensure_network(c)
    ensure_registry(c)
    step(c, f"registry: {registry_name(c)} answers")
    shrink(c, there, count)
    there = nodes_there(c)
    lead(c, there)
    join(c, there, count)
    all_ready(c, count)
    step(c, f"nodes: {count} Ready")
    redis_node(manager(c))
    show_nodes(c)
    serving = ""
    if stack_tasks(c, manager(c)):  # a stack was deployed: it serves again before we say so
        wait_for_stack(c, manager(c))
        serving = f"; stack {c.get('SWARM_STACK')} serves at {stack_url(c)}"
    say(f"the swarm has {count} node(s), all Ready, after {time.monotonic() - began:.1f}s{serving}")


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
    there = nodes_there(c)
    registry_ = registry_container(c)
    if not there and registry_ is None:
        say("no swarm; nothing to stop")
        return
    up_now = [there[n] for n in sorted(running(there), reverse=True)]  # workers first, the manager last
    for container in up_now:
        container.stop()
    if registry_ is not None and registry_.state.running:
        registry_.stop()
    if not up_now:
        say("the swarm was stopped already; `invoke swarm.up` resumes it")
        return
    say(f"stopped the swarm ({len(there)} node(s) and the registry), its state kept; `invoke swarm.up` resumes it")


def is_up(c: Ctx) -> bool:
    """True if the workshop's cluster is whole, every node runs, and its stack (if deployed) serves."""
    there = nodes_there(c)
    if not there or half_made(c) is not None or running(there) != set(there):
        return False
    return not stack_tasks(c, manager(c)) or answers(stack_url(c) + "healthz")


def exists(c: Ctx) -> bool:
    """True if the workshop's cluster was made (running or not): `invoke up` resumes only such a cluster."""
    return not yours(c) and (bool(nodes_there(c)) or registry_container(c) is not None)


@task(
    help={
        "volumes": "also delete the registry's volume (the pushed images); asks first on a terminal",
        "yes": "with --volumes: delete without asking",
    }
)
def down(c: Ctx, volumes=False, yes=False):
    """Remove the workshop's swarm: every node (with the stack on it) and the registry."""
    there = nodes_there(c)
    registry = registry_container(c)
    if not there and registry is None:
        forget_state(c)  # what a deploy to a swarm of yours left: the stack file
        say("no swarm; nothing to remove")
        return
    doomed = swarm_data(c) if volumes else []
    confirm(c.project.name, doomed, yes, "invoke swarm.down --volumes")
    for container in there.values():
        container.remove(force=True, volumes=True)
    if registry is not None:
        registry.remove(force=True, volumes=False)
    for net in c.docker.network.list(filters=c.project.filters(EXAMPLE)):
        net.remove()
    forget_state(c)  # the manager's socket folder, the stack file
    if volumes:
        for volume in c.docker.volume.list(filters=c.project.filters(EXAMPLE)):
            volume.remove()
    report(doomed, gone_from(c.docker))
    say(f"removed the swarm ({len(there)} node(s) and the registry)")


def forget_state(c: Ctx) -> None:
    """Remove our folder for this cluster, and the swarm folder above it once it holds no other."""
    shutil.rmtree(state(c), ignore_errors=True)
    try:
        state(c).parent.rmdir()
    except OSError:  # another project's cluster is there (or it was never made)
        pass


def swarm_data(c: Ctx) -> list[Data]:
    """What `swarm.down --volumes` deletes: the registry's volume (the pushed images), and the
    nodes' engines, which hold the stack's Redis data (they go with the nodes, --volumes or not)."""
    found = [
        Data("volume", v.name, f"the cluster registry's pushed images{pushed_images(c)}")
        if v.name == f"{registry_name(c)}-data"
        else Data("volume", v.name, "data of the swarm example")
        for v in c.docker.volume.list(filters=c.project.filters(EXAMPLE))
    ]
    there = nodes_there(c)
    if there:
        names = ", ".join(ct.name for _, ct in sorted(there.items()))
        found.append(Data("node", names, f"each node's engine, with the stack's Redis data: {swarm_hit_count(there)}"))
    return found


def pushed_images(c: Ctx) -> str:
    """`` (counter, redis, ...)`` as the running registry lists them, or why they could not be read."""
    from workshop.engine import published
    from workshop.probe import get

    container = registry_container(c)
    if container is None or not container.state.running:
        return " (not listed: the registry is not running)"
    for each in published(container):
        try:
            listed = json.loads(get(http_url(each.host_ip, each.host_port, "/v2/_catalog"), timeout=3).body)
            return f" ({', '.join(listed.get('repositories') or []) or 'none yet'})"
        except (OSError, ValueError, AttributeError):
            continue
    return " (not listed: the registry does not answer)"


def swarm_hit_count(there: dict[int, Any]) -> str:
    """The swarm's hit count, read from Redis inside whichever running node runs it."""
    from python_on_whales.exceptions import DockerException

    service, cmd = '{{.ID}} {{.Label "com.docker.swarm.service.name"}}', "{{json .Config.Cmd}}"
    for container in (ct for _, ct in sorted(there.items()) if ct.state.running):
        try:
            listed = str(container.execute(["docker", "ps", "--format", service]))
            for ident in [line.split()[0] for line in listed.splitlines() if line.endswith("_redis")]:
                command = json.loads(str(container.execute(["docker", "inspect", "--format", cmd, ident])))
                port = command[command.index("--port") + 1] if "--port" in command[:-1] else "6379"
                value = str(container.execute(["docker", "exec", ident, "redis-cli", "-p", port, "get", "hits"]))
                value = value.strip()
                return f"the hit count, {value} (in {container.name})" if value.isdigit() else "no hit counted yet"
        except (DockerException, ValueError):
            continue
    return "the hit count (not read: no running node runs Redis)"


# -- the stack ---------------------------------------------------------------------------------------


def require_cluster(c: Ctx) -> DockerClient:
    """The manager's client; one line when there is no swarm."""
    from python_on_whales.exceptions import DockerException

    c.check([setting.name for setting in SETTINGS])  # before the engine is asked anything
    target = yours(c)
    if not target:
        if not nodes_there(c) and registry_container(c) is None:
            raise WorkshopError("there is no swarm; start it with `invoke swarm.up`")
        problem = half_made(c)
        if problem:
            raise WorkshopError(problem)
    if target and "://" not in target:
        try:
            c.docker.context.inspect(target)
        except DockerException:
            raise c.settings.raw("SWARM_MANAGER").fail(
                "names no docker context", "see `docker context ls`, or give an engine URL (tcp://, ssh://, unix://)"
            ) from None
    boss = manager(c)
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


def push(c: Ctx, local: str, repository: str) -> str:
    """Push ``local`` to the registry under a content-addressed tag; return that reference (the
    nodes pull it by the same name). The tag is added to ``local`` only for the push, then taken
    off again: the image keeps exactly the names it had."""
    from python_on_whales.exceptions import DockerException

    image = c.docker.image.inspect(local)
    pushed = f"{registry(c)}/{repository}:{image.id.removeprefix('sha256:')[:12]}"
    added = pushed not in (image.repo_tags or [])
    c.docker.image.tag(local, pushed)
    try:
        c.docker.image.push(pushed, quiet=True)
    except DockerException as error:
        setting = "SWARM_REGISTRY" if yours(c) else "SWARM_REGISTRY_PORT"
        detail = (error.stderr or "").strip().splitlines()
        raise WorkshopError(
            f"pushing {pushed} failed ({detail[-1] if detail else 'no answer'}); check {setting}"
            + ("" if yours(c) else ", or restart the cluster's registry with `invoke swarm.up`")
        ) from None
    finally:
        if added and set(c.docker.image.inspect(pushed).repo_tags or []) - {pushed}:
            c.docker.image.remove(pushed)  # a second name: only the name goes, never the image
    return pushed


def for_swarm(document: dict, images: dict[str, str], proxy_port: int = PROXY_PORT) -> dict:
    """A `docker compose config` document made into what `docker stack deploy` accepts:
    resource keys become ``deploy.resources.limits``; what swarm has no use for goes (build,
    restart, depends_on (no start order: the app answers 503 until Redis is there),
    security_opt (the nodes' engines give every container no-new-privileges)); ports lose
    their host address, and the proxy is published on ``proxy_port`` (on the manager)."""
    document = json.loads(json.dumps(document))
    for key in ("name", "secrets", "version"):
        document.pop(key, None)
    for name, service in document.get("services", {}).items():
        limits: dict[str, Any] = {}
        if service.get("mem_limit") is not None:
            limits["memory"] = str(service["mem_limit"])
        if service.get("cpus") is not None:
            limits["cpus"] = str(service["cpus"])
        if service.get("pids_limit") is not None:
            limits["pids"] = int(service["pids_limit"])
        for key in (
            "build",
            "restart",
            "depends_on",
            "security_opt",
            "container_name",
            "memswap_limit",
            "mem_limit",
            "cpus",
            "pids_limit",
        ):
            service.pop(key, None)
        for key in [k for k, v in service.items() if v is None]:
            service.pop(key)
        if limits:
            resources = service.setdefault("deploy", {}).setdefault("resources", {})
            resources["limits"] = {**limits, **resources.get("limits", {})}
        for values in service.get("deploy", {}).get("resources", {}).values():
            if isinstance(values, dict) and "cpus" in values:
                values["cpus"] = str(values["cpus"])
        for published in service.get("ports", []):
            published.pop("host_ip", None)
            if "published" in published:
                published["published"] = int(published["published"])
        if name in images:
            service["image"] = images[name]
        if name == "proxy":
            for each in service.get("ports", []):
                each["published"] = proxy_port
    for volume in document.get("volumes", {}).values():
        volume.pop("name", None)  # the stack names it: <stack>_redis_data
    for net in document.get("networks", {}).values():
        net.pop("name", None)
        net.setdefault("driver", "overlay")
    return document


def stack_document(c: Ctx, images: dict[str, str]) -> Path:
    """The stack file deployed: docker-compose.yml and stack.yml merged by compose, made swarm-ready."""
    from python_on_whales import DockerClient

    settings = c.settings
    for name in ("SWARM_REPLICAS",):
        c.get(name)
    client = DockerClient(
        compose_files=[settings.root / c.get("WORKSHOP_COMPOSE_FILE"), settings.root / STACK_FILE],
        compose_env_files=list[str | Path](settings.compose_env_files()),
        compose_project_name=c.get("WORKSHOP_PROJECT"),
        compose_project_directory=settings.root,
    )  # fmt: skip
    published = c.get("SWARM_PORT") if yours(c) else PROXY_PORT  # ours: the manager's container maps it
    document = for_swarm(client.compose.config(return_json=True), images, published)
    path = state(c) / "stack.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1))
    return path


def stack_tasks(c: Ctx, boss: DockerClient) -> list[TaskView]:
    """The stack's tasks meant to run (none when it is not deployed)."""
    stack = c.get("SWARM_STACK")
    if stack not in [s.name for s in boss.stack.list()]:
        return []
    return [t for t in settled(lambda: boss.stack.ps(stack)) if t.desired_state == "running"]


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


def settled(listing: Callable[[], list]) -> list[TaskView]:
    """The tasks a listing gives, read in full; asked again when swarm pruned one meanwhile."""
    from python_on_whales.exceptions import DockerException

    for attempt in range(10):
        try:
            return [
                TaskView(
                    str(t.id),
                    str(t.service_id),
                    str(t.node_id or ""),
                    str(t.desired_state),
                    str(t.status.state),
                    str(t.status.err or t.status.message or ""),
                    str(t.spec.container_spec.image if t.spec.container_spec else ""),
                    int(t.slot or 0),
                )  # fmt: skip
                for t in listing()
            ]
        except DockerException:
            if attempt == 9:
                raise
            time.sleep(0.2)
    return []


def wanted_tasks(c: Ctx) -> int:
    """Tasks the stack runs when complete: the app's replicas, Redis and the proxy."""
    return c.get("SWARM_REPLICAS") + 2


def wait_for_stack(c: Ctx, boss: DockerClient) -> None:
    """Until every task the stack's services want runs (healthy: swarm reports a task with a health
    check as running only once it is) and a hit through the proxy answers 200 (its /healthz, which
    a replica answers only when it reaches Redis: the count does not move)."""
    settle(c, boss)
    if yours(c):  # its manager's port may not be reachable from here: swarm's health checks passed
        return
    url = stack_url(c) + "healthz"
    wait_for(lambda: answers(url), f"the stack to answer 200 at {url}", WAIT,
             progress=lambda took: warn(f"  {took:4.0f}s  waiting for an answer through the proxy at {url}"),
             hint="see `invoke stack.ps` and `invoke stack.logs --service proxy`")  # fmt: skip


def stack_url(c: Ctx) -> str:
    """Where the stack answers: SWARM_BIND:SWARM_PORT for ours; for a swarm of yours, SWARM_PORT on
    the manager's host (from its URL or context; a local socket means this machine)."""
    target = yours(c)
    if not target:
        return http_url(c.get("SWARM_BIND"), c.get("SWARM_PORT"))
    if "://" not in target:
        target = str(c.docker.context.inspect(target).endpoints["docker"].host or "unix://")
    return http_url(engine_host(target), c.get("SWARM_PORT"))


def engine_host(url: str) -> str:
    """The host an engine URL names: tcp://h:2376 and ssh://user@h:22 give h; a local socket gives 127.0.0.1."""
    scheme, _, rest = url.partition("://")
    if scheme not in ("tcp", "ssh", "http", "https"):
        return "127.0.0.1"
    host = rest.split("/", 1)[0].rsplit("@", 1)[-1]
    if host.startswith("["):  # [v6]:port
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


@task(help={"verbose": VERBOSE_HELP})
def deploy(c: Ctx, verbose=False):
    """Deploy example 4's stack to the swarm: push its images to the cluster's registry, deploy, wait until healthy."""
    c.check([setting.name for setting in SETTINGS])
    registry(c)  # SWARM_REGISTRY fits SWARM_MANAGER, before the engine is asked anything
    boss = require_cluster(c)
    stack, began = c.get("SWARM_STACK"), time.monotonic()
    compose = c.compose(c.get("WORKSHOP_COMPOSE_FILE"))
    copy_output(compose.compose.build(["app"], stream_logs=True), progress=True)  # builds what changed
    images = {
        "app": push(c, c.get("APP_IMAGE"), "counter"),
        "redis": push(c, c.get("REDIS_IMAGE"), "redis"),
        "proxy": push(c, c.get("SWARM_PROXY_IMAGE"), "proxy"),
    }
    warn(f"  pushed the app, Redis and proxy images to {registry(c)} ({time.monotonic() - began:.1f}s)")
    labelled = redis_node(boss)
    if labelled:
        say(f"Redis and its volume will live on node {labelled} (node label {REDIS_LABEL}=true)")
    boss.stack.deploy(stack, compose_files=[stack_document(c, images)])
    warn("  deployed; each node pulls its images from the registry, then the health checks run")
    wait_for_stack(c, boss)
    say(
        f"stack {stack} deployed ({images['app'].rsplit(':', 1)[-1]}) and healthy after "
        f"{time.monotonic() - began:.1f}s: {stack_url(c)}"
    )


@task
def ps(c: Ctx):
    """List the stack's tasks: service, node, desired and current state (docker stack ps)."""
    boss = require_cluster(c)
    names = {n.id: n.description.hostname for n in boss.node.list()}
    tasks = stack_tasks(c, boss)
    if not tasks:
        say("the stack is not deployed; `invoke stack.deploy` deploys it")
        return
    services = {s.id: s.spec.name for s in boss.service.list()}
    rows = [(str(services.get(t.service_id, t.service_id)), str(names.get(t.node_id, "-")), t.desired_state,
             t.state, image_tag(t.image)) for t in tasks]  # fmt: skip
    say(table(("SERVICE", "NODE", "DESIRED", "STATE", "TAG"), sorted(rows)))


def image_tag(reference: str | None) -> str:
    """The tag of an image reference as swarm stores it (``registry/name:tag@sha256:...``)."""
    name = str(reference or "-").split("@", 1)[0]
    return name.rsplit(":", 1)[1] if ":" in name.rsplit("/", 1)[-1] else "latest"


@task(help={"service": "only this service (app, redis or proxy)", "follow": "keep streaming until Ctrl-C"})
def logs(c: Ctx, service="app", follow=False):
    """Print a service's logs from every node (docker service logs)."""
    if service not in ("app", "redis", "proxy"):
        raise WorkshopError(f"--service={service!r}: use app, redis or proxy")
    boss = require_cluster(c)
    copy_until_interrupted(boss.service.logs(f"{c.get('SWARM_STACK')}_{service}", follow=follow, stream=True))


@task
def hit(c: Ctx):
    """Visit the stack on the swarm once: its answer, and which replica served it."""
    url = stack_url(c)
    try:
        response = get(url)
    except OSError as exc:
        raise WorkshopError(f"nothing answers at {url} ({unreachable(exc)}); {advice(c)}") from None
    if response.status != 200:
        raise WorkshopError(f"{url} answered {answer_line(response)}; {advice(c)}")
    text = response.body.decode(errors="replace").strip()
    say(f"{text} (served by {response.headers.get('x-served-by', '?')})")


def advice(c: Ctx) -> str:
    """What to do when the stack does not answer, from the state things are in."""
    if yours(c):
        return "is SWARM_PORT on the manager's host reachable from here? (`invoke stack.ps` shows the tasks)"
    if not exists(c):
        return "there is no swarm: `invoke swarm.up`, then `invoke stack.deploy`"
    problem = half_made(c)
    if problem:
        return problem
    boss = manager(c)
    tasks = stack_tasks(c, boss)
    if not tasks:
        return "the stack is not deployed; `invoke stack.deploy` deploys it"
    names = {n.id: str(n.description.hostname) for n in boss.node.list()}
    wanted = sum(int(s.spec.mode.get("Replicated", {}).get("Replicas", 0)) for s in stack_services(c, boss))
    return f"the stack is deployed but not serving ({waiting_on(tasks, names, wanted)}); see `invoke stack.ps`"


@task(help={"replicas": "how many replicas of the app (1-20)"})
def scale(c: Ctx, replicas=0):
    """Run REPLICAS replicas of the app and wait until they are healthy (docker service scale)."""
    if not 1 <= replicas <= 20:
        raise WorkshopError(f"--replicas={replicas}: give a number of replicas from 1 to 20")
    boss = require_cluster(c)
    stack, began = c.get("SWARM_STACK"), time.monotonic()
    boss.service.scale({f"{stack}_app": replicas}, detach=True)
    wait_for_stack(c, boss)
    say(f"{replicas} replica(s) of the app running and healthy after {time.monotonic() - began:.1f}s")


@task
def rm(c: Ctx):
    """Remove the stack from the swarm; Redis's volume stays on its node (docker stack rm)."""
    boss = require_cluster(c)
    stack = c.get("SWARM_STACK")
    if stack not in [s.name for s in boss.stack.list()]:
        say(f"stack {stack} is not deployed; nothing to remove")
        return
    boss.stack.remove(stack)
    wait_for(lambda: stack_gone(boss, stack), f"stack {stack}'s containers and networks to go", WAIT)
    say(f"stack {stack} removed; Redis's data stays in its volume on its node")


# -- changing a running stack: rolling updates, rollback ---------------------------------------------


def app_service(c: Ctx, boss: DockerClient) -> Any:
    """The stack's app service; one line when the stack is not deployed."""
    from python_on_whales.exceptions import NoSuchService

    name = f"{c.get('SWARM_STACK')}_app"
    try:
        return boss.service.inspect(name)
    except NoSuchService:
        raise WorkshopError(
            f"the stack is not deployed ({name} does not exist); `invoke stack.deploy` deploys it"
        ) from None


def service_image(service: Any) -> str:
    """The image a service runs, without the digest swarm pins it to."""
    return str(service.spec.task_template.container_spec.image).split("@", 1)[0]


def roll(c: Ctx, boss: DockerClient, image: str, force: bool = False) -> tuple[str, float]:
    """Roll the app out to ``image`` one replica at a time (the service's update_config: start-first,
    gated on health, rolled back on failure), printing each new replica as it turns healthy or
    fails. Return swarm's final update state and the seconds it took."""
    service = app_service(c, boss)
    name, began = service.spec.name, time.monotonic()
    before = service.update_status.started_at if service.update_status else None
    known = {t.id for t in settled(lambda: boss.service.ps(name))}  # replicas (and their history) from before
    boss.service.update(name, image=image, force=force, detach=True, quiet=True)
    names = {n.id: str(n.description.hostname) for n in boss.node.list()}
    deadline = time.monotonic() + WAIT * 2
    while True:
        status = boss.service.inspect(name).update_status
        for each in settled(lambda: boss.service.ps(name)):
            state = each.state
            if each.id in known or state not in ("running", "failed", "rejected", "shutdown", "complete"):
                continue
            known.add(each.id)
            where = names.get(each.node_id, each.node_id)
            tag = image_tag(each.image)
            said = "is healthy" if state == "running" else f"never became healthy ({state}: {each.error})"
            say(f"  {time.monotonic() - began:5.1f}s  new replica on {where} ({tag}) {said}")
        if status is not None and status.started_at != before and status.state in FINAL:
            return str(status.state), time.monotonic() - began
        if time.monotonic() > deadline:
            raise WorkshopError(f"the rollout was not done after {WAIT * 2}s; see `invoke stack.ps`")
        time.sleep(0.5)


FINAL = ("completed", "rollback_completed", "paused", "rollback_paused")


@task(
    help={
        "image": "roll out this local image instead of one built from the current code",
        "force": "roll every replica again even when the image did not change (a restart, one by one)",
        "verbose": VERBOSE_HELP,
    }
)
def update(c: Ctx, image="", force=False, verbose=False):
    """Roll the app out again, replica by replica, and back by itself if a new replica fails its health check.

    It builds the app from the current code (or takes --image), pushes it under a new tag and
    starts each new replica before stopping an old one.
    """
    c.check([setting.name for setting in SETTINGS])
    registry(c)
    boss = require_cluster(c)
    running = service_image(app_service(c, boss))
    if image:
        if not c.docker.image.exists(image):
            raise WorkshopError(f"--image={image!r}: no such image on this machine; build or pull it first")
        local = image
    else:
        compose = c.compose(c.get("WORKSHOP_COMPOSE_FILE"))
        copy_output(compose.compose.build(["app"], stream_logs=True), progress=True)
        local = c.get("APP_IMAGE")
    wanted = push(c, local, "counter")
    if wanted == running and not force:
        say(f"the app already runs {image_tag(running)}; nothing to roll out (--force rolls it again)")
        return
    replicas = len([t for t in stack_tasks(c, boss) if t.service_id == app_service(c, boss).id])
    say(f"rolling out {image_tag(wanted)} over {image_tag(running)}: {replicas} replica(s), one at a time")
    outcome, took = roll(c, boss, wanted, force=force)
    if outcome != "completed":
        now = image_tag(service_image(app_service(c, boss)))
        raise WorkshopError(
            f"the update to {image_tag(wanted)} failed after {took:.1f}s ({outcome}): a new replica was not healthy; "
            f"swarm rolled back and {now} serves; `invoke stack.logs` shows why"
        )
    say(f"every replica runs {image_tag(wanted)}, after {took:.1f}s")


@task
def rollback(c: Ctx):
    """Go back to the version the app ran before the last update, replica by replica, the same way."""
    boss = require_cluster(c)
    service = app_service(c, boss)
    previous = service.previous_spec
    if service.update_status is not None and str(service.update_status.state).startswith("rollback"):
        say(f"the last update was rolled back already; {image_tag(service_image(service))} serves")
        return
    if previous is None:
        raise WorkshopError("the app has no earlier version on this swarm (it was never updated); nothing to roll back")
    target = str(previous.task_template.container_spec.image).split("@", 1)[0]
    say(f"rolling back from {image_tag(service_image(service))} to {image_tag(target)}, one replica at a time")
    outcome, took = roll(c, boss, target, force=target == service_image(service))
    if outcome != "completed":
        raise WorkshopError(
            f"the rollback to {image_tag(target)} ended {outcome} after {took:.1f}s; see `invoke stack.ps`"
        )
    say(f"every replica runs {image_tag(target)} again, after {took:.1f}s")


# -- nodes failing and leaving -----------------------------------------------------------------------


def find_node(c: Ctx, boss: DockerClient, which: str) -> Any:
    """A node of the swarm by number (ours: 2 is <project>-swarm-2), hostname or id."""
    wanted = node_name(c, int(which)) if which.isdigit() and not yours(c) else which
    for each in boss.node.list():
        if wanted in (each.description.hostname, each.id) or (len(wanted) >= 6 and each.id.startswith(wanted)):
            return each
    known = ", ".join(sorted(str(n.description.hostname) for n in boss.node.list()))
    raise WorkshopError(f"NODE={which!r}: no such node; the swarm has {known} (`invoke swarm.nodes`)")


def named(node: str | None) -> str:
    """The NODE argument, or one line when it is missing (before the engine is asked anything)."""
    if not node:
        raise WorkshopError(
            "NODE is missing: name the node by its number (2), hostname or id; see `invoke swarm.nodes`"
        )
    return str(node)


def keeps_redis(node: Any) -> bool:
    """True for the node Redis and its volume are pinned to."""
    return bool((node.spec.labels or {}).get(REDIS_LABEL))


def settle(c: Ctx, boss: DockerClient, away_from: str | None = None) -> float:
    """Wait until the stack runs every task it wants (none on ``away_from``), saying every few
    seconds what it waits for; return the seconds taken."""
    began = time.monotonic()
    names = {n.id: str(n.description.hostname) for n in boss.node.list()}
    seen = [""]

    def settled_now() -> bool:
        tasks = stack_tasks(c, boss)
        wanted = sum(int(s.spec.mode.get("Replicated", {}).get("Replicas", 0)) for s in stack_services(c, boss))
        seen[0] = waiting_on(tasks, names, wanted)
        done = [t for t in tasks if t.state == "running"]
        return len(done) == len(tasks) >= wanted and not [t for t in tasks if t.node_id == away_from]

    progress = lambda took: warn(f"  {took:4.0f}s  waiting: {seen[0]}")  # noqa: E731
    wait_for(settled_now, "the stack's tasks to run", WAIT, progress=progress, every=2.0,
             hint=lambda: f"last seen: {seen[0]}; see `invoke stack.ps`")  # fmt: skip
    return time.monotonic() - began


def waiting_on(tasks: list[TaskView], names: dict[str, str], wanted: int) -> str:
    """What a stack that is not running yet waits for, in one line: tasks running, image pulls per
    node, replicas in their health checks, tasks not placed yet."""
    by_state: dict[str, list[TaskView]] = {}
    for each in tasks:
        by_state.setdefault(each.state, []).append(each)
    parts = [f"{len(by_state.get('running', []))} of {wanted} tasks running"]
    pulling = sorted({names.get(t.node_id, t.node_id) for t in by_state.get("preparing", [])})
    if pulling:
        parts.append(f"pulling images on {', '.join(pulling)}")
    if by_state.get("starting"):
        parts.append(f"{len(by_state['starting'])} in their health checks")
    placing_states = ("new", "pending", "assigned", "accepted", "ready")
    placing = sum(len(by_state.get(s, [])) for s in placing_states)
    if placing:
        parts.append(f"{placing} being placed")
    for state_, found in sorted(by_state.items()):
        if state_ not in ("running", "preparing", "starting", *placing_states):
            parts.append(f"{len(found)} {state_} ({found[0].error or 'no reason given'})")
    return "; ".join(parts)


def stack_services(c: Ctx, boss: DockerClient) -> list:
    """The stack's services."""
    prefix = f"{c.get('SWARM_STACK')}_"
    return [s for s in boss.service.list() if str(s.spec.name).startswith(prefix)]


@task(
    positional=["node"],
    help={
        "node": "the node: its number (2), hostname or id",
        "force": "drain it even if it keeps Redis or is the only manager (the stack stops answering)",
    },
)
def drain(c: Ctx, node=None, force=False):
    """Move every task off NODE and keep new ones away (docker node update --availability drain)."""
    which = named(node)
    boss = require_cluster(c)
    found = find_node(c, boss, which)
    name = found.description.hostname
    managers = [n for n in boss.node.list() if n.spec.role == "manager" and n.spec.availability == "active"]
    if not force and keeps_redis(found):
        raise WorkshopError(
            f"NODE={node!r}: {name} keeps Redis and its volume, which cannot move; draining it stops the "
            "counter (503) until `invoke swarm.activate`: add --force to do it anyway"
        )
    if not force and found.spec.role == "manager" and [m.id for m in managers] == [found.id]:
        raise WorkshopError(
            f"NODE={node!r}: {name} is the only active manager, where the proxy runs; add --force to drain it anyway"
        )
    boss.node.update(found.id, availability="drain")
    took = settle(c, boss, away_from=found.id) if stack_tasks(c, boss) else 0.0
    say(f"{name} drained: its tasks run elsewhere ({took:.1f}s); `invoke swarm.activate {node}` takes it back")


@task(positional=["node"], help={"node": "the node: its number (2), hostname or id"})
def activate(c: Ctx, node=None):
    """Let NODE take tasks again (docker node update --availability active)."""
    which = named(node)
    boss = require_cluster(c)
    found = find_node(c, boss, which)
    boss.node.update(found.id, availability="active")
    say(
        f"{found.description.hostname} is active: new tasks may run there (swarm does not move running ones back; "
        "the next `invoke stack.update --force` or `stack.scale` spreads them)"
    )
    if keeps_redis(found) and stack_tasks(c, boss):
        settle(c, boss)


@task(positional=["node"], help={"node": "the node: its number (2) or hostname; a worker"})
def kill(c: Ctx, node=None):
    """Stop NODE's container abruptly, as when a machine fails; `invoke swarm.up` starts it again."""
    if yours(c):
        raise not_ours(c, "swarm.kill")
    which = named(node)
    boss = require_cluster(c)
    found = find_node(c, boss, which)
    name = str(found.description.hostname)
    if found.spec.role == "manager":
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


def cluster_ready(c: Ctx, ran: Ran, noted: dict) -> str:
    """Every node Ready, one manager."""
    boss = require_cluster(c)
    found = boss.node.list()
    expect(all(n.status.state == "ready" for n in found), "not every node is Ready")
    managers = [n for n in found if n.spec.role == "manager"]
    expect(len(managers) == 1, f"{len(managers)} managers")
    return tr("{count} nodes, all Ready, one of them the manager: each a container running its own engine").format(
        count=len(found)
    )


def stack_running(c: Ctx, ran: Ran, noted: dict) -> str:
    """Every task of the stack runs, the app's replicas on more than one node (the swarm
    schedules in its own time: the check waits for it)."""

    def placed() -> tuple[list, set] | None:
        tasks = stack_tasks(c, require_cluster(c))
        apps = {t.node_id for t in tasks if t.state == "running" and t.service_id in app_services(c)}
        return (tasks, apps) if len(tasks) == wanted_tasks(c) and len(apps) >= min(2, len(nodes_there(c))) else None

    tasks, apps = expect_soon(
        placed,
        f"{wanted_tasks(c)} running tasks, the app's replicas on more than one node",
        hint=lambda: "see `invoke stack.ps`",
    )
    return tr("the stack runs {tasks} tasks; the app's replicas spread over {nodes} nodes").format(
        tasks=len(tasks), nodes=len(apps)
    )


def app_services(c: Ctx) -> set[str]:
    """The id of the stack's app service."""
    name = f"{c.get('SWARM_STACK')}_app"
    return {s.id for s in require_cluster(c).service.list() if s.spec.name == name}


def hit_counted(c: Ctx, ran: Ran, noted: dict) -> str:
    """The counter answered through the proxy, naming its replica."""
    expect("(served by " in ran.stdout and "seen" in ran.stdout, f"the swarm answered {ran.result!r}")
    count = int(ran.stdout.split("seen ")[1].split()[0])
    first = noted.get("swarm_count")
    if first is not None:
        expect(count == int(str(first)) + 1, f"the count went from {first} to {count}")
        return tr("the count went from {first} to {count}: every replica counts in the one Redis").format(
            first=first, count=count
        )
    noted["swarm_count"] = count
    return tr("a replica answered: seen {count} times").format(count=count)


def stack_gone(boss: DockerClient, stack: str) -> bool:
    """No container and no network of the stack is left on the manager (a network the engine is
    removing as we look counts as not gone yet)."""
    from python_on_whales.exceptions import DockerException

    label: list[tuple[Literal["label"], str]] = [("label", f"com.docker.stack.namespace={stack}")]
    try:
        return not boss.container.list(filters=label) and not boss.network.list(filters=label)
    except DockerException:  # listed, then removed before it could be inspected
        return False


# -- what `invoke dashboard` shows and offers ---------------------------------------------------------


def cluster_engine(c: Ctx) -> DockerClient | None:
    """The manager's engine, whose events the dashboard follows; None while the workshop has no cluster
    (its socket is not there: checked without asking any engine)."""
    if yours(c) or (state(c) / "sock" / "docker.sock").exists():
        return manager(c)
    return None


def cluster_view(c: Ctx) -> dict[str, Any]:
    """The swarm as `swarm.nodes` and `stack.ps` read it: each node (role, availability, state) and
    each task of the stack meant to run (service, replica, release tag, state, node)."""
    from python_on_whales.exceptions import DockerException

    if cluster_engine(c) is None:
        return {"kind": "cluster", "present": False, "settling": False}
    boss = manager(c)
    try:
        nodes_ = sorted(boss.node.list(), key=lambda n: str(n.description.hostname))
        tasks = stack_tasks(c, boss)
        services = stack_services(c, boss) if tasks else []
    except DockerException as exc:
        return {"kind": "cluster", "present": True, "ok": False, "settling": False,
                "error": f"the cluster's manager does not answer ({last_line(exc.stderr)}); "
                         "`invoke swarm.up` brings it back"}  # fmt: skip
    prefix = f"{c.get('SWARM_STACK')}_"
    names = {s.id: str(s.spec.name).removeprefix(prefix) for s in services}
    wanted = sum(int(s.spec.mode.get("Replicated", {}).get("Replicas", 0)) for s in services)
    updating = any(s.update_status is not None and str(s.update_status.state) in ("updating", "rollback_started")
                   for s in services)  # fmt: skip
    return {
        "kind": "cluster",
        "present": True,
        "ok": True,
        "nodes": [
            {"id": str(n.id), "name": str(n.description.hostname), "role": str(n.spec.role),
             "availability": str(n.spec.availability), "state": str(n.status.state), "redis": keeps_redis(n)}
            for n in nodes_
        ],
        "tasks": sorted(
            ({"id": t.id, "service": names.get(t.service_id, t.service_id), "replica": t.slot,
              "release": image_tag(t.image), "state": t.state, "node": t.node_id, "error": t.error}
             for t in tasks),
            key=lambda t: (t["service"], t["replica"]),
        ),
        # tasks change on the workers without an event on the manager: read again while they move
        "settling": updating or len(tasks) < wanted or any(t.state != "running" for t in tasks),
    }  # fmt: skip


def on_node(c: Ctx, argument: str) -> dict[str, Any]:
    """The options of a node's button: the node, by the hostname the page shows."""
    return {"node": argument}


def replicas_by(step_: int) -> Callable[[Ctx, str], dict[str, Any]]:
    """The options of a scale button: the app's replicas now, plus ``step_``."""

    def options(c: Ctx, argument: str) -> dict[str, Any]:
        now = int(app_service(c, manager(c)).spec.mode.get("Replicated", {}).get("Replicas", 0))
        return {"replicas": now + step_}

    return options


swarm = Example(
    name=EXAMPLE,
    collection=Collection("swarm", up, nodes, stop, down, drain, activate, kill),
    settings=SETTINGS,
    compose_files=(COMPOSE_FILE, STACK_FILE),
    service=Service(
        start="swarm.up", stop="swarm.stop", is_up=is_up, exists=exists, purge=("swarm.down", {"volumes": True})
    ),
    condition=condition,
    data=swarm_data,
    panel=Panel(
        view=cluster_view,
        engine=cluster_engine,
        actions=(
            Action("swarm.up", "swarm.up", "swarm.up"),
            Action("swarm.drain", "drain", "swarm.drain", on_node, per_node=True),
            Action("swarm.activate", "activate", "swarm.activate", on_node, per_node=True),
            Action("swarm.kill", "kill", "swarm.kill", on_node, per_node=True),
        ),
    ),
    tour=Step(
        N_("scale out on a swarm"),
        N_(
            "Compose runs a stack on one machine; Swarm runs the same stack across several. Here the "
            "nodes are containers, the app runs as several replicas on different nodes, and a proxy "
            "spreads the visits over them while Redis keeps one count."
        ),
        (
            Move(
                "docker swarm init; docker swarm join ...",
                "swarm.up",
                cluster_ready,
                note=N_("three nodes, each a container with its own engine"),
            ),
            Move("docker stack deploy -c docker-compose.yml counter", "stack.deploy", stack_running),
            Move(N_("open the stack's URL"), "stack.hit", hit_counted),
            Move(N_("open it again"), "stack.hit", hit_counted),
        ),
        cleanup=("swarm.down", {"volumes": True, "yes": True}),  # only a cluster the tour made
        present=lambda c: bool(nodes_there(c)),
        slow=True,
    ),
)
stack = Example(
    name="stack",
    collection=Collection("stack", deploy, ps, logs, hit, scale, update, rollback, rm),
    panel=Panel(
        actions=(
            Action("stack.hit", "hit the swarm's counter", "stack.hit"),
            Action("stack.scale-down", "scale −1", "stack.scale", replicas_by(-1)),
            Action("stack.scale-up", "scale +1", "stack.scale", replicas_by(+1)),
            Action("stack.update", "update --force", "stack.update", lambda c, argument: {"force": True}),
            Action("stack.rollback", "rollback", "stack.rollback"),
        )
    ),
)
