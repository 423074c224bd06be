"""The stack as compose sees it: a client for its file (every setting it interpolates checked first)
or for the project alone, starting it and waiting until it is healthy, its services' states and
its volumes and what they hold."""

from __future__ import annotations

import time

from examples.compose.settings import APP_SERVICE, IMAGES, STACK_SERVICES, StackSettings
from workshop.cli import Ctx, say
from workshop.confirm import Data
from workshop.engine import ensure_images, holds_port, require_engine
from workshop.errors import WorkshopError, last_line
from workshop.output import copy_output
from workshop.probe import port_is_free
from workshop.waiting import TimedOut, wait_for


def stack(c: Ctx):
    """A compose client for the stack's file: every setting the file interpolates is checked first."""
    client = c.compose(c.get("WORKSHOP_COMPOSE_FILE"))
    check_compose_file(client, c)
    require_engine(client)
    ensure_images(c, IMAGES)  # what the stack runs or builds FROM: one line if one is missing
    return client


def project_only(c: Ctx):
    """A compose client that knows only the project name (what `down`, `ps` and `logs` need):
    it works whatever the other settings say."""
    from python_on_whales import DockerClient

    return DockerClient(compose_project_name=c.get("WORKSHOP_PROJECT"))


def check_compose_file(client, c: Ctx) -> None:
    """`docker compose config`: a broken compose file is one line, not a stack trace."""
    from python_on_whales.exceptions import DockerException

    try:
        client.compose.config(return_json=True)
    except DockerException as exc:
        setting = c.settings.raw("WORKSHOP_COMPOSE_FILE")
        raise setting.fail(
            f"is not a valid compose file: {last_line(exc.stderr)}", "fix it (check with `docker compose config`)"
        ) from None


def app_publishes(client, settings: StackSettings) -> bool:
    """True if our app container is running and already holds APP_PORT."""
    return any(ct.state.running and holds_port(ct, settings.port) for ct in client.compose.ps(services=[APP_SERVICE]))


def port_setting(c: Ctx):
    """APP_PORT as read, for its one-line errors."""
    return c.settings.raw("APP_PORT")


def start(c: Ctx, client, settings: StackSettings, bind: str) -> float:
    """`docker compose up --build --detach --wait` with ``client``'s files, the app published on
    ``bind``; returns when every service is healthy (the monotonic time it began at)."""
    from python_on_whales.exceptions import DockerException

    if not app_publishes(client, settings) and not port_is_free(bind, settings.port):
        raise port_setting(c).fail(
            f"cannot be published: {bind}:{settings.port} is already in use",
            f"stop what uses it or choose another APP_PORT {c.settings.where('APP_PORT')}",
        )
    say(f"starting {', '.join(STACK_SERVICES)} and waiting until they are healthy (at most {settings.wait:g}s)")
    began = time.monotonic()
    try:
        copy_output(
            client.compose.up(detach=True, build=True, wait=True, wait_timeout=int(settings.wait), stream_logs=True),
            progress=True,
        )
    except DockerException as exc:
        reason = last_line(exc.stderr)
        if "port is already allocated" in reason or "address already in use" in reason:
            raise port_setting(c).fail(
                "cannot be published: it is already in use", f"choose another APP_PORT {c.settings.where('APP_PORT')}"
            ) from None
        # compose's --wait gives up on a container that is unhealthy right now, even one that
        # recovers by itself (the app, once a removed Redis is back): wait for it ourselves
        if "unhealthy" not in reason or not healthy_within(c, began + settings.wait):
            raise WorkshopError(
                f"the stack did not become healthy: {reason}; see `invoke compose.ps` and `invoke compose.logs`"
            ) from None
    return began


def healthy_within(c: Ctx, deadline: float) -> bool:
    """Ask the stack until every service is healthy (True) or ``deadline`` (monotonic) passes (False)."""
    try:
        return wait_for(
            lambda: all(state == "healthy" for state in service_states(c).values()),
            "every service of the stack to be healthy",
            max(0.0, deadline - time.monotonic()),
        )
    except TimedOut:
        return False


def service_states(c: Ctx) -> dict[str, str]:
    """Each service of the stack: its health while it runs, else its state, or "missing"."""
    states = dict.fromkeys(STACK_SERVICES, "missing")
    for container in project_only(c).compose.ps(all=True):
        service = (container.config.labels or {}).get("com.docker.compose.service", "")
        state = container.state  # a stopped container keeps its last health status: not its health now
        health = state.health.status if state.running and state.health else None
        states[service] = health or container.state.status or "unknown"
    return states


def stack_data(c: Ctx) -> list[Data]:
    """The stack's volumes and what they hold (the hit count, read from the running Redis)."""
    volumes = stack_volumes(c)
    return [Data("volume", v.name, f"the stack's Redis data, {hit_count_now(c)}") for v in volumes] if volumes else []


def hit_count_now(c: Ctx) -> str:
    """The hit count as the running Redis holds it, in words; or why it could not be read."""
    from python_on_whales.exceptions import DockerException

    running = [ct for ct in project_only(c).compose.ps(services=["redis"]) if ct.state.running]
    if not running:
        return "the hit count (not read: Redis is not running)"
    command = [str(word) for word in running[0].config.cmd or []]
    port = command[command.index("--port") + 1] if "--port" in command[:-1] else "6379"
    try:
        value = str(c.docker.container.execute(running[0], ["redis-cli", "-p", port, "get", "hits"])).strip()
    except DockerException as exc:
        return f"the hit count (could not be read: {last_line(exc.stderr) or 'redis-cli failed'})"
    return f"the hit count, {value}" if value.isdigit() else "no hit counted yet"


def stack_volumes(c: Ctx):
    """This compose project's volumes."""
    return c.docker.volume.list(filters=[("label", f"com.docker.compose.project={c.get('WORKSHOP_PROJECT')}")])


def healthy_services(c: Ctx) -> set[str]:
    """The stack's services whose container runs and is healthy."""
    return {
        ct.config.labels.get("com.docker.compose.service")
        for ct in project_only(c).compose.ps()
        if ct.state.running and ct.state.health and ct.state.health.status == "healthy"
    }


def is_up(c: Ctx) -> bool:
    """Every service of the stack runs and is healthy."""
    containers = project_only(c).compose.ps()
    services = {ct.config.labels.get("com.docker.compose.service"): ct for ct in containers}
    return set(STACK_SERVICES) <= set(services) and all(
        ct.state.running and (ct.state.health is None or ct.state.health.status == "healthy")
        for ct in services.values()
    )
