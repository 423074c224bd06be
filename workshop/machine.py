"""This machine, as setup sees it: may we change it (Debian/Ubuntu, root or CI with sudo), and
the system commands that do (apt-get), each logged and announced."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from workshop import journal
from workshop.console import say, warn
from workshop.errors import WorkshopError
from workshop.state import ROOT, state_dir


def in_ci() -> bool:
    """True under CI=true (or 1)."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def privilege_prefix() -> list[str] | None:
    """How to run a system command as root: [] if we are root, sudo -n under CI, else None (not allowed)."""
    if os.geteuid() == 0:
        return []
    if in_ci() and shutil.which("sudo"):
        return ["sudo", "-n"]
    return None


#: Debian and Ubuntu have it (module-level, so tests can fake another machine)
DEBIAN_VERSION = Path("/etc/debian_version")


def can_manage_system() -> bool:
    """We may install Debian packages and start dockerd: Debian/Ubuntu, and root (or CI with sudo)."""
    return DEBIAN_VERSION.is_file() and shutil.which("apt-get") is not None and privilege_prefix() is not None


def system(command: list[str], log: Path | None = None) -> None:
    """Run a system command as root; its output goes to ``log`` (or ours). Raise WorkshopError on failure."""
    prefix = privilege_prefix() or []
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if log is None:
        returncode = subprocess.run(prefix + command, env=env, stdin=subprocess.DEVNULL).returncode
    else:
        with log.open("ab") as sink:
            process = subprocess.Popen(prefix + command, env=env, stdin=subprocess.DEVNULL, stdout=sink, stderr=sink)
            returncode = wait_reporting(process, command[0])
    if returncode != 0:
        where = f"; see {log}" if log else ""
        raise WorkshopError(f"`{' '.join(command)}` failed with exit code {returncode}{where}")


def wait_reporting(process: subprocess.Popen, what: str, every: float = 10.0) -> int:
    """Wait for ``process``, saying every ``every`` seconds that ``what`` is still running."""
    began = time.monotonic()
    while True:
        try:
            return process.wait(timeout=every)
        except subprocess.TimeoutExpired:
            warn(f"        still running {what} ({time.monotonic() - began:.0f}s)")


_apt_updated = False


def apt_install(*packages: str) -> None:
    """Install Debian packages, saying so first."""
    global _apt_updated
    say(f"        installing Debian package(s) {', '.join(packages)} with apt-get (system change)")
    log = state_dir() / "apt.log"
    if not _apt_updated:
        system(["apt-get", "update", "-q"], log)
        _apt_updated = True
    system(["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages], log)
    journal.record(journal.PACKAGES, names=" ".join(packages))


def shown_path(path: Path) -> str:
    """A path relative to the clone when it lies inside it (the per-user state folder does not)."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
