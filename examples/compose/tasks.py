"""Example 4 of the tutorial: connecting containers with compose. The stack in the top-level
docker-compose.yml: the Flask hit counter (`app`, code in examples/compose/app/) and Redis."""

from __future__ import annotations

import time
from dataclasses import dataclass

from invoke import Collection

from workshop.cli import say, task
from workshop.config import Settings
from workshop.display import table
from workshop.engine import copy_output, docker, holds_port, published, require_engine
from workshop.errors import WorkshopError, last_line
from workshop.probe import get, http_url, port_is_free
from workshop.schema import read, validate_all

EXAMPLE = "compose"
APP_SERVICE = "app"
STACK_SERVICES = ["app", "redis"]


@dataclass(frozen=True)
class StackSettings:
    """The settings the stack needs, checked before compose runs."""

    project: str
    bind: str
    port: int
    wait: float

    @classmethod
    def load(cls, settings: Settings) -> "StackSettings":
        """Validate everything docker-compose.yml interpolates for the stack."""
        validate_all(settings)  # compose interpolates every variable of the file
        return cls(
            project=settings.project("WORKSHOP_PROJECT"),
            bind=settings.address("APP_BIND"),
            port=settings.port("APP_PORT"),
            wait=read(settings, "STACK_WAIT"),
        )

    @property
    def url(self) -> str:
        """Where the counter answers."""
        return http_url(self.bind, self.port)


def _stack():
    settings = Settings.load()
    stack = StackSettings.load(settings)
    client = docker(settings)
    check_compose_file(client, settings)
    require_engine(client)
    return settings, stack, client


def check_compose_file(client, settings: Settings) -> None:
    """`docker compose config`: a broken compose file is one line, not a stack trace."""
    from python_on_whales.exceptions import DockerException

    try:
        client.compose.config(return_json=True)
    except DockerException as exc:
        setting = settings.raw("WORKSHOP_COMPOSE_FILE")
        raise setting.fail(
            f"is not a valid compose file: {last_line(exc.stderr)}", "fix it (check with `docker compose config`)"
        ) from None


def app_publishes(client, stack: StackSettings) -> bool:
    """True if our app container is running and already holds APP_PORT."""
    return any(c.state.running and holds_port(c, stack.port) for c in client.compose.ps(services=[APP_SERVICE]))


@task(help={"no_cache": "build every layer again, ignoring the build cache"})
def build(c, no_cache=False):
    """Build the app image (docker compose build app): dependencies are reinstalled only when requirements.txt changes."""
    settings, stack, client = _stack()
    copy_output(client.compose.build([APP_SERVICE], cache=not no_cache, stream_logs=True), progress=True)
    say(f"built {settings.image('APP_IMAGE')}")


@task()
def up(c):
    """Build what changed, start the stack detached, return when every service is healthy (docker-compose up)."""
    from python_on_whales.exceptions import DockerException

    settings, stack, client = _stack()
    if not app_publishes(client, stack) and not port_is_free(stack.bind, stack.port):
        raise settings.raw("APP_PORT").fail(
            f"cannot be published: {stack.bind}:{stack.port} is already in use",
            "stop what uses it or choose another APP_PORT in .env",
        )
    say(f"starting {', '.join(STACK_SERVICES)} and waiting until they are healthy (at most {stack.wait:g}s)")
    began = time.monotonic()
    try:
        copy_output(
            client.compose.up(detach=True, build=True, wait=True, wait_timeout=int(stack.wait), stream_logs=True),
            progress=True,
        )
    except DockerException as exc:
        reason = last_line(exc.stderr)
        if "port is already allocated" in reason or "address already in use" in reason:
            raise settings.raw("APP_PORT").fail(
                "cannot be published: it is already in use", "choose another APP_PORT in .env"
            ) from None
        raise WorkshopError(
            f"the stack did not become healthy: {reason}; see `invoke compose.ps` and `invoke compose.logs`"
        ) from None
    say(f"the stack is up and healthy after {time.monotonic() - began:.1f}s: {stack.url}")


@task()
def hit(c):
    """Visit the counter once and print its answer (open http://127.0.0.1:5000/)."""
    settings, stack, client = _stack()
    try:
        response = get(stack.url)
    except OSError as exc:
        raise WorkshopError(f"nothing answers at {stack.url} ({exc}); start the stack with `invoke compose.up`") from None
    text = response.body.decode(errors="replace").strip()
    if response.status != 200:
        raise WorkshopError(f"{stack.url} answered {response.status}: {text}")
    say(text)


@task(help={"volumes": "also delete the stack's volumes: the hit count is lost"})
def down(c, volumes=False):
    """Stop and remove the stack's containers and network; the data volume stays unless --volumes."""
    settings, stack, client = _stack()
    names = [volume.name for volume in stack_volumes(client, stack)]
    copy_output(client.compose.down(volumes=volumes, remove_orphans=True, stream_logs=True), progress=True)
    if volumes and names:
        say(f"stack removed; deleted volume(s) {', '.join(names)}: the data is gone")
    elif names:
        say(f"stack removed; data kept in volume(s) {', '.join(names)} (`invoke compose.down --volumes` deletes it)")
    else:
        say("stack removed; it had no volumes")


def stack_volumes(client, stack: StackSettings):
    """This compose project's volumes."""
    return client.volume.list(filters=[("label", f"com.docker.compose.project={stack.project}")])


@task()
def volumes(c):
    """List the stack's volumes with their real, project-prefixed names (docker volume ls)."""
    settings, stack, client = _stack()
    found = stack_volumes(client, stack)
    if not found:
        say("no volumes yet; `invoke compose.up` creates them")
        return
    rows = [(v.name, v.labels.get("com.docker.compose.volume", ""), v.driver, v.mountpoint) for v in found]
    say(table(("VOLUME NAME", "IN COMPOSE FILE", "DRIVER", "MOUNTPOINT"), rows))


@task()
def ps(c):
    """List the stack's containers with state and health (docker compose ps)."""
    settings, stack, client = _stack()
    containers = client.compose.ps(all=True)
    if not containers:
        say("the stack is not running; `invoke compose.up` starts it")
        return
    rows = []
    for container in containers:
        state = container.state
        health = state.health.status if state.health else "-"
        ports = ", ".join(f"{p.host_ip}:{p.host_port}->{p.container_port}" for p in published(container))
        service = container.config.labels.get("com.docker.compose.service", "")
        rows.append((service, container.name, state.status, health, ports or "-"))
    say(table(("SERVICE", "CONTAINER", "STATE", "HEALTH", "PORTS"), rows))


@task(help={
    "follow": "keep streaming new lines until Ctrl-C",
    "service": "only this service (app or redis)",
    "tail": "show only the last N lines of each service (0, the default: all)",
})
def logs(c, follow=False, service=None, tail=0):
    """Print the stack's logs (docker compose logs [-f] [SERVICE])."""
    settings, stack, client = _stack()
    if service is not None and service not in STACK_SERVICES:
        raise WorkshopError(f"--service={service!r}: not a service of the stack; use one of {', '.join(STACK_SERVICES)}")
    if tail < 0:
        raise WorkshopError(f"--tail={tail}: must be 0 (all lines) or a positive number of lines")
    output = client.compose.logs(
        services=[service] if service else STACK_SERVICES, follow=follow, stream=True,
        tail=str(tail) if tail else None,
    )
    try:
        copy_output(output)
    except KeyboardInterrupt:
        return


compose = Collection("compose", up, hit, down, volumes, ps, logs, build)
