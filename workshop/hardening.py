"""How every container the workshop starts is hardened: one definition, for the tasks that
start containers themselves (python-on-whales) and for the compose files (the ``x-hardening``
block, generated from here by `invoke settings --write`; a unit test fails when it differs).

Every container: a numeric non-root user, a read-only root filesystem (tmpfs only where a
process must write), ``no-new-privileges``, all capabilities dropped, and memory, CPU and PIDs
limits from settings: one set for one-off containers (hello, curl) and one for long-running
services (daemon, nginx, app, redis, the swarm's registry). The exceptions are declared once,
in ``EXEMPTIONS`` (the README's Hardening section names each); a container the workshop starts
as one carries the label ``exempt()`` gives it, which the test suite's check of every container
it leaves reads (tests/hardened.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workshop.kinds import Kind
from workshop.settings import Setting, decimal, whole

if TYPE_CHECKING:  # pragma: no cover - typing only
    from workshop.cli import Ctx
    from workshop.config import Settings

#: what every container gets, whatever it runs
READ_ONLY = True
CAP_DROP = ("ALL",)
SECURITY_OPT = ("no-new-privileges:true",)

ONE_OFF, SERVICE = "ONEOFF", "SERVICE"
_MEMORY = re.compile(r"([0-9]+)([bkmg]?)", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
MIN_MEMORY = 6 * 1024**2  # the engine refuses less


def _memory(settings: Settings, name: str) -> str:
    """A memory size as Docker reads it (``64m``, ``1g``), at least 6m."""
    value = settings.raw(name)
    fix = f"set {name} to a size such as 64m or 1g (at least 6m)"
    match = _MEMORY.fullmatch(value.value.strip())
    if not match:
        raise value.fail("is not a memory size", fix)
    if int(match.group(1)) * _UNITS[match.group(2).lower()] < MIN_MEMORY:
        raise value.fail("is below the engine's minimum of 6m", fix)
    return value.value.strip().lower()


memory = Kind(
    _memory,
    (("lots", "not a memory size"), ("256 MB", "not a memory size"), ("1m", "below the engine's minimum"),
     ("5", "below the engine's minimum")),
)  # fmt: skip

SETTINGS = (
    Setting(f"{ONE_OFF}_MEMORY", "64m", memory, "memory limit of each one-off container (hello, curl)"),
    Setting(f"{ONE_OFF}_CPUS", "1", decimal(0.01, 64), "CPU limit of each one-off container, in cores"),
    Setting(f"{ONE_OFF}_PIDS", "32", whole(8, 65536), "process (PIDs) limit of each one-off container"),
    Setting(f"{SERVICE}_MEMORY", "256m", memory,
            "memory limit of each long-running container (daemon, nginx, app, redis)"),
    Setting(f"{SERVICE}_CPUS", "2", decimal(0.01, 64), "CPU limit of each long-running container, in cores"),
    Setting(f"{SERVICE}_PIDS", "128", whole(8, 65536), "process (PIDs) limit of each long-running container"),
)  # fmt: skip


def limit_names(kind: str) -> tuple[str, ...]:
    """The settings of the limits of ``kind`` (ONE_OFF or SERVICE)."""
    return tuple(f"{kind}_{limit}" for limit in ("MEMORY", "CPUS", "PIDS"))


@dataclass(frozen=True)
class Container:
    """A container an example starts through ``hardened()``, as the README's hardening table
    shows it (an example declares each in ``Example.containers``)."""

    name: str  # the table's column: the task that starts it, or its service (`hello.run`, `app`)
    kind: str  # ONE_OFF or SERVICE: whose limits it gets
    healthcheck: bool = False
    restart: str = ""  # its restart policy, if any
    default_bridge: bool = False  # on Docker's default bridge (the tutorial's plain `docker run`)


def limits(c: Ctx, kind: str) -> dict[str, Any]:
    """python-on-whales ``run`` options for the limits of ``kind`` (ONE_OFF or SERVICE)."""
    size = c.get(f"{kind}_MEMORY")
    return {
        "memory": size,
        "memory_swap": size,  # no swap beyond the limit
        "cpus": c.get(f"{kind}_CPUS"),
        "pids_limit": c.get(f"{kind}_PIDS"),
    }


def hardened(c: Ctx, kind: str, tmpfs: tuple[str, ...] = ()) -> dict[str, Any]:
    """python-on-whales ``run`` options: read-only root, no new privileges, no capabilities,
    the limits of ``kind``, and a size-limited tmpfs at each path in ``tmpfs``."""
    return {
        "read_only": READ_ONLY,
        "cap_drop": list(CAP_DROP),
        "security_options": list(SECURITY_OPT),
        "tmpfs": [f"{path}:rw,noexec,nosuid,nodev,size=8m" for path in tmpfs],
        **limits(c, kind),
    }


NOBODY = "65534:65534"  # the unprivileged user every Debian and Ubuntu image has


def healthcheck(command: str, interval: int = 2) -> dict[str, Any]:
    """python-on-whales ``run`` options for a healthcheck: ``command`` (a shell line) every
    ``interval`` seconds."""
    return {
        "health_cmd": command,
        "health_interval": interval,
        "health_timeout": 3,
        "health_retries": 3,
        "health_start_period": 10,
    }


def compose_block() -> str:
    """The ``x-hardening`` block of a compose file: what every service merges in (``<<: *hardening``)."""
    lines = [
        "x-hardening: &hardening",
        f"  read_only: {'true' if READ_ONLY else 'false'}",
        "  cap_drop: [" + ", ".join(CAP_DROP) + "]",
        "  security_opt: [" + ", ".join(f'"{opt}"' for opt in SECURITY_OPT) + "]",
        f"  mem_limit: ${{{SERVICE}_MEMORY:-256m}}",
        f"  memswap_limit: ${{{SERVICE}_MEMORY:-256m}}",
        f"  cpus: ${{{SERVICE}_CPUS:-2}}",
        f"  pids_limit: ${{{SERVICE}_PIDS:-128}}",
    ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Exemption:
    """A container the workshop starts without the full hardening, on purpose."""

    key: str  # the value of its exemption label
    what: str  # how the README's Hardening section names it
    why: str  # the README's words (workshop/cis.py writes them there)


EXEMPTIONS = (
    Exemption(
        "hello-shell",
        "`hello.shell`",
        "the tutorial's `docker run -it ubuntu bash`, a throwaway shell to look around and `apt-get install` in, "
        "keeps root, Docker's default capabilities and a writable root filesystem, but still gets "
        "`no-new-privileges` and the one-off limits.",
    ),
    Exemption(
        "swarm-node",
        "Example 5's swarm nodes",
        "each node container runs a Docker engine, and an engine needs root and nearly every capability. They run "
        "as root with every capability but `SYS_RESOURCE`, seccomp and AppArmor unconfined, a writable root "
        "filesystem, `/sys/fs/cgroup` mounted and a tmpfs on `/run`, and no memory, CPU or PIDs limits; only the "
        "manager publishes a port (the proxy's, on `SWARM_BIND`).",
    ),
    Exemption(
        "swarm-proxy",
        "Example 5's stack",
        "the app and Redis keep example 4's hardening (as swarm resource limits); the proxy runs as the named "
        "non-root user of Debian's haproxy package (`haproxy`, not a numeric one), read-only, with every "
        "capability dropped and its own limits. Swarm services cannot ask for `no-new-privileges`, so every "
        "node's engine gives it to all its containers. Details: "
        "[`examples/swarm/README.md`](examples/swarm/README.md#hardening).",
    ),
)

#: the label key (after the project's label prefix) naming a container's exemption
EXEMPT_KEY = "hardening-exempt"


def exempt(c: Ctx, key: str) -> dict[str, str]:
    """The label that declares a container one of EXEMPTIONS (``key``); an undeclared key is a bug."""
    if key not in {exemption.key for exemption in EXEMPTIONS}:
        raise ValueError(f"{key!r} is not declared in workshop/hardening.py's EXEMPTIONS")
    return {f"{c.project.label_prefix}.{EXEMPT_KEY}": key}
