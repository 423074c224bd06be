"""Errors a user can act on, and the translation of Docker's failures into one line each.

Nothing here imports python-on-whales: its exceptions are recognised by class name so that
``invoke --list`` stays fast.
"""

from __future__ import annotations

import os
import re


class WorkshopError(Exception):
    """A failure the user can fix; its message is one line that says how."""


class ConfigError(WorkshopError):
    """A setting or env file is wrong."""


def _class_names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def interrupted(exc: BaseException) -> bool:
    """A docker command that ended on Ctrl-C: the terminal sends SIGINT to the docker CLI too,
    and when the CLI exits (130) before Python raises KeyboardInterrupt, this is what we see."""
    return "DockerException" in _class_names(exc) and getattr(exc, "return_code", None) in (130, -2)


def last_line(text: str | None) -> str:
    """The last non-empty line of docker's stderr, without the CLI's boilerplate prefixes."""
    lines = [
        line.strip()
        for line in (text or "").splitlines()
        if line.strip() and not line.strip().startswith("Run 'docker")  # the CLI's "see --help" footer
    ]
    if not lines:
        return ""
    line = lines[-1]
    for prefix in ("docker: ", "Error response from daemon: ", "Error: "):
        if line.startswith(prefix):
            line = line[len(prefix) :]
    return line.rstrip(".")


def docker_host() -> str:
    """Where the docker CLI will connect, for messages."""
    return os.environ.get("DOCKER_HOST") or "the default socket (unix:///var/run/docker.sock)"


#: the engine address the docker CLI names when it cannot connect (its context's, e.g. Docker Desktop's socket)
_NAMED_HOST = re.compile(r"Cannot connect to the Docker daemon at (\S+?)\.?\s")


def describe_docker_failure(stderr: str | None, return_code: int | None = None) -> str:
    """Turn docker's stderr into one actionable line."""
    text = (stderr or "").lower()
    if "permission denied" in text and ("docker.sock" in text or "docker daemon socket" in text):
        return (
            "permission denied on the Docker socket; add your user to the docker group "
            "(sudo usermod -aG docker $USER) and log in again"
        )
    if (
        "cannot connect to the docker daemon" in text
        or "is the docker daemon running" in text
        or "error during connect" in text
        or ("dial unix" in text and "no such file" in text)
    ):
        named = _NAMED_HOST.search(stderr or "")
        where = named.group(1) if named and not os.environ.get("DOCKER_HOST") else docker_host()
        if where == "unix:///var/run/docker.sock":
            where = docker_host()
        return f"Docker daemon unreachable at {where}; start Docker (or run `invoke setup`), or fix DOCKER_HOST"
    if "'compose' is not a docker command" in text or "unknown command: docker compose" in text:
        return "Docker Compose v2 is missing; run `invoke setup` (or install the docker-compose-plugin package)"
    detail = last_line(stderr)
    if not detail:
        return f"docker failed (exit code {return_code})"
    return detail


def describe(exc: BaseException) -> str | None:
    """One line for a failure the user can act on, or None for a bug (which should show its traceback)."""
    names = _class_names(exc)
    if isinstance(exc, WorkshopError):
        return str(exc)
    if "ClientNotFoundError" in names:
        return "the docker CLI was not found on PATH; install Docker, or run `invoke setup`"
    if "DockerException" in names:
        return describe_docker_failure(getattr(exc, "stderr", None), getattr(exc, "return_code", None))
    return None
