"""Example 5's chapter of `invoke tour`: a cluster, the stack deployed to it, two visits through
its proxy; and the checks of what each of those did."""

from __future__ import annotations

from examples.swarm.cluster import nodes_there, require_cluster
from examples.swarm.views import nodes_of
from examples.swarm.watch import stack_services, stack_tasks, wanted_tasks
from workshop.cli import Ctx, Ran
from workshop.example import Move, Step, expect, expect_soon
from workshop.i18n import N_, tr


def cluster_ready(c: Ctx, ran: Ran, noted: dict) -> str:
    """Every node Ready, one manager."""
    boss = require_cluster(c)
    found = nodes_of(boss)
    expect(all(n.state == "ready" for n in found), "not every node is Ready")
    managers = [n for n in found if n.role == "manager"]
    expect(len(managers) == 1, f"{len(managers)} managers")
    return tr("{count} nodes, all Ready, one of them the manager: each a container running its own engine").format(
        count=len(found)
    )


def app_services(c: Ctx) -> set[str]:
    """The id of the stack's app service."""
    name = f"{c.get('SWARM_STACK')}_app"
    return {s.id for s in stack_services(c, require_cluster(c)) if s.name == name}


def stack_running(c: Ctx, ran: Ran, noted: dict) -> str:
    """Every task of the stack runs, the app's replicas on more than one node (the swarm
    schedules in its own time: the check waits for it)."""

    def placed() -> tuple[list, set] | None:
        tasks = stack_tasks(c, require_cluster(c))
        apps = {t.node_id for t in tasks if t.state == "running" and t.service_id in app_services(c)}
        return (tasks, apps) if len(tasks) == wanted_tasks(c) and len(apps) >= min(2, len(nodes_there(c))) else None

    tasks, apps = expect_soon(
        placed,
        f"{wanted_tasks(c)} running tasks, the app's replicas on more than one node",
        hint=lambda: "see `invoke stack.ps`",
    )
    return tr("the stack runs {tasks} tasks; the app's replicas spread over {nodes} nodes").format(
        tasks=len(tasks), nodes=len(apps)
    )


def hit_counted(c: Ctx, ran: Ran, noted: dict) -> str:
    """The counter answered through the proxy, naming its replica."""
    expect("(served by " in ran.stdout and "seen" in ran.stdout, f"the swarm answered {ran.result!r}")
    count = int(ran.stdout.split("seen ")[1].split()[0])
    first = noted.get("swarm_count")
    if first is not None:
        expect(count == int(str(first)) + 1, f"the count went from {first} to {count}")
        return tr("the count went from {first} to {count}: every replica counts in the one Redis").format(
            first=first, count=count
        )
    noted["swarm_count"] = count
    return tr("a replica answered: seen {count} times").format(count=count)


STEP = Step(
    N_("scale out on a swarm"),
    N_(
        "Compose runs a stack on one machine; Swarm runs the same stack across several. Here the "
        "nodes are containers, the app runs as several replicas on different nodes, and a proxy "
        "spreads the visits over them while Redis keeps one count."
    ),
    (
        Move(
            "docker swarm init; docker swarm join ...",
            "swarm.up",
            cluster_ready,
            note=N_("three nodes, each a container with its own engine"),
        ),
        Move("docker stack deploy -c docker-compose.yml counter", "stack.deploy", stack_running),
        Move(N_("open the stack's URL"), "stack.hit", hit_counted),
        Move(N_("open it again"), "stack.hit", hit_counted),
    ),
    cleanup=("swarm.down", {"volumes": True, "yes": True}),  # only a cluster the tour made
    present=lambda c: bool(nodes_there(c)),
    slow=True,
)
