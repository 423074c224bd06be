"""Looking at the stack on the swarm: `stack.ps` (its tasks), `stack.logs` (a service's logs from
every node) and `stack.hit` (one visit through the proxy; when nothing answers, what to do)."""

from __future__ import annotations

from examples.swarm.cluster import half_made, read, require_cluster
from examples.swarm.names import manager, stack_url, yours
from examples.swarm.watch import image_tag, node_names, stack_services, stack_tasks, stack_waits_on
from workshop.cli import Ctx, say, task
from workshop.display import table
from workshop.engine import copy_until_interrupted
from workshop.errors import WorkshopError
from workshop.probe import answer_line, get, unreachable

SERVICES = ("app", "redis", "proxy")


@task
def ps(c: Ctx):
    """List the stack's tasks: service, node, desired and current state (docker stack ps)."""
    boss = require_cluster(c)
    names = node_names(boss)
    tasks = stack_tasks(c, boss)
    if not tasks:
        say("the stack is not deployed; `invoke stack.deploy` deploys it")
        return
    services = {s.id: s.name for s in stack_services(c, boss)}
    rows = [(services.get(t.service_id, t.service_id), names.get(t.node_id, "-"), t.desired_state,
             t.state, image_tag(t.image)) for t in tasks]  # fmt: skip
    say(table(("SERVICE", "NODE", "DESIRED", "STATE", "TAG"), sorted(rows)))


@task(help={"service": "only this service (app, redis or proxy)", "follow": "keep streaming until Ctrl-C"})
def logs(c: Ctx, service="app", follow=False):
    """Print a service's logs from every node (docker service logs)."""
    if service not in SERVICES:
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
    cluster = read(c)
    if not cluster.made:
        return "there is no swarm: `invoke swarm.up`, then `invoke stack.deploy`"
    problem = half_made(cluster)
    if problem:
        return problem
    boss = manager(c)
    tasks = stack_tasks(c, boss)
    if not tasks:
        return "the stack is not deployed; `invoke stack.deploy` deploys it"
    return f"the stack is deployed but not serving ({stack_waits_on(c, boss, tasks)}); see `invoke stack.ps`"
