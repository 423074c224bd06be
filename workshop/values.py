"""A setting's value and where it came from, and the typed reads that check it: each read
returns the value in its type (a port, an image reference, an existing folder...) or raises
one line naming the setting, its source and the fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from workshop.errors import ConfigError

PROJECT_VAR = "WORKSHOP_PROJECT"
#: the source of a default derived from the project name (no layer sets the value)
DERIVED = f"derived from {PROJECT_VAR}"

_CONTAINER_NAME_RE = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*")
_PROJECT_RE = re.compile(r"[a-z0-9][a-z0-9_-]*")
_LABEL_PREFIX_RE = re.compile(r"[a-z0-9]+(?:[.-][a-z0-9]+)*")
# Docker's reference grammar: [host[:port]/]component(/component)*[:tag][@digest]
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_HOST = r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?/)"
_IMAGE_RE = re.compile(
    rf"{_HOST}?{_COMPONENT}(?:/{_COMPONENT})*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}})?(?:@sha256:[a-f0-9]{{64}})?"
)
_INTEGER_RE = re.compile(r"[+-]?[0-9]+")
_TAG_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")


@dataclass(frozen=True)
class Value:
    """One resolved value and where it came from (a file path or ``environment``)."""

    name: str
    value: str
    source: str

    @property
    def origin(self) -> str:
        """Where it came from, in words: ``from .env``, ``from environment``, ``derived from WORKSHOP_PROJECT``."""
        return self.source if self.source == DERIVED else f"from {self.source}"

    def fail(self, problem: str, fix: str) -> ConfigError:
        """Build the one-line error for this setting: what is wrong and how to fix it (a value
        derived from the project name is also fixed by another project name)."""
        if self.source == DERIVED:
            fix = f"{fix}, or choose another {PROJECT_VAR}"
        return ConfigError(f"{self.name}={self.value!r} ({self.origin}) {problem}; {fix}")


class TypedReads:
    """The typed reads of a setting (``Settings`` has them): each checks the value it returns."""

    root: Path

    def raw(self, name: str) -> Value:
        """The setting as its layers give it (``Settings.raw``)."""
        raise NotImplementedError

    def _get(self, name: str) -> Value:
        setting = self.raw(name)
        return setting

    def text(self, name: str, *, allow_empty: bool = False) -> str:
        """A string; empty is refused unless ``allow_empty``."""
        setting = self._get(name)
        if not allow_empty and not setting.value.strip():
            raise setting.fail("is empty", f"set {name} to a value")
        return setting.value

    def integer(self, name: str, low: int, high: int) -> int:
        """An integer within [low, high]."""
        setting = self._get(name)
        if not _INTEGER_RE.fullmatch(setting.value.strip()):
            raise setting.fail("is not a whole number", f"set {name} to a number from {low} to {high}")
        number = int(setting.value.strip())
        if not low <= number <= high:
            raise setting.fail("is out of range", f"set {name} to a number from {low} to {high}")
        return number

    def number(self, name: str, low: float, high: float) -> float:
        """A decimal number within [low, high]."""
        setting = self._get(name)
        try:
            number = float(setting.value.strip())
        except ValueError:
            raise setting.fail("is not a number", f"set {name} to a number from {low} to {high}") from None
        if not low <= number <= high:
            raise setting.fail("is out of range", f"set {name} to a number from {low} to {high}")
        return number

    def port(self, name: str) -> int:
        """A TCP port number, 1-65535."""
        return self.integer(name, 1, 65535)

    def image(self, name: str) -> str:
        """A Docker image reference such as ``ubuntu:24.04`` or ``registry:5000/team/app:1.2``."""
        setting = self._get(name)
        value = setting.value.strip()
        if not value:
            raise setting.fail("is empty", f"set {name} to an image reference such as ubuntu:24.04")
        if not _IMAGE_RE.fullmatch(value):
            raise setting.fail(
                "is not a valid image reference",
                f"use lowercase name[:tag], e.g. {name}=ubuntu:24.04",
            )
        return value

    def _matching(self, name: str, pattern: re.Pattern, what: str, fix: str) -> str:
        setting = self._get(name)
        if not pattern.fullmatch(setting.value):
            raise setting.fail(f"is not a valid {what}", fix)
        return setting.value

    def tag(self, name: str) -> str:
        """An image tag such as ``1.0`` or ``bookworm``."""
        return self._matching(name, _TAG_RE, "image tag", "use up to 128 letters, digits, '.', '_' or '-'")

    def container_name(self, name: str) -> str:
        """A container (or volume/network) name as Docker accepts it."""
        return self._matching(
            name,
            _CONTAINER_NAME_RE,
            "container name",
            "use letters, digits, '_', '.' or '-', starting with a letter or digit",
        )

    def project(self, name: str) -> str:
        """A compose project name (also the value of our project label)."""
        return self._matching(name, _PROJECT_RE, "project name", "use lowercase letters, digits, '-' or '_'")

    def label_prefix(self, name: str) -> str:
        """A reverse-DNS label namespace such as ``io.example.workshop``."""
        return self._matching(
            name, _LABEL_PREFIX_RE, "label prefix", "use lowercase reverse-DNS form, e.g. io.example.app"
        )

    def path(self, name: str, noun: str = "path") -> Path:
        """A non-empty path, made absolute: relative paths are taken from the repository root."""
        setting = self._get(name)
        if not setting.value.strip():
            raise setting.fail("is empty", f"set {name} to a {noun}")
        path = Path(setting.value).expanduser()
        return path if path.is_absolute() else self.root / path

    def _existing_path(self, name: str, noun: str, exists) -> Path:
        path = self.path(name, noun)
        if not exists(path):
            raise self._get(name).fail(f"is not an existing {noun}", f"point {name} at a {noun} that exists")
        return path.resolve()

    def directory(self, name: str) -> Path:
        """An existing directory; relative paths are taken from the repository root."""
        return self._existing_path(name, "folder", Path.is_dir)

    def file(self, name: str) -> Path:
        """An existing file; relative paths are taken from the repository root."""
        return self._existing_path(name, "file", Path.is_file)

    def address(self, name: str) -> str:
        """An IP address of this machine to publish on: 127.0.0.1 (this machine only), 0.0.0.0
        (every interface) or one of its own addresses."""
        import ipaddress
        import socket

        setting = self._get(name)
        fix = f"set {name} to 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)"
        try:
            address = ipaddress.ip_address(setting.value.strip())
        except ValueError:
            raise setting.fail("is not an IP address", fix) from None
        family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((str(address), 0))
            except OSError:
                raise setting.fail("is not an address of this machine", fix) from None
        return str(address)

    def url(self, name: str) -> str:
        """An http(s) URL with a host."""
        return check_url(self._get(name))


def check_url(setting: Value) -> str:
    """Validate an http(s) URL held in ``setting``; return it unchanged."""
    try:
        parts = urlsplit(setting.value.strip())
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError when out of range
    except ValueError:  # an unclosed IPv6 bracket, a port out of range
        host = None
    if not host or parts.scheme not in ("http", "https"):
        raise setting.fail("is not a valid http(s) URL", f"set {setting.name} to e.g. https://example.com/")
    return setting.value.strip()
