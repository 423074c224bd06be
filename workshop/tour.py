"""``invoke tour``: the tutorial from the first container to the compose stack, every result checked.

Each step says what it teaches; then, for each of its commands, it shows the tutorial's docker
command and the ``invoke`` command that does the same here, runs that command exactly as you
would type it (its output shown), checks the result and prints ``✓ what was verified``. The
first failure stops the tour with one line naming the step. At the end, or after a failure
(or Ctrl-C), everything the tour started is removed again unless ``--keep``; what was already
up before the tour is left as it was, and the compose stack's data volume, your hit count, is
always kept.
"""

from __future__ import annotations

import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from examples.compose.tasks import STACK_SERVICES, StackSettings
from examples.curl.tasks import RESULTS_NAME, image_tags, results_dir
from examples.nginx.tasks import SERVED_PATH, NginxSettings
from workshop.cli import say, task
from workshop.config import Settings, display_path
from workshop.engine import Project, docker, find_container, holds_port
from workshop.errors import WorkshopError, describe
from workshop.everything import LONG_RUNNING, Ran, is_up, run_task, survey
from workshop.probe import get

if TYPE_CHECKING:  # pragma: no cover - typing only
    from python_on_whales import Container

PAGE = "index.html"
COUNT = re.compile(r"seen (\d+) times")
PLACEHOLDER = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")


class CheckFailed(Exception):
    """A command ran, but its result is not what the tutorial shows."""


def expect(condition: object, problem: str) -> None:
    """Raise CheckFailed(problem) unless ``condition`` holds."""
    if not condition:
        raise CheckFailed(problem)


class Tour:
    """What the checks share: settings, an engine client, and what earlier checks noted."""

    def __init__(self) -> None:
        self.settings = Settings.load()
        self.project = Project.from_settings(self.settings)
        self.client = docker(self.settings)
        self.noted: dict[str, object] = {}

    def container(self, setting: str) -> "Container | None":
        """Our container named by ``setting`` (e.g. DAEMON_NAME), or None."""
        return find_container(self.client, self.settings.container_name(setting))

    def page(self) -> Path:
        """The page nginx serves: NGINX_HTML_DIR/index.html."""
        return NginxSettings.load(self.settings).html / PAGE

    def shown(self, path: Path) -> str:
        """``path`` relative to the repository when it lies inside it."""
        return display_path(path, self.settings.root)


Check = Callable[[Tour, Ran], str]


@dataclass(frozen=True)
class Move:
    """One tutorial command, the task that does it here, and the check of its result."""

    tutorial: str
    args: tuple[str, ...]  # {SETTING} is replaced by the setting's value
    check: Check
    note: str = ""  # why the invoke command differs from the tutorial's, if it does


@dataclass(frozen=True)
class Step:
    """A chapter of the tutorial."""

    name: str
    title: str
    teaches: str
    moves: tuple[Move, ...]
    cleanup: tuple[str, ...] | None = None  # the task that removes what the step started


# -- checks: each returns what it verified, or raises CheckFailed ------------------------------

def hello_printed(tour: Tour, ran: Ran) -> str:
    """hello.run printed HELLO_MESSAGE and its container is gone (--rm)."""
    message = tour.settings.text("HELLO_MESSAGE")
    expect(message in ran.stdout.splitlines(), f"`{ran.command}` did not print {message!r}")
    left = tour.client.container.list(all=True, filters=tour.project.filters("hello"))
    expect(not left, f"{len(left)} hello container(s) were left behind")
    return f"the container printed {message!r} and is gone again"


def daemon_running(tour: Tour, ran: Ran) -> "Container":
    """The daemon container, checked to be running."""
    container = tour.container("DAEMON_NAME")
    expect(container is not None and container.state.running, f"the daemon container is not running after `{ran.command}`")
    return container


def daemon_started(tour: Tour, ran: Ran) -> str:
    """The daemon runs; its id is noted to recognise it when started again."""
    container = daemon_running(tour, ran)
    tour.noted["daemon"] = container.id
    return f"{container.name} is running in the background ({container.id[:12]})"


def daemon_restarted(tour: Tour, ran: Ran) -> str:
    """The daemon runs again as the same container, not a new one."""
    container = daemon_running(tour, ran)
    expect(container.id == tour.noted.get("daemon"), f"{container.name} is a new container, not the stopped one")
    return f"{container.name} runs again: the same container ({container.id[:12]}), not a new one"


def daemon_logged(tour: Tour, ran: Ran) -> str:
    """The last lines of its output are DAEMON_MESSAGE."""
    message = tour.settings.text("DAEMON_MESSAGE")
    lines = ran.stdout.splitlines()
    expect(1 <= len(lines) <= 3 and set(lines) == {message}, f"expected 1 to 3 lines {message!r}, got {lines!r}")
    return f"its last {len(lines)} line(s) of output read {message!r}"


def daemon_stopped(tour: Tour, ran: Ran) -> str:
    """The daemon is stopped and its container kept."""
    container = tour.container("DAEMON_NAME")
    expect(container is not None and not container.state.running, "the daemon container is not stopped and kept")
    return f"{container.name} is stopped, and the container still exists"


def daemon_listed(tour: Tour, ran: Ran) -> str:
    """`daemon.status` lists the stopped container as Exited."""
    name = tour.settings.container_name("DAEMON_NAME")
    listed = any(name in line.split() and "Exited" in line for line in ran.stdout.splitlines())
    expect(listed, f"`{ran.command}` does not list {name} as Exited")
    return f"`docker ps -a` still lists {name}, as Exited"


def daemon_removed(tour: Tour, ran: Ran) -> str:
    """The daemon container is gone."""
    name = tour.settings.container_name("DAEMON_NAME")
    expect(tour.container("DAEMON_NAME") is None, f"{name} still exists after `{ran.command}`")
    return f"{name} is gone, with its logs"


def page_served(tour: Tour, ran: Ran) -> str:
    """The nginx page answers 200 with NGINX_HTML_DIR/index.html, byte for byte."""
    url, page = NginxSettings.load(tour.settings).url, tour.page()
    try:
        response = get(url)
    except OSError as exc:
        raise CheckFailed(f"nothing answers at {url} ({exc})") from None
    expect(response.status == 200, f"{url} answered {response.status}, not 200")
    expect(response.body == page.read_bytes(), f"{url} does not serve {tour.shown(page)}")
    return f"GET {url} answered 200 with {tour.shown(page)}, byte for byte"


def nginx_inspected(tour: Tour, ran: Ran) -> str:
    """The folder is mounted read-only and the host port published."""
    nginx, container = NginxSettings.load(tour.settings), tour.container("NGINX_NAME")
    expect(container is not None, f"no container {nginx.name!r}")
    mounted = any(
        m.source and Path(m.source) == nginx.html and m.destination == SERVED_PATH and not m.rw
        for m in container.mounts
    )
    expect(mounted, f"{tour.shown(nginx.html)} is not mounted read-only at {SERVED_PATH}")
    expect(holds_port(container, nginx.port), f"host port {nginx.port} is not published")
    return f"{tour.shown(nginx.html)} is mounted read-only at {SERVED_PATH}, port {nginx.port} is published"


def image_built(tour: Tour, ran: Ran) -> str:
    """The curl image is there under both tags."""
    versioned, latest = image_tags(tour.settings)
    expect(all(tour.client.image.exists(tag) for tag in (versioned, latest)), f"{versioned} or {latest} is missing")
    return f"the image is on the engine as {versioned} and {latest}"


def page_fetched(tour: Tour, ran: Ran) -> str:
    """curl's results file is the page nginx serves."""
    results, page = results_dir(tour.settings) / RESULTS_NAME, tour.page()
    expect(results.is_file() and results.read_bytes() == page.read_bytes(), f"{tour.shown(results)} is not the served page")
    return f"{tour.shown(results)} holds the page nginx serves: the containers met by name on their network"


def stack_healthy(tour: Tour, ran: Ran) -> str:
    """Both services of the stack run and are healthy."""
    healthy = {
        c.config.labels.get("com.docker.compose.service")
        for c in tour.client.compose.ps()
        if c.state.running and c.state.health and c.state.health.status == "healthy"
    }
    expect(set(STACK_SERVICES) <= healthy, f"healthy: {sorted(healthy) or 'none'}; expected {STACK_SERVICES}")
    return f"{' and '.join(STACK_SERVICES)} are running and healthy"


def hit_count(ran: Ran) -> int:
    """The count in compose.hit's answer."""
    match = COUNT.search(ran.stdout)
    expect(match, f"the counter answered {ran.result!r}")
    return int(match.group(1))


def counted(tour: Tour, ran: Ran) -> str:
    """The counter answered; its count is noted."""
    tour.noted["count"] = count = hit_count(ran)
    return f"the counter answered: seen {count} times"


def counted_again(tour: Tour, ran: Ran) -> str:
    """The next visit counted exactly one more."""
    count, first = hit_count(ran), tour.noted.get("count")
    expect(count == first + 1, f"the count went from {first} to {count}, not to {first + 1}")
    return f"the count went from {first} to {count}: Redis keeps it between requests"


STEPS: tuple[Step, ...] = (
    Step("hello", "your first container",
         "`docker run` creates a container from an image, runs one command in it, and the "
         "container stops when the command ends.",
         (Move("docker run ubuntu /bin/echo 'Hello world'", ("hello.run",), hello_printed),)),
    Step("daemon", "a container's lifecycle",
         "With -d a container runs in the background; it can be watched, stopped, listed, "
         "started again (the same container) and removed.",
         (Move('docker run --name daemon -d ubuntu /bin/sh -c "while true; do echo hello world; sleep 1; done"',
               ("daemon.start",), daemon_started),
          Move("docker logs -f daemon", ("daemon.logs", "--tail", "3"), daemon_logged,
               "the last 3 lines; --follow streams them until Ctrl-C"),
          Move("docker stop daemon", ("daemon.stop",), daemon_stopped),
          Move("docker ps -a", ("daemon.status",), daemon_listed),
          Move("docker start daemon", ("daemon.start",), daemon_restarted),
          Move("docker rm daemon", ("daemon.rm", "--force"), daemon_removed, "--force: it is running, like docker rm -f")),
         LONG_RUNNING["daemon"][1]),
    Step("nginx", "ports and volumes",
         "-p publishes a container's port on the host and -v mounts a host folder into the "
         "container: nginx serves NGINX_HTML_DIR, read-only, on NGINX_PORT.",
         (Move('docker run -d --name "test-nginx" -p 8080:80 -v $(pwd):/usr/share/nginx/html:ro nginx:latest',
               ("nginx.up",), page_served, "the tour then fetches the page itself"),
          Move("docker inspect test-nginx", ("nginx.inspect",), nginx_inspected)),
         LONG_RUNNING["nginx"][1]),
    Step("curl", "your first Dockerfile",
         "A Dockerfile describes an image and `docker build` makes it; run with -v, its container "
         "writes into a host folder. Here it fetches the nginx page by container name.",
         (Move("docker build . -t test-curl", ("curl.build",), image_built),
          Move("docker run --rm -e SITE_URL=https://facebook.com/ -v $(pwd)/vol:/data/:rw test-curl",
               ("curl.run", "--site-url", "http://{NGINX_NAME}/"), page_fetched,
               "nginx's page: containers on one network reach each other by name")),
         ("curl.clean",)),
    Step("compose", "connecting containers",
         "Compose starts several containers from one file on their own network: a Flask app "
         "counts visits in Redis, whose data lives in a named volume.",
         (Move("docker-compose up", ("compose.up",), stack_healthy),
          Move("open http://127.0.0.1:5000/", ("compose.hit",), counted),
          Move("open http://127.0.0.1:5000/ (again)", ("compose.hit",), counted_again)),
         LONG_RUNNING["compose"][1]),
)


def show_and_run(tour: Tour, args: tuple[str, ...], note: str = "") -> Ran:
    """Print ``$ invoke ARGS`` (settings filled in), then run it with its output shown."""
    args = tuple(PLACEHOLDER.sub(lambda m: tour.settings.text(m.group(1)), arg) for arg in args)
    say(f"$ invoke {shlex.join(args)}" + (f"    # {note}" if note else ""))
    return run_task(*args, echo=True)


def walk(tour: Tour, number: int, step: Step) -> int:
    """Run one step: heading, lesson, then each move and its check. Return the number of checks passed."""
    where = f"tour step {number}/{len(STEPS)} ({step.name})"
    say(f"\n=== Step {number}/{len(STEPS)}: {step.name}, {step.title} ===")
    say(step.teaches)
    for move in step.moves:
        say(f"\ntutorial: {move.tutorial}")
        ran = show_and_run(tour, move.args, move.note)
        if not ran.ok:
            raise WorkshopError(f"{where} failed: `{ran.command}`: {ran.error}")
        try:
            say(f"✓ {move.check(tour, ran)}")
        except CheckFailed as failed:
            raise WorkshopError(
                f"{where}: {failed} after `{ran.command}`; `invoke doctor` checks the engine and settings"
            ) from None
        except Exception as exc:
            if describe(exc) is None:
                raise
            raise WorkshopError(f"{where}: checking `{ran.command}` failed: {describe(exc)}") from None
    return len(step.moves)


def found_before(tour: Tour) -> set[str]:
    """The steps whose example was already up (or, for curl, built) before the tour: it leaves those alone.

    Not the daemon: its lifecycle, the lesson of its step, ends with its removal anyway.
    """
    there = {example for example, containers in survey().items() if example != "daemon" and is_up(containers)}
    if tour.client.image.exists(image_tags(tour.settings)[0]):
        there.add("curl")
    return there


def clean_up(tour: Tour, started: list[Step], before: set[str]) -> list[Ran]:
    """Run the cleanup task of every started step, last first, except what was there before. Return the failed runs."""
    cleanups = [step for step in reversed(started) if step.cleanup]
    if not cleanups:
        return []
    say("\n=== Cleaning up what the tour started ===")
    failed = []
    for step in cleanups:
        if step.name in before:
            say(f"{step.name}: it was there before the tour; left as it was")
            continue
        if step.name == "compose":
            say("compose.down keeps the stack's data volume: your hit count survives.")
        ran = show_and_run(tour, step.cleanup)
        if not ran.ok:
            failed.append(ran)
    return failed


def wait_for_enter(number: int, step: Step) -> None:
    """--step: wait for Enter before the next step; end-of-input ends the tour like Ctrl-C."""
    try:
        input(f"\n[Enter] step {number}/{len(STEPS)}: {step.name}  (Ctrl-C ends the tour) ")
    except EOFError:
        raise KeyboardInterrupt from None


@task(help={
    "keep": "leave nginx and the compose stack running at the end (default: remove what the tour started)",
    "step": "wait for Enter between steps (needs a terminal)",
})
def tour(c, keep=False, step=False):
    """Walk through the whole tutorial, running and checking every command; cleans up after itself."""
    if step and not sys.stdin.isatty():
        raise WorkshopError("--step waits for Enter between steps, but stdin is not a terminal; "
                            "run `invoke tour --step` in a terminal, or drop --step")
    state = Tour()
    before = found_before(state)
    started: list[Step] = []
    failure: WorkshopError | None = None
    checks = 0
    try:
        for number, current in enumerate(STEPS, 1):
            if step and number > 1:
                wait_for_enter(number, current)
            started.append(current)
            checks += walk(state, number, current)
        say(f"\n✓ tour complete: {len(STEPS)} steps, {checks} checks passed")
    except WorkshopError as exc:
        failure = exc
    finally:  # also after Ctrl-C: leave nothing half-running
        failed = [] if keep else clean_up(state, started, before)
    problems = [str(failure)] if failure else []
    if failed:
        commands = ", ".join(f"`{ran.command}`" for ran in failed)
        problems.append(f"cleanup failed ({failed[0].error}); run {commands} again")
    if problems:
        raise WorkshopError("; ".join(problems))
    if keep:
        nginx, stack = NginxSettings.load(state.settings), StackSettings.load(state.settings)
        say(f"--keep: nginx is still up at {nginx.url} and the stack at {stack.url}; "
            "`invoke down` stops them, `invoke curl.clean` removes the curl image")
