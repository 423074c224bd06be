"""Example 1 of the tutorial: hello world, an interactive shell, and a container's lifecycle.

Two collections live here: ``hello`` (one-off containers) and ``daemon`` (a long-running one
that we start, follow, stop, start again and remove).
"""

from __future__ import annotations

import sys

from invoke import Collection
from invoke.exceptions import Exit

from workshop.cli import say, task
from workshop.config import Settings
from workshop.display import container_state, table
from workshop.engine import (
    ContainerFailed, Project, claim_container, docker, ensure_image, require_container, run_once, show_logs,
)
from workshop.errors import WorkshopError
from workshop.schema import read

EXAMPLE = "hello"
DAEMON_EXAMPLE = "daemon"


@task()
def run(c):
    """Run a throwaway container that prints HELLO_MESSAGE (docker run ubuntu /bin/echo 'Hello world')."""
    settings = Settings.load()
    message = settings.text("HELLO_MESSAGE")
    image = settings.image("HELLO_IMAGE")
    labels = Project.from_settings(settings).labels(EXAMPLE)
    try:
        run_once(docker(settings), image, "HELLO_IMAGE", ["/bin/echo", message], labels=labels)
    except ContainerFailed as failed:
        raise Exit(code=failed.code) from None  # the command's own status, passed on


@task()
def shell(c):
    """Open an interactive shell in a throwaway container, removed on exit (docker run -i -t --rm ubuntu /bin/bash)."""
    settings = Settings.load()
    image = settings.image("HELLO_IMAGE")
    program = settings.text("HELLO_SHELL")
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise WorkshopError(
            "hello.shell needs an interactive terminal (stdin/stdout are not a TTY); "
            "run it from a terminal, or use `invoke hello.run` in scripts"
        )
    from python_on_whales.exceptions import DockerException

    client = docker(settings)
    ensure_image(client, image, "HELLO_IMAGE")
    project = Project.from_settings(settings)
    try:
        client.run(
            image, [program], interactive=True, tty=True, remove=True, init=True,
            labels=project.labels(EXAMPLE),
        )
    except DockerException as exc:
        if exc.return_code in (125, 126, 127):
            raise WorkshopError(
                f"HELLO_SHELL={program!r} could not be started in {image} (docker exit {exc.return_code}); "
                "set HELLO_SHELL to a shell the image has, e.g. /bin/sh"
            ) from None
        raise Exit(code=exc.return_code) from None  # the shell's own exit status


hello = Collection("hello", run, shell)


# -- daemon: a container's lifecycle ----------------------------------------------------------

def _daemon_context():
    settings = Settings.load()
    project = Project.from_settings(settings)
    name = settings.container_name("DAEMON_NAME")
    client = docker(settings)
    return settings, project, name, client


def _loop_script(settings: Settings) -> str:
    message = settings.text("DAEMON_MESSAGE")
    interval = read(settings, "DAEMON_INTERVAL")
    quoted = "'" + message.replace("'", "'\\''") + "'"
    return f"while true; do echo {quoted}; sleep {interval:g}; done"


@task()
def start(c):
    """Start the background container printing DAEMON_MESSAGE every DAEMON_INTERVAL seconds; restart it if stopped."""
    settings, project, name, client = _daemon_context()
    script = _loop_script(settings)
    image = settings.image("DAEMON_IMAGE")
    container = claim_container(client, project, DAEMON_EXAMPLE, name, "DAEMON_NAME")
    if container is not None:
        if container.state.running:
            say(f"{name} is already running ({container.id[:12]}); nothing to do")
            return
        container.start()
        say(f"{name} started again ({container.id[:12]}): `invoke daemon.logs --follow` to watch it")
        return
    ensure_image(client, image, "DAEMON_IMAGE")
    container = client.run(
        image, ["/bin/sh", "-c", script], name=name, detach=True, init=True,
        labels=project.labels(DAEMON_EXAMPLE),
    )
    say(f"{name} running ({container.id[:12]}): `invoke daemon.logs --follow` to watch it")


@task(help={
    "follow": "keep streaming new lines until Ctrl-C (docker logs -f)",
    "tail": "show only the last N lines (0, the default: all)",
})
def logs(c, follow=False, tail=0):
    """Print the daemon container's output (docker logs [-f] daemon)."""
    settings, project, name, client = _daemon_context()
    container = require_container(client, project, DAEMON_EXAMPLE, name, "DAEMON_NAME", "daemon.start")
    show_logs(client, container, follow, tail)


@task()
def stop(c):
    """Stop the daemon container, keeping it (docker stop daemon)."""
    settings, project, name, client = _daemon_context()
    container = claim_container(client, project, DAEMON_EXAMPLE, name, "DAEMON_NAME")
    if container is None:
        say(f"no container {name!r}; nothing to stop")
    elif not container.state.running:
        say(f"{name} is not running; nothing to stop")
    else:
        container.stop()
        say(f"{name} stopped; `invoke daemon.start` starts it again, `invoke daemon.rm` removes it")


@task()
def status(c):
    """List this example's containers, running or not, with their state (docker ps -a)."""
    settings, project, name, client = _daemon_context()
    containers = client.container.list(all=True, filters=project.filters(DAEMON_EXAMPLE))
    if not containers:
        say(f"no {DAEMON_EXAMPLE} containers; `invoke daemon.start` creates one")
        return
    rows = [
        (
            ct.id[:12], ct.config.image, ct.name,
            container_state(ct.state.status, ct.state.exit_code, ct.state.started_at, ct.state.finished_at),
        )
        for ct in containers
    ]
    say(table(("CONTAINER ID", "IMAGE", "NAME", "STATUS"), rows))


@task(help={"force": "stop it first if it is running (docker rm -f)"})
def rm(c, force=False):
    """Remove the daemon container (docker rm daemon); refuses while it runs unless --force."""
    settings, project, name, client = _daemon_context()
    container = claim_container(client, project, DAEMON_EXAMPLE, name, "DAEMON_NAME")
    if container is None:
        say(f"no container {name!r}; nothing to remove")
        return
    if container.state.running and not force:
        raise WorkshopError(f"{name} is running; stop it first (`invoke daemon.stop`) or use `invoke daemon.rm --force`")
    container.remove(force=force)
    say(f"{name} removed")


daemon = Collection("daemon", start, logs, stop, status, rm)
