"""A test's own settings, derived from the declarations: what the `workshop` and `cluster`
fixtures (tests/conftest.py) put in the environment of every task a test runs.

- every name two projects must not share (``Setting.per_project``: a container name, an image
  the project builds) is derived from the test's project tag;
- every host port (``Setting.bind``, and a port of the workshop's own, such as the dashboard's)
  gets a port nothing listens on, published on 127.0.0.1;
- every folder the tasks write into (a ``workshop.kinds.Kind`` with ``folder``) is a folder
  of the test's own under pytest's tmp folder;
- every other setting keeps its declared default, whatever the repository's .env says, except
  what the machine decides: the active profile and what it sets (images, the CA bundle: setup
  made what they name), setup's own settings, and the label prefix (the cleanup reads it from
  the files).

A new example's settings are covered by these rules without editing the tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from workshop.config import ENVS_DIR_NAME, PROFILE_VAR, PROJECT_VAR, ROOT, read_env_file
from workshop.kinds import ACCESSORS, is_folder, port
from workshop.settings import CORE, Registry, Setting

LOOPBACK = "127.0.0.1"
#: left to the files: the profile, and the label prefix the cleanup reads from them
FROM_THE_FILES = {PROFILE_VAR, "WORKSHOP_LABEL_PREFIX"}


def profiled(root: Path = ROOT) -> set[str]:
    """The names any profile file (``envs/<profile>.env``) sets: those are the profile's to decide."""
    names: set[str] = set()
    for path in sorted((root / ENVS_DIR_NAME).glob("*.env")):
        if path.name != "defaults.env":
            names |= set(read_env_file(path, root))
    return names


def is_image(setting: Setting) -> bool:
    """True for a setting naming an image (setup and the profile decide which ones exist here)."""
    return setting.name.endswith("_IMAGE")


def is_host_port(setting: Setting) -> bool:
    """True for a port published on this machine: one with a ``bind``, or the workshop's own
    (an example's port without one is inside its containers: BIND_PORT, REDIS_PORT)."""
    return bool(setting.bind) or (setting in CORE and ACCESSORS.get(setting.check, setting.check) is port)


def names(registry: Registry, tag: str) -> dict[str, str]:
    """Every per-project name and image, derived from the project ``tag``."""
    return {s.name: s.per_project.format(project=tag) for s in registry if s.per_project}


def environment(
    registry: Registry, tag: str, folder: Path, free_port: Callable[[], int], only: Iterable[str] | None = None
) -> dict[str, str]:
    """The environment of a test's project ``tag``: names from ``tag``, free ports on 127.0.0.1,
    folders under ``folder``, declared defaults for the rest (``only``: just those settings)."""
    chosen = set(only) if only is not None else None
    fixed = FROM_THE_FILES | profiled()
    env = {PROJECT_VAR: tag}
    for setting in registry:
        if setting.name == PROJECT_VAR or (chosen is not None and setting.name not in chosen):
            continue
        if is_folder(setting.check):
            env[setting.name] = str(folder / setting.name.lower())
        elif setting.per_project:
            env[setting.name] = setting.per_project.format(project=tag)
        elif is_host_port(setting):
            env[setting.name] = str(free_port())
            if setting.bind:
                env[setting.bind] = LOOPBACK
        elif setting.name not in fixed | env.keys() and not is_image(setting) and setting.used_by != ("setup",):
            env[setting.name] = setting.default
    return env


def leftovers(client, env: dict[str, str], registry: Registry) -> list[tuple[str, str]]:
    """Images and containers carrying the test's per-project names (maybe not its labels: a wrong
    label prefix, say), as (kind, name)."""
    found = []
    for setting in registry:
        if not setting.per_project or is_folder(setting.check) or setting.name not in env:
            continue
        name = env[setting.name]
        repository = name.rsplit(":", 1)[0] if ":" in name.rsplit("/", 1)[-1] else name
        for image in client.image.list(repository):
            found += [("image", tag) for tag in image.repo_tags or []]
        if client.container.exists(name):
            found.append(("container", name))
    return found


def folders(env: dict[str, str], registry: Registry) -> list[Path]:
    """The folders of the test's own that the tasks write into."""
    return [Path(env[s.name]) for s in registry if is_folder(s.check) and s.name in env]
