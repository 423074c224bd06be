"""Example 1 of the tutorial: hello world, an interactive shell, and a container's lifecycle.

Two examples live here: ``hello`` (one-off containers) and ``daemon`` (a long-running one
that we start, follow, stop, start again and remove).
"""

from __future__ import annotations

import sys

from invoke import Collection
from invoke.exceptions import Exit

from workshop.cli import Ctx, Ran, say, task
from workshop.display import container_state, table
from workshop.engine import (
    ContainerFailed,
    claim_container,
    ensure_image,
    logs_task,
    run_once,
)
from workshop.errors import WorkshopError
from workshop.example import Example, Move, Service, Step, expect, expect_soon
from workshop.hardening import (
    NOBODY,
    ONE_OFF,
    SECURITY_OPT,
    SERVICE,
    Container,
    exempt,
    hardened,
    healthcheck,
    limits,
)
from workshop.i18n import N_, tr
from workshop.locks import host_lock
from workshop.settings import Setting, container_name, decimal, image, text

HELLO = "hello"
DAEMON = "daemon"

HELLO_SETTINGS = (
    Setting("HELLO_IMAGE", "ubuntu:24.04", image, "image of `hello.run` and `hello.shell`", (HELLO,)),
    Setting(
        "HELLO_MESSAGE", "Hello world", text, "what `hello.run` prints (passed as one argument, no shell)", (HELLO,)
    ),
    Setting("HELLO_SHELL", "/bin/bash", text, "the program `hello.shell` starts", (f"{HELLO}.shell",)),
)
DAEMON_SETTINGS = (
    Setting("DAEMON_IMAGE", "ubuntu:24.04", image, "image of the daemon container", (DAEMON,)),
    Setting("DAEMON_NAME", "daemon", container_name, "its container name", (DAEMON,), per_project="{project}-daemon"),
    Setting("DAEMON_MESSAGE", "hello world", text, "the line it prints", (DAEMON,)),
    Setting("DAEMON_INTERVAL", "1", decimal(0.1, 3600), "seconds between lines (0.1-3600)", (DAEMON,)),
)


@task
def run(c: Ctx):
    """Run a throwaway container that prints HELLO_MESSAGE (docker run ubuntu /bin/echo 'Hello world')."""
    message, image_ = c.get("HELLO_MESSAGE"), c.get("HELLO_IMAGE")
    options = hardened(c, ONE_OFF)
    try:
        run_once(
            c.docker,
            image_,
            "HELLO_IMAGE",
            ["/bin/echo", message],
            labels=c.project.labels(HELLO),
            user=NOBODY,
            **options,
        )
    except ContainerFailed as failed:
        raise Exit(code=failed.code) from None  # the command's own status, passed on


@task
def shell(c: Ctx):
    """Open an interactive shell in a throwaway container, removed on exit (docker run -i -t --rm ubuntu /bin/bash)."""
    image_, program = c.get("HELLO_IMAGE"), c.get("HELLO_SHELL")
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise WorkshopError(
            "hello.shell needs an interactive terminal (stdin/stdout are not a TTY); "
            "run it from a terminal, or use `invoke hello.run` in scripts"
        )
    from python_on_whales.exceptions import DockerException

    ensure_image(c.docker, image_, "HELLO_IMAGE")
    try:
        # root, Docker's default capabilities and a writable root filesystem, as in the tutorial:
        # a shell to look around and `apt-get install` in a throwaway container; but no new
        # privileges and the one-off limits
        c.docker.run(
            image_,
            [program],
            interactive=True,
            tty=True,
            remove=True,
            init=True,
            labels={**c.project.labels(HELLO), **exempt(c, "hello-shell")},
            security_options=list(SECURITY_OPT),
            **limits(c, ONE_OFF),
        )
    except DockerException as exc:
        if exc.return_code in (125, 126, 127):
            raise WorkshopError(
                f"HELLO_SHELL={program!r} could not be started in {image_} (docker exit {exc.return_code}); "
                "set HELLO_SHELL to a shell the image has, e.g. /bin/sh"
            ) from None
        raise Exit(code=exc.return_code) from None  # the shell's own exit status


# -- daemon: a container's lifecycle ----------------------------------------------------------


#: the daemon is healthy while its loop runs: there is always a `sleep` of it (any image has grep)
LOOP_ALIVE = "grep -qx sleep /proc/[0-9]*/comm"


def loop_script(c: Ctx) -> str:
    """The shell loop the daemon runs: DAEMON_MESSAGE every DAEMON_INTERVAL seconds."""
    quoted = "'" + c.get("DAEMON_MESSAGE").replace("'", "'\\''") + "'"
    return f"while true; do echo {quoted}; sleep {c.get('DAEMON_INTERVAL'):g}; done"


def the_daemon(c: Ctx):
    """Our daemon container (or None); someone else's container of that name is refused."""
    return claim_container(c.docker, c.project, DAEMON, c.get("DAEMON_NAME"), "DAEMON_NAME")


@task
def start(c: Ctx):
    """Start the background container printing DAEMON_MESSAGE every DAEMON_INTERVAL seconds; restart it if stopped."""
    name, script, image_ = c.get("DAEMON_NAME"), loop_script(c), c.get("DAEMON_IMAGE")
    options = hardened(c, SERVICE)
    with host_lock(f"daemon-{name}"):  # one check-then-create at a time on this machine
        container = the_daemon(c)
        if container is not None:
            if container.state.running:
                say(f"{name} is already running ({container.id[:12]}); nothing to do")
                return
            container.start()
            say(f"{name} started again ({container.id[:12]}): `invoke daemon.logs --follow` to watch it")
            return
        ensure_image(c.docker, image_, "DAEMON_IMAGE")
        container = c.docker.run(
            image_,
            ["/bin/sh", "-c", script],
            name=name,
            detach=True,
            init=True,
            labels=c.project.labels(DAEMON),
            user=NOBODY,
            **options,
            **healthcheck(LOOP_ALIVE),
        )
    say(f"{name} running ({container.id[:12]}): `invoke daemon.logs --follow` to watch it")


logs = logs_task(
    DAEMON, "DAEMON_NAME", "daemon.start", "Print the daemon container's output (docker logs [-f] daemon)."
)


@task
def stop(c: Ctx):
    """Stop the daemon container, keeping it (docker stop daemon)."""
    name, container = c.get("DAEMON_NAME"), the_daemon(c)
    if container is None:
        say(f"no container {name!r}; nothing to stop")
    elif not container.state.running:
        say(f"{name} is not running; nothing to stop")
    else:
        container.stop()
        say(f"{name} stopped; `invoke daemon.start` starts it again, `invoke daemon.rm` removes it")


@task
def status(c: Ctx):
    """List this example's containers, running or not, with their state (docker ps -a)."""
    containers = c.docker.container.list(all=True, filters=c.project.filters(DAEMON))
    if not containers:
        say(f"no {DAEMON} containers; `invoke daemon.start` creates one")
        return
    rows = [
        (
            ct.id[:12],
            ct.config.image or "",
            ct.name,
            container_state(ct.state.status or "", ct.state.exit_code, ct.state.started_at, ct.state.finished_at),
        )
        for ct in containers
    ]
    say(table(("CONTAINER ID", "IMAGE", "NAME", "STATUS"), rows))


@task(help={"force": "stop it first if it is running (docker rm -f)"})
def rm(c: Ctx, force=False):
    """Remove the daemon container (docker rm daemon); refuses while it runs unless --force."""
    name, container = c.get("DAEMON_NAME"), the_daemon(c)
    if container is None:
        say(f"no container {name!r}; nothing to remove")
        return
    if container.state.running and not force:
        raise WorkshopError(
            f"{name} is running; stop it first (`invoke daemon.stop`) or use `invoke daemon.rm --force`"
        )
    container.remove(force=force)
    say(f"{name} removed")


# -- the tour ------------------------------------------------------------------------------------


def hello_printed(c: Ctx, ran: Ran, noted: dict) -> str:
    """hello.run printed HELLO_MESSAGE and its container is gone (--rm)."""
    message = c.get("HELLO_MESSAGE")
    expect(message in ran.stdout.splitlines(), f"`{ran.command}` did not print {message!r}")
    left = c.docker.container.list(all=True, filters=c.project.filters(HELLO))
    expect(not left, f"{len(left)} hello container(s) were left behind")
    return tr("the container printed {message!r} and is gone again").format(message=message)


def daemon_running(c: Ctx, ran: Ran):
    """The daemon container, checked to be running."""
    container = the_daemon(c)
    expect(
        container is not None and container.state.running, f"the daemon container is not running after `{ran.command}`"
    )
    return container


def daemon_started(c: Ctx, ran: Ran, noted: dict) -> str:
    """The daemon runs and has printed its first line (so the next move, `daemon.logs`, has
    output to show); its id is noted to recognise it when started again."""
    container = daemon_running(c, ran)
    message = c.get("DAEMON_MESSAGE")
    expect_soon(
        lambda: message in str(c.docker.container.logs(container, tail=1)).splitlines(),
        f"{container.name}'s first line {message!r}",
        hint=lambda: f"its state: {c.docker.container.inspect(container.id).state.status}",
    )
    noted["daemon"] = container.id
    return tr("{name} is running in the background ({id})").format(name=container.name, id=container.id[:12])


def daemon_restarted(c: Ctx, ran: Ran, noted: dict) -> str:
    """The daemon runs again as the same container, not a new one."""
    container = daemon_running(c, ran)
    expect(container.id == noted.get("daemon"), f"{container.name} is a new container, not the stopped one")
    return tr("{name} runs again: the same container ({id}), not a new one").format(
        name=container.name, id=container.id[:12]
    )


TOUR_TAIL = 3


def daemon_logged(c: Ctx, ran: Ran, noted: dict) -> str:
    """The last lines of its output are DAEMON_MESSAGE."""
    message = c.get("DAEMON_MESSAGE")
    lines = ran.stdout.splitlines()
    expect(
        1 <= len(lines) <= TOUR_TAIL and set(lines) == {message},
        f"expected 1 to {TOUR_TAIL} lines {message!r}, got {lines!r}",
    )
    if len(lines) == 1:
        return tr("its last line of output read {message!r}").format(message=message)
    return tr("its last {count} lines of output read {message!r}").format(count=len(lines), message=message)


def daemon_stopped(c: Ctx, ran: Ran, noted: dict) -> str:
    """The daemon is stopped and its container kept."""
    container = the_daemon(c)
    expect(container is not None and not container.state.running, "the daemon container is not stopped and kept")
    return tr("{name} is stopped, and the container still exists").format(name=container.name)


def daemon_listed(c: Ctx, ran: Ran, noted: dict) -> str:
    """`daemon.status` lists the stopped container as Exited."""
    name = c.get("DAEMON_NAME")
    listed = any(name in line.split() and "Exited" in line for line in ran.stdout.splitlines())
    expect(listed, f"`{ran.command}` does not list {name} as Exited")
    return tr("`docker ps -a` still lists {name}, as Exited").format(name=name)


def daemon_removed(c: Ctx, ran: Ran, noted: dict) -> str:
    """The daemon container is gone."""
    name = c.get("DAEMON_NAME")
    expect(the_daemon(c) is None, f"{name} still exists after `{ran.command}`")
    return tr("{name} is gone, with its logs").format(name=name)


def daemon_is_up(c: Ctx) -> bool:
    """The daemon container runs."""
    container = the_daemon(c)
    return container is not None and container.state.running


hello = Example(
    name=HELLO,
    collection=Collection("hello", run, shell),
    containers=(Container("hello.run", ONE_OFF, default_bridge=True),),
    settings=HELLO_SETTINGS,
    images=("HELLO_IMAGE",),
    tour=Step(
        N_("your first container"),
        N_(
            "`docker run` creates a container from an image, runs one command in it, and the "
            "container stops when the command ends."
        ),
        (Move("docker run ubuntu /bin/echo 'Hello world'", "hello.run", hello_printed),),
    ),
)

daemon = Example(
    name=DAEMON,
    collection=Collection("daemon", start, logs, stop, status, rm),
    containers=(Container("daemon", SERVICE, healthcheck=True, default_bridge=True),),
    settings=DAEMON_SETTINGS,
    images=("DAEMON_IMAGE",),
    service=Service(start="daemon.start", stop="daemon.rm", stop_options={"force": True}, is_up=daemon_is_up),
    tour=Step(
        N_("a container's lifecycle"),
        N_(
            "With -d a container runs in the background; it can be watched, stopped, listed, "
            "started again (the same container) and removed."
        ),
        (
            Move(
                'docker run --name daemon -d ubuntu /bin/sh -c "while true; do echo hello world; sleep 1; done"',
                "daemon.start",
                daemon_started,
            ),
            Move(
                "docker logs -f daemon",
                "daemon.logs",
                daemon_logged,
                {"tail": TOUR_TAIL},
                N_("the last {tail} lines; --follow streams them until Ctrl-C"),
            ),
            Move("docker stop daemon", "daemon.stop", daemon_stopped),
            Move("docker ps -a", "daemon.status", daemon_listed),
            Move("docker start daemon", "daemon.start", daemon_restarted),
            Move(
                "docker rm daemon",
                "daemon.rm",
                daemon_removed,
                {"force": True},
                N_("--force: it is running, like docker rm -f"),
            ),
        ),
        cleanup=("daemon.rm", {"force": True}),
        present=lambda c: the_daemon(c) is not None,
        spare_existing=False,  # its lesson ends with its removal anyway
    ),
)
