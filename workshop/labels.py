"""Who we are on the engine: the project's name and label namespace, the labels everything
we create carries, and the filters that find it again (``Project``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from workshop.config import LOCAL_NAME

if TYPE_CHECKING:  # pragma: no cover - typing only
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
