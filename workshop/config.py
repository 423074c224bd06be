"""Configuration: layered env files, validated before anything is created.

Layers, lowest precedence first:

1. ``envs/defaults.env``          committed defaults
2. ``envs/<profile>.env``         the profile named by ``WORKSHOP_PROFILE`` (optional)
3. ``.env`` at the repository root local, untracked overrides
4. the process environment

A setting whose declaration derives its default from ``WORKSHOP_PROJECT`` (an image or a
container name: two projects on one engine must not share one) and that no layer sets gets
that default, with the source ``derived from WORKSHOP_PROJECT``.

The same files (in the same order) are handed to Docker Compose, whose own rule
is that the process environment wins over env files: tasks and compose see the
same values.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, overload
from urllib.parse import urlsplit

from workshop.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from workshop.settings import Registry

ROOT = Path(__file__).resolve().parent.parent
#: the workshop's own ignored state: dockerd and debootstrap logs, locks, build trees
STATE_DIR = ROOT / ".workshop"
ENVS_DIR_NAME = "envs"
DEFAULTS_NAME = "defaults.env"
LOCAL_NAME = ".env"
#: names another file to use instead of the root .env (tests use it to leave yours alone)
LOCAL_FILE_VAR = "WORKSHOP_ENV_FILE"
PROFILE_VAR = "WORKSHOP_PROFILE"
PROJECT_VAR = "WORKSHOP_PROJECT"
ENVIRONMENT = "environment"
#: the source of a default derived from the project name (no layer sets the value)
DERIVED = f"derived from {PROJECT_VAR}"

_PROFILE_RE = re.compile(r"[a-z0-9][a-z0-9_-]*")
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


def read_env_file(path: Path, root: Path) -> dict[str, str]:
    """Parse one env file strictly: a line python-dotenv cannot parse is an error, not a warning."""
    from workshop.adapters import parse_env

    text = path.read_text(encoding="utf-8")
    parsed = parse_env(text)
    if parsed.skipped:
        lines = text.splitlines()
        number = parsed.skipped[0]
        while number <= len(lines) and not lines[number - 1].strip():
            number += 1  # the failed entry starts right after the previous one: skip blank lines
        line = lines[number - 1].strip() if number <= len(lines) else ""
        raise ConfigError(
            f"{display_path(path, root)}:{number}: cannot parse {line!r}; "
            "write it as NAME=value (quote values that contain spaces)"
        )
    return {k: (v or "") for k, v in parsed.values.items()}


def local_file(root: Path, environ: Mapping[str, str] | None = None) -> Path:
    """The local, untracked layer: ``.env`` at the root, or the file WORKSHOP_ENV_FILE names."""
    environ = os.environ if environ is None else environ
    chosen = environ.get(LOCAL_FILE_VAR)
    return Path(chosen).expanduser() if chosen else root / LOCAL_NAME


def display_path(path: Path, root: Path) -> str:
    """A path relative to the repository when it lies inside it."""
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


class Settings:
    """The merged, source-tracked configuration. Typed accessors validate on read."""

    def __init__(
        self,
        layers: list[tuple[str, Mapping[str, str]]],
        files: list[Path],
        root: Path,
        registry: Registry | None = None,
        local: str = LOCAL_NAME,
    ):
        # layers: highest precedence first
        self._layers = layers
        self.env_files = files
        self.root = root
        self.registry = registry
        self._checked: dict[str, object] = {}
        #: the local layer as the user knows it: `.env`, or the file WORKSHOP_ENV_FILE names
        self.local = local

    @classmethod
    def load(
        cls, root: Path = ROOT, environ: Mapping[str, str] | None = None, registry: Registry | None = None
    ) -> Settings:
        """Read the layers from ``root`` and pick the profile; raise ConfigError on bad files.

        ``registry`` (the declared settings) is what ``get`` checks values against."""
        environ = os.environ if environ is None else environ
        defaults_path = root / ENVS_DIR_NAME / DEFAULTS_NAME
        if not defaults_path.is_file():
            raise ConfigError(
                f"{display_path(defaults_path, root)} is missing; restore it with `git checkout -- {ENVS_DIR_NAME}`"
            )
        defaults = read_env_file(defaults_path, root)
        local_path = local_file(root, environ)
        local = read_env_file(local_path, root) if local_path.is_file() else {}

        layers: list[tuple[str, Mapping[str, str]]] = [(ENVIRONMENT, environ)]
        if local_path.is_file():
            layers.append((display_path(local_path, root), local))
        layers.append((display_path(defaults_path, root), defaults))
        probe = cls(layers, [], root)
        files = [defaults_path]

        profile = probe.raw(PROFILE_VAR, required=False)
        if profile is not None and profile.value:
            if not _PROFILE_RE.fullmatch(profile.value):
                raise profile.fail("is not a profile name", "use lowercase letters, digits, '-' or '_'")
            profile_path = root / ENVS_DIR_NAME / f"{profile.value}.env"
            if not profile_path.is_file():
                known = sorted(p.stem for p in (root / ENVS_DIR_NAME).glob("*.env") if p.name != DEFAULTS_NAME)
                raise profile.fail(
                    "names no profile",
                    f"choose one of {', '.join(known) or '(none)'} or leave it empty",
                )
            layers.insert(-1, (display_path(profile_path, root), read_env_file(profile_path, root)))
            files.append(profile_path)
        if local_path.is_file():
            files.append(local_path)
        return cls(layers, files, root, registry, display_path(local_path, root))

    # -- raw access -------------------------------------------------------------------------
    @overload
    def raw(self, name: str) -> Value: ...

    @overload
    def raw(self, name: str, *, required: Literal[True]) -> Value: ...

    @overload
    def raw(self, name: str, *, required: bool) -> Value | None: ...

    def raw(self, name: str, *, required: bool = True) -> Value | None:
        """The setting from the highest layer that defines it (None only when not ``required``)."""
        for source, values in self._layers:
            if name in values:
                return Value(name, values[name], source)
        derived = self._derived(name)
        if derived is not None:
            return derived
        if required:
            raise ConfigError(f"{name} is not set; add {name}=... to {self.local} or {ENVS_DIR_NAME}/{DEFAULTS_NAME}")
        return None

    def _derived(self, name: str) -> Value | None:
        """``name``'s default in this project, when its declaration derives it from the project name."""
        if self.registry is None or name not in self.registry or not self.registry[name].per_project:
            return None
        home = self.registry[PROJECT_VAR].default if PROJECT_VAR in self.registry else ""
        return Value(name, self.registry[name].default_for(self.project(PROJECT_VAR), home), DERIVED)

    def from_files(self, name: str) -> str | None:
        """The value the env files give ``name`` (the environment left out), or None."""
        for source, values in self._layers:
            if source != ENVIRONMENT and name in values:
                return values[name]
        return None

    def where(self, name: str) -> str:
        """Where to change ``name`` for the change to take effect, as a fix hint says it.

        A value from the environment is changed there (the environment overrides every file);
        so is any value of a project named in the environment beside the one the files name,
        since every project reads the same ``.env``; anything else, in ``.env``."""
        try:
            value = self.raw(name, required=False)
        except ConfigError:  # derived from a wrong project name: that error comes first anyway
            value = None
        if value is not None and value.source == ENVIRONMENT:
            return f"in the environment (it overrides {self.local})"
        project = self.raw(PROJECT_VAR, required=False)
        if project is not None and project.source == ENVIRONMENT and project.value != self.from_files(PROJECT_VAR):
            return (
                f"in the environment, as {PROJECT_VAR}={project.value} is (every project reads the same {self.local})"
            )
        return f"in {self.local}"

    def compose_env_files(self) -> list[Path]:
        """The files handed to docker compose (``--env-file``): the env files, after a file of the
        defaults derived from the project name that no layer sets (compose cannot work out every
        one of them itself: `test-curl` is the default project's name only)."""
        registry = self.registry
        derived = [self.raw(s.name) for s in registry if s.per_project] if registry is not None else []
        lines = [f"{v.name}={v.value}\n" for v in derived if v.source == DERIVED]
        return ([derived_env_file("".join(lines))] if lines else []) + list(self.env_files)

    @property
    def profile(self) -> str:
        """The selected profile, or '' for none."""
        setting = self.raw(PROFILE_VAR, required=False)
        return setting.value if setting else ""

    def shown(self, path: Path) -> str:
        """``path`` relative to the repository when it lies inside it."""
        return display_path(path, self.root)

    def names(self) -> list[str]:
        """Every name defined by a file layer (the environment adds no new names)."""
        seen: dict[str, None] = {}
        for source, values in reversed(self._layers):
            if source != ENVIRONMENT:
                seen.update(dict.fromkeys(values))
        return list(seen)

    def source(self, name: str) -> str:
        """Where the effective value of ``name`` comes from."""
        setting = self.raw(name)
        return setting.source

    # -- declared settings --------------------------------------------------------------------
    def get(self, name: str):
        """The value of the declared setting ``name``, checked by its declaration (once)."""
        if name in self._checked:
            return self._checked[name]
        if self.registry is None or name not in self.registry:
            raise KeyError(f"{name} is not a declared setting")
        from workshop.settings import clash

        declared = self.registry[name]
        value = declared.read(self)
        if declared.bind:
            clash(self, self.registry, name)
        self._checked[name] = value
        return value

    # -- typed accessors ----------------------------------------------------------------------
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


_DERIVED_FOLDER: list[Path] = []
_DERIVED_LOCK = threading.Lock()


def derived_env_file(text: str) -> Path:
    """An env file holding ``text``, in a folder of this process's own that is removed when it
    exits (one file per content: `up` runs tasks in threads, each may ask for it)."""
    import hashlib  # not at import: `invoke --list` never needs it

    with _DERIVED_LOCK:
        if not _DERIVED_FOLDER:
            folder = Path(tempfile.mkdtemp(prefix="docker-workshop-"))
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
            _DERIVED_FOLDER.append(folder)
        path = _DERIVED_FOLDER[0] / f"derived-{hashlib.sha256(text.encode()).hexdigest()[:16]}.env"
        if not path.is_file():
            path.write_text(text, encoding="utf-8")
    return path


def hand_over(path: Path) -> None:
    """As root in a clone someone else owns (``sudo invoke setup``): give ``path`` to the clone's
    owner, so their own tasks can use what root made. Anyone else: nothing to do."""
    if os.geteuid() != 0:
        return
    owner = ROOT.stat()
    if owner.st_uid != 0 and path.stat().st_uid != owner.st_uid:
        os.chown(path, owner.st_uid, owner.st_gid)


def state_dir() -> Path:
    """The workshop's state folder (logs, locks, setup's record of its changes), usable by
    the clone's owner whoever runs the task: ``.workshop/`` in the clone (made as the clone's
    owner when root makes it), or, when that one is not ours to write (made by root before
    it was handed over), a per-user folder under ``$XDG_STATE_HOME``."""
    try:
        STATE_DIR.mkdir(exist_ok=True)
        hand_over(STATE_DIR)
    except OSError:
        pass
    if os.access(STATE_DIR, os.W_OK | os.X_OK):
        return STATE_DIR
    home = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    mine = Path(home) / "docker-workshop" / str(ROOT).strip("/").replace("/", "-")
    mine.mkdir(parents=True, exist_ok=True)
    return mine


def set_local_value(root: Path, name: str, value: str) -> bool:
    """Write ``name=value`` into the local env file (create it if needed). Return True if it changed."""
    from dotenv import set_key

    path = local_file(root)
    current = read_env_file(path, root) if path.is_file() else {}
    if current.get(name) == value:
        return False
    path.touch(exist_ok=True)
    set_key(str(path), name, value, quote_mode="auto")
    return True
