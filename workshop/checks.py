"""One set of checks of what the examples need: each has a probe (read-only) and, where
`invoke setup` may change the machine, a fix.

`invoke doctor` runs every probe and reports one line per finding; `invoke setup` runs the
probes of the checks it can fix, fixes what fails and probes again. A failed check does not
stop the others, except that the engine's checks stop those that need an engine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from workshop.cli import Ctx
from workshop.errors import ConfigError, describe_docker_failure
from workshop.example import assembled
from workshop.probe import port_is_free

PASS, FAIL, INFO, WARN = "✓", "✗", "i", "!"
#: where the platform shows itself (module-level, so tests can fake another machine)
PLATFORM = sys.platform
PROC_VERSION = Path("/proc/version")
SYSTEMD = Path("/run/systemd/system")
MIN_FREE_BYTES = 2 * 1024**3


@dataclass
class Finding:
    """One line of a check's result: ✓ pass, ✗ fail (with the fix in its text), ! warning (passes,
    with advice) or i information."""

    mark: str
    text: str

    @property
    def failed(self) -> bool:
        """True for a failure."""
        return self.mark == FAIL


Probe = Callable[[Ctx], list[Finding]]
Fix = Callable[[Ctx], str]


NOTHING, CLI, ENGINE = 0, 1, 2  # what a check needs to run at all


@dataclass(frozen=True)
class Check:
    """A named probe, the fix `setup` may apply when it fails (None: only you can), and what
    it needs (nothing, the docker CLI, or a reachable engine)."""

    name: str
    probe: Probe
    fix: Fix | None = None
    needs: int = ENGINE
    provides: int | None = None  # what later checks lose when this one fails (CLI, ENGINE)


def run_probes(c: Ctx, checks: list[Check]) -> list[Finding]:
    """Every probe whose needs are met, in order; a check that fails on a wrong setting is left
    to the settings check, which reports each wrong setting on its own line."""
    findings: list[Finding] = []
    have = ENGINE
    for check in checks:
        if check.needs > have:
            continue
        try:
            found = check.probe(c)
        except ConfigError:
            continue
        findings += found
        if check.provides is not None and any(f.failed for f in found):
            have = min(have, check.provides - 1)  # no CLI: nothing needing it; no daemon: nothing needing an engine
    return findings


# -- probes -------------------------------------------------------------------------------------


def docker_clis() -> list[str]:
    """Every docker CLI on PATH, the one that runs first (one entry per file, however many links)."""
    found: dict[str, str] = {}
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        candidate = Path(folder or ".") / "docker"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            found.setdefault(os.path.realpath(candidate), str(candidate))
    return list(found.values())


def cli_version(c: Ctx) -> str | None:
    """The version of the docker CLI that runs (`docker version`'s client part), None if unknown."""
    from python_on_whales.exceptions import DockerException

    try:
        return c.docker.version().client.version  # type: ignore[union-attr]
    except (DockerException, AttributeError):
        return None


def probe_cli(c: Ctx) -> list[Finding]:
    """The docker CLI is on PATH (and which, when there are several)."""
    clis = docker_clis()
    if not clis:
        return [Finding(FAIL, "docker CLI: not found on PATH — install Docker, or run `invoke setup`")]
    also = f" (first on PATH; also there: {', '.join(clis[1:])})" if len(clis) > 1 else ""
    return [Finding(PASS, f"docker CLI: {clis[0]}{also}")]


def platform_name() -> str:
    """``macos``, ``wsl`` (Linux in Windows' WSL 2) or ``linux`` (any other Unix-like system)."""
    if PLATFORM == "darwin":
        return "macos"
    try:
        if "microsoft" in PROC_VERSION.read_text().lower():
            return "wsl"
    except OSError:
        pass
    return "linux"


def has_systemd() -> bool:
    """systemd runs this machine (so it, not setup, starts an installed engine)."""
    return SYSTEMD.is_dir() and shutil.which("systemctl") is not None


def start_advice() -> str:
    """How to start the engine on this platform, when setup may not do it itself."""
    service = "`sudo systemctl start docker`" if has_systemd() else "`sudo invoke setup` (Debian/Ubuntu) starts one"
    return {
        "macos": "start Docker Desktop (`open -a Docker`), then rerun `invoke setup`",
        "wsl": "start Docker Desktop on Windows (Settings > Resources > WSL integration: on for this distribution), "
        f"or, for an engine installed inside WSL, {service}",
    }.get(platform_name(), service)


def daemon_problem(c: Ctx) -> str | None:
    """None if `docker info` answers, else the one-line reason."""
    from python_on_whales.exceptions import DockerException

    try:
        if c.docker.system.info().server_version:
            return None
        # a 20.10 CLI's `docker info --format` answers (exit 0) with no engine behind it;
        # `docker version` fails then, saying why
        c.docker.version()
    except DockerException as exc:
        return describe_docker_failure(exc.stderr, exc.return_code)
    return "the engine did not say its version (`docker info`)"


def probe_daemon(c: Ctx) -> list[Finding]:
    """The daemon answers, and we may use its socket."""
    problem = daemon_problem(c)
    if problem is not None:
        return [Finding(FAIL, f"daemon: {problem}")]
    engine = c.docker.system.info().server_version or "unknown"
    client = cli_version(c) or "unknown"
    found = [Finding(PASS, f"daemon: Docker Engine {engine} reachable (client {client})")]
    gap = versions_apart(client, engine)
    if gap:
        found.append(Finding(WARN, f"versions: client {client} and engine {engine} are {gap} apart — {VERSION_ADVICE}"))
    return found


#: what to do about a client far from its engine (a second CLI on PATH, usually)
VERSION_ADVICE = (
    "the client speaks the engine's older API, but its features and messages are its own; "
    "put the engine's own CLI first on PATH (the docker CLI line lists every one)"
)


def versions_apart(client: str, engine: str) -> str | None:
    """How far apart two Docker versions are when their major versions differ (e.g. "8 major
    versions"), else None; None also for versions we cannot read."""
    try:
        first, second = (int(version.split(".")[0]) for version in (client, engine))
    except ValueError:
        return None
    gap = abs(first - second)
    return f"{gap} major version{'s' if gap > 1 else ''}" if gap else None


def compose_version(c: Ctx) -> str | None:
    """`docker compose version`, or None if compose v2 is not available."""
    from python_on_whales.exceptions import DockerException

    try:
        return c.docker.compose.version().strip()
    except DockerException:
        return None


def probe_compose(c: Ctx) -> list[Finding]:
    """Compose v2 is a docker CLI plugin."""
    version = compose_version(c)
    if version:
        return [Finding(PASS, f"compose v2: {version}")]
    return [Finding(FAIL, "compose v2: missing — run `invoke setup` (or install docker-compose-plugin)")]


def probe_buildx(c: Ctx) -> list[Finding]:
    """buildx, for information: builds go through `docker compose build`, which does not need it."""
    from python_on_whales.exceptions import DockerException

    try:
        version = c.docker.buildx.version()
        return [Finding(INFO, f"buildx: {version['version']} (not required)")]  # type: ignore[index]
    except (DockerException, KeyError, TypeError):
        return [Finding(INFO, "buildx: not installed (not required: images are built with `docker compose build`)")]


def probe_settings(c: Ctx) -> list[Finding]:
    """Every declared setting passes its check: one line per one that does not."""
    wrong = c.registry.problems(c.settings)
    if wrong:
        return [Finding(FAIL, f"settings: {line}") for line in wrong]
    files = ", ".join(c.settings.shown(path) for path in c.settings.env_files)
    return [Finding(PASS, f"settings: all valid ({files})")]


def _valid(c: Ctx, name: str):
    """The checked value of ``name``, or None when it is wrong (the settings check reports that)."""
    try:
        return c.get(name)
    except ConfigError:
        return None


# Without its userland proxy, dockerd lets its bridges route 127.0.0.0/8 (route_localnet) so that
# the kernel can forward ports published on 127.0.0.1; then any container could reach what
# listens on this machine's loopback. This rule (iptables' raw table) drops packets for
# 127.0.0.0/8 that arrive on any interface but lo, before anything else sees them.
#: the same rule as setup added it before it carried a comment naming the workshop (still the guard)
UNNAMED_GUARD = ["PREROUTING", "!", "-i", "lo", "-d", "127.0.0.0/8", "-j", "DROP"]
LOOPBACK_GUARD = [*UNNAMED_GUARD[:-2], "-m", "comment", "--comment", "docker-workshop", *UNNAMED_GUARD[-2:]]
INTERFACES = Path("/proc/sys/net/ipv4/conf")


def routing_loopback(interfaces: Path | None = None) -> list[str]:
    """The network interfaces of this machine that route 127.0.0.0/8 (route_localnet=1); none
    where there is no /proc (macOS)."""
    found = []
    for setting in sorted((interfaces or INTERFACES).glob("*/route_localnet")):
        try:
            if setting.read_text().strip() == "1":
                found.append(setting.parent.name)
        except OSError:
            continue
    return found


def iptables_raw(action: str, as_root: list[str] | None = None, rule: list[str] = LOOPBACK_GUARD) -> list[str]:
    """The iptables command that checks (-C), inserts (-I) or deletes (-D) ``rule`` (the loopback
    guard), run as root through ``as_root`` (a sudo prefix, or nothing)."""
    iptables = shutil.which("iptables") or "/usr/sbin/iptables"
    return [*(as_root or []), iptables, "-t", "raw", action, *rule]


def guard_present(as_root: list[str] | None = None) -> bool | None:
    """Whether LOOPBACK_GUARD is in iptables' raw table; None when we cannot tell (neither root
    nor ``as_root``, or no iptables)."""
    if os.geteuid() != 0 and not as_root:
        return None
    try:
        return any(
            subprocess.run(iptables_raw("-C", as_root, rule), capture_output=True).returncode == 0
            for rule in (LOOPBACK_GUARD, UNNAMED_GUARD)
        )
    except OSError:  # no iptables here
        return None


def local_engine() -> bool:
    """The engine runs on this machine's kernel as far as we can tell (no remote DOCKER_HOST)."""
    host = os.environ.get("DOCKER_HOST", "")
    return not host or host.startswith("unix://")


def probe_loopback(c: Ctx) -> list[Finding]:
    """Where an interface of this machine routes 127.0.0.0/8, the loopback guard is in place."""
    if not local_engine():
        return []
    routing = routing_loopback()
    if not routing:
        return [Finding(PASS, "loopback: no interface routes 127.0.0.0/8")]
    named = ", ".join(routing)
    present = guard_present()
    if present:
        return [Finding(PASS, f"loopback: guarded ({named} route 127.0.0.0/8; iptables drops it from all but lo)")]
    if present is None:
        return [Finding(INFO, f"loopback: {named} route 127.0.0.0/8; only root can check the iptables guard")]
    return [
        Finding(
            FAIL,
            f"loopback: {named} route 127.0.0.0/8 (dockerd without its userland proxy) and nothing drops it from "
            "other interfaces: containers can reach this machine's 127.0.0.1 services — `invoke setup` adds the "
            f"guard (iptables -t raw -I {' '.join(LOOPBACK_GUARD)})",
        )
    ]


def probe_ports(c: Ctx) -> list[Finding]:
    """Every host port the examples publish is free, or already ours."""
    from workshop.engine import holds_port

    findings = []
    for setting in c.registry.host_ports():
        port, bind = _valid(c, setting.name), _valid(c, setting.bind or "")
        if port is None or bind is None:
            continue
        if port_is_free(bind, port):
            findings.append(Finding(PASS, f"port {bind}:{port} ({setting.name}) free"))
            continue
        ours = [ct.name for ct in c.docker.container.list(filters=c.project.filters()) if holds_port(ct, port)]
        if ours:
            findings.append(Finding(PASS, f"port {bind}:{port} ({setting.name}) in use by this project's {ours[0]}"))
        else:
            findings.append(
                Finding(
                    FAIL,
                    f"port {bind}:{port} ({setting.name}) taken by something else — "
                    f"stop it or set another {setting.name} {c.settings.where(setting.name)}",
                )
            )
    return findings


def needed_images(c: Ctx) -> list[tuple[str, str]]:
    """(setting, image) for every image the active profile needs (wrong settings left out)."""
    found = []
    for name in assembled(c).image_settings():
        image = _valid(c, name)
        if image is not None:
            found.append((name, image))
    return found


def missing_images(c: Ctx) -> list[tuple[str, str]]:
    """(setting, image) pairs for every needed image not on the engine."""
    return [(name, image) for name, image in needed_images(c) if not c.docker.image.exists(image)]


def probe_images(c: Ctx) -> list[Finding]:
    """The images the examples run or build from are present, or the registry has them."""
    from python_on_whales.exceptions import DockerException

    findings = []
    for name, image in needed_images(c):
        if c.docker.image.exists(image):
            findings.append(Finding(PASS, f"image {image} ({name}) present"))
            continue
        try:
            c.docker.manifest.inspect(image)
            findings.append(Finding(PASS, f"image {image} ({name}) not present, pullable"))
        except DockerException:
            findings.append(Finding(FAIL, f"image {image} ({name}) not present and not pullable — run `invoke setup`"))
    return findings


def probe_images_present(c: Ctx) -> list[Finding]:
    """What setup checks: every needed image is on the engine."""
    missing = missing_images(c)
    if missing:
        return [Finding(FAIL, f"images: missing {', '.join(f'{image} ({name})' for name, image in missing)}")]
    return [Finding(PASS, f"images: present ({', '.join(sorted({image for _, image in needed_images(c)}))})")]


def probe_disk(c: Ctx) -> list[Finding]:
    """Room for images and volumes where the engine keeps them."""
    from python_on_whales.exceptions import DockerException

    try:
        root = c.docker.system.info().docker_root_dir or "/var/lib/docker"
        free = shutil.disk_usage(root).free
    except (DockerException, OSError):
        return [Finding(INFO, "disk: the engine's data folder is not visible from here (remote engine?)")]
    text = f"disk: {free / 1024**3:.1f} GiB free in {root}"
    if free < MIN_FREE_BYTES:
        return [Finding(FAIL, f"{text} — free at least {MIN_FREE_BYTES / 1024**3:.0f} GiB (`invoke clean`)")]
    return [Finding(PASS, text)]
