"""What example 5 calls things and where it finds them: the cluster's containers and network, our
folder for it, the manager's engine (ours or a swarm of yours), the registry, the stack's URL."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from workshop.cli import Ctx
from workshop.config import state_dir
from workshop.errors import WorkshopError
from workshop.probe import get, http_url

if TYPE_CHECKING:  # pragma: no cover - typing only
    from python_on_whales import DockerClient


def network(c: Ctx) -> str:
    """The cluster's bridge network."""
    return f"{c.project.name}-swarm"


def node_name(c: Ctx, number: int) -> str:
    """Node ``number`` (1 is the manager)."""
    return f"{c.project.name}-swarm-{number}"


def registry_name(c: Ctx) -> str:
    """The registry container."""
    return f"{c.project.name}-swarm-registry"


def node_key(c: Ctx) -> str:
    """The label naming a node container's number."""
    return f"{c.project.label_prefix}.swarm-node"


def state(c: Ctx) -> Path:
    """Our folder for this cluster: the manager's socket, the deployed stack file."""
    return state_dir() / "swarm" / c.project.name


def manager_socket(c: Ctx) -> Path:
    """Where the manager node of our cluster puts its engine's socket (in our folder)."""
    return state(c) / "sock" / "docker.sock"


def yours(c: Ctx) -> str:
    """SWARM_MANAGER: a swarm of the user's (a docker context or an engine URL), or "" for ours."""
    return str(c.get("SWARM_MANAGER"))


def manager(c: Ctx) -> DockerClient:
    """A client of the manager's engine: SWARM_MANAGER's, or our cluster's through its socket in our folder."""
    from python_on_whales import DockerClient

    target = yours(c)
    if not target:
        return DockerClient(host=f"unix://{manager_socket(c)}")
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


def answers(url: str) -> bool:
    """True if a GET of ``url`` answers 200."""
    try:
        return get(url, timeout=2).status == 200
    except OSError:
        return False
