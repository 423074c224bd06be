"""Example 3 of the tutorial: your first Dockerfile. Build an image that fetches SITE_URL,
list it, run it with a bind-mounted results folder, clean up."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from invoke import Collection

from workshop.cli import VERBOSE_HELP, Ctx, Ran, say, task
from workshop.config import Settings, Value, check_url
from workshop.display import duration, table
from workshop.engine import ContainerFailed, build_service, ensure_network, run_once
from workshop.errors import WorkshopError
from workshop.example import Example, Move, Step, assembled, expect
from workshop.hardening import ONE_OFF, Container, hardened
from workshop.i18n import N_, tr
from workshop.kinds import EMPTY, Kind
from workshop.settings import Setting, image, tag, url

EXAMPLE = "curl"
COMPOSE_FILE = "examples/curl/compose.yml"
SERVICE = "curl"  # its service in COMPOSE_FILE
DATA_PATH = "/data"
RESULTS_NAME = "results"


def _image_name(settings: Settings, name: str) -> str:
    """An image name without a tag (the tag is CURL_VERSION)."""
    value = settings.image(name)
    if ":" in value.rsplit("/", 1)[-1] or "@" in value:
        raw = settings.raw(name)
        raise raw.fail("already has a tag", "give the name only; the tag is CURL_VERSION")
    return value


def _results_folder(settings: Settings, name: str) -> Path:
    """A folder path (created when used); a path to something that is not a folder is refused."""
    path = settings.path(name, "folder")
    if path.exists() and not path.is_dir():
        raw = settings.raw(name)
        raise raw.fail("is not a folder", f"point {name} at a folder")
    return path


image_name = Kind(_image_name, (*image.refuses, ("test-curl:2.0", "already has a tag")))
results_folder = Kind(_results_folder, (("", EMPTY), ("README.md", "not a folder")), folder=True)

SETTINGS = (
    Setting(
        "CURL_IMAGE",
        "test-curl",
        image_name,
        "name of example 3's image (no tag)",
        (EXAMPLE,),
        per_project="{project}-curl",
    ),
    Setting("CURL_VERSION", "1.0", tag, "its tag; `latest` is added too", (EXAMPLE,)),
    Setting("SITE_URL", "http://example.com/", url, "what `curl.run` fetches (http or https only)", (EXAMPLE,)),
    Setting(
        "CURL_RESULTS_DIR",
        "examples/curl/vol",
        results_folder,
        "where `curl.run` leaves the fetched page (file `results`), created if missing; "
        "relative paths start at the repository root",
        (EXAMPLE,),
        per_project="examples/curl/vol-{project}",
    ),
)


def image_tags(c: Ctx) -> tuple[str, str]:
    """(name:version, name:latest) from CURL_IMAGE and CURL_VERSION."""
    name, version = c.get("CURL_IMAGE"), c.get("CURL_VERSION")
    return f"{name}:{version}", f"{name}:latest"


def results_dir(c: Ctx) -> Path:
    """CURL_RESULTS_DIR, created if missing (it is this example's own output folder)."""
    path = c.get("CURL_RESULTS_DIR")
    path.mkdir(parents=True, exist_ok=True)
    return path.resolve()


def build_image(c: Ctx) -> tuple[str, str]:
    """`docker compose build curl`, then tag name:latest as well. Return the two tags."""
    versioned, latest = image_tags(c)
    build_service(c, COMPOSE_FILE, SERVICE, images=["BASE_IMAGE"])
    c.docker.image.tag(versioned, latest)
    return versioned, latest


@task(help={"verbose": VERBOSE_HELP})
def build(c: Ctx, verbose=False):
    """Build the curl image, tagged CURL_IMAGE:CURL_VERSION and :latest (docker build . -t test-curl)."""
    versioned, latest = build_image(c)
    built = c.docker.image.inspect(versioned)
    say(f"built {versioned} and {latest} ({built.id[7:19]}, {built.size / 1e6:.1f} MB)")


@task
def images(c: Ctx):
    """List this example's images with their size and age (docker images)."""
    found = c.docker.image.list(filters=c.project.image_filters(EXAMPLE))
    if not found:
        say("no curl images; `invoke curl.build` builds one")
        return
    now = datetime.now(timezone.utc)
    rows = []
    for each in found:
        for name in sorted(each.repo_tags) or ["<none>:<none>"]:
            repository, _, version = name.rpartition(":")
            age = f"{duration((now - each.created).total_seconds())} ago"
            rows.append((repository, version, each.id[7:19], age, f"{each.size / 1e6:.1f}MB"))
    say(table(("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"), rows))


def unreachable_example(c: Ctx, url: str) -> str | None:
    """When the URL's host is one of our containers (an example's name setting) and curl could not
    reach it: which example to start, or which port it listens on."""
    from urllib.parse import urlsplit

    from workshop.settings import container_name

    parts = urlsplit(url)
    host = parts.hostname
    for example, service in assembled(c).services():
        for name in assembled(c).settings_of(example):
            if c.registry[name].check is container_name and c.get(name) == host:
                found = c.docker.container.list(all=True, filters=[("name", f"^/?{host}$")])
                running = [ct for ct in found if ct.state.running]
                if not running:
                    return (
                        f"{host} is the {example.name} example's container ({name}) and it is not running; "
                        f"start it with `invoke {service.start}`"
                    )
                return wrong_port(f"{host}, the {example.name} example's container ({name}),", parts, running[0])
    return None


def listening_ports(container) -> list[int]:
    """The TCP ports a container declares (its image's EXPOSE, and the ports it publishes)."""
    declared = [*(container.config.exposed_ports or {}), *(container.network_settings.ports or {})]
    return sorted({int(port.split("/")[0]) for port in declared if port.endswith("/tcp")})


def wrong_port(who: str, parts, container) -> str | None:
    """When the URL asks a port the container does not listen on (the tutorial's habit: nginx on
    80): which port it does listen on, why, and the URL to use; None if the port is one of its own."""
    asked = parts.port or (443 if parts.scheme == "https" else 80)
    ports = listening_ports(container)
    if not ports or asked in ports:
        return None
    why = ": it runs as a non-root user, which cannot listen below port 1024" if asked < 1024 else ""
    fixed = parts._replace(netloc=f"{parts.hostname}:{ports[0]}").geturl()
    listed = f"port {ports[0]}" if len(ports) == 1 else f"ports {', '.join(map(str, ports))}"
    return f"{who} listens on {listed}, not {asked}{why}; fetch {fixed}"


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


@task(
    help={
        "site_url": "the http(s) URL to fetch (default: SITE_URL from configuration)",
        "verbose": VERBOSE_HELP + "; it builds the image if it is missing",
    }
)
def run(c: Ctx, site_url=None, verbose=False):
    """Fetch a URL into CURL_RESULTS_DIR/results with the curl image (docker run --rm -v $(pwd)/vol:/data test-curl)."""
    from python_on_whales.exceptions import DockerException

    if site_url is None:
        url = c.get("SITE_URL")
    else:
        url = check_url(Value("--site-url", site_url, "command line"))
    versioned, _ = image_tags(c)
    options, project = hardened(c, ONE_OFF), c.project  # every setting checked before the folder is made
    folder = results_dir(c)
    client, settings = c.docker, c.settings
    if not client.image.exists(versioned):
        say(f"{versioned} is not built yet; building it first")
        build_image(c)
    user, owner = container_user(client.image.inspect(versioned).config.user or "")
    results = folder / RESULTS_NAME
    # the container writes aside; only a fetch that succeeded replaces the results (a rename)
    partial = folder / f".{RESULTS_NAME}.{os.urandom(4).hex()}.partial"
    partial.touch()
    if owner is not None:
        os.chown(partial, *owner)
    network = ensure_network(client, project)
    try:
        run_once(
            client,
            versioned,
            "CURL_IMAGE",
            [],
            show_stderr=False,
            envs={"SITE_URL": url, "RESULTS_FILE": partial.name},
            **options,
            user=user,
            volumes=[(folder, DATA_PATH, "rw")],
            networks=[network],
            labels=project.labels(EXAMPLE),
        )
    except (ContainerFailed, DockerException) as failed:
        partial.unlink(missing_ok=True)
        if isinstance(failed, ContainerFailed):
            kept = f"{c.settings.shown(results)} kept as it was" if results.exists() else "no results written"
            reason = curl_error(failed)
            if "resolve host" in reason or "Failed to connect" in reason:
                reason = unreachable_example(c, url) or reason
            raise WorkshopError(f"fetching {url} failed: {reason} (curl exit code {failed.code}); {kept}") from None
        raise
    os.replace(partial, results)
    size = results.stat().st_size
    shown = results.relative_to(settings.root) if results.is_relative_to(settings.root) else results
    say(f"fetched {url} into {shown} ({size} bytes)")


@task(help={"results": "also delete the results file (default: yes)"})
def clean(c: Ctx, results=True):
    """Remove this example's images (docker rmi test-curl) and its results file."""
    settings, client = c.settings, c.docker
    found = client.image.list(filters=c.project.image_filters(EXAMPLE))
    tags = [name for each in found for name in each.repo_tags]
    if found:
        client.image.remove(found, force=True)
        say(f"removed {len(found)} image(s): {', '.join(sorted(tags)) or '(untagged)'}")
    else:
        say("no curl images to remove")
    if results:
        target = results_dir(c) / RESULTS_NAME
        if target.exists():
            target.unlink()
            say(f"removed {target.relative_to(settings.root) if target.is_relative_to(settings.root) else target}")


# -- the tour ------------------------------------------------------------------------------------


def image_built(c: Ctx, ran: Ran, noted: dict) -> str:
    """The curl image is there under both tags."""
    versioned, latest = image_tags(c)
    expect(all(c.docker.image.exists(tag_) for tag_ in (versioned, latest)), f"{versioned} or {latest} is missing")
    return tr("the image is on the engine as {versioned} and {latest}").format(versioned=versioned, latest=latest)


def page_fetched(c: Ctx, ran: Ran, noted: dict) -> str:
    """curl's results file is the page nginx serves."""
    results, page = results_dir(c) / RESULTS_NAME, c.get("NGINX_HTML_DIR") / "index.html"
    expect(
        results.is_file() and results.read_bytes() == page.read_bytes(),
        f"{c.settings.shown(results)} is not the served page",
    )
    return tr("{results} holds the page nginx serves: the containers met by name on their network").format(
        results=c.settings.shown(results)
    )


def results_files(c: Ctx) -> list[Path]:
    """The results file, if there is one (`clean --volumes` deletes it)."""
    path = c.get("CURL_RESULTS_DIR") / RESULTS_NAME
    return [path] if path.is_file() else []


curl = Example(
    name=EXAMPLE,
    collection=Collection("curl", build, images, run, clean),
    entry="curl.run",
    containers=(Container("curl.run", ONE_OFF),),
    settings=SETTINGS,
    compose_files=(COMPOSE_FILE,),
    files=results_files,
    tour=Step(
        N_("your first Dockerfile"),
        N_(
            "A Dockerfile describes an image and `docker build` makes it; run with -v, its container "
            "writes into a host folder. Here it fetches the nginx page by container name."
        ),
        (
            Move("docker build . -t test-curl", "curl.build", image_built),
            Move(
                "docker run --rm -e SITE_URL=https://facebook.com/ -v $(pwd)/vol:/data/:rw test-curl",
                "curl.run",
                page_fetched,
                {"site_url": "http://{NGINX_NAME}:8080/"},
                N_("nginx's page: containers on one network reach each other by name"),
            ),
        ),
        cleanup=("curl.clean", {}),
        present=lambda c: c.docker.image.exists(image_tags(c)[0]),
    ),
)
