"""compose.dev: the stack in development mode, the app's code synced in and reloaded as you save
(docker compose watch), until Ctrl-C."""

from __future__ import annotations

import signal
import time

from examples.compose.settings import APP_SERVICE, IMAGES, StackSettings
from examples.compose.stack import check_compose_file, project_only, stack_volumes, start
from workshop.adapters import compose_command
from workshop.builds import BuildLog
from workshop.cli import VERBOSE_HELP, Ctx, say, task
from workshop.engine import ensure_images, require_engine
from workshop.errors import WorkshopError
from workshop.output import show_build_line
from workshop.probe import http_url

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
