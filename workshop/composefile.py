"""The compose files of ours: a python-on-whales client for one of them, with our env files
and project name, once every setting the file interpolates has been checked.

python-on-whales is imported inside functions only (``invoke --list`` should not pay for it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from workshop.errors import WorkshopError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from python_on_whales import DockerClient

    from workshop.config import Settings


def compose_client(
    settings: Settings, file: str | Path, profiles: list[str], overrides: Iterable[str | Path] = ()
) -> DockerClient:
    """A python-on-whales client for one compose file of ours (and ``overrides`` merged on top of
    it, like `docker compose -f FILE -f OVERRIDE`), with our env files and project name."""
    from python_on_whales import DockerClient

    paths: list[str | Path] = []
    for name in (file, *overrides):
        path = Path(name)
        path = path if path.is_absolute() else settings.root / path
        if not path.is_file():
            raise WorkshopError(f"the compose file {path} is missing; restore it with `git checkout -- {name}`")
        for variable in interpolated(path.read_text(encoding="utf-8")):
            if settings.registry is not None and variable in settings.registry:
                settings.get(variable)  # compose interpolates it: check it first, in our words
        paths.append(path)
    path = Path(paths[0])
    return DockerClient(
        compose_files=paths,
        compose_profiles=profiles,
        compose_env_files=list[str | Path](settings.compose_env_files()),
        compose_project_name=settings.get("WORKSHOP_PROJECT"),
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
