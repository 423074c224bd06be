"""The Docker side every example shares: find, claim and remove our containers, make sure an
image is there, run a one-off container, show logs, the shared network, builds.

The project's labels live in ``workshop.labels``, compose clients in ``workshop.composefile``,
streamed output in ``workshop.output``, the host lock in ``workshop.locks``.

python-on-whales is imported inside functions only: importing it costs about a quarter of a
second, which ``invoke --list`` should not pay.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from workshop.errors import WorkshopError, describe_docker_failure, interrupted, last_line
from workshop.labels import Project
from workshop.locks import host_lock
from workshop.output import copy_output, copy_until_interrupted

if TYPE_CHECKING:  # pragma: no cover - typing only
    from invoke import Task
    from python_on_whales import Container, DockerClient

    from workshop.cli import Ctx


def find_container(client: DockerClient, name: str) -> Container | None:
    """The container called ``name``, or None."""
    from python_on_whales.exceptions import NoSuchContainer

    try:
        return client.container.inspect(name)
    except NoSuchContainer:
        return None


@dataclass(frozen=True)
class Published:
    """One published port of a container."""

    host_ip: str
    host_port: int
    container_port: str  # e.g. "80/tcp"


def published(container: Container) -> list[Published]:
    """The ports ``container`` publishes on the host, sorted."""
    found = [
        Published(binding.get("HostIp") or "0.0.0.0", int(binding.get("HostPort")), port)
        for port, bindings in (container.network_settings.ports or {}).items()
        for binding in bindings or []
    ]
    return sorted(found, key=lambda p: (p.container_port, p.host_ip, p.host_port))


def holds_port(container: Container, port: int) -> bool:
    """True if ``container`` publishes host port ``port``."""
    return any(p.host_port == port for p in published(container))


def claim_container(client: DockerClient, project: Project, example: str, name: str, setting: str) -> Container | None:
    """Our container called ``name`` (or None); refuse to touch someone else's of that name."""
    container = find_container(client, name)
    if container is not None and not project.owns(container.config.labels, example):
        raise WorkshopError(
            f"{setting}={name!r}: a container of that name exists and is not this project's "
            f"{example} container; choose another {setting} {project.where(setting)} "
            "(or remove that container yourself)"
        )
    return container


def require_container(
    client: DockerClient, project: Project, example: str, name: str, setting: str, start: str
) -> Container:
    """Our container called ``name``; if there is none, say which task starts it."""
    container = claim_container(client, project, example, name, setting)
    if container is None:
        raise WorkshopError(f"no container {name!r} ({setting}); start it with `invoke {start}`")
    return container


def ensure_image(client: DockerClient, image: str, setting: str) -> bool:
    """Make sure ``image`` is present, pulling it if needed. Return True if it was pulled."""
    from python_on_whales.exceptions import DockerException

    if client.image.exists(image):
        return False
    try:
        client.image.pull(image, quiet=True)
    except DockerException as exc:
        reason = last_line(exc.stderr) or f"exit code {exc.return_code}"
        raise WorkshopError(
            f"{setting}={image!r} is not on this engine and cannot be pulled ({reason}); "
            "run `invoke setup` (it provides local stand-ins when the registry is unreachable) "
            f"or set {setting} to an image you have"
        ) from None
    return True


def ensure_images(c: Ctx, settings: Iterable[str]) -> None:
    """Every image the settings name is on the engine (pulled if it must be), before anything
    is built or started: a missing one is one line naming its setting."""
    for name in settings:
        ensure_image(c.docker, c.get(name), name)


def is_missing_image(exc: BaseException) -> bool:
    """True if a failed ``docker run --pull never`` failed only because the image is absent."""
    return type(exc).__name__ == "NoSuchImage" or "no such image" in (getattr(exc, "stderr", "") or "").lower()


class ContainerFailed(WorkshopError):
    """The command inside a container ran and exited non-zero."""

    def __init__(self, code: int, stderr: str):
        self.code = code
        self.stderr = stderr
        super().__init__(last_line(stderr) or f"the container exited with code {code}")


DOCKER_OWN_FAILURES = (125, 126, 127)  # docker run itself failed / not executable / not found


def run_once(
    client: DockerClient, image: str, image_setting: str, command: list[str], show_stderr: bool = True, **options
) -> None:
    """``docker run --rm --init IMAGE COMMAND``, streaming its output as it comes.

    The image is pulled only if absent (a pull failure is one line naming ``image_setting``).
    A command that exits non-zero raises ContainerFailed with its code and stderr.
    """
    from python_on_whales.exceptions import DockerException

    for attempt in (1, 2):
        try:
            output = client.run(image, command, remove=True, init=True, pull="never", stream=True, **options)
            copy_output(output, hide_cli_errors=True, show_stderr=show_stderr)
            return
        except DockerException as exc:
            if attempt == 1 and is_missing_image(exc):
                ensure_image(client, image, image_setting)
                continue
            if exc.return_code in DOCKER_OWN_FAILURES:
                raise
            raise ContainerFailed(exc.return_code, exc.stderr or "") from None


#: the help of every `logs` task's options
LOGS_HELP = {
    "follow": "keep streaming new lines until Ctrl-C (docker logs -f)",
    "tail": "show only the last N lines (0, the default: all)",
}


def logs_task(example: str, setting: str, start: str, doc: str) -> Task:
    """An example's `logs` task (``doc``: its docstring): `docker logs` of its container named
    by ``setting``, which the task ``start`` starts."""
    from workshop.cli import task

    def logs(c: Ctx, follow=False, tail=0):
        container_logs(c, example, setting, start, follow, tail)

    logs.__doc__ = doc
    return task(help=LOGS_HELP)(logs)


def container_logs(c: Ctx, example: str, setting: str, start: str, follow: bool, tail: int) -> None:
    """``docker logs`` of our container named by ``setting``; if there is none, say which task starts it."""
    container = require_container(c.docker, c.project, example, c.get(setting), setting, start)
    show_logs(c.docker, container, follow, tail)


def show_logs(client: DockerClient, container: Container, follow: bool, tail: int) -> None:
    """``docker logs [-f] [--tail N]``: copy the container's output; Ctrl-C ends --follow quietly."""
    if tail < 0:
        raise WorkshopError(f"--tail={tail}: must be 0 (all lines) or a positive number of lines")
    copy_until_interrupted(client.container.logs(container, follow=follow, stream=True, tail=tail or None))  # type: ignore[arg-type]


def remove_container(client: DockerClient, project: Project, example: str, name: str, setting: str) -> bool:
    """Stop and remove our container ``name`` if it exists; return True if there was one."""
    container = claim_container(client, project, example, name, setting)
    if container is None:
        return False
    container.remove(force=True, volumes=True)
    return True


def ensure_network(client: DockerClient, project: Project) -> str:
    """The user-defined bridge network our examples share (containers reach each other by
    name); returns its id.

    Docker 20.10 allows two networks of one name, and then refuses to start containers on
    either ("ambiguous"). Creation is serialised by a lock; should duplicates exist anyway
    (another clone on the same engine), the oldest is kept and the unused others removed.
    """
    from python_on_whales.exceptions import DockerException

    name = project.network

    def named() -> list:  # by listing, not by name: a name may be ambiguous
        return [n for n in client.network.list(filters=project.filters()) if n.name == name]

    with host_lock(f"network-{name}"):
        if not named():
            client.network.create(name, labels=project.labels("shared"))
        found = sorted(named(), key=lambda n: (n.created, n.id))
        for extra in found[1:]:
            if not extra.containers:
                try:
                    client.network.remove(extra.id)
                except DockerException:
                    pass  # in use after all: docker will say so when it matters
    return found[0].id


def build_service(c: Ctx, file: str | Path, service: str, images: Iterable[str] = ()) -> None:
    """Build one service of one of our compose files (``docker compose build SERVICE``),
    one line on stderr (the whole log with --verbose, or when it fails: workshop.builds).

    ``docker compose build`` works with and without buildx, which neither python-on-whales'
    ``docker.build`` (buildx only) nor ``legacy_build`` (breaks where buildx is the default) does.
    """
    from python_on_whales.exceptions import DockerException

    client = c.compose(file)  # checks every setting the file interpolates
    require_engine(client)
    ensure_images(c, images)  # what the build starts FROM (setting names)
    try:
        copy_output(client.compose.build([service], stream_logs=True), progress=True)
    except DockerException as exc:
        if interrupted(exc):
            raise
        reason = describe_docker_failure(exc.stderr, exc.return_code)
        raise WorkshopError(f"building {service} ({file}) failed: {reason}; its log is above") from None


def require_engine(client: DockerClient) -> None:
    """Fail early, in one line, when the daemon does not answer (instead of a build tool's noise)."""
    client.system.info()
