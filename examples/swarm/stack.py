"""Example 4's stack on the swarm: its compose document made into what `docker stack deploy`
accepts, and the tasks that deploy it (`stack.deploy`: push, deploy, wait until healthy) and
remove it (`stack.rm`)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from examples.swarm.cluster import require_cluster
from examples.swarm.names import registry, stack_url, state, yours
from examples.swarm.nodes import redis_node
from examples.swarm.registry import push
from examples.swarm.settings import PROXY_PORT, REDIS_LABEL, STACK_FILE, WAIT, check_settings
from examples.swarm.watch import stack_gone, wait_for_stack
from workshop.cli import VERBOSE_HELP, Ctx, say, task, warn
from workshop.engine import copy_output
from workshop.waiting import wait_for

if TYPE_CHECKING:  # pragma: no cover - typing only
    from python_on_whales import DockerClient

#: what swarm has no use for: build, restart, depends_on (no start order: the app answers 503 until
#: Redis is there), security_opt (the nodes' engines give every container no-new-privileges), and
#: the resource keys, which become ``deploy.resources.limits``
DROPPED = ("build", "restart", "depends_on", "security_opt", "container_name", "memswap_limit", "mem_limit", "cpus",
           "pids_limit")  # fmt: skip


def limits_of(service: dict) -> dict[str, Any]:
    """A compose service's memory, CPU and PIDs limits, as ``deploy.resources.limits`` spells them."""
    limits: dict[str, Any] = {}
    if service.get("mem_limit") is not None:
        limits["memory"] = str(service["mem_limit"])
    if service.get("cpus") is not None:
        limits["cpus"] = str(service["cpus"])
    if service.get("pids_limit") is not None:
        limits["pids"] = int(service["pids_limit"])
    return limits


def service_for_swarm(service: dict) -> None:
    """One compose service made swarm-ready, in place: limits under deploy, what swarm refuses gone,
    ports without a host address."""
    limits = limits_of(service)
    for key in [*DROPPED, *(k for k, v in service.items() if v is None)]:
        service.pop(key, None)
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


def for_swarm(document: dict, images: dict[str, str], proxy_port: int = PROXY_PORT) -> dict:
    """A `docker compose config` document made into what `docker stack deploy` accepts: each
    service swarm-ready (``service_for_swarm``), its image the pushed one of ``images``; the proxy
    published on ``proxy_port`` (on the manager); volumes and networks named by the stack."""
    document = json.loads(json.dumps(document))
    for key in ("name", "secrets", "version"):
        document.pop(key, None)
    for name, service in document.get("services", {}).items():
        service_for_swarm(service)
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
    c.get("SWARM_REPLICAS")  # checked here: stack.yml reads it
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


def build_app(c: Ctx) -> None:
    """The app's image built from the current code (a no-op when nothing changed)."""
    compose = c.compose(c.get("WORKSHOP_COMPOSE_FILE"))
    copy_output(compose.compose.build(["app"], stream_logs=True), progress=True)


def push_images(c: Ctx) -> dict[str, str]:
    """The stack's images pushed to the registry: each service's reference there."""
    return {
        "app": push(c, c.get("APP_IMAGE"), "counter"),
        "redis": push(c, c.get("REDIS_IMAGE"), "redis"),
        "proxy": push(c, c.get("SWARM_PROXY_IMAGE"), "proxy"),
    }


def deploy_stack(c: Ctx, boss: DockerClient, images: dict[str, str]) -> None:
    """Hand the stack, with the pushed ``images``, to the swarm (Redis pinned to a node first)."""
    labelled = redis_node(boss)
    if labelled:
        say(f"Redis and its volume will live on node {labelled} (node label {REDIS_LABEL}=true)")
    boss.stack.deploy(c.get("SWARM_STACK"), compose_files=[stack_document(c, images)])


@task(help={"verbose": VERBOSE_HELP})
def deploy(c: Ctx, verbose=False):
    """Deploy example 4's stack to the swarm: push its images to the cluster's registry, deploy, wait until healthy."""
    check_settings(c)
    registry(c)  # SWARM_REGISTRY fits SWARM_MANAGER, before the engine is asked anything
    boss = require_cluster(c)
    began = time.monotonic()
    build_app(c)
    images = push_images(c)
    warn(f"  pushed the app, Redis and proxy images to {registry(c)} ({time.monotonic() - began:.1f}s)")
    deploy_stack(c, boss, images)
    warn("  deployed; each node pulls its images from the registry, then the health checks run")
    wait_for_stack(c, boss)
    say(
        f"stack {c.get('SWARM_STACK')} deployed ({images['app'].rsplit(':', 1)[-1]}) and healthy after "
        f"{time.monotonic() - began:.1f}s: {stack_url(c)}"
    )


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
