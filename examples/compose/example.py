"""Example 4 of the tutorial: connecting containers with compose. The stack in the top-level
docker-compose.yml: the Flask hit counter (`app`, code in examples/compose/app/) and Redis."""

from __future__ import annotations

import re
import time
from typing import Any

from invoke import Collection

from examples.compose.dev import DEV_FILE, dev
from examples.compose.inside import exec_, shell
from examples.compose.settings import (
    APP_SERVICE,
    COMPOSE_FILE,
    EXAMPLE,
    IMAGES,
    SETTINGS,
    STACK_SERVICES,
    STANDINS_FILE,
    StackSettings,
)
from examples.compose.stack import (
    healthy_services,
    is_up,
    project_only,
    service_states,
    stack,
    stack_data,
    stack_volumes,
    start,
)
from workshop.cli import VERBOSE_HELP, Ctx, Ran, say, task
from workshop.confirm import confirm, gone_from, report
from workshop.display import table
from workshop.engine import published, require_engine
from workshop.errors import WorkshopError
from workshop.example import Action, Example, Move, Panel, Service, Standin, Step, expect, expect_soon
from workshop.hardening import SERVICE, Container
from workshop.i18n import N_, tr
from workshop.output import copy_output, copy_until_interrupted
from workshop.probe import answer_line, visit

COUNT = re.compile(r"seen (\d+) times")


@task(help={"no_cache": "build every layer again, ignoring the build cache", "verbose": VERBOSE_HELP})
def build(c: Ctx, no_cache=False, verbose=False):
    """Build the app image (docker compose build app); dependencies are reinstalled only if requirements.txt changed."""
    client = stack(c)
    copy_output(client.compose.build([APP_SERVICE], cache=not no_cache, stream_logs=True), progress=True)
    say(f"built {c.get('APP_IMAGE')}")


@task(help={"verbose": VERBOSE_HELP})
def up(c: Ctx, verbose=False):
    """Build what changed, start the stack detached, return when every service is healthy (docker-compose up)."""
    settings = StackSettings.load(c)
    began = start(c, stack(c), settings, settings.bind)
    say(f"the stack is up and healthy after {time.monotonic() - began:.1f}s: {settings.url}")


@task
def hit(c: Ctx):
    """Visit the counter once and print its answer (open http://127.0.0.1:5000/)."""
    url = StackSettings.load(c).url
    response, text = visit(url, "start the stack with `invoke compose.up`")
    if response.status != 200:
        troubled = [f"{service} is {state}" for service, state in service_states(c).items() if state != "healthy"]
        why = f" ({', '.join(troubled)}; `invoke compose.up` brings the stack back)" if troubled else ""
        raise WorkshopError(f"{url} answered {answer_line(response)}{why}")
    say(text)


@task(
    help={
        "volumes": "also delete the stack's volumes: the hit count is lost (asks first on a terminal)",
        "yes": "with --volumes: delete without asking",
    }
)
def down(c: Ctx, volumes=False, yes=False):
    """Stop and remove the stack's containers and network; the data volume stays unless --volumes."""
    client = project_only(c)
    require_engine(client)
    names = [volume.name for volume in stack_volumes(c)]
    if not client.compose.ps(all=True) and not (volumes and names):
        kept = f"; data kept in volume(s) {', '.join(names)}" if names else ""
        say(f"the stack is not running: nothing to remove{kept}")
        return
    doomed = stack_data(c) if volumes else []
    confirm(c.project.name, doomed, yes, "invoke compose.down --volumes")
    copy_output(client.compose.down(volumes=volumes, remove_orphans=True, stream_logs=True), progress=True)
    if volumes and names:
        report(doomed, gone_from(c.docker))
        say("stack removed; the data is gone")
    elif names:
        say(f"stack removed; data kept in volume(s) {', '.join(names)} (`invoke compose.down --volumes` deletes it)")
    else:
        say("stack removed; it had no volumes")


@task
def volumes(c: Ctx):
    """List the stack's volumes with their real, project-prefixed names (docker volume ls)."""
    found = stack_volumes(c)
    if not found:
        say("no volumes yet; `invoke compose.up` creates them")
        return
    rows = [(v.name, v.labels.get("com.docker.compose.volume", ""), v.driver, v.mountpoint) for v in found]
    say(table(("VOLUME NAME", "IN COMPOSE FILE", "DRIVER", "MOUNTPOINT"), rows))


@task
def ps(c: Ctx):
    """List the stack's containers with state and health (docker compose ps)."""
    client = project_only(c)
    require_engine(client)
    containers = client.compose.ps(all=True)
    if not containers:
        say("the stack is not running; `invoke compose.up` starts it")
        return
    rows = []
    found = set()
    for container in containers:
        state = container.state
        health = state.health.status if state.health else "-"
        ports = ", ".join(f"{p.host_ip}:{p.host_port}->{p.container_port}" for p in published(container))
        service = (container.config.labels or {}).get("com.docker.compose.service", "")
        found.add(service)
        rows.append((service, container.name, state.status or "", health or "-", ports or "-"))
    rows += [(service, "-", "missing", "-", "-") for service in STACK_SERVICES if service not in found]
    say(table(("SERVICE", "CONTAINER", "STATE", "HEALTH", "PORTS"), rows))


@task(
    help={
        "follow": "keep streaming new lines until Ctrl-C",
        "service": "only this service (app or redis)",
        "tail": "show only the last N lines of each service (0, the default: all)",
    }
)
def logs(c: Ctx, follow=False, service=None, tail=0):
    """Print the stack's logs (docker compose logs [-f] [SERVICE])."""
    client = project_only(c)
    require_engine(client)
    if service is not None and service not in STACK_SERVICES:
        raise WorkshopError(
            f"--service={service!r}: not a service of the stack; use one of {', '.join(STACK_SERVICES)}"
        )
    if tail < 0:
        raise WorkshopError(f"--tail={tail}: must be 0 (all lines) or a positive number of lines")
    if not client.compose.ps(all=True):
        say("the stack is not running: no logs to show; `invoke compose.up` starts it")
        return
    output = client.compose.logs(
        services=[service] if service else STACK_SERVICES,
        follow=follow,
        stream=True,
        tail=str(tail) if tail else None,
    )
    copy_until_interrupted(output)


# -- the tour ------------------------------------------------------------------------------------


def stack_healthy(c: Ctx, ran: Ran, noted: dict) -> str:
    """Both services of the stack run and are healthy (their healthchecks run in their own time)."""
    expect_soon(
        lambda: set(STACK_SERVICES) <= healthy_services(c),
        f"{' and '.join(STACK_SERVICES)} to be healthy",
        hint=lambda: f"healthy: {sorted(healthy_services(c)) or 'none'}",
    )
    return tr("{services} are running and healthy").format(services=tr(" and ").join(STACK_SERVICES))


def hit_count(ran: Ran) -> int:
    """The count in compose.hit's answer."""
    match = COUNT.search(ran.stdout)
    expect(match, f"the counter answered {ran.result!r}")
    assert match is not None
    return int(match.group(1))


def counted(c: Ctx, ran: Ran, noted: dict) -> str:
    """The counter answered; its count is noted."""
    noted["count"] = count = hit_count(ran)
    return tr("the counter answered: seen {count} times").format(count=count)


def counted_again(c: Ctx, ran: Ran, noted: dict) -> str:
    """The next visit counted exactly one more."""
    count, first = hit_count(ran), int(noted.get("count", -1))
    expect(count == first + 1, f"the count went from {first} to {count}, not to {first + 1}")
    return tr("the count went from {first} to {count}: Redis keeps it between requests").format(
        first=first, count=count
    )


def count_view(c: Ctx) -> dict[str, Any]:
    """The counter's count, read from Redis as `invoke compose.exec redis -- redis-cli get hits` reads it
    (None while Redis does not run); `invoke dashboard` shows it."""
    for container in project_only(c).compose.ps():
        if (container.config.labels or {}).get("com.docker.compose.service") == "redis" and container.state.running:
            answer = str(
                c.docker.container.execute(container, ["redis-cli", "-p", str(c.get("REDIS_PORT")), "get", "hits"])
            )
            return {"kind": "counter", "count": int(answer) if answer.strip().isdigit() else 0}
    return {"kind": "counter", "count": None}


compose = Example(
    name=EXAMPLE,
    collection=Collection("compose", up, dev, hit, down, volumes, ps, logs, build, exec_, shell),
    settings=SETTINGS,
    images=IMAGES,
    standins=(
        Standin("REDIS_IMAGE", "STANDIN_REDIS_IMAGE", STANDINS_FILE, "redis-standin"),
        Standin("PYTHON_IMAGE", "STANDIN_PYTHON_IMAGE", STANDINS_FILE, "python-standin"),
    ),
    compose_files=(COMPOSE_FILE, DEV_FILE, STANDINS_FILE),
    service=Service(start="compose.up", stop="compose.down", is_up=is_up, volumes_option="volumes"),
    containers=tuple(Container(name, SERVICE, healthcheck=True, restart="unless-stopped") for name in ("app", "redis")),
    data=stack_data,
    panel=Panel(view=count_view, actions=(Action("compose.hit", "hit the counter", "compose.hit"),)),
    tour=Step(
        N_("connecting containers"),
        N_(
            "Compose starts several containers from one file on their own network: a Flask app "
            "counts visits in Redis, whose data lives in a named volume."
        ),
        (
            Move("docker-compose up", "compose.up", stack_healthy),
            Move(N_("open http://127.0.0.1:5000/"), "compose.hit", counted),
            Move(N_("open http://127.0.0.1:5000/ (again)"), "compose.hit", counted_again),
        ),
        cleanup=("compose.down", {}),
        present=lambda c: bool(project_only(c).compose.ps(all=True)),
        cleanup_note=N_("compose.down keeps the stack's data volume: your hit count survives."),
    ),
)
