"""The cluster's registry: the container every node pulls from (hardened like every service of
ours), and pushing an image there under a tag named by its content."""

from __future__ import annotations

import json
from typing import Any

from examples.swarm.names import answers, network, registry, registry_name, yours
from examples.swarm.settings import EXAMPLE, WAIT
from workshop.cli import Ctx
from workshop.engine import claim_container, published
from workshop.errors import WorkshopError
from workshop.hardening import SERVICE, hardened, healthcheck
from workshop.probe import get, http_url
from workshop.waiting import wait_for

REGISTRY_TARGET = "registry:5000"  # the registry container, as each node's forwarder reaches it
REGISTRY_USER = "10002:10002"  # the registry image's docker-registry user, by number
#: the registry answers its API's base URL with 200 (bash's /dev/tcp: the image has no HTTP client)
REGISTRY_HEALTH = (
    'bash -c \'exec 3<>/dev/tcp/127.0.0.1/5000 && printf "GET /v2/ HTTP/1.0\\r\\n\\r\\n" >&3 '
    '&& head -c 12 <&3 | grep -q " 200"\''
)


def registry_container(c: Ctx) -> Any:
    """The cluster's registry container, or None."""
    return claim_container(c.docker, c.project, EXAMPLE, registry_name(c), "WORKSHOP_PROJECT")


def ensure_registry(c: Ctx, container: Any) -> None:
    """The registry container (``container``, as read before: None when there is none) on the
    cluster network (alias ``registry``), published on SWARM_BIND, answering."""
    bind, port = c.get("SWARM_BIND"), c.get("SWARM_REGISTRY_PORT")
    name = registry_name(c)
    if container is None:
        start_registry(c, f"{bind}:{port}")
    elif not container.state.running:
        container.start()
    url = http_url(bind, port, "/v2/")
    wait_for(lambda: answers(url), f"the cluster's registry to answer at {url}", WAIT, interval=0.2,
             hint=f"see `docker logs {name}`")  # fmt: skip


def start_registry(c: Ctx, address: str) -> None:
    """A new registry container published on ``address`` (bind:port), its images in a volume of ours."""
    name = registry_name(c)
    volume = f"{name}-data"
    if not c.docker.volume.exists(volume):
        c.docker.volume.create(volume, labels=c.project.labels(EXAMPLE))
    c.docker.run(
        c.get("SWARM_REGISTRY_IMAGE"), detach=True, name=name, init=True, labels=c.project.labels(EXAMPLE),
        networks=[network(c)], network_aliases=["registry"], publish=[(address, 5000)],
        volumes=[(volume, "/var/lib/docker-registry")], restart="unless-stopped", user=REGISTRY_USER,
        **hardened(c, SERVICE), **healthcheck(REGISTRY_HEALTH),
    )  # fmt: skip


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


def pushed_images(c: Ctx, container: Any) -> str:
    """`` (counter, redis, ...)`` as the running registry ``container`` lists them, or why they could not be read."""
    if container is None or not container.state.running:
        return " (not listed: the registry is not running)"
    for each in published(container):
        try:
            listed = json.loads(get(http_url(each.host_ip, each.host_port, "/v2/_catalog"), timeout=3).body)
            return f" ({', '.join(listed.get('repositories') or []) or 'none yet'})"
        except (OSError, ValueError, AttributeError):
            continue
    return " (not listed: the registry does not answer)"
