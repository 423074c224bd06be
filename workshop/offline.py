"""Setup's images fix: pull what the examples need; when no registry answers, build a Debian
base with debootstrap and the examples' stand-ins from it, and select the offline profile."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from workshop import journal
from workshop.checks import missing_images
from workshop.cli import Ctx, say
from workshop.config import PROFILE_VAR, ROOT, local_file, read_env_file, set_local_value
from workshop.engine import build_service
from workshop.errors import WorkshopError, describe_docker_failure
from workshop.example import assembled
from workshop.machine import apt_install, can_manage_system, privilege_prefix, shown_path, system
from workshop.state import state_dir

OFFLINE_PROFILE = "offline"
#: the stand-in images this run of setup has built: its stand-ins step does not build them again
built_this_run: set[str] = set()


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
            built_this_run.add(still[standin.setting])
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
