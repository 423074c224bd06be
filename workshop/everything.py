"""``invoke up`` and ``invoke down``: every long-running example at once.

The daemon (example 1), nginx (example 2) and the compose stack (example 4) do not depend on
each other, so their own tasks run side by side, each as the ``invoke`` command you would type
(``run_task``, which ``invoke tour`` uses too). Each one's result line is reported as it
finishes; if any failed, the command fails with one line naming which, after the others are done.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from workshop.cli import say, task
from workshop.config import ROOT, Settings
from workshop.engine import Project, docker
from workshop.errors import WorkshopError, last_line

if TYPE_CHECKING:  # pragma: no cover - typing only
    from python_on_whales import Container, DockerClient

#: example (its containers' ``<prefix>.example`` label) -> (task that starts it, task that removes it)
LONG_RUNNING: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "daemon": (("daemon.start",), ("daemon.rm", "--force")),
    "nginx": (("nginx.up",), ("nginx.down",)),
    "compose": (("compose.up",), ("compose.down",)),
}

_ECHO_LOCK = threading.Lock()


@dataclass(frozen=True)
class Ran:
    """A finished ``invoke`` run of one of our tasks."""

    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        """True if the task exited 0."""
        return self.code == 0

    @property
    def command(self) -> str:
        """The command as you would type it."""
        return f"invoke {shlex.join(self.args)}"

    @property
    def result(self) -> str:
        """The task's last line of output (its result)."""
        return last_line(self.stdout)

    @property
    def error(self) -> str:
        """The task's own one-line error, or the best description of its failure."""
        for line in reversed(self.stderr.splitlines()):
            if line.startswith("error: "):
                return line[len("error: "):]
        return last_line(self.stderr) or f"it exited with code {self.code}"


def run_task(*args: str, echo: bool = False) -> Ran:
    """Run ``invoke ARGS`` as a user would (``python -m invoke`` in the repository, same environment).

    With ``echo``, its output (stdout and stderr) is copied to our stdout as it comes, except
    its final ``error:`` line, which the caller reports in its own words.
    """
    child = subprocess.Popen(
        [sys.executable, "-m", "invoke", *args], cwd=ROOT, env=dict(os.environ),
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    captured: dict[str, list[bytes]] = {"stdout": [], "stderr": []}

    def relay(stream: IO[bytes], name: str) -> None:
        for line in iter(stream.readline, b""):
            captured[name].append(line)
            if echo and not (name == "stderr" and line.startswith(b"error: ")):
                with _ECHO_LOCK:
                    sys.stdout.buffer.write(line)
                    sys.stdout.flush()

    relays = [threading.Thread(target=relay, args=(child.stdout, "stdout"), daemon=True),
              threading.Thread(target=relay, args=(child.stderr, "stderr"), daemon=True)]
    try:
        for thread in relays:
            thread.start()
        for thread in relays:
            thread.join()
        code = child.wait()
    except BaseException:  # Ctrl-C: the child got it too; let it finish its own cleanup first
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
        raise
    text = {name: b"".join(lines).decode(errors="replace") for name, lines in captured.items()}
    return Ran(tuple(args), code, text["stdout"], text["stderr"])


def run_side_by_side(commands: dict[str, tuple[str, ...]], status: dict[str, str]) -> None:
    """Run the tasks in parallel; print ``example  status  result`` as each ends; fail naming the failed ones.

    ``status`` is the word shown for an example whose task succeeded.
    """
    with ThreadPoolExecutor(max_workers=len(commands)) as pool:
        futures = {pool.submit(run_task, *args): example for example, args in commands.items()}
        failed = []
        for future in as_completed(futures):
            example, ran = futures[future], future.result()
            if not ran.ok:
                failed.append(ran)
            say(f"{example:<8} {status[example] if ran.ok else 'FAILED':<12} {ran.result if ran.ok else ran.error}")
    if failed:
        raise WorkshopError("; ".join(f"`{ran.command}` failed: {ran.error}" for ran in failed))


def _engine() -> "tuple[DockerClient, Project]":
    """(engine client, our project), from the settings."""
    settings = Settings.load()
    return docker(settings), Project.from_settings(settings)


def survey() -> "dict[str, list[Container]]":
    """Our containers of each long-running example, running or not."""
    client, project = _engine()
    found = client.container.list(all=True, filters=project.filters())
    return {example: [c for c in found if project.owns(c.config.labels, example)] for example in LONG_RUNNING}


def stack_data_exists() -> bool:
    """True if the compose stack's data volume is there."""
    client, project = _engine()
    return bool(client.volume.list(filters=project.filters("compose")))


def is_up(containers: "list[Container]") -> bool:
    """Every container there, running, and healthy where it has a health check."""
    return bool(containers) and all(
        c.state.running and (c.state.health is None or c.state.health.status == "healthy") for c in containers
    )


@task()
def up(c):
    """Start the daemon, nginx and the compose stack side by side (daemon.start, nginx.up, compose.up)."""
    before = {example: is_up(containers) for example, containers in survey().items()}
    say(f"starting {', '.join(LONG_RUNNING)} side by side (the stack waits until it is healthy)")
    run_side_by_side(
        {example: start for example, (start, _) in LONG_RUNNING.items()},
        {example: "already up" if was_up else "started" for example, was_up in before.items()},
    )
    if all(before.values()):
        say("everything was already up; nothing to do")
    else:
        say("all up; `invoke down` stops them")


@task(help={"volumes": "also delete the compose stack's data volume: the hit count is lost"})
def down(c, volumes=False):
    """Stop and remove the daemon, nginx and the compose stack side by side; the stack's data stays unless --volumes."""
    there = {example for example, containers in survey().items() if containers}
    if volumes and stack_data_exists():  # the volume outlives the stack's containers
        there.add("compose")
        say("--volumes: the compose stack's data volume is deleted too; the hit count is lost")
    if not there:
        say("nothing is running; nothing to do")
        return
    commands = {example: stop for example, (_, stop) in LONG_RUNNING.items() if example in there}
    if volumes and "compose" in commands:
        commands["compose"] = (*commands["compose"], "--volumes")
    say(f"stopping {', '.join(commands)}" + (" side by side" if len(commands) > 1 else ""))
    for example in LONG_RUNNING:
        if example not in there:
            say(f"{example:<8} {'not running':<12} nothing to do")
    run_side_by_side(commands, dict.fromkeys(commands, "removed"))
    say("all down")
