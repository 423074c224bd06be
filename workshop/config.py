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
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal, Protocol, overload

from workshop.errors import ConfigError
from workshop.state import ROOT as ROOT
from workshop.state import STATE_DIR as STATE_DIR
from workshop.state import hand_over as hand_over
from workshop.state import state_dir as state_dir
from workshop.values import DERIVED, PROJECT_VAR, TypedReads, Value
from workshop.values import check_url as check_url

ENVS_DIR_NAME = "envs"
DEFAULTS_NAME = "defaults.env"
LOCAL_NAME = ".env"
#: names another file to use instead of the root .env (tests use it to leave yours alone)
LOCAL_FILE_VAR = "WORKSHOP_ENV_FILE"
PROFILE_VAR = "WORKSHOP_PROFILE"
ENVIRONMENT = "environment"

_PROFILE_RE = re.compile(r"[a-z0-9][a-z0-9_-]*")


class Declared(Protocol):
    """What Settings needs of one declared setting (``workshop.settings.Setting``)."""

    @property
    def name(self) -> str: ...

    @property
    def default(self) -> str: ...

    @property
    def per_project(self) -> str: ...

    def read(self, settings: Settings) -> Any: ...

    def default_for(self, project: str, default_project: str) -> str: ...


class Declarations(Protocol):
    """What Settings needs of the declared settings (``workshop.settings.Registry``): the
    declarations sit above the values they check, so this module never imports them."""

    def __contains__(self, name: object) -> bool: ...

    def __getitem__(self, name: str) -> Declared: ...

    def __iter__(self) -> Iterator[Declared]: ...

    def checked(self, settings: Settings, name: str) -> Any:
        """``name``'s value, read by its declaration's check and the rules across settings."""
        ...


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


class Settings(TypedReads):
    """The merged, source-tracked configuration. Typed accessors validate on read."""

    def __init__(
        self,
        layers: list[tuple[str, Mapping[str, str]]],
        files: list[Path],
        root: Path,
        registry: Declarations | None = None,
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
        cls, root: Path = ROOT, environ: Mapping[str, str] | None = None, registry: Declarations | None = None
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
        value = self.registry.checked(self, name)
        self._checked[name] = value
        return value


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
