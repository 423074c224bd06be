"""The Docker access layer: one configured client, this project's labels, and helpers
that every example shares (find our container, make sure an image is there).

python-on-whales is imported inside functions only: importing it costs about a quarter of a
second, which ``invoke --list`` should not pay.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from workshop.builds import BuildLog, builds_are_verbose
from workshop.config import LOCAL_NAME, hand_over, state_dir
from workshop.console import write
from workshop.errors import WorkshopError, describe_docker_failure, interrupted, last_line

if TYPE_CHECKING:  # pragma: no cover - typing only
    from python_on_whales import Container, DockerClient

    from workshop.cli import Ctx
    from workshop.config import Settings


@dataclass(frozen=True)
class Project:
    """Who we are on the engine: the compose project name and the label namespace (and the
    settings they were read from, for the fix hints that name a setting)."""

    name: str
    label_prefix: str
    settings: Settings | None = field(default=None, compare=False, repr=False)

    def where(self, setting: str) -> str:
        """Where to change ``setting`` (Settings.where; ``in .env`` without settings)."""
        return self.settings.where(setting) if self.settings is not None else f"in {LOCAL_NAME}"

    @property
    def project_key(self) -> str:
        """The label key naming the project."""
        return f"{self.label_prefix}.project"

    @property
    def example_key(self) -> str:
        """The label key naming the example inside the project."""
        return f"{self.label_prefix}.example"

    @property
    def image_key(self) -> str:
        """The label key naming the project on images it builds.

        Images get a key of their own: a container inherits its image's labels, and a
        container someone makes by hand from our image is not ours.
        """
        return f"{self.label_prefix}.built-by"

    def labels(self, example: str) -> dict[str, str]:
        """Labels for a container, network or volume this project creates for ``example``."""
        return {self.project_key: self.name, self.example_key: example}

    def image_labels(self, example: str) -> dict[str, str]:
        """Labels for an image this project builds for ``example``."""
        return {self.image_key: self.name, self.example_key: example}

    def image_filters(self, example: str | None = None) -> list[tuple[Literal["label"], str]]:
        """docker ``--filter`` pairs that select the images we built (of one example, if given)."""
        pairs: list[tuple[Literal["label"], str]] = [("label", f"{self.image_key}={self.name}")]
        if example:
            pairs.append(("label", f"{self.example_key}={example}"))
        return pairs

    def filters(self, example: str | None = None) -> list[tuple[Literal["label"], str]]:
        """docker ``--filter`` pairs that select our resources (of one example, if given)."""
        pairs: list[tuple[Literal["label"], str]] = [("label", f"{self.project_key}={self.name}")]
        if example:
            pairs.append(("label", f"{self.example_key}={example}"))
        return pairs

    @property
    def network(self) -> str:
        """The name of the network the examples share."""
        return f"{self.name}-net"

    def owns_image(self, labels: dict[str, str] | None) -> bool:
        """True if an image with these labels was built by this project."""
        return (labels or {}).get(self.image_key) == self.name

    def owns(self, labels: dict[str, str] | None, example: str | None = None) -> bool:
        """True if a resource with these labels is ours (and of ``example``, if given)."""
        labels = labels or {}
        if labels.get(self.project_key) != self.name:
            return False
        return example is None or labels.get(self.example_key) == example


def compose_client(c: Ctx, file: str | Path, profiles: list[str], overrides: Iterable[str | Path] = ()) -> DockerClient:
    """A python-on-whales client for one compose file of ours (and ``overrides`` merged on top of
    it, like `docker compose -f FILE -f OVERRIDE`), with our env files and project name."""
    from python_on_whales import DockerClient

    settings = c.settings
    paths: list[str | Path] = []
    for name in (file, *overrides):
        path = Path(name)
        path = path if path.is_absolute() else settings.root / path
        if not path.is_file():
            raise WorkshopError(f"the compose file {path} is missing; restore it with `git checkout -- {name}`")
        for variable in interpolated(path.read_text(encoding="utf-8")):
            if variable in c.shop.registry:
                c.get(variable)  # compose interpolates it: check it first, in our words
        paths.append(path)
    path = Path(paths[0])
    return DockerClient(
        compose_files=paths,
        compose_profiles=profiles,
        compose_env_files=list[str | Path](settings.compose_env_files()),
        compose_project_name=c.get("WORKSHOP_PROJECT"),
        compose_project_directory=path.parent,  # relative paths in the file are its own
    )


_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)")


def interpolated(text: str) -> list[str]:
    """The variables a compose file interpolates (``${NAME...}``), comments left out, in order."""
    names: dict[str, None] = {}
    for line in text.splitlines():
        if not line.lstrip().startswith("#"):
            names.update(dict.fromkeys(_VARIABLE.findall(line)))
    return list(names)


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


def container_logs(c: Ctx, example: str, setting: str, start: str, follow: bool, tail: int) -> None:
    """``docker logs`` of our container named by ``setting``; if there is none, say which task starts it."""
    container = require_container(c.docker, c.project, example, c.get(setting), setting, start)
    show_logs(c.docker, container, follow, tail)


def show_logs(client: DockerClient, container: Container, follow: bool, tail: int) -> None:
    """``docker logs [-f] [--tail N]``: copy the container's output; Ctrl-C ends --follow quietly."""
    if tail < 0:
        raise WorkshopError(f"--tail={tail}: must be 0 (all lines) or a positive number of lines")
    copy_until_interrupted(client.container.logs(container, follow=follow, stream=True, tail=tail or None))  # type: ignore[arg-type]


def copy_until_interrupted(output: Iterable[tuple[str, bytes]]) -> None:
    """copy_output, ended quietly by Ctrl-C (how a --follow is meant to end), whether Python or
    the docker CLI (exit 130) gets the signal first."""
    try:
        copy_output(output)
    except KeyboardInterrupt:
        return
    except Exception as exc:
        if not interrupted(exc):
            raise


def remove_container(client: DockerClient, project: Project, example: str, name: str, setting: str) -> bool:
    """Stop and remove our container ``name`` if it exists; return True if there was one."""
    container = claim_container(client, project, example, name, setting)
    if container is None:
        return False
    container.remove(force=True, volumes=True)
    return True


@contextmanager
def host_lock(name: str):
    """Serialise a check-then-create across our own tasks on this machine (a file lock); the
    lock file is there only while someone holds or waits for it."""
    import fcntl

    try:
        path = state_dir() / f"{name}.lock"
    except OSError:  # no folder of ours to write anywhere (a read-only home)
        path = Path(tempfile.gettempdir()) / f"docker-workshop-{name}.lock"
    while True:
        # read-only: a lock file another user made (root's `sudo invoke setup`) still locks
        handle = os.open(path, os.O_RDONLY | os.O_CREAT, 0o644)
        if os.fstat(handle).st_uid == os.geteuid():
            hand_over(path)
        fcntl.flock(handle, fcntl.LOCK_EX)
        if same_file(handle, path):
            break
        os.close(handle)  # its holder removed it as we waited: lock the file now at ``path``
    try:
        yield
    finally:
        try:
            path.unlink(missing_ok=True)  # while still locked: a waiter on this file sees it went, and retries
        except OSError:
            pass  # a folder this user may not write in: the file stays, and still locks
        os.close(handle)  # closing releases the lock


def same_file(handle: int, path: Path) -> bool:
    """True if the open file descriptor ``handle`` is the file at ``path`` now (not one removed meanwhile)."""
    try:
        there = path.stat()
    except FileNotFoundError:
        return False
    mine = os.fstat(handle)
    return (there.st_dev, there.st_ino) == (mine.st_dev, mine.st_ino)


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


#: what Compose prints on every build where buildx is missing, which is expected here: builds
#: go through `docker compose build` on purpose (`invoke doctor` reports buildx for information)
COMPOSE_NOISE = (b"configured to build using Bake, but buildx isn't installed",)


def _is_cli_noise(chunk: bytes, after_cli_error: bool) -> bool:
    """The docker CLI's own error lines (we report those as one line), not the container's output:
    `docker: ...`, then its hint (`Run 'docker run --help'...`; a 20.10 CLI: `See 'docker run --help'.`)."""
    return chunk.startswith(b"docker: ") or (
        after_cli_error and (not chunk.strip() or chunk.startswith((b"Run 'docker ", b"See 'docker ")))
    )


def copy_output(
    output: Iterable[tuple[str, bytes]],
    hide_cli_errors: bool = False,
    show_stderr: bool = True,
    progress: bool = False,
) -> None:
    """Copy streamed (source, line) pairs to our stdout/stderr as they arrive.

    With ``hide_cli_errors``, lines the docker CLI prints about its own failure are dropped:
    the caller turns the resulting exception into one clear line instead; with
    ``show_stderr=False`` all stderr is held back for the caller to report. With ``progress``,
    everything is progress and goes to stderr, keeping stdout for results; a build's log in it
    is one line per build unless builds are verbose (workshop.builds), and the whole log when
    the command fails.
    """
    after_cli_error = False
    builds = BuildLog() if progress else None
    try:
        for source, chunk in output:
            if source == "stderr" and not show_stderr:
                continue  # kept by python-on-whales for the exception, reported by the caller
            if progress and any(noise in chunk for noise in COMPOSE_NOISE):
                continue
            if hide_cli_errors and source == "stderr" and _is_cli_noise(chunk, after_cli_error):
                after_cli_error = True
                continue
            if builds is not None and not show_build_line(builds, chunk):
                continue
            write("stdout" if source == "stdout" and not progress else "stderr", chunk)
    except Exception as exc:
        if builds is not None and builds.log and not (builds_are_verbose() or builds.shown or interrupted(exc)):
            show_whole_log(builds)  # then the caller's one-line error
        raise
    if builds is not None:
        for line in builds.finish():
            write("stderr", f"{line}\n".encode())


def show_build_line(builds: BuildLog, chunk: bytes) -> bool:
    """Feed one line of progress output to ``builds``, writing any build summary it completes;
    True if the line itself is to be shown (not a build's, or builds are verbose). Once a step
    has failed, the whole log so far is shown, and every line after it."""
    is_build, summaries = builds.feed(chunk.decode(errors="replace"))
    for line in summaries:
        write("stderr", f"{line}\n".encode())
    if builds_are_verbose() or builds.shown:
        return True
    if builds.failed:
        show_whole_log(builds)  # this line included
        return False
    return not is_build


def show_whole_log(builds: BuildLog) -> None:
    """Write the build log kept so far to stderr (once)."""
    builds.shown = True
    write("stderr", "".join(f"{line}\n" for line in builds.log).encode())
