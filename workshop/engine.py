"""The Docker access layer: one configured client, this project's labels, and helpers
that every example shares (find our container, make sure an image is there).

python-on-whales is imported inside functions only: importing it costs about a quarter of a
second, which ``invoke --list`` should not pay.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from workshop.config import ROOT, Settings
from workshop.errors import WorkshopError, last_line

if TYPE_CHECKING:  # pragma: no cover - typing only
    from python_on_whales import Container, DockerClient

COMPOSE_FILE = ROOT / "docker-compose.yml"


@dataclass(frozen=True)
class Project:
    """Who we are on the engine: the compose project name and the label namespace."""

    name: str
    label_prefix: str

    @classmethod
    def from_settings(cls, settings: Settings) -> "Project":
        """Read WORKSHOP_PROJECT and WORKSHOP_LABEL_PREFIX."""
        return cls(settings.project("WORKSHOP_PROJECT"), settings.label_prefix("WORKSHOP_LABEL_PREFIX"))

    @property
    def project_key(self) -> str:
        """The label key naming the project."""
        return f"{self.label_prefix}.project"

    @property
    def example_key(self) -> str:
        """The label key naming the example inside the project."""
        return f"{self.label_prefix}.example"

    def labels(self, example: str) -> dict[str, str]:
        """Labels for a resource this project creates for ``example``."""
        return {self.project_key: self.name, self.example_key: example}

    def filters(self, example: str | None = None) -> list[tuple[str, str]]:
        """docker ``--filter`` pairs that select our resources (of one example, if given)."""
        pairs = [("label", f"{self.project_key}={self.name}")]
        if example:
            pairs.append(("label", f"{self.example_key}={example}"))
        return pairs

    def owns(self, labels: dict[str, str] | None, example: str | None = None) -> bool:
        """True if a resource with these labels is ours (and of ``example``, if given)."""
        labels = labels or {}
        if labels.get(self.project_key) != self.name:
            return False
        return example is None or labels.get(self.example_key) == example


def docker(settings: Settings) -> "DockerClient":
    """A python-on-whales client wired to our compose file and env files."""
    from python_on_whales import DockerClient

    return DockerClient(
        compose_files=[COMPOSE_FILE],
        compose_env_files=settings.env_files,
        compose_project_name=settings.project("WORKSHOP_PROJECT"),
        compose_project_directory=ROOT,
    )


def find_container(client: "DockerClient", name: str) -> "Container | None":
    """The container called ``name``, or None."""
    from python_on_whales.exceptions import NoSuchContainer

    try:
        return client.container.inspect(name)
    except NoSuchContainer:
        return None


def claim_container(
    client: "DockerClient", project: Project, example: str, name: str, setting: str
) -> "Container | None":
    """Our container called ``name`` (or None); refuse to touch someone else's of that name."""
    container = find_container(client, name)
    if container is not None and not project.owns(container.config.labels, example):
        raise WorkshopError(
            f"{setting}={name!r}: a container of that name exists and is not this project's "
            f"{example} container; choose another {setting} in .env (or remove that container yourself)"
        )
    return container


def ensure_image(client: "DockerClient", image: str, setting: str) -> bool:
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


def is_missing_image(exc: BaseException) -> bool:
    """True if a failed ``docker run --pull never`` failed only because the image is absent."""
    return type(exc).__name__ == "NoSuchImage" or "no such image" in (getattr(exc, "stderr", "") or "").lower()


def _is_cli_noise(chunk: bytes, after_cli_error: bool) -> bool:
    """The docker CLI's own error lines (we report those as one line), not the container's output."""
    return chunk.startswith(b"docker: ") or (
        after_cli_error and (not chunk.strip() or chunk.startswith(b"Run 'docker "))
    )


def copy_output(output: Iterable[tuple[str, bytes]], hide_cli_errors: bool = False) -> None:
    """Copy streamed (source, line) pairs to our stdout/stderr as they arrive.

    With ``hide_cli_errors``, lines the docker CLI prints about its own failure are dropped:
    the caller turns the resulting exception into one clear line instead.
    """
    after_cli_error = False
    for source, chunk in output:
        if hide_cli_errors and source == "stderr" and _is_cli_noise(chunk, after_cli_error):
            after_cli_error = True
            continue
        stream = sys.stdout if source == "stdout" else sys.stderr
        stream.buffer.write(chunk)
        stream.flush()
