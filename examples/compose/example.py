"""Example 4 of the tutorial: connecting containers with compose. The stack in the top-level
docker-compose.yml: the Flask hit counter (`app`, code in examples/compose/app/) and Redis."""

from __future__ import annotations

import re
import shlex
import signal
import sys
import time
from dataclasses import dataclass
from typing import Any

from invoke import Collection
from invoke.exceptions import Exit

from workshop.adapters import compose_command, streamed
from workshop.builds import BuildLog
from workshop.cli import VERBOSE_HELP, Ctx, Ran, say, task
from workshop.confirm import Data, confirm, gone_from, report
from workshop.display import table
from workshop.engine import (
    ensure_images,
    holds_port,
    published,
    require_engine,
)
from workshop.errors import WorkshopError, last_line
from workshop.example import Action, Example, Move, Panel, Service, Standin, Step, expect, expect_soon
from workshop.hardening import SERVICE, Container
from workshop.i18n import N_, tr
from workshop.output import copy_output, copy_until_interrupted, show_build_line
from workshop.probe import answer_line, http_url, port_is_free, visit
from workshop.settings import Setting, address, decimal, existing_file, image, one_of, port, whole

EXAMPLE = "compose"
COMPOSE_FILE = "docker-compose.yml"
STANDINS_FILE = "examples/compose/standins/compose.yml"
APP_SERVICE = "app"
STACK_SERVICES = ["app", "redis"]
IMAGES = ("REDIS_IMAGE", "PYTHON_IMAGE")  # what the stack runs or builds FROM
COUNT = re.compile(r"seen (\d+) times")

SETTINGS = (
    Setting(
        "WORKSHOP_COMPOSE_FILE",
        COMPOSE_FILE,
        existing_file,
        "the stack's compose file (relative to the repository root)",
        (EXAMPLE, "swarm"),
    ),
    Setting(
        "APP_IMAGE",
        "docker-workshop/counter:latest",
        image,
        "the app image the stack builds",
        (EXAMPLE, "swarm"),
        per_project="{project}/counter:latest",
    ),
    Setting("PYTHON_IMAGE", "python:3.12-slim", image, "the Python image the app builds `FROM`", (EXAMPLE,)),
    Setting("APP_BIND", "127.0.0.1", address, "host address the app is published on", (EXAMPLE,)),
    Setting("APP_PORT", "5000", port, "host port of the app", (EXAMPLE,), bind="APP_BIND"),
    Setting(
        "BIND_PORT",
        "5000",
        port,
        "the port the app's server listens on inside the container (the tutorial's BIND_PORT)",
        (EXAMPLE,),
    ),
    Setting("APP_WORKERS", "2", whole(1, 16), "the app server's worker processes (granian, 1-16)", (EXAMPLE,)),
    Setting(
        "APP_THREADS",
        "16",
        whole(1, 32),
        "threads per worker that run the app (granian's blocking threads, 1-32; SERVICE_PIDS bounds the total)",
        (EXAMPLE,),
    ),
    Setting("REDIS_IMAGE", "redis:7-alpine", image, "the Redis image", (EXAMPLE, "swarm")),
    Setting("REDIS_PORT", "6379", port, "the port Redis listens on (inside the stack's network only)", (EXAMPLE,)),
    Setting(
        "REDIS_APPENDFSYNC",
        "always",
        one_of(
            "always",
            "everysec",
            "no",
            meaning="an fsync policy",
            fix="use always (no acknowledged write lost), everysec or no",
        ),
        "AOF fsync policy: `always` loses no acknowledged write",
        (EXAMPLE,),
    ),
    Setting(
        "BUILD_CA_BUNDLE",
        "examples/compose/no-extra-ca.pem",
        existing_file,
        "extra CA bundle for pip in the app build (a TLS-intercepting proxy's CA), passed as a build secret; "
        "the default file is empty",
        (EXAMPLE,),
    ),
    Setting(
        "STACK_WAIT", "180", decimal(5, 3600), "seconds `compose.up` waits for every service to be healthy", (EXAMPLE,)
    ),
    Setting(
        "STANDIN_REDIS_IMAGE",
        "docker-workshop/redis:standin",
        image,
        "name of the offline stand-in for redis, which `invoke setup` builds",
        ("setup",),
    ),
    Setting(
        "STANDIN_PYTHON_IMAGE",
        "docker-workshop/python:standin",
        image,
        "name of the offline stand-in for python, which `invoke setup` builds",
        ("setup",),
    ),
)


@dataclass(frozen=True)
class StackSettings:
    """Where the stack answers, and how long to wait for it."""

    bind: str
    port: int
    wait: float

    @classmethod
    def load(cls, c: Ctx) -> StackSettings:
        """Read and check APP_BIND, APP_PORT and STACK_WAIT."""
        return cls(bind=c.get("APP_BIND"), port=c.get("APP_PORT"), wait=c.get("STACK_WAIT"))

    @property
    def url(self) -> str:
        """Where the counter answers."""
        return http_url(self.bind, self.port)


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


@task(help={"no_cache": "build every layer again, ignoring the build cache", "verbose": VERBOSE_HELP})
def build(c: Ctx, no_cache=False, verbose=False):
    """Build the app image (docker compose build app); dependencies are reinstalled only if requirements.txt changed."""
    client = stack(c)
    copy_output(client.compose.build([APP_SERVICE], cache=not no_cache, stream_logs=True), progress=True)
    say(f"built {c.get('APP_IMAGE')}")


def port_setting(c: Ctx):
    """APP_PORT as read, for its one-line errors."""
    return c.settings.raw("APP_PORT")


@task(help={"verbose": VERBOSE_HELP})
def up(c: Ctx, verbose=False):
    """Build what changed, start the stack detached, return when every service is healthy (docker-compose up)."""
    settings = StackSettings.load(c)
    began = start(c, stack(c), settings, settings.bind)
    say(f"the stack is up and healthy after {time.monotonic() - began:.1f}s: {settings.url}")


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


# -- development mode: the code reloads as you save ----------------------------------------------

DEV_FILE = "examples/compose/dev.yml"  # merged on top of WORKSHOP_COMPOSE_FILE by compose.dev
DEV_BIND = "127.0.0.1"  # development mode never publishes beyond this machine


@task(help={"verbose": VERBOSE_HELP})
def dev(c: Ctx, verbose=False):
    """Run the stack in development mode until Ctrl-C: saving app.py reloads the server (docker compose watch).

    A changed requirements.txt or Dockerfile rebuilds the image; Ctrl-C removes the stack's
    containers and keeps its data (`invoke compose.up` is production mode again).
    """
    settings = StackSettings.load(c)
    client = c.compose(c.get("WORKSHOP_COMPOSE_FILE"), overrides=(DEV_FILE,))
    check_compose_file(client, c)
    require_engine(client)
    ensure_images(c, IMAGES)
    began = start(c, client, settings, DEV_BIND)
    url = http_url(DEV_BIND, settings.port)
    say(f"development mode is up after {time.monotonic() - began:.1f}s: {url}")
    code = c.settings.shown(c.settings.file("WORKSHOP_COMPOSE_FILE").parent / "examples" / "compose" / "app")
    say(
        f"watching {code}: saving app.py reloads the server, a change to requirements.txt or the Dockerfile "
        "rebuilds the image; Ctrl-C stops"
    )
    stopped_by_user = False
    previous = signal.signal(signal.SIGTERM, interrupted)  # `kill` ends it as Ctrl-C does
    try:
        follow(client)
    except KeyboardInterrupt:
        stopped_by_user = True
    finally:
        signal.signal(signal.SIGTERM, previous)
        end_development(c)
    if not stopped_by_user:
        raise WorkshopError("docker compose watch ended by itself (see above); `invoke compose.dev` starts again")


def interrupted(signum, frame) -> None:
    """SIGTERM, as a KeyboardInterrupt."""
    raise KeyboardInterrupt


def follow(client) -> None:
    """Stream `docker compose watch` (each sync, restart and rebuild) and the app's log (each
    reload, and the traceback of code that does not load) until watch ends or Ctrl-C.

    python-on-whales has no `compose watch`: its client's own compose command line
    (``workshop.adapters.compose_command``: the files, env files, project name and directory) runs it, and
    `compose logs --follow` beside it, both as children we stop ourselves.
    """
    import subprocess
    import threading

    base = compose_command(client)
    children = [
        subprocess.Popen(
            [*base, "watch", "--no-up", "--prune=false"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(
            [*base, "logs", "--follow", "--no-color", "--since", "1s", APP_SERVICE],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        ),
    ]
    watch, log = children

    def copy(child, builds: BuildLog | None = None) -> None:
        assert child.stdout is not None
        for line in child.stdout:
            if builds is None or show_build_line(builds, line):
                write_line(line)

    reader = threading.Thread(target=copy, args=(log,), daemon=True)
    reader.start()
    try:
        copy(watch, BuildLog(timed_from_start=False))  # a rebuild is one line (--verbose: its whole log)
        if watch.wait() in (130, -signal.SIGINT):
            raise KeyboardInterrupt  # Ctrl-C reached compose before it reached us
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


def write_line(line: bytes) -> None:
    """One line of compose's output, without the build noise a missing buildx adds."""
    from workshop.console import write

    if b"buildx isn't installed" not in line:
        write("stdout", line)


def end_development(c: Ctx) -> None:
    """Remove the stack's containers and network, keep its volumes (what Ctrl-C leaves)."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not leave half a stack
    try:
        project_only(c).compose.down(remove_orphans=True, quiet=True)
    finally:
        signal.signal(signal.SIGINT, previous)
    names = ", ".join(volume.name for volume in stack_volumes(c))
    kept = f"; data kept in volume(s) {names}" if names else ""
    say(
        f"development mode stopped: the stack's containers are removed{kept}; "
        "`invoke compose.up` starts production mode"
    )


def healthy_within(c: Ctx, deadline: float) -> bool:
    """Poll the stack until every service is healthy (True) or ``deadline`` passes (False)."""
    while time.monotonic() < deadline:
        if all(state == "healthy" for state in service_states(c).values()):
            return True
        time.sleep(0.5)
    return False


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


def service_states(c: Ctx) -> dict[str, str]:
    """Each service of the stack: its health while it runs, else its state, or "missing"."""
    states = dict.fromkeys(STACK_SERVICES, "missing")
    for container in project_only(c).compose.ps(all=True):
        service = (container.config.labels or {}).get("com.docker.compose.service", "")
        state = container.state  # a stopped container keeps its last health status: not its health now
        health = state.health.status if state.running and state.health else None
        states[service] = health or container.state.status or "unknown"
    return states


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


# -- a command or a shell inside a service (docker compose exec) ----------------------------------

SHELL = "/bin/sh"  # both images have it (redis:7-alpine's busybox, python:3.12-slim's dash)


def stack_service(service: str, option: str) -> str:
    """``service`` if it is one of the stack's, else one line naming ``option`` and the choices."""
    if service not in STACK_SERVICES:
        raise WorkshopError(
            f"{option}={service!r}: not a service of the stack; give one of {', '.join(STACK_SERVICES)}"
        )
    return service


def command_after_dashes(c: Ctx) -> list[str]:
    """The words after `--`, as typed. invoke joins them with spaces (``c.remainder``), which
    loses quoting (`-- sh -c 'echo a b'`); the process's own argv still has them, and is used
    when it holds the same words."""
    if "--" in sys.argv:
        typed = sys.argv[sys.argv.index("--") + 1 :]
        if " ".join(typed) == c.remainder:
            return typed
    return shlex.split(c.remainder)


def running_service(c: Ctx, service: str):
    """A project-only compose client, once ``service`` has a running container."""
    client = project_only(c)
    require_engine(client)
    if not any(ct.state.running for ct in client.compose.ps(services=[service])):
        raise WorkshopError(
            f"{service} is not running; start the stack with `invoke compose.up` (or `invoke compose.dev`)"
        )
    return client


def interactive() -> bool:
    """True when both stdin and stdout are a terminal."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def run_in_service(client, service: str, command: list[str]) -> None:
    """``docker compose exec SERVICE COMMAND``: through a pseudo-terminal when we have one,
    else without (output streamed as it comes, stdin passed on). The command's own exit
    status becomes ours; a command that cannot be started is one line."""
    from python_on_whales.exceptions import DockerException

    not_started: list[str] = []
    try:
        if interactive():
            client.compose.execute(service, command, tty=True)
        else:
            # python-on-whales' execute(tty=False) captures stdout and drops stderr when the
            # command succeeds; its own compose command line, streamed, keeps both
            full = [*compose_command(client), "exec", "--no-TTY", service, *command]
            copy_output(held_back(streamed(full), not_started))
    except DockerException as exc:
        why = not_started[-1] if not_started else last_line(exc.stderr) if "exec failed" in (exc.stderr or "") else ""
        if exc.return_code in (126, 127) and why:
            raise WorkshopError(
                f"{command[0]!r} cannot be started in {service}: {why}; "
                f"check the command (try `invoke compose.shell --service {service}`)"
            ) from None
        raise Exit(code=exc.return_code) from None  # the command's own status, passed on


def held_back(output, kept: list[str]):
    """``output`` without the runtime's "exec failed" line (compose prints it on stdout when
    the command cannot be started), which is appended to ``kept`` for the one-line error."""
    for source, chunk in output:
        if chunk.startswith(b"OCI runtime exec failed"):
            line = last_line(chunk.decode(errors="replace")).removesuffix(": unknown")
            kept.append(line.rsplit("exec: ", 1)[-1])  # '"nosuchcmd": executable file not found in $PATH'
            continue
        yield source, chunk


@task(
    name="exec",
    help={"service": "the service to run the command in (app or redis); the command follows `--`"},
)
def exec_(c: Ctx, service):
    """Run a command in a running service: `invoke compose.exec redis -- redis-cli get hits` (docker compose exec)."""
    service = stack_service(service, "SERVICE")
    command = command_after_dashes(c)
    if not command:
        raise WorkshopError(
            f"no command given; put it after `--`, e.g. `invoke compose.exec {service} -- "
            f"{'redis-cli get hits' if service == 'redis' else 'python --version'}`"
        )
    run_in_service(running_service(c, service), service, command)


@task(help={"service": "the service to open the shell in (app or redis; default app)"})
def shell(c: Ctx, service=APP_SERVICE):
    """Open an interactive shell in a running service (docker compose exec SERVICE /bin/sh); `exit` leaves it."""
    service = stack_service(service, "--service")
    if not interactive():
        raise WorkshopError(
            "compose.shell needs an interactive terminal (stdin/stdout are not a TTY); "
            "in scripts use `invoke compose.exec SERVICE -- COMMAND`"
        )
    run_in_service(running_service(c, service), service, [SHELL])


# -- the tour ------------------------------------------------------------------------------------


def healthy_services(c: Ctx) -> set[str]:
    """The stack's services whose container runs and is healthy."""
    return {
        ct.config.labels.get("com.docker.compose.service")
        for ct in project_only(c).compose.ps()
        if ct.state.running and ct.state.health and ct.state.health.status == "healthy"
    }


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


def is_up(c: Ctx) -> bool:
    """Every service of the stack runs and is healthy."""
    containers = project_only(c).compose.ps()
    services = {ct.config.labels.get("com.docker.compose.service"): ct for ct in containers}
    return set(STACK_SERVICES) <= set(services) and all(
        ct.state.running and (ct.state.health is None or ct.state.health.status == "healthy")
        for ct in services.values()
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
