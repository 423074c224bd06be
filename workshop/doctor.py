"""`invoke doctor`: read-only checks of everything the examples need, one line each with the fix.

Unlike `invoke setup`, it changes nothing: no install, no pull, no start.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from typing import Callable

from invoke.exceptions import Exit

from workshop.cli import say, task
from workshop.config import Settings
from workshop.engine import Project, holds_port
from workshop.errors import ConfigError, describe_docker_failure
from workshop.probe import port_is_free
from workshop.schema import HOST_PORTS, problems

MIN_FREE_BYTES = 2 * 1024**3
PASS, FAIL, INFO = "✓", "✗", "i"


@dataclass
class Finding:
    """One line of the report."""

    mark: str
    text: str


def check_cli() -> list[Finding]:
    """The docker CLI is on PATH."""
    path = shutil.which("docker")
    if path:
        return [Finding(PASS, f"docker CLI: {path}")]
    return [Finding(FAIL, "docker CLI not found on PATH — install Docker, or run `invoke setup`")]


def check_daemon(client) -> list[Finding]:
    """The daemon answers, and we may use its socket."""
    from python_on_whales.exceptions import DockerException

    try:
        info = client.system.info()
    except DockerException as exc:
        reason = describe_docker_failure(exc.stderr, exc.return_code)
        return [Finding(FAIL, f"daemon: {reason}")]
    return [Finding(PASS, f"daemon: Docker Engine {info.server_version} reachable")]


def check_compose(client) -> list[Finding]:
    """Compose v2 is a docker CLI plugin."""
    from python_on_whales.exceptions import DockerException

    try:
        return [Finding(PASS, f"compose v2: {client.compose.version().strip()}")]
    except DockerException:
        return [Finding(FAIL, "compose v2 missing — run `invoke setup` (or install docker-compose-plugin)")]


def check_buildx(client) -> list[Finding]:
    """buildx, for information: builds go through `docker compose build`, which does not need it."""
    from python_on_whales.exceptions import DockerException

    try:
        return [Finding(INFO, f"buildx: {client.buildx.version()['version']} (not required)")]
    except (DockerException, KeyError, TypeError):
        return [Finding(INFO, "buildx: not installed (not required: images are built with `docker compose build`)")]


def check_settings() -> tuple[list[Finding], Settings | None]:
    """Env files parse and every value passes its check."""
    try:
        settings = Settings.load()
    except ConfigError as error:
        return [Finding(FAIL, f"settings: {error}")], None
    wrong = problems(settings)
    if wrong:
        return [Finding(FAIL, f"settings: {line}") for line in wrong], settings
    files = ", ".join(str(p.relative_to(settings.root)) if p.is_relative_to(settings.root) else str(p)
                      for p in settings.env_files)
    return [Finding(PASS, f"settings: all valid ({files})")], settings


def ours_publishing(client, project: Project, port: int) -> str | None:
    """The name of our container holding host port ``port``, if any."""
    for container in client.container.list(filters=project.filters()):
        if holds_port(container, port):
            return container.name
    return None


def check_ports(client, settings: Settings) -> list[Finding]:
    """Every host port the examples publish is free, or already ours."""
    project = Project.from_settings(settings)
    findings = []
    for port_name, bind_name in HOST_PORTS:
        port, bind = settings.port(port_name), settings.address(bind_name)
        if port_is_free(bind, port):
            findings.append(Finding(PASS, f"port {bind}:{port} ({port_name}) free"))
            continue
        holder = ours_publishing(client, project, port)
        if holder:
            findings.append(Finding(PASS, f"port {bind}:{port} ({port_name}) in use by this project's {holder}"))
        else:
            findings.append(Finding(FAIL, f"port {bind}:{port} ({port_name}) taken by something else — "
                                          f"stop it or set another {port_name} in .env"))
    return findings


def check_images(client, settings: Settings) -> list[Finding]:
    """The images the examples run or build from are present, or the registry has them."""
    from python_on_whales.exceptions import DockerException

    from workshop.provision import IMAGE_SETTINGS

    findings = []
    for name in IMAGE_SETTINGS:
        image = settings.image(name)
        if client.image.exists(image):
            findings.append(Finding(PASS, f"image {image} ({name}) present"))
            continue
        try:
            client.manifest.inspect(image)
            findings.append(Finding(PASS, f"image {image} ({name}) not present, pullable"))
        except DockerException:
            findings.append(Finding(FAIL, f"image {image} ({name}) not present and not pullable — run `invoke setup`"))
    return findings


def check_disk(client) -> list[Finding]:
    """Room for images and volumes where the engine keeps them."""
    from python_on_whales.exceptions import DockerException

    try:
        root = client.system.info().docker_root_dir or "/var/lib/docker"
        free = shutil.disk_usage(root).free
    except (DockerException, OSError):
        return [Finding(INFO, "disk: the engine's data folder is not visible from here (remote engine?)")]
    text = f"disk: {free / 1024**3:.1f} GiB free in {root}"
    if free < MIN_FREE_BYTES:
        return [Finding(FAIL, f"{text} — free at least {MIN_FREE_BYTES / 1024**3:.0f} GiB (`invoke clean`)")]
    return [Finding(PASS, text)]


@task()
def doctor(c):
    """Check (read-only) docker, the daemon, compose, ports, settings, images and disk; exit 1 if anything fails."""
    from python_on_whales import DockerClient

    client = DockerClient()
    findings = check_cli()
    engine_ok = findings[0].mark == PASS
    if engine_ok:
        daemon = check_daemon(client)
        findings += daemon
        engine_ok = daemon[0].mark == PASS
    settings_findings, settings = check_settings()
    if engine_ok:
        findings += check_compose(client) + check_buildx(client)
    findings += settings_findings
    steps: list[Callable[[], list[Finding]]] = []
    if engine_ok and settings is not None and not any(f.mark == FAIL for f in settings_findings):
        steps = [lambda: check_ports(client, settings), lambda: check_images(client, settings),
                 lambda: check_disk(client)]
    for step in steps:
        findings += step()
    for finding in findings:
        say(f"{finding.mark} {finding.text}")
    failed = [f for f in findings if f.mark == FAIL]
    if failed:
        raise Exit(f"error: {len(failed)} check(s) failed (the ✗ lines above say how to fix each)", code=1)
    say("all checks passed")
