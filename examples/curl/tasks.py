"""Example 3 of the tutorial: your first Dockerfile. Build an image that fetches SITE_URL,
list it, run it with a bind-mounted results folder, clean up."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from invoke import Collection

from workshop.cli import say, task
from workshop.config import Setting, Settings, check_url
from workshop.display import duration, table
from workshop.engine import ContainerFailed, Project, build_service, docker, ensure_network, run_once
from workshop.errors import WorkshopError

EXAMPLE = "curl"
SERVICE = "curl"  # its service in docker-compose.yml
DATA_PATH = "/data"
RESULTS_NAME = "results"


def image_tags(settings: Settings) -> tuple[str, str]:
    """(name:version, name:latest) from CURL_IMAGE and CURL_VERSION."""
    name = settings.image("CURL_IMAGE")
    if ":" in name.rsplit("/", 1)[-1] or "@" in name:
        raise settings.raw("CURL_IMAGE").fail("already has a tag", "give the name only; the tag is CURL_VERSION")
    version = settings.tag("CURL_VERSION")
    return f"{name}:{version}", f"{name}:latest"


def results_dir(settings: Settings) -> Path:
    """CURL_RESULTS_DIR, created if missing (it is this example's own output folder)."""
    path = settings.path("CURL_RESULTS_DIR", "folder")
    if path.exists() and not path.is_dir():
        raise settings.raw("CURL_RESULTS_DIR").fail("is not a folder", "point CURL_RESULTS_DIR at a folder")
    path.mkdir(parents=True, exist_ok=True)
    return path.resolve()


def build_image(settings: Settings) -> tuple[str, str]:
    """`docker compose build curl`, then tag name:latest as well. Return the two tags."""
    versioned, latest = image_tags(settings)
    build_service(settings, SERVICE)
    docker(settings).image.tag(versioned, latest)
    return versioned, latest


@task()
def build(c):
    """Build the curl image from examples/curl/Dockerfile, tagged CURL_IMAGE:CURL_VERSION and :latest (docker build . -t test-curl)."""
    settings = Settings.load()
    versioned, latest = build_image(settings)
    image = docker(settings).image.inspect(versioned)
    say(f"built {versioned} and {latest} ({image.id[7:19]}, {image.size / 1e6:.1f} MB)")


@task()
def images(c):
    """List this example's images with their size and age (docker images)."""
    settings = Settings.load()
    project = Project.from_settings(settings)
    found = docker(settings).image.list(filters=project.image_filters(EXAMPLE))
    if not found:
        say("no curl images; `invoke curl.build` builds one")
        return
    now = datetime.now(timezone.utc)
    rows = []
    for image in found:
        for tag in sorted(image.repo_tags) or ["<none>:<none>"]:
            repository, _, version = tag.rpartition(":")
            age = f"{duration((now - image.created).total_seconds())} ago"
            rows.append((repository, version, image.id[7:19], age, f"{image.size / 1e6:.1f}MB"))
    say(table(("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"), rows))


def curl_error(failed: ContainerFailed) -> str:
    """curl's own one-line reason ("curl: (60) SSL certificate problem: ..."), not its advice lines."""
    for line in failed.stderr.splitlines():
        if line.startswith("curl: ("):
            return line.strip()
    return str(failed)


NOBODY = "65534:65534"


def container_user(image_user: str) -> tuple[str, tuple[int, int] | None]:
    """(user to run as, owner to give the results file first or None).

    You, so the results file is yours; when you are root, the image's own non-root user
    (or nobody), which then needs to own the results file it writes.
    """
    if os.geteuid() != 0:
        return f"{os.getuid()}:{os.getgid()}", None
    uid, _, gid = image_user.partition(":")
    if not uid.isdigit() or uid == "0" or (gid and not gid.isdigit()):
        uid, gid = NOBODY.split(":")
    return f"{uid}:{gid or uid}", (int(uid), int(gid or uid))


@task(help={"site_url": "the http(s) URL to fetch (default: SITE_URL from configuration)"})
def run(c, site_url=None):
    """Fetch a URL into CURL_RESULTS_DIR/results with the curl image (docker run --rm -v $(pwd)/vol:/data test-curl)."""
    from python_on_whales.exceptions import DockerException

    settings = Settings.load()
    if site_url is None:
        url = settings.url("SITE_URL")
    else:
        url = check_url(Setting("--site-url", site_url, "command line"))
    versioned, _ = image_tags(settings)
    project = Project.from_settings(settings)
    folder = results_dir(settings)
    client = docker(settings)
    if not client.image.exists(versioned):
        say(f"{versioned} is not built yet; building it first")
        build_image(settings)
    user, owner = container_user(client.image.inspect(versioned).config.user or "")
    results = folder / RESULTS_NAME
    results.unlink(missing_ok=True)
    results.touch()
    if owner is not None:
        os.chown(results, *owner)
    network = ensure_network(client, project)
    try:
        run_once(
            client, versioned, "CURL_IMAGE", [], show_stderr=False, envs={"SITE_URL": url}, user=user,
            volumes=[(folder, DATA_PATH, "rw")], networks=[network], labels=project.labels(EXAMPLE),
        )
    except (ContainerFailed, DockerException) as failed:
        results.unlink(missing_ok=True)
        if isinstance(failed, ContainerFailed):
            raise WorkshopError(
                f"fetching {url} failed: {curl_error(failed)} (curl exit code {failed.code}); no results written"
            ) from None
        raise
    size = results.stat().st_size
    shown = results.relative_to(settings.root) if results.is_relative_to(settings.root) else results
    say(f"fetched {url} into {shown} ({size} bytes)")


@task(help={"results": "also delete the results file (default: yes)"})
def clean(c, results=True):
    """Remove this example's images (docker rmi test-curl) and its results file."""
    settings = Settings.load()
    project = Project.from_settings(settings)
    client = docker(settings)
    found = client.image.list(filters=project.image_filters(EXAMPLE))
    tags = [tag for image in found for tag in image.repo_tags]
    if found:
        client.image.remove(found, force=True)
        say(f"removed {len(found)} image(s): {', '.join(sorted(tags)) or '(untagged)'}")
    else:
        say("no curl images to remove")
    if results:
        target = results_dir(settings) / RESULTS_NAME
        if target.exists():
            target.unlink()
            say(f"removed {target.relative_to(settings.root) if target.is_relative_to(settings.root) else target}")


curl = Collection("curl", build, images, run, clean)
