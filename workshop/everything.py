"""``invoke up`` and ``invoke down``: every long-running example at once.

The long-running examples (those that declare a ``service``: the daemon, nginx, the compose
stack, the swarm) do not depend on each other, so their own tasks run side by side, in this process,
each in a thread with its own captured output. Each one's result line is reported as it
finishes; if any failed, the command fails with one line naming which, after the others
are done. A service that declares ``exists`` (the swarm) is only resumed by `up`, never made;
`down` stops it keeping its state, and ``down --volumes`` runs its ``purge`` task instead.
"""

from __future__ import annotations

import contextvars
from typing import Any

from workshop.cli import Ctx, Ran, run_task, say, task
from workshop.confirm import confirm, gone_from, report
from workshop.errors import WorkshopError
from workshop.example import Service, assembled


def run_side_by_side(c: Ctx, commands: dict[str, tuple[str, dict[str, Any]]], status: dict[str, str]) -> None:
    """Run the tasks in parallel; print ``example  status  result`` as each ends; fail naming the failed ones.

    ``status`` is the word shown for an example whose task succeeded.
    """
    from concurrent.futures import ThreadPoolExecutor, as_completed  # not at import: `invoke --list` never needs it

    with ThreadPoolExecutor(max_workers=len(commands)) as pool:
        futures = {
            pool.submit(contextvars.copy_context().run, run_task, c, name, **options): example  # type: ignore[arg-type]
            for example, (name, options) in commands.items()
        }
        failed: list[Ran] = []
        for future in as_completed(futures):
            example, ran = futures[future], future.result()
            if not ran.ok:
                failed.append(ran)
            say(f"{example:<8} {status[example] if ran.ok else 'FAILED':<12} {ran.result if ran.ok else ran.error}")
    if failed:
        raise WorkshopError("; ".join(f"`{ran.command}` failed: {ran.error}" for ran in failed))


def is_up(c: Ctx, service: Service) -> bool:
    """True if the service says it is up."""
    return bool(service.is_up and service.is_up(c))


def has_containers(c: Ctx, example) -> bool:
    """True if any container of the example exists, running or not."""
    return bool(c.docker.container.list(all=True, filters=c.project.filters(example.name)))


def has_data(c: Ctx, example) -> bool:
    """True if the example keeps volumes (data that outlives its containers)."""
    return bool(c.docker.volume.list(filters=c.project.filters(example.name)))


@task
def up(c: Ctx):
    """Start every long-running example side by side, and resume the swarm if it was made."""
    services = assembled(c).services()
    for example, _ in services:
        c.check(assembled(c).settings_of(example))  # a wrong value stops `up` before anything starts
    absent = [(example, service) for example, service in services if service.exists and not service.exists(c)]
    todo = [(example, service) for example, service in services if (example, service) not in absent]
    before = {example.name: is_up(c, service) for example, service in todo}
    say(f"starting {', '.join(before)} side by side (each waits until it serves)")
    for example, service in absent:
        say(f"{example.name:<8} {'not made':<12} `invoke {service.start}` makes it (`up` only resumes it)")
    run_side_by_side(
        c,
        {example.name: (service.start, {}) for example, service in todo},
        {name: "already up" if was_up else "started" for name, was_up in before.items()},
    )
    if all(before.values()):
        say("everything was already up; nothing to do")
    else:
        say("all up; `invoke down` stops them")


@task(
    help={
        "volumes": "also delete the data the examples keep in volumes (the hit counts, the swarm's registry); "
        "asks first on a terminal",
        "yes": "with --volumes: delete without asking",
    }
)
def down(c: Ctx, volumes=False, yes=False):
    """Stop every long-running example side by side (the swarm keeps its state); data stays unless --volumes."""
    services = assembled(c).services()
    there = {example.name for example, _ in services if has_containers(c, example)}
    deletes = {example.name for example, service in services if service.volumes_option or service.purge}
    with_data = {
        example.name for example, _ in services if volumes and example.name in deletes and has_data(c, example)
    }
    there |= with_data  # a volume outlives its example's containers
    if not there:
        say("nothing is running; nothing to do")
        return
    doomed = assembled(c).data(c, with_data) if with_data else []
    confirm(c.project.name, doomed, yes, "invoke down --volumes")  # once, for every example
    if with_data:
        say(f"--volumes: the data of {', '.join(sorted(with_data))} is deleted too; the hit count is lost")
    commands, words = {}, {}
    for example, service in services:
        if example.name not in there:
            continue
        if volumes and service.purge:
            task_name, purge_options = service.purge
            commands[example.name] = (task_name, {**purge_options, "yes": True})  # asked above
            words[example.name] = "removed"
            continue
        options = dict(service.stop_options)
        if volumes and service.volumes_option:
            options[service.volumes_option] = True
            options["yes"] = True  # asked above
        commands[example.name] = (service.stop, options)
        words[example.name] = "stopped" if service.purge else "removed"
    say(f"stopping {', '.join(commands)}" + (" side by side" if len(commands) > 1 else ""))
    for example, _ in services:
        if example.name not in there:
            say(f"{example.name:<8} {'not running':<12} nothing to do")
    try:
        run_side_by_side(c, commands, words)
    finally:
        report(doomed, gone_from(c.docker))
    say("all down")
