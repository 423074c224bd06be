"""What this project has on the engine, found by its labels: `invoke status` and `invoke clean`.

Only containers, networks and volumes labelled `<prefix>.project=<WORKSHOP_PROJECT>`, and
images labelled `<prefix>.built-by=<WORKSHOP_PROJECT>`, are listed or removed; the
tutorial's `docker rm -f $(docker ps -aq)` would remove every container on the machine.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from workshop.cli import Ctx, say, task
from workshop.confirm import Data, confirm, describe_volumes
from workshop.display import container_state, duration, table
from workshop.engine import Project, published
from workshop.errors import ConfigError, WorkshopError, last_line
from workshop.example import Example, assembled
from workshop.probe import http_url

#: images `invoke setup` provides (kept by `clean` unless --setup-images)
SETUP_EXAMPLES = ("base", "standin")


@dataclass
class Resource:
    """One container, image, volume or network of ours."""

    example: str
    kind: str
    name: str
    status: str = ""
    detail: str = ""
    ident: str = field(default="", repr=False)


def urls(container) -> list[str]:
    """The http URLs a container's published ports answer on."""
    return sorted({http_url(p.host_ip, p.host_port) for p in published(container)})


def collect(client, project: Project) -> list[Resource]:
    """Every resource carrying our project label, containers first."""
    now = datetime.now(timezone.utc)
    example_of = lambda labels: (labels or {}).get(project.example_key, "?")  # noqa: E731
    found: list[Resource] = []
    for container in client.container.list(all=True, filters=project.filters()):
        state = container.state
        health = state.health.status if state.health is not None else None
        status = container_state(state.status, state.exit_code, state.started_at, state.finished_at, now, health)
        found.append(
            Resource(
                example_of(container.config.labels),
                "container",
                container.name,
                status,
                " ".join(urls(container)),
                container.id,
            )
        )
    for image in client.image.list(filters=project.image_filters()):
        tags = ", ".join(sorted(image.repo_tags)) or "<untagged>"
        age = f"built {duration((now - image.created).total_seconds())} ago"
        found.append(
            Resource(example_of(image.config.labels), "image", tags, age, f"{image.size / 1e6:.1f} MB", image.id)
        )
    for volume in client.volume.list(filters=project.filters()):
        found.append(
            Resource(example_of(volume.labels), "volume", volume.name, "", str(volume.mountpoint), volume.name)
        )
    for network in client.network.list(filters=project.filters()):
        found.append(Resource(example_of(network.labels), "network", network.name, "", network.driver, network.id))
    order = {"container": 0, "network": 1, "image": 2, "volume": 3}
    return sorted(found, key=lambda r: (r.example, order[r.kind], r.name))


@task(help={"json": "print the inventory as JSON (for scripts)"})
def status(c: Ctx, json_=False):
    """Everything this project has on the engine, by example: containers, URLs, images, volumes, networks."""
    project = c.project
    found = collect(c.docker, project)
    if found:  # what a table of containers cannot show: a cluster that is stopped or unfinished
        found += [Resource(e.name, "condition", e.name, note) for e, note in conditions(c)]
    if json_:
        json.dump([{k: v for k, v in asdict(r).items() if k != "ident"} for r in found], sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    if not found:
        say(f"nothing of project {project.name!r} on the engine; `invoke up` starts the examples")
        return
    rows = [(r.example, r.kind, r.name, r.status or "-", r.detail or "-") for r in found if r.kind != "condition"]
    say(table(("EXAMPLE", "KIND", "NAME", "STATUS", "DETAIL"), rows))
    for note in [r for r in found if r.kind == "condition"]:
        say(f"{note.example}: {note.status}")


def conditions(c: Ctx) -> list[tuple[Example, str]]:
    """Each example's note beyond its resources (the swarm stopped or unfinished), where it has one."""
    found = []
    for example in assembled(c).examples:
        try:
            note = example.condition(c) if example.condition else None
        except ConfigError as error:  # a wrong setting of that example: say so, list the rest
            note = str(error)
        if note:
            found.append((example, note))
    return found


def example_files(c: Ctx) -> list[Path]:
    """Files of this machine the examples wrote (example 3's results), which `clean --volumes` deletes."""
    return [path for example in assembled(c).examples if example.files for path in example.files(c)]


def data_in(c: Ctx, plan: list[Resource], files: list[Path]) -> list[Data]:
    """The volumes in ``plan`` and the ``files``, with what each holds (as the examples describe it)."""
    volumes = [r for r in plan if r.kind == "volume"]
    known = assembled(c).data(c, {r.example for r in volumes}) if volumes else []
    example = {r.name: r.example for r in volumes}
    described = describe_volumes(example, known, lambda name: f"data of the {example[name]} example")
    return described + [Data("file", str(path), "example 3's results: the pages curl fetched") for path in files]


def removal_plan(found: list[Resource], volumes: bool, setup_images: bool) -> list[Resource]:
    """What `clean` removes, in a safe order: containers, networks, our images (children
    before the base they are built on), then volumes if asked."""
    rank = {"container": 0, "network": 1, "image": 2, "volume": 4}
    chosen = [
        r
        for r in found
        if (r.kind != "volume" or volumes) and (r.kind != "image" or setup_images or r.example not in SETUP_EXAMPLES)
    ]
    image_rank = lambda r: {"standin": 1, "base": 2}.get(r.example, 0) if r.kind == "image" else 0  # noqa: E731
    return sorted(chosen, key=lambda r: (rank[r.kind], image_rank(r), r.name))


def remove(client, resource: Resource) -> None:
    """Remove one resource of ours."""
    if resource.kind == "container":
        # volumes=True removes only anonymous volumes (a swarm node's engine data); named ones,
        # the data `--volumes` speaks of, are volumes of their own in the plan
        client.container.remove(resource.ident, force=True, volumes=True)
    elif resource.kind == "network":
        client.network.remove(resource.ident)
    elif resource.kind == "image":
        client.image.remove(resource.ident, force=True)
    else:
        client.volume.remove(resource.ident)


@task(
    help={
        "volumes": "also delete volumes (the data) and example 3's results file",
        "dry_run": "only list what would be removed",
        "setup_images": "also remove the base and stand-in images `invoke setup` built (setup makes them again)",
        "yes": "with --volumes: delete the data without asking",
    }
)
def clean(c: Ctx, volumes=False, dry_run=False, setup_images=False, yes=False):
    """Remove everything this project created (by its labels), and nothing else; data only with --volumes."""
    project, client = c.project, c.docker
    found = collect(client, project)
    plan = removal_plan(found, volumes, setup_images)
    files = example_files(c) if volumes else []
    doomed = data_in(c, plan, files) if volumes else []
    if not dry_run:
        confirm(project.name, doomed, yes, "invoke clean --volumes")
    holds = {(each.kind, each.name): each.holds for each in doomed}
    verb = "would remove" if dry_run else "removed"
    from python_on_whales.exceptions import DockerException

    failed = []
    for resource in plan:
        try:
            if not dry_run:
                remove(client, resource)
        except DockerException as exc:
            failed.append(f"{resource.kind} {resource.name}: {last_line(exc.stderr)}")
            continue
        held = holds.get((resource.kind, resource.name))
        say(f"{verb} {resource.kind} {resource.name} ({resource.example}{f': {held}' if held else ''})")
    for path in files:
        if not dry_run:
            path.unlink(missing_ok=True)
        say(f"{verb} file {path} ({holds[('file', str(path))]})")
    kept = [r for r in found if r not in plan]
    total = len(plan) + len(files)
    if total == 0:
        say(f"nothing of project {project.name!r} to remove")
    notes = []
    if any(r.kind == "volume" for r in kept):
        notes.append("volumes kept (--volumes deletes the data)")
    if any(r.kind == "image" for r in kept):
        notes.append("setup's base and stand-in images kept (--setup-images removes them)")
    if notes:
        say("; ".join(notes))
    if failed:
        raise WorkshopError(f"could not remove {len(failed)} resource(s): {'; '.join(failed)}")
