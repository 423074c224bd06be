"""compose.exec and compose.shell: a command, or an interactive shell, inside a running service of
the stack (docker compose exec)."""

from __future__ import annotations

import shlex
import sys

from invoke.exceptions import Exit

from examples.compose.settings import APP_SERVICE, STACK_SERVICES
from examples.compose.stack import project_only
from workshop.adapters import compose_command, streamed
from workshop.cli import Ctx, task
from workshop.engine import require_engine
from workshop.errors import WorkshopError, last_line
from workshop.output import copy_output

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
