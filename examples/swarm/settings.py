"""Example 5's settings, their checks, and the fixed values every part of it shares (files, ports,
timings)."""

from __future__ import annotations

import re

from workshop.cli import Ctx
from workshop.config import Settings
from workshop.settings import Setting, address, image, port, whole

EXAMPLE = "swarm"
COMPOSE_FILE = "examples/swarm/compose.yml"  # builds the node, registry and proxy images
STACK_FILE = "examples/swarm/stack.yml"  # the stack: docker-compose.yml plus this
PROXY_PORT = 8080  # where the proxy listens, on the manager node
REDIS_LABEL = "workshop-redis"  # the node label that pins Redis (and its volume) to one node
WAIT = 180  # seconds a cluster or a stack may take to be ready
HEARTBEAT = 2  # seconds between a node's heartbeats to the manager

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


def check_settings(c: Ctx) -> None:
    """Every setting of example 5 checked, before anything is built, started or asked of an engine."""
    c.check([setting.name for setting in SETTINGS])
