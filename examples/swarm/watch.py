"""The stack's tasks as the manager lists them, read at once, and the waits on them: until every
task the stack wants runs, until it answers through the proxy, until it is gone."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from examples.swarm.names import answers, stack_url, yours
from examples.swarm.settings import WAIT
from examples.swarm.views import ServiceView, TaskView, nodes_of, services_of, stack_services_of, tasks_of
from workshop.cli import Ctx, warn
from workshop.errors import WorkshopError, last_line
from workshop.waiting import wait_for

if TYPE_CHECKING:  # pragma: no cover - typing only
    from python_on_whales import DockerClient

#: seconds a listing of tasks is asked again while swarm prunes a task between listing and reading
#: it (during a rollout, under load, several listings in a row can lose that race; the former ten
#: tries took as long as they took). A manager that is gone fails earlier, at the stack's listing.
READ_AGAIN = 60.0
PLACING = ("new", "pending", "assigned", "accepted", "ready")  # states of a task not placed on a node yet


def settled(read: Callable[[], list[TaskView]]) -> list[TaskView]:
    """The tasks ``read`` gives (a listing, then one inspect of what it listed); read again when
    swarm pruned a listed task before the inspect (the inspect of a vanished id fails)."""
    from python_on_whales.exceptions import DockerException

    failed = [""]

    def attempt() -> tuple[list[TaskView]] | None:
        try:
            return (read(),)  # a tuple: an empty listing is an answer too
        except DockerException as error:
            failed[0] = last_line(error.stderr) or str(error)
            return None

    return wait_for(attempt, "a full reading of the swarm's tasks", READ_AGAIN, interval=0.2,
                    hint=lambda: f"the manager said: {failed[0]}")[0]  # fmt: skip


def stack_tasks(c: Ctx, boss: DockerClient) -> list[TaskView]:
    """The stack's tasks meant to run (none when it is not deployed)."""
    stack = c.get("SWARM_STACK")
    if stack not in [s.name for s in boss.stack.list()]:
        return []
    return [t for t in settled(lambda: tasks_of(boss, boss.stack.ps(stack))) if t.desired_state == "running"]


def stack_services(c: Ctx, boss: DockerClient) -> list[ServiceView]:
    """The stack's services."""
    return stack_services_of(boss, c.get("SWARM_STACK"))


def replicas_wanted(services: list[ServiceView]) -> int:
    """The replicas the services ask for, together."""
    return sum(s.replicas for s in services)


def wanted_tasks(c: Ctx) -> int:
    """Tasks the stack runs when complete: the app's replicas, Redis and the proxy."""
    return c.get("SWARM_REPLICAS") + 2


def app_service(c: Ctx, boss: DockerClient) -> ServiceView:
    """The stack's app service; one line when the stack is not deployed (told from another failure
    by the stack's listing, not by the engine's wording)."""
    from python_on_whales.exceptions import DockerException

    name = f"{c.get('SWARM_STACK')}_app"
    try:
        return services_of(boss, [name])[0]
    except DockerException:
        if name in {s.name for s in stack_services(c, boss)}:
            raise
        raise WorkshopError(
            f"the stack is not deployed ({name} does not exist); `invoke stack.deploy` deploys it"
        ) from None


def service_image(service: ServiceView) -> str:
    """The image a service runs, without the digest swarm pins it to."""
    return service.image.split("@", 1)[0]


def image_tag(reference: str | None) -> str:
    """The tag of an image reference as swarm stores it (``registry/name:tag@sha256:...``)."""
    name = str(reference or "-").split("@", 1)[0]
    return name.rsplit(":", 1)[1] if ":" in name.rsplit("/", 1)[-1] else "latest"


def node_names(boss: DockerClient) -> dict[str, str]:
    """Each node's hostname, by its id."""
    return {n.id: n.hostname for n in nodes_of(boss)}


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
    placing = sum(len(by_state.get(s, [])) for s in PLACING)
    if placing:
        parts.append(f"{placing} being placed")
    for state_, found in sorted(by_state.items()):
        if state_ not in ("running", "preparing", "starting", *PLACING):
            parts.append(f"{len(found)} {state_} ({found[0].error or 'no reason given'})")
    return "; ".join(parts)


def stack_waits_on(c: Ctx, boss: DockerClient, tasks: list[TaskView]) -> str:
    """``waiting_on`` for the stack as the manager lists it now."""
    return waiting_on(tasks, node_names(boss), replicas_wanted(stack_services(c, boss)))


def settle(c: Ctx, boss: DockerClient, away_from: str | None = None) -> float:
    """Wait until the stack runs every task it wants (none on ``away_from``), saying every few
    seconds what it waits for; return the seconds taken."""
    began = time.monotonic()
    names = node_names(boss)
    seen = [""]

    def settled_now() -> bool:
        tasks = stack_tasks(c, boss)
        wanted = replicas_wanted(stack_services(c, boss))
        seen[0] = waiting_on(tasks, names, wanted)
        done = [t for t in tasks if t.state == "running"]
        return len(done) == len(tasks) >= wanted and not [t for t in tasks if t.node_id == away_from]

    progress = lambda took: warn(f"  {took:4.0f}s  waiting: {seen[0]}")  # noqa: E731
    wait_for(settled_now, "the stack's tasks to run", WAIT, progress=progress, every=2.0,
             hint=lambda: f"last seen: {seen[0]}; see `invoke stack.ps`")  # fmt: skip
    return time.monotonic() - began


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


def stack_gone(boss: DockerClient, stack: str) -> bool:
    """No container and no network of the stack is left on the manager (a network the engine is
    removing as we look counts as not gone yet)."""
    from python_on_whales.exceptions import DockerException

    label: list[tuple[Literal["label"], str]] = [("label", f"com.docker.stack.namespace={stack}")]
    try:
        return not boss.container.list(filters=label) and not boss.network.list(filters=label)
    except DockerException:  # listed, then removed before it could be inspected
        return False
