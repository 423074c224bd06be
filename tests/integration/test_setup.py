"""`invoke setup` against the real engine: run again it changes nothing and says so; compose
sees the same configuration as the tasks; and the dockerd it starts with
DOCKERD_USERLAND_PROXY=false forwards published ports in the kernel, behind the loopback guard."""

from __future__ import annotations

import json
import os
import re
import socket
import urllib.request
from pathlib import Path

import pytest

from workshop.config import Settings
from workshop.engine import Project

pytestmark = pytest.mark.integration

PROBE = Path(__file__).parent / "probes" / "loopback_syn.py"


def test_setup_run_again_changes_nothing_and_says_so():
    from conftest import Workshop

    first = Workshop().run("setup", timeout=900).ok()
    second = Workshop().run("setup", timeout=900).ok()
    for step in ("docker CLI", "docker daemon", "compose v2", "loopback guard", "images"):
        assert f"[   ok] {step}:" in second.stdout, second.stdout
    assert "[fixed]" not in second.stdout and "[ todo]" not in second.stdout
    assert "nothing changed" in second.stdout
    assert first.stdout.count("\n") >= 5


def test_setup_builds_each_missing_standin_once(workshop, docker_client):
    # stand-ins of the test's own names, so they are missing (the user's stay as they are)
    standins = {kind: f"{workshop.project}-{kind.lower()}:standin" for kind in ("NGINX", "REDIS", "PYTHON")}
    names = {f"{prefix}{kind}_IMAGE": image for kind, image in standins.items() for prefix in ("", "STANDIN_")}
    result = workshop.run("setup", timeout=900, **names).ok()
    assert "[fixed] images:" in result.stdout, result.stdout
    for image in standins.values():
        assert docker_client.image.exists(image)
        builds = [line for line in result.stderr.splitlines() if line.startswith(f"built {image} in ")]
        assert len(builds) == 1, f"{image} built {len(builds)} times:\n{result.stderr}"
    assert "[   ok] stand-ins: up to date" in result.stdout
    assert not re.search(r"^#\d+ ", result.stderr, re.MULTILINE), result.stderr  # no BuildKit log


def test_compose_sees_the_same_values_as_the_tasks(workshop):
    from python_on_whales import DockerClient

    environ = workshop.environ(APP_THREADS="7")
    settings = Settings.load(environ=environ)
    client = DockerClient(compose_files=[settings.root / "docker-compose.yml"], compose_env_files=settings.env_files)
    saved = dict(os.environ)
    os.environ.update(environ)
    try:
        config = client.compose.config(return_json=True)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    app, redis = config["services"]["app"], config["services"]["redis"]
    assert redis["image"] == settings.image("REDIS_IMAGE")  # from the profile's file
    assert app["environment"]["GRANIAN_BLOCKING_THREADS"] == "7"  # from the environment
    assert app["image"] == workshop.env["APP_IMAGE"]
    assert config["name"] == workshop.project


def running_dockerd() -> list[str] | None:
    """The command line of the dockerd running on this machine, or None if none runs here."""
    for process in Path("/proc").iterdir():
        try:
            if process.name.isdigit() and (process / "comm").read_text().strip() == "dockerd":
                return (process / "cmdline").read_bytes().decode().split("\0")
        except OSError:
            continue
    return None


def docker_proxies() -> list[list[str]]:
    """The command lines of every docker-proxy process on this machine."""
    found = []
    for process in Path("/proc").iterdir():
        try:
            if process.name.isdigit() and (process / "comm").read_text().strip() == "docker-proxy":
                found.append((process / "cmdline").read_bytes().decode().split("\0"))
        except OSError:
            continue
    return found


def require_setups_dockerd() -> None:
    """Skip unless the dockerd here runs without its userland proxy, as invoke setup starts it
    with DOCKERD_USERLAND_PROXY=false (the harness tests prove the stock default)."""
    from workshop.dockerd import NO_USERLAND_PROXY

    command = running_dockerd()
    if command is None or NO_USERLAND_PROXY not in command:
        pytest.skip(f"the dockerd here keeps its userland proxy (Docker's default): {command}")


def test_the_engine_setup_starts_forwards_published_ports_in_the_kernel_behind_the_loopback_guard(workshop):
    from workshop.checks import guard_present
    from workshop.probe import port_is_free

    require_setups_dockerd()
    assert guard_present(), "loopback guard missing from iptables' raw table"

    workshop.run("nginx.up", timeout=300).ok()
    port = workshop.env["NGINX_PORT"]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as answer:
        assert answer.status == 200
    # no docker-proxy forwards it, yet the port is taken on the host: checks that bind see it
    assert not [proxy for proxy in docker_proxies() if port in proxy], docker_proxies()
    assert not port_is_free("127.0.0.1", int(port))
    doctor = workshop.run("doctor").ok().stdout
    assert "✓ loopback: guarded (" in doctor, doctor


def listening(host: str) -> socket.socket:
    """A TCP socket listening on ``host``, on a port the kernel picks."""
    server = socket.socket()
    server.bind((host, 0))
    server.listen()
    return server


def test_a_container_cannot_reach_the_hosts_loopback_through_its_gateway(workshop, docker_client):
    """Without docker-proxy, dockerd lets its bridges route 127.0.0.0/8; the guard setup adds
    must keep a container from reaching what listens on the host's 127.0.0.1. A container of
    the test's own network hands hand-made SYNs to its gateway (the host): one for the gateway's
    address (answered: the probe works) and one for 127.0.0.1 (never answered)."""
    require_setups_dockerd()
    project = Project(workshop.project, Settings.load().label_prefix("WORKSHOP_LABEL_PREFIX"))
    network = docker_client.network.create(f"{workshop.project}-guard", labels=project.labels("setup"))
    gateway = network.ipam.config[0]["Gateway"]
    with listening(gateway) as on_gateway, listening("127.0.0.1") as on_loopback:
        output = docker_client.run(
            Settings.load().image("PYTHON_IMAGE"),
            ["python3", "/probe.py", str(on_gateway.getsockname()[1]), str(on_loopback.getsockname()[1])],
            networks=[network],
            volumes=[(PROBE, "/probe.py", "ro")],
            labels=project.labels("setup"),
            remove=True,
        )
    assert json.loads(str(output)) == {"gateway": True, "loopback": False}
