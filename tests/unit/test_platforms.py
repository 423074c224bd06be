"""Other platforms, by simulation: `invoke setup` and `invoke doctor` on macOS with Docker Desktop
and on Windows' WSL 2 (Docker Desktop's engine reached from WSL, or an engine inside WSL, with
and without systemd) take the right path, one line per check, never a traceback.

Each case fakes a machine: the platform's name (sys.platform, /proc/version), its files
(/etc/debian_version, /run/systemd/system, /proc's interfaces: absent on macOS), who we are,
and the commands on PATH, which are small programs standing in for docker, dockerd, systemctl
and apt-get, sharing one state file (is the engine up, its version, its images). Nothing here
touches a real engine."""

from __future__ import annotations

import json
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from invoke import Config

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import tasks  # noqa: E402
from workshop import checks, dockerd, journal, offline  # noqa: E402
from workshop import machine as this_machine  # noqa: E402
from workshop.cli import Ctx, run_task  # noqa: E402

#: the fake docker CLI: answers the calls setup and doctor make, from the state file
FAKE_DOCKER = """#!{python}
import json, sys
state = json.load(open({state!r}))
args = sys.argv[1:]
down = "Cannot connect to the Docker daemon at " + state["socket"] + ". Is the docker daemon running?"
def answer(text, code=0):
    print(text) if code == 0 else print(text, file=sys.stderr)
    sys.exit(code)
if args[:2] == ["system", "info"]:
    if not state["engine"]:
        answer(down, 1)
    answer(json.dumps({{"ServerVersion": state["server"], "OperatingSystem": state["os"],
                       "DockerRootDir": "/var/lib/docker"}}))
if args[:1] == ["version"]:
    if not state["engine"]:
        answer(down, 1)
    answer(json.dumps({{"Client": {{"Version": state["client"]}}, "Server": {{"Version": state["server"]}}}}))
if args == ["compose", "version"]:
    answer("Docker Compose version v2.29.1-desktop.1")
if args[:2] == ["image", "inspect"] and state["engine"] and args[2] in state["images"]:
    answer(json.dumps([{{"Id": "sha256:" + "0" * 64, "RepoTags": [args[2]]}}]))
if args[:2] == ["container", "list"]:
    answer("")
answer("fake docker: no answer for " + " ".join(args), 1)
"""
#: a fake program that starts the engine (dockerd, or systemctl start docker)
FAKE_STARTER = """#!{python}
import json
state = json.load(open({state!r}))
state["engine"] = True
json.dump(state, open({state!r}, "w"))
"""


@dataclass
class Machine:
    """One faked machine."""

    platform: str  # sys.platform
    proc_version: str | None  # /proc/version's text; None: there is no /proc (macOS)
    debian: bool = False
    systemd: bool = False
    root: bool = False
    engine: bool = False
    socket: str = "unix:///var/run/docker.sock"
    os: str = "Docker Desktop"
    server: str = "27.3.1"
    client: str = "27.3.1"
    commands: tuple[str, ...] = ("docker",)  # on PATH; dockerd, systemctl and apt-get start/install
    images: list[str] = field(default_factory=list)


def everything_setup_pulls() -> list[str]:
    """Every image of the online profile (the fake engine has them all, when it runs)."""
    from workshop.checks import needed_images

    return [image for _, image in needed_images(ctx())]


def ctx() -> Ctx:
    return Ctx(config=Config(overrides={"workshop": {"shop": tasks.shop}}))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def fake(monkeypatch, tmp_path):
    """Turn this process into a machine of ``Machine``'s description."""

    def become(machine: Machine) -> Path:
        monkeypatch.setenv("WORKSHOP_ENV_FILE", str(tmp_path / "none.env"))  # the online profile
        monkeypatch.delenv("WORKSHOP_PROFILE", raising=False)
        state = tmp_path / "state.json"
        state.write_text(json.dumps({**machine.__dict__, "images": machine.images or everything_setup_pulls()}))
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        programs = {"docker": FAKE_DOCKER, "dockerd": FAKE_STARTER, "systemctl": FAKE_STARTER, "apt-get": FAKE_STARTER}
        for name in machine.commands:
            program = bin_dir / name
            program.write_text(programs[name].format(python=sys.executable, state=str(state)))
            program.chmod(0o755)
        monkeypatch.setenv("PATH", str(bin_dir))
        monkeypatch.setattr(checks, "PLATFORM", machine.platform)
        proc = tmp_path / "proc"
        if machine.proc_version is not None:
            (proc / "sys/net/ipv4/conf/eth0").mkdir(parents=True)
            (proc / "sys/net/ipv4/conf/eth0/route_localnet").write_text("0\n")
            (proc / "version").write_text(machine.proc_version)
        monkeypatch.setattr(checks, "PROC_VERSION", proc / "version")
        monkeypatch.setattr(checks, "INTERFACES", proc / "sys/net/ipv4/conf")
        monkeypatch.setattr(checks, "SYSTEMD", tmp_path / "run/systemd/system")
        if machine.systemd:
            (tmp_path / "run/systemd/system").mkdir(parents=True)
        monkeypatch.setattr(this_machine, "DEBIAN_VERSION", tmp_path / "debian_version")
        if machine.debian:
            (tmp_path / "debian_version").write_text("12.8\n")
        monkeypatch.setattr(this_machine.os, "geteuid", lambda: 0 if machine.root else 1000)
        monkeypatch.setattr(checks.os, "geteuid", lambda: 0 if machine.root else 1000)
        monkeypatch.setattr(journal, "path", lambda: tmp_path / journal.NAME)
        for module in (this_machine, dockerd, offline):  # what setup writes goes to the test's folder
            monkeypatch.setattr(module, "state_dir", lambda: tmp_path)
        monkeypatch.delenv("DOCKER_HOST", raising=False)
        monkeypatch.delenv("CI", raising=False)
        monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker-config"))
        for setting in tasks.shop.registry.host_ports():  # free ports, whatever runs on this machine
            monkeypatch.setenv(setting.name, str(free_port()))
        return state

    return become


def run(name: str) -> tuple[int, list[str]]:
    """Run a task in this process: its exit code and its lines (no traceback escapes: it would raise)."""
    ran = run_task(ctx(), name)
    text = ran.stdout + ran.stderr + (ran.message or "")
    assert "Traceback" not in text
    return ran.code, [line for line in text.splitlines() if line.strip()]


MAC_SOCKET = "unix:///Users/learner/.docker/run/docker.sock"
WSL = "Linux version 5.15.167.4-microsoft-standard-WSL2 (root@f9c826d3017f) #1 SMP"


def test_macos_docker_desktop_not_started(fake):
    fake(Machine("darwin", None, socket=MAC_SOCKET))
    code, lines = run("setup")
    assert code != 0
    assert lines[0] == f"[   ok] docker CLI: {Path(checks.docker_clis()[0])}"
    assert lines[1] == (
        f"[ todo] docker daemon: Docker daemon unreachable at {MAC_SOCKET}; start Docker (or run `invoke setup`), "
        "or fix DOCKER_HOST; start Docker Desktop (`open -a Docker`), then rerun `invoke setup`"
    )
    assert lines[2].startswith("error: setup incomplete") and len(lines) == 3
    code, lines = run("doctor")
    assert code == 1
    assert [line[0] for line in lines[:-1]] == ["✓", "✗", "✓"], lines  # CLI, daemon, settings: the rest needs an engine
    assert lines[-1].startswith("error: 1 check(s) failed")


def test_macos_docker_desktop_running(fake):
    fake(Machine("darwin", None, socket=MAC_SOCKET, engine=True))
    code, lines = run("setup")
    assert code == 0, lines
    assert [line[:8] for line in lines[:-1]] == ["[   ok] "] * 5
    assert "[   ok] loopback guard: no interface routes 127.0.0.0/8" in lines, "\n".join(lines)  # no /proc, no iptables
    assert lines[-1] == "setup done: everything was already in place; nothing changed"
    code, lines = run("doctor")
    assert code == 0, lines
    assert "✓ daemon: Docker Engine 27.3.1 reachable (client 27.3.1)" in lines
    assert "i disk: the engine's data folder is not visible from here (remote engine?)" in lines or any(
        line.startswith("✓ disk:") for line in lines
    )


def test_wsl2_with_docker_desktops_engine(fake):
    fake(Machine("linux", WSL, debian=True, engine=True))
    code, lines = run("setup")
    assert code == 0 and lines[-1] == "setup done: everything was already in place; nothing changed", lines
    assert run("doctor")[0] == 0


def test_wsl2_docker_desktop_stopped_as_a_normal_user(fake):
    fake(Machine("linux", WSL, debian=True, commands=("docker", "apt-get")))
    code, lines = run("setup")
    assert code != 0
    assert (
        "start Docker Desktop on Windows (Settings > Resources > WSL integration: on for this distribution)"
        in (lines[1])
    )
    assert (
        lines[1].startswith("[ todo] docker daemon:") and "`sudo invoke setup` (Debian/Ubuntu) starts one" in lines[1]
    )


def test_wsl2_without_systemd_as_root_starts_dockerd_with_stock_settings(fake):
    fake(Machine("linux", WSL, debian=True, root=True, os="Debian GNU/Linux 12", server="20.10.24", commands=(
        "docker", "dockerd", "apt-get")))  # fmt: skip
    code, lines = run("setup")
    assert code == 0, lines
    assert (
        "        published ports: forwarded by docker-proxy, as Docker does by default (DOCKERD_USERLAND_PROXY)"
        in lines
    )
    assert any(line.startswith("[fixed] docker daemon: started dockerd in the background") for line in lines)
    (started,) = [change for change in journal.changes() if change.kind == journal.DOCKERD]
    assert started.detail["command"].split("\0") == [checks.shutil.which("dockerd")]  # no flag of ours
    code, lines = run("doctor")
    assert code == 0 and "! versions: client 27.3.1 and engine 20.10.24 are 7 major versions apart" in " ".join(lines)


def test_wsl2_with_systemd_as_a_normal_user_is_told_the_command(fake):
    fake(Machine("linux", WSL, debian=True, systemd=True, commands=("docker", "systemctl", "apt-get")))
    code, lines = run("setup")
    assert code != 0 and lines[1].startswith("[ todo] docker daemon:")
    assert "for an engine installed inside WSL, `sudo systemctl start docker`" in lines[1]


def test_wsl2_with_systemd_as_root_starts_the_service(fake):
    fake(
        Machine(
            "linux", WSL, debian=True, systemd=True, root=True, commands=("docker", "dockerd", "systemctl", "apt-get")
        )
    )
    code, lines = run("setup")
    assert code == 0, lines
    assert [change.kind for change in journal.changes()] == [journal.SERVICE]
