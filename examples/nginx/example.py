"""Example 2 of the tutorial: nginx serving a folder of this machine through a read-only bind
mount, published on a host port (docker run -d --name test-nginx -p 8080:80 -v $(pwd):...:ro nginx)."""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass
from pathlib import Path

from invoke import Collection

from workshop.adapters import docker_command, output
from workshop.cli import Ctx, Ran, say, task, warn
from workshop.console import write
from workshop.display import container_state
from workshop.engine import (
    claim_container,
    ensure_image,
    ensure_network,
    holds_port,
    logs_task,
    published,
    remove_container,
    require_container,
)
from workshop.errors import WorkshopError
from workshop.example import CheckFailed, Example, Move, Service, Standin, Step, expect
from workshop.hardening import SERVICE, Container, hardened, healthcheck
from workshop.i18n import N_, tr
from workshop.labels import Project
from workshop.locks import host_lock
from workshop.probe import get, http_url, port_is_free, wait_for_http
from workshop.settings import Setting, address, container_name, decimal, directory, image, port

EXAMPLE = "nginx"
PAGE = "index.html"

SETTINGS = (
    Setting(
        "NGINX_IMAGE",
        "nginxinc/nginx-unprivileged:latest",
        image,
        "image of example 2: an nginx that runs as a non-root user on port 8080 "
        "(the official nginx:latest runs as root on port 80)",
        (EXAMPLE,),
    ),
    Setting(
        "NGINX_NAME", "test-nginx", container_name, "its container name", (EXAMPLE,), per_project="{project}-nginx"
    ),
    Setting(
        "NGINX_BIND",
        "127.0.0.1",
        address,
        "host address the port is published on (127.0.0.1: this machine only; 0.0.0.0: every interface)",
        (EXAMPLE,),
    ),
    Setting("NGINX_PORT", "8080", port, "host port", (EXAMPLE,), bind="NGINX_BIND"),
    Setting(
        "NGINX_HTML_DIR",
        "examples/nginx/html",
        directory,
        "the folder served, read-only (relative paths start at the repository root)",
        (EXAMPLE, "curl"),
    ),
    Setting("NGINX_WAIT", "30", decimal(1, 600), "seconds `nginx.up` waits for the page to answer 200", (EXAMPLE,)),
    Setting(
        "STANDIN_NGINX_IMAGE",
        "docker-workshop/nginx:standin",
        image,
        "name of the offline stand-in for nginx, which `invoke setup` builds",
        ("setup",),
    ),
)
CONTAINER_PORT = 8080  # unprivileged: nginx runs as a user without capabilities
#: healthy while nginx answers 200 on /, asked in plain HTTP over bash's /dev/tcp (the
#: images have bash but not always curl)
PAGE_ANSWERS = (
    "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET / HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 "
    "&& read -r -t 2 status <&3 && [[ $status == HTTP/1.?' 200'* ]]"
)
SERVED_PATH = "/usr/share/nginx/html"
LOG_LINES_ON_FAILURE = 20


@dataclass(frozen=True)
class NginxSettings:
    """Everything nginx.up needs, validated."""

    image: str
    name: str
    bind: str
    port: int
    html: Path
    wait: float

    @classmethod
    def load(cls, c: Ctx) -> NginxSettings:
        """Read and check the NGINX_* settings."""
        return cls(
            image=c.get("NGINX_IMAGE"),
            name=c.get("NGINX_NAME"),
            bind=c.get("NGINX_BIND"),
            port=c.get("NGINX_PORT"),
            html=c.get("NGINX_HTML_DIR"),
            wait=c.get("NGINX_WAIT"),
        )

    @property
    def url(self) -> str:
        """Where the page answers."""
        return http_url(self.bind, self.port)

    @property
    def fingerprint(self) -> str:
        """A short digest of the settings a running container was made with."""
        import hashlib  # not at import: `invoke --list` never needs it

        text = f"{self.image}|{self.bind}|{self.port}|{self.html}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def fingerprint_key(project: Project) -> str:
    """The label holding the settings fingerprint."""
    return f"{project.label_prefix}.settings"


def attempt_key(project: Project) -> str:
    """The label naming the `nginx.up` run that created a container."""
    return f"{project.label_prefix}.attempt"


def port_error(nginx: NginxSettings, c: Ctx) -> WorkshopError:
    """The one line for a host port that is taken."""
    setting = c.settings.raw("NGINX_PORT")
    return setting.fail(
        f"cannot be published: {nginx.bind}:{nginx.port} is already in use",
        f"stop what uses it or choose another NGINX_PORT {c.settings.where('NGINX_PORT')}",
    )


def adopt(client, project: Project, nginx: NginxSettings) -> bool:
    """If our container with these settings exists (started by another `nginx.up` a moment ago,
    say), wait for its page and return True."""
    container = claim_container(client, project, EXAMPLE, nginx.name, "NGINX_NAME")
    if container is None or (container.config.labels or {}).get(fingerprint_key(project)) != nginx.fingerprint:
        return False
    if wait_for_http(nginx.url, nginx.wait, progress=waiting_on(nginx.url)) is None:
        raise WorkshopError(f"{nginx.name} exists but does not answer at {nginx.url}; `invoke nginx.down`, then retry")
    say(f"{nginx.name} is already up at {nginx.url}; nothing to do")
    return True


def waiting_on(url: str):
    """A progress callback: what we wait for, and for how long already."""
    return lambda elapsed: warn(f"waiting for {url} to answer 200 ({elapsed:.0f}s)")


@task
def up(c: Ctx):
    """Serve NGINX_HTML_DIR with nginx on NGINX_BIND:NGINX_PORT and wait until the page answers."""
    from python_on_whales.exceptions import DockerException

    nginx, project, client = NginxSettings.load(c), c.project, c.docker
    options = hardened(c, SERVICE, tmpfs=("/tmp",))  # /tmp: its pid file and temporary paths
    # one check-then-create at a time on this machine: a second nginx.up waits, then finds this
    # one's container (a container that is created but not yet started looks stopped)
    with host_lock(f"nginx-{nginx.name}"):
        container = claim_container(client, project, EXAMPLE, nginx.name, "NGINX_NAME")
        if container is not None:
            same = (container.config.labels or {}).get(fingerprint_key(project)) == nginx.fingerprint
            if container.state.running and same and adopt(client, project, nginx):
                return
            container.remove(force=True)
            say(f"{nginx.name}: {'was stopped' if same else 'settings changed'}, replacing it")
        if not port_is_free(nginx.bind, nginx.port):
            if adopt(client, project, nginx):
                return
            raise port_error(nginx, c)
        ensure_image(client, nginx.image, "NGINX_IMAGE")
        network = ensure_network(client, project)
        attempt = os.urandom(16).hex()
        labels = {**project.labels(EXAMPLE), fingerprint_key(project): nginx.fingerprint, attempt_key(project): attempt}
        try:
            container = client.run(
                nginx.image,
                detach=True,
                name=nginx.name,
                init=True,
                labels=labels,
                publish=[(f"{nginx.bind}:{nginx.port}", CONTAINER_PORT)],
                volumes=[(nginx.html, SERVED_PATH, "ro")],
                networks=[network],
                **options,
                **healthcheck(f"bash -c {shlex.quote(PAGE_ANSWERS)}"),
            )
        except DockerException as exc:
            # docker may leave this attempt's container behind ("Created"); remove that one only
            leftovers = client.container.list(all=True, filters=[("label", f"{attempt_key(project)}={attempt}")])
            if leftovers:
                client.container.remove(leftovers, force=True)
            text = (exc.stderr or "").lower()
            if "is already in use by container" in text and adopt(client, project, nginx):
                return  # another nginx.up got there first
            if "port is already allocated" in text or "address already in use" in text:
                raise port_error(nginx, c) from None
            raise

    def running() -> bool:
        return bool(client.container.inspect(container.id).state.running)

    if wait_for_http(nginx.url, nginx.wait, alive=running, progress=waiting_on(nginx.url)) is None:
        warn(str(client.container.logs(container, tail=LOG_LINES_ON_FAILURE)))
        container.remove(force=True)
        raise WorkshopError(
            f"nginx did not answer 200 at {nginx.url} within {nginx.wait:g}s (NGINX_WAIT); "
            "its last log lines are above; the container was removed"
        )
    say(f"{nginx.name} serving {nginx.html} (read-only) at {nginx.url}")


@task(name="open")
def open_page(c: Ctx):
    """Open the nginx page in your web browser (start it with `invoke nginx.up`)."""
    nginx = NginxSettings.load(c)
    container = claim_container(c.docker, c.project, EXAMPLE, nginx.name, "NGINX_NAME")
    if container is None or not container.state.running:
        raise WorkshopError(f"{nginx.name} is not running; start it with `invoke nginx.up`")
    import webbrowser  # not at import: `invoke --list` never needs it

    if webbrowser.open(nginx.url):
        say(f"opened {nginx.url}")
    else:
        say(f"no web browser found; open {nginx.url} yourself")


def summary(container, project: Project) -> list[tuple[str, str]]:
    """The parts of `docker inspect` a reader wants first, as (field, value) pairs."""
    state = container.state
    rows = [
        ("name", container.name),
        ("id", container.id[:12]),
        ("image", f"{container.config.image} ({container.image[:19]})"),
        ("state", container_state(state.status, state.exit_code, state.started_at, state.finished_at)),
    ]
    for each in published(container):
        rows.append(("port", f"{each.host_ip}:{each.host_port} -> {each.container_port}"))
    for mount in container.mounts:
        rows.append(("mount", f"{mount.source} -> {mount.destination} ({'rw' if mount.rw else 'ro'})"))
    for network in sorted(container.network_settings.networks or {}):
        rows.append(("network", network))
    labels = container.config.labels or {}
    rows.append(
        ("labels", ", ".join(f"{k}={v}" for k, v in sorted(labels.items()) if k.startswith(project.label_prefix)))
    )
    return rows


@task(help={"json": "print the whole `docker inspect` document instead of the summary"})
def inspect(c: Ctx, json_=False):
    """Show the nginx container's image, state, ports and mounts (docker inspect test-nginx)."""
    container = require_container(c.docker, c.project, EXAMPLE, c.get("NGINX_NAME"), "NGINX_NAME", "nginx.up")
    if json_:
        # exactly what `docker inspect` prints: the CLI, with this client's own connection options
        document = output([*docker_command(c.docker), "container", "inspect", container.id])
        write("stdout", document.encode() + b"\n")
        return
    for field, value in summary(container, c.project):
        say(f"{field + ':':<9}{value}")


logs = logs_task(
    EXAMPLE,
    "NGINX_NAME",
    "nginx.up",
    "Print nginx's access and error log (docker logs [-f] test-nginx).",
)


@task
def down(c: Ctx):
    """Stop and remove the nginx container (the served folder is untouched)."""
    name = c.get("NGINX_NAME")
    if remove_container(c.docker, c.project, EXAMPLE, name, "NGINX_NAME"):
        say(f"{name} stopped and removed")
    else:
        say(f"no container {name!r}; nothing to do")


# -- the tour ------------------------------------------------------------------------------------


def page_served(c: Ctx, ran: Ran, noted: dict) -> str:
    """The nginx page answers 200 with NGINX_HTML_DIR/index.html, byte for byte."""
    nginx = NginxSettings.load(c)
    page = nginx.html / PAGE
    try:
        response = get(nginx.url)
    except OSError as exc:
        raise CheckFailed(f"nothing answers at {nginx.url} ({exc})") from None
    expect(response.status == 200, f"{nginx.url} answered {response.status}, not 200")
    expect(response.body == page.read_bytes(), f"{nginx.url} does not serve {c.settings.shown(page)}")
    return tr("GET {url} answered 200 with {page}, byte for byte").format(url=nginx.url, page=c.settings.shown(page))


def nginx_inspected(c: Ctx, ran: Ran, noted: dict) -> str:
    """The folder is mounted read-only and the host port published."""
    nginx = NginxSettings.load(c)
    container = claim_container(c.docker, c.project, EXAMPLE, nginx.name, "NGINX_NAME")
    if container is None:
        raise CheckFailed(f"no container {nginx.name!r}")
    mounted = any(
        m.source and Path(m.source) == nginx.html and m.destination == SERVED_PATH and not m.rw
        for m in container.mounts
    )
    expect(mounted, f"{c.settings.shown(nginx.html)} is not mounted read-only at {SERVED_PATH}")
    expect(holds_port(container, nginx.port), f"host port {nginx.port} is not published")
    return tr("{folder} is mounted read-only at {path}, port {port} is published").format(
        folder=c.settings.shown(nginx.html), path=SERVED_PATH, port=nginx.port
    )


def is_up(c: Ctx) -> bool:
    """Our nginx container runs."""
    container = claim_container(c.docker, c.project, EXAMPLE, c.get("NGINX_NAME"), "NGINX_NAME")
    return container is not None and bool(container.state.running)


nginx = Example(
    name=EXAMPLE,
    collection=Collection("nginx", up, open_page, inspect, logs, down),
    containers=(Container("nginx", SERVICE, healthcheck=True),),
    settings=SETTINGS,
    images=("NGINX_IMAGE",),
    standins=(Standin("NGINX_IMAGE", "STANDIN_NGINX_IMAGE", "examples/nginx/standin/compose.yml", "nginx-standin"),),
    compose_files=("examples/nginx/standin/compose.yml",),
    service=Service(start="nginx.up", stop="nginx.down", is_up=is_up),
    tour=Step(
        N_("ports and volumes"),
        N_(
            "-p publishes a container's port on the host and -v mounts a host folder into the "
            "container: nginx serves NGINX_HTML_DIR, read-only, on NGINX_PORT."
        ),
        (
            Move(
                'docker run -d --name "test-nginx" -p 8080:80 -v $(pwd):/usr/share/nginx/html:ro nginx:latest',
                "nginx.up",
                page_served,
                note=N_("the tour then fetches the page itself"),
            ),
            Move("docker inspect test-nginx", "nginx.inspect", nginx_inspected),
        ),
        cleanup=("nginx.down", {}),
        present=lambda c: claim_container(c.docker, c.project, EXAMPLE, c.get("NGINX_NAME"), "NGINX_NAME") is not None,
    ),
)
