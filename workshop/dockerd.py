"""Setup's engine fixes: the docker CLI (Debian's docker.io), the daemon (started here when
nothing runs one), and the loopback guard that lets dockerd forward published ports without its
userland proxy."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from workshop import journal
from workshop.checks import (
    LOOPBACK_GUARD,
    cli_version,
    daemon_problem,
    docker_clis,
    guard_present,
    has_systemd,
    iptables_raw,
    start_advice,
)
from workshop.cli import Ctx, say, warn
from workshop.errors import WorkshopError
from workshop.machine import apt_install, can_manage_system, privilege_prefix, shown_path, system
from workshop.state import state_dir
from workshop.waiting import wait_for

DAEMON_WAIT_SECONDS = 90


def fix_cli(c: Ctx) -> str:
    """Install Debian's docker.io."""
    if not can_manage_system():
        raise WorkshopError(
            "install Docker Desktop or docker-ce (https://docs.docker.com/engine/install/), then rerun `invoke setup`"
        )
    apt_install("docker.io")
    return f"installed Debian's docker.io ({shutil.which('docker')})"


# How a dockerd that setup starts itself forwards published ports: by default as Docker's stock
# engine does (one docker-proxy process per port). With DOCKERD_USERLAND_PROXY=false, with the
# kernel (iptables DNAT) instead, which saves the proxy's share of every request's CPU
# (example 4's throughput, bench/README.md), behind the loopback guard. dockerd still holds each
# published port open on the host, so "is this port free" checks keep seeing it. An engine
# started by systemd or Docker Desktop keeps its own configuration.
NO_USERLAND_PROXY = "--userland-proxy=false"


def loopback_guarded(log: Path) -> bool:
    """Put LOOPBACK_GUARD in iptables' raw table unless it is there; False if iptables cannot."""
    as_root = privilege_prefix() or []
    if guard_present(as_root):
        return True
    with log.open("ab") as sink:
        try:
            added = subprocess.run(iptables_raw("-I", as_root), stdout=sink, stderr=sink)
        except OSError as error:  # no iptables here
            sink.write(f"iptables: {error}\n".encode())
            return False
    if added.returncode != 0:
        return False
    journal.record(journal.GUARD)
    return True


def fix_loopback(c: Ctx) -> str:
    """Add the loopback guard to iptables' raw table."""
    if not can_manage_system():
        raise WorkshopError(f"as root: iptables -t raw -I {' '.join(LOOPBACK_GUARD)}")
    log = state_dir() / "dockerd.log"
    if not loopback_guarded(log):
        raise WorkshopError(f"iptables could not add the loopback guard; see {log}")
    return "added the loopback guard to iptables' raw table (system change): 127.0.0.0/8 only from lo"


def dockerd_command(c: Ctx, log: Path) -> list[str]:
    """dockerd with Docker's stock settings; with DOCKERD_USERLAND_PROXY=false, without the
    userland proxy, once the loopback guard is in place."""
    dockerd = shutil.which("dockerd") or "/usr/sbin/dockerd"
    if c.get("DOCKERD_USERLAND_PROXY") != "false":
        say("        published ports: forwarded by docker-proxy, as Docker does by default (DOCKERD_USERLAND_PROXY)")
        return [dockerd]
    if loopback_guarded(log):
        say("        published ports: forwarded by the kernel (no docker-proxy), 127.0.0.0/8 guarded (iptables raw)")
        return [dockerd, NO_USERLAND_PROXY]
    warn(f"        iptables could not add the loopback guard (see {log}): dockerd keeps its userland proxy")
    return [dockerd]


def start_dockerd(c: Ctx) -> Path:
    """Start dockerd fully detached (own session, output to a log file); return the log path."""
    log = state_dir() / "dockerd.log"
    prefix = privilege_prefix() or []
    if has_systemd():
        system(["systemctl", "start", "docker"], log)
        journal.record(journal.SERVICE, unit="docker")
        return log
    command = prefix + dockerd_command(c, log)
    with log.open("ab") as sink:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    journal.record(journal.DOCKERD, pid=str(process.pid), command="\0".join(command))
    return log


def fix_daemon(c: Ctx) -> str:
    """Start dockerd here, if we may, and wait until it answers."""
    problem = daemon_problem(c) or ""
    if "permission denied" in problem:
        raise WorkshopError(problem)
    if os.environ.get("DOCKER_HOST"):
        raise WorkshopError(f"{problem} (DOCKER_HOST is set: fix or unset it)")
    if not can_manage_system():
        raise WorkshopError(f"{problem}; {start_advice()}")
    installed = not shutil.which("dockerd") and not Path("/usr/sbin/dockerd").exists()
    if installed:
        apt_install("docker.io")
    log = start_dockerd(c)
    wait_for(lambda: daemon_problem(c) is None, "dockerd to answer", DAEMON_WAIT_SECONDS, hint=f"see {log}")
    if installed:
        say_which_cli(c)
    return f"started dockerd in the background (log: {shown_path(log)})"


def say_which_cli(c: Ctx) -> None:
    """After installing docker.io: when another docker CLI comes first on PATH, say which one runs."""
    clis = docker_clis()
    if len(clis) > 1:
        first, *others = clis
        say(
            f"        a second docker CLI: docker.io installed {', '.join(others)}, but {first} stays first on PATH "
            f"and is the one that runs (client {cli_version(c) or 'unknown'}); see `invoke doctor`"
        )
