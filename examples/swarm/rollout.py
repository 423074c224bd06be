"""Changing a running stack: `stack.scale`, and rolling the app out (`stack.update`) or back
(`stack.rollback`) one replica at a time, each new replica reported as it turns healthy or fails."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from examples.swarm.cluster import require_cluster
from examples.swarm.names import registry
from examples.swarm.registry import push
from examples.swarm.settings import WAIT, check_settings
from examples.swarm.stack import build_app
from examples.swarm.views import TaskView, tasks_of
from examples.swarm.watch import (
    app_service,
    image_tag,
    node_names,
    service_image,
    settled,
    stack_tasks,
    wait_for_stack,
)
from workshop.cli import VERBOSE_HELP, Ctx, say, task
from workshop.errors import WorkshopError
from workshop.waiting import wait_for

if TYPE_CHECKING:  # pragma: no cover - typing only
    from python_on_whales import DockerClient

FINAL = ("completed", "rollback_completed", "paused", "rollback_paused")  # an update that ended, one way or another
ENDED = ("running", "failed", "rejected", "shutdown", "complete")  # a new replica that turned out healthy or not


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


def replicas_of(boss: DockerClient, service: str) -> list[TaskView]:
    """The tasks of ``service``, its history included, as its manager lists them now."""
    return settled(lambda: tasks_of(boss, boss.service.ps(service)))


FAILED = ("failed", "rejected")  # a replica that ended in error (a replica swarm stopped is "shutdown")


def new_replica_line(each: TaskView, where: str, took: float, was_running: bool = False) -> str:
    """One line on a new replica that turned healthy or failed (``was_running``: it had been
    running, as swarm reported it, before it failed)."""
    if each.state == "running":
        said = "is healthy"
    elif was_running:
        said = f"failed its health check after it had started ({each.state}: {each.error})"
    else:
        said = f"never became healthy ({each.state}: {each.error})"
    return f"  {took:5.1f}s  new replica on {where} ({image_tag(each.image)}) {said}"


def roll(c: Ctx, boss: DockerClient, image: str, force: bool = False) -> tuple[str, float]:
    """Roll the app out to ``image`` one replica at a time (the service's update_config: start-first,
    gated on health, rolled back on failure), printing each new replica as it turns healthy or
    fails. Return swarm's final update state and the seconds it took."""
    service = app_service(c, boss)
    name, began = service.name, time.monotonic()
    before = service.update_started
    known = {t.id for t in replicas_of(boss, name)}  # replicas (and their history) from before
    boss.service.update(name, image=image, force=force, detach=True, quiet=True)
    names = node_names(boss)
    healthy: set[str] = set()  # new replicas said to be healthy: said again if they fail later

    def ended() -> str | None:
        """Swarm's final state of this update once it has one; meanwhile each new replica said once
        (twice when one said healthy fails after all). The replicas are read after the service, so
        they are at least as recent as the final state it gives."""
        status = app_service(c, boss)
        for each in replicas_of(boss, name):
            where, took = names.get(each.node_id, each.node_id), time.monotonic() - began
            if each.id not in known and each.state in ENDED:
                known.add(each.id)
                healthy.update([each.id] if each.state == "running" else [])
                say(new_replica_line(each, where, took))
            elif each.id in healthy and each.state in FAILED:
                healthy.discard(each.id)
                say(new_replica_line(each, where, took, was_running=True))
        if status.update_started != before and status.update_state in FINAL:
            return status.update_state
        return None

    outcome = wait_for(ended, f"the rollout of {name} to {image_tag(image)} to end", WAIT * 2, interval=0.5,
                       hint="see `invoke stack.ps`")  # fmt: skip
    # swarm calls the update done once the last new replica is healthy, while the replica it
    # replaced may still finish its requests (its stop grace period): done is when none serves
    wait_for(lambda: not still_serving(replicas_of(boss, name)), f"the replaced replicas of {name} to stop",
             WAIT, interval=0.5, hint="see `invoke stack.ps`")  # fmt: skip
    return outcome, time.monotonic() - began


def still_serving(replicas: list[TaskView]) -> list[TaskView]:
    """The replicas swarm has told to stop that still run (and may still answer)."""
    return [each for each in replicas if each.desired_state != "running" and each.state in ("running", "starting")]


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
    check_settings(c)
    registry(c)
    boss = require_cluster(c)
    running = service_image(app_service(c, boss))
    if image:
        if not c.docker.image.exists(image):
            raise WorkshopError(f"--image={image!r}: no such image on this machine; build or pull it first")
        local = image
    else:
        build_app(c)
        local = c.get("APP_IMAGE")
    wanted = push(c, local, "counter")
    if wanted == running and not force:
        say(f"the app already runs {image_tag(running)}; nothing to roll out (--force rolls it again)")
        return
    app = app_service(c, boss)
    replicas = len([t for t in stack_tasks(c, boss) if t.service_id == app.id])
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
    if service.update_state.startswith("rollback"):
        say(f"the last update was rolled back already; {image_tag(service_image(service))} serves")
        return
    if not service.previous_image:
        raise WorkshopError("the app has no earlier version on this swarm (it was never updated); nothing to roll back")
    target = service.previous_image.split("@", 1)[0]
    say(f"rolling back from {image_tag(service_image(service))} to {image_tag(target)}, one replica at a time")
    outcome, took = roll(c, boss, target, force=target == service_image(service))
    if outcome != "completed":
        raise WorkshopError(
            f"the rollback to {image_tag(target)} ended {outcome} after {took:.1f}s; see `invoke stack.ps`"
        )
    say(f"every replica runs {image_tag(target)} again, after {took:.1f}s")
