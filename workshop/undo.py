"""`invoke setup --undo`: reverse exactly what setup recorded (workshop.journal), newest first,
one line each.

It stops only a dockerd setup started (the same process, checked by its command line), deletes
only the guard rule and the plugin file setup added (the plugin only while it is still the file
setup copied), takes back only the `.env` line setup wrote, and prints the removal command for
packages instead of removing them. Anything that was there before setup ran was never recorded,
so it is never touched.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from workshop import journal
from workshop.checks import LOOPBACK_GUARD, iptables_raw
from workshop.cli import say
from workshop.config import ROOT, read_env_file
from workshop.errors import WorkshopError
from workshop.journal import Change
from workshop.machine import privilege_prefix
from workshop.waiting import wait_for

STOP_WAIT_SECONDS = 60

#: what an undo step reports: "undone" (reversed, or found gone already: forget it), "told"
#: (a command for you to run: forget it), "kept" (not ours any more: forget it) or "todo"
#: (only root can: keep it for a later --undo)
Undo = Callable[[Change], tuple[str, str]]


def as_root() -> list[str] | None:
    """The prefix that runs a command as root here, or None (workshop.machine)."""
    return privilege_prefix()


def undo_packages(change: Change) -> tuple[str, str]:
    """Packages stay: removing them could take what others use; say the command."""
    return "told", f"Debian packages it installed: remove them with `sudo apt-get remove {change.detail['names']}`"


def undo_pip(change: Change) -> tuple[str, str]:
    """A PyPI package stays installed; say the command."""
    python = change.detail.get("python", "python3")
    return "told", f"PyPI package it installed: remove it with `{python} -m pip uninstall {change.detail['names']}`"


def undo_env_line(change: Change) -> tuple[str, str]:
    """Take back the .env line setup wrote, unless someone changed it since."""
    from dotenv import set_key, unset_key

    env, name, value = Path(change.detail["file"]), change.detail["name"], change.detail["value"]
    now = read_env_file(env, ROOT).get(name) if env.is_file() else None
    if now != value:
        return "kept", f"{env}: {name} is {now!r} now, not what setup wrote; left as it is"
    if change.detail.get("had") == "yes":
        set_key(str(env), name, change.detail.get("before", ""), quote_mode="auto")
        return "undone", f"{env}: {name} back to {change.detail.get('before', '')!r}"
    unset_key(str(env), name, quote_mode="auto")
    return "undone", f"{env}: removed {name}={value}"


def undo_plugin(change: Change) -> tuple[str, str]:
    """Delete the compose plugin setup copied, if it is still that file."""
    plugin = Path(change.detail["path"])
    if not plugin.is_file():
        return "undone", f"compose plugin {plugin}: already gone"
    if journal.checksum(plugin) != change.detail["sha256"]:
        return "kept", f"compose plugin {plugin}: changed since setup copied it; left as it is"
    plugin.unlink()
    return "undone", f"removed the compose plugin setup copied: {plugin}"


def undo_guard(change: Change) -> tuple[str, str]:
    """Delete the loopback guard rule setup added (the one carrying the workshop's comment)."""
    root = as_root()
    if root is None:
        return "todo", f"only root can remove the loopback guard: `sudo iptables -t raw -D {' '.join(LOOPBACK_GUARD)}`"
    try:
        removed = subprocess.run(iptables_raw("-D", root), capture_output=True, text=True)
    except OSError:
        return "undone", "loopback guard: no iptables here any more"
    if removed.returncode != 0:
        return "undone", "loopback guard: already gone from iptables' raw table"
    return "undone", "removed the loopback guard from iptables' raw table"


def running_command(pid: int) -> str | None:
    """The command line of process ``pid`` (arguments joined by NUL), None if it is gone."""
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().rstrip(b"\0").decode()
    except OSError:
        return None


def undo_dockerd(change: Change) -> tuple[str, str]:
    """Stop the dockerd setup started (that very process), and wait until it is gone."""
    pid = int(change.detail["pid"])
    if running_command(pid) != change.detail["command"]:
        return "undone", f"the dockerd setup started (pid {pid}) is not running any more"
    root = as_root()
    if root is None and os.geteuid() != 0:
        return "todo", f"only root can stop the dockerd setup started: `sudo kill {pid}`"
    if root:
        subprocess.run([*root, "kill", str(pid)], capture_output=True)
    else:
        os.kill(pid, signal.SIGTERM)
    wait_for(
        lambda: running_command(pid) != change.detail["command"],
        f"dockerd (pid {pid}) to stop",
        STOP_WAIT_SECONDS,
        interval=0.2,
        hint="see its log",
    )
    return "undone", f"stopped the dockerd setup started (pid {pid}); its containers stopped with it"


def undo_service(change: Change) -> tuple[str, str]:
    """Stop the engine's systemd units setup started."""
    root = as_root()
    unit = change.detail["unit"]
    if root is None:
        return "todo", f"only root can stop the engine setup started: `sudo systemctl stop {unit}.socket {unit}`"
    stopped = subprocess.run([*root, "systemctl", "stop", f"{unit}.socket", unit], capture_output=True, text=True)
    if stopped.returncode != 0:
        return "todo", f"`systemctl stop {unit}.socket {unit}` failed: {stopped.stderr.strip()}"
    return "undone", f"stopped the engine setup started (systemctl stop {unit}.socket {unit})"


UNDO: dict[str, Undo] = {
    journal.PACKAGES: undo_packages,
    journal.PIP: undo_pip,
    journal.ENV_LINE: undo_env_line,
    journal.PLUGIN: undo_plugin,
    journal.GUARD: undo_guard,
    journal.DOCKERD: undo_dockerd,
    journal.SERVICE: undo_service,
}


def described(change: Change) -> str:
    """One line naming a recorded change, for the question before undoing."""
    what = {
        journal.PACKAGES: f"Debian packages {change.detail.get('names', '')} (only the command to remove them)",
        journal.PIP: f"PyPI package {change.detail.get('names', '')} (only the command to remove it)",
        journal.ENV_LINE: f"{change.detail.get('name')}={change.detail.get('value')} in {change.detail.get('file')}",
        journal.PLUGIN: f"the compose plugin {change.detail.get('path')}",
        journal.GUARD: "the loopback guard in iptables' raw table",
        journal.DOCKERD: f"the dockerd it started (pid {change.detail.get('pid')}): its containers stop with it",
        journal.SERVICE: f"the engine it started with systemd ({change.detail.get('unit')}): its containers stop too",
    }
    return what.get(change.kind, change.kind)


def confirmed(changes: list[Change]) -> bool:
    """On a terminal, list what will be undone and ask."""
    say("setup --undo will reverse, newest first:")
    for change in changes:
        say(f"  - {described(change)}")
    sys.stdout.write("go ahead? [y/N] ")
    sys.stdout.flush()
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def undo(yes: bool) -> None:
    """Reverse every recorded change, newest first, one line each."""
    changes = list(reversed(journal.changes()))
    if not changes:
        say("setup --undo: nothing left to undo (no change of setup's is recorded here)")
        return
    if not yes and sys.stdin.isatty() and not confirmed(changes):
        raise WorkshopError("setup --undo: nothing changed (answer y, or pass --yes)")
    left = 0
    for change in changes:
        step = UNDO.get(change.kind)
        status, line = step(change) if step else ("kept", f"unknown change {change.kind!r}; left as it is")
        say(f"[{status:>6}] {line}")
        if status == "todo":
            left += 1
        else:
            journal.forget(change)
    if left:
        raise WorkshopError(f"setup --undo: {left} change(s) need root (see the todo lines above); rerun it as root")
    say("setup --undo: done; `invoke setup` brings it all back")
