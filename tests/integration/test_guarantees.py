"""Guarantees that hold across every task, against the real engine:

- idempotency: each task run twice in a row leaves the engine as the first run left it;
- bad input: every setting's wrong value stops its task with one `error:` line naming it,
  before anything is created; broken .env files, an unreachable daemon, unknown tasks and
  flags fail cleanly too;
- concurrency: two `nginx.up` at the same moment end with one container and one network.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import ROOT

from tasks import shop
from workshop.config import Settings
from workshop.engine import Project

SETTINGS = shop.registry.settings

pytestmark = pytest.mark.integration

COMMITTED_PAGE = ROOT / "examples" / "nginx" / "html" / "index.html"


def ours(project: str) -> Project:
    return Project(project, Settings.load().label_prefix("WORKSHOP_LABEL_PREFIX"))


def label_filter(project: str, example: str | None = None) -> list[tuple[str, str]]:
    return ours(project).filters(example)


def snapshot(client, project: str) -> dict[str, list]:
    """The engine's state for ``project``: containers (name, state, id), image ids, volume and network names."""
    filters = label_filter(project)
    return {
        "containers": sorted((c.name, c.state.status, c.id) for c in client.container.list(all=True, filters=filters)),
        "images": sorted(i.id for i in client.image.list(filters=ours(project).image_filters())),
        "volumes": sorted(v.name for v in client.volume.list(filters=filters)),
        "networks": sorted(n.name for n in client.network.list(filters=filters)),
    }


def nothing_of(resources, project: str) -> bool:
    return all(not found for found in resources(project).values())


# -- idempotency ----------------------------------------------------------------------------


@dataclass
class Step:
    """One task of the walk: its arguments, what the engine holds after it, what its second run says."""

    args: tuple[str, ...]
    expect: Callable[[dict, object], None] = lambda state, shop: None
    again_says: str | None = None
    timeout: float = 180

    @property
    def name(self) -> str:
        return " ".join(self.args)


def containers(state) -> dict[str, str]:
    return {name: status for name, status, _ in state["containers"]}


def expect_only(**wanted) -> Callable[[dict, object], None]:
    """Expectation: exactly these containers (name setting -> status), image count, volumes, networks."""

    def check(state, shop) -> None:
        names = {shop.env[setting]: status for setting, status in wanted.get("containers", {}).items()}
        if "stack" in wanted:
            assert len(state["containers"]) == len(names) + 2, state["containers"]
            assert all(status == "running" for status in containers(state).values()), state["containers"]
        else:
            assert containers(state) == names, state["containers"]
        assert len(state["images"]) == wanted.get("images", 0), state["images"]
        volumes = [f"{shop.project}_redis_data"] if wanted.get("volume") else []
        assert state["volumes"] == volumes, state["volumes"]
        networks = sorted(n.format(project=shop.project) for n in wanted.get("networks", []))
        assert state["networks"] == networks, state["networks"]

    return check


NET = "{project}-net"
STACK_NET = "{project}_default"

# Left out on purpose: compose.hit (each hit adds one to the counter, by design: not idempotent),
# hello.shell (needs a terminal), nginx.open (opens a browser), tour (runs all of these itself and
# removes what it started; tests/integration/test_tour.py) and test (runs this suite).
WALK: list[Step] = [
    Step(("setup",), expect_only(), again_says="nothing changed", timeout=900),
    Step(("hello.run",), expect_only(), again_says="Hello world"),
    Step(("daemon.start",), expect_only(containers={"DAEMON_NAME": "running"}), again_says="already running"),
    Step(("daemon.logs",), expect_only(containers={"DAEMON_NAME": "running"}), again_says="hello world"),
    Step(("daemon.status",), expect_only(containers={"DAEMON_NAME": "running"}), again_says=" Up "),
    Step(("daemon.stop",), expect_only(containers={"DAEMON_NAME": "exited"}), again_says="nothing to stop"),
    Step(("daemon.start",), expect_only(containers={"DAEMON_NAME": "running"}), again_says="already running"),
    Step(("daemon.rm", "--force"), expect_only(), again_says="nothing to remove"),
    Step(("nginx.up",), expect_only(containers={"NGINX_NAME": "running"}, networks=[NET]), again_says="already up"),
    Step(
        ("nginx.inspect",), expect_only(containers={"NGINX_NAME": "running"}, networks=[NET]), again_says="state:   Up"
    ),
    Step(("nginx.logs",), expect_only(containers={"NGINX_NAME": "running"}, networks=[NET])),
    Step(
        ("curl.build",),
        expect_only(containers={"NGINX_NAME": "running"}, networks=[NET], images=1),
        again_says="built ",
        timeout=600,
    ),
    Step(
        ("curl.images",),
        expect_only(containers={"NGINX_NAME": "running"}, networks=[NET], images=1),
        again_says="latest",
    ),
    Step(
        ("curl.run", "--site-url", "http://{NGINX_NAME}/"),
        expect_only(containers={"NGINX_NAME": "running"}, networks=[NET], images=1),
        again_says="fetched ",
        timeout=600,
    ),
    Step(
        ("curl.clean",),
        expect_only(containers={"NGINX_NAME": "running"}, networks=[NET]),
        again_says="no curl images to remove",
    ),
    Step(("nginx.down",), expect_only(networks=[NET]), again_says="nothing to do"),
    Step(("compose.build",), expect_only(networks=[NET], images=1), again_says="built ", timeout=900),
    Step(
        ("compose.up",),
        expect_only(stack=True, networks=[NET, STACK_NET], images=1, volume=True),
        again_says="up and healthy",
        timeout=900,
    ),
    Step(
        ("compose.ps",), expect_only(stack=True, networks=[NET, STACK_NET], images=1, volume=True), again_says="healthy"
    ),
    Step(
        ("compose.volumes",),
        expect_only(stack=True, networks=[NET, STACK_NET], images=1, volume=True),
        again_says="_redis_data",
    ),
    Step(("compose.logs",), expect_only(stack=True, networks=[NET, STACK_NET], images=1, volume=True)),
    Step(("compose.down",), expect_only(networks=[NET], images=1, volume=True), again_says="data kept", timeout=300),
    Step(
        ("up",),
        expect_only(
            containers={"DAEMON_NAME": "running", "NGINX_NAME": "running"},
            stack=True,
            networks=[NET, STACK_NET],
            images=1,
            volume=True,
        ),
        again_says="nothing to do",
        timeout=900,
    ),
    Step(("down",), expect_only(networks=[NET], images=1, volume=True), again_says="nothing to do", timeout=300),
    Step(("status",), expect_only(networks=[NET], images=1, volume=True), again_says="network"),
    Step(("doctor",), expect_only(networks=[NET], images=1, volume=True), again_says="all checks passed"),
    Step(("clean",), expect_only(volume=True), again_says="to remove"),
    Step(("clean", "--volumes"), expect_only(), again_says="to remove"),
]


def test_every_task_run_twice_in_a_row_leaves_the_engine_as_the_first_run_left_it(workshop, docker_client):
    """Walk the task list in order; each step runs twice and must not change anything the second time."""
    for number, step in enumerate(WALK, 1):
        args = [arg.format(**workshop.env) for arg in step.args]
        label = f"step {number} `invoke {' '.join(args)}`"
        first = workshop.run(*args, timeout=step.timeout)
        assert first.returncode == 0, f"{label}, first run, exited {first.returncode}:\n{first.stdout}\n{first.stderr}"
        after_first = snapshot(docker_client, workshop.project)
        second = workshop.run(*args, timeout=step.timeout)
        assert second.returncode == 0, (
            f"{label}, second run, exited {second.returncode}:\n{second.stdout}\n{second.stderr}"
        )
        after_second = snapshot(docker_client, workshop.project)
        assert after_second == after_first, (
            f"{label}: the second run changed the engine\nafter the first:  {after_first}\n"
            f"after the second: {after_second}\nsecond run said:\n{second.stdout}"
        )
        try:
            step.expect(after_second, workshop)
        except AssertionError as failure:
            raise AssertionError(f"{label}: unexpected engine state: {failure}") from None
        if step.again_says is not None:
            assert step.again_says in second.stdout, (
                f"{label}: second run did not say {step.again_says!r}:\n{second.stdout}"
            )
    assert not Path(workshop.env["CURL_RESULTS_DIR"], "results").exists()


# -- bad input ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bad:
    setting: str
    value: str
    task: str
    words: tuple[str, ...] = field(default=())


def bad(setting: str, value: str, task: str, *words: str, xfail: str | None = None):
    case = Bad(setting, value, task, words)
    marks = [pytest.mark.xfail(strict=True, reason=xfail)] if xfail else []
    return pytest.param(case, marks=marks, id=f"{setting}={value!r}@{task}")


NOT_AN_IMAGE = "not a valid image reference"
EMPTY = "is empty"
WHOLE = "not a whole number"
RANGE = "out of range"
NUMBER = "not a number"
NOT_IP = "not an IP address"
NOT_URL = "not a valid http(s) URL"
NOT_TAG = "not a valid image tag"
NOT_FILE = "not an existing file"

BAD_INPUT = [
    bad("WORKSHOP_PROFILE", "nosuch", "nginx.up", "names no profile", "offline"),
    bad("WORKSHOP_PROFILE", "Offline!", "daemon.start", "not a profile name"),
    bad("WORKSHOP_PROJECT", "Bad Project", "nginx.up", "not a valid project name"),
    bad("WORKSHOP_PROJECT", "-dash-first", "compose.up", "not a valid project name"),
    bad("WORKSHOP_PROJECT", "", "status", "not a valid project name"),
    bad("WORKSHOP_LABEL_PREFIX", "Io.Docker-Workshop", "daemon.start", "not a valid label prefix"),
    bad("WORKSHOP_LABEL_PREFIX", "io..workshop", "nginx.up", "not a valid label prefix"),
    bad("WORKSHOP_LABEL_PREFIX", "-bad-", "curl.build", "not a valid label prefix"),
    bad("WORKSHOP_COMPOSE_FILE", "/no/such/docker-compose.yml", "compose.up", NOT_FILE),
    bad("WORKSHOP_COMPOSE_FILE", "examples", "compose.up", NOT_FILE),
    bad("WORKSHOP_COMPOSE_FILE", "", "compose.build", EMPTY),
    bad("BASE_IMAGE", "Not/Valid", "setup", NOT_AN_IMAGE),
    bad("BASE_IMAGE", "", "setup", EMPTY),
    bad("BASE_IMAGE", "Not/Valid", "curl.build", NOT_AN_IMAGE),
    bad("BASE_IMAGE", "", "curl.build", EMPTY),
    bad("HELLO_IMAGE", "ubuntu:", "hello.run", NOT_AN_IMAGE),
    bad("HELLO_IMAGE", "UBUNTU", "hello.shell", NOT_AN_IMAGE),
    bad("HELLO_MESSAGE", "   ", "hello.run", EMPTY),
    bad("HELLO_SHELL", "", "hello.shell", EMPTY),
    bad("HELLO_SHELL", "  ", "hello.shell", EMPTY),
    bad("DAEMON_IMAGE", "", "daemon.start", EMPTY),
    bad("DAEMON_IMAGE", "ubuntu:24.04:extra", "daemon.start", NOT_AN_IMAGE),
    bad("DAEMON_NAME", "/daemon", "daemon.start", "not a valid container name"),
    bad("DAEMON_NAME", "", "daemon.logs", "not a valid container name"),
    bad("DAEMON_MESSAGE", "", "daemon.start", EMPTY),
    bad("DAEMON_INTERVAL", "3601", "daemon.start", RANGE),
    bad("DAEMON_INTERVAL", "nan", "daemon.start", RANGE),
    bad("DAEMON_INTERVAL", "1s", "daemon.start", NUMBER),
    bad("NGINX_IMAGE", "nginx@sha256:1234", "nginx.up", NOT_AN_IMAGE),
    bad("NGINX_IMAGE", "", "nginx.up", EMPTY),
    bad("NGINX_NAME", "test nginx", "nginx.up", "not a valid container name"),
    bad("NGINX_NAME", "_nginx", "nginx.down", "not a valid container name"),
    bad("NGINX_BIND", "localhost", "nginx.up", NOT_IP),
    bad("NGINX_BIND", "256.0.0.1", "nginx.up", NOT_IP),
    bad("NGINX_BIND", "192.0.2.1", "nginx.up", "not an address of this machine"),
    bad("NGINX_PORT", "-1", "nginx.up", RANGE),
    bad("NGINX_PORT", "65536", "nginx.up", RANGE),
    bad("NGINX_PORT", "8080.5", "nginx.up", WHOLE),
    bad("NGINX_HTML_DIR", "README.md", "nginx.up", "not an existing folder"),
    bad("NGINX_HTML_DIR", "/no/such/html", "nginx.up", "not an existing folder"),
    bad("NGINX_HTML_DIR", "", "nginx.up", EMPTY),
    bad("NGINX_WAIT", "0", "nginx.up", RANGE),
    bad("NGINX_WAIT", "601", "nginx.up", RANGE),
    bad("NGINX_WAIT", "30s", "nginx.up", NUMBER),
    bad("CURL_IMAGE", "Test-Curl", "curl.run", NOT_AN_IMAGE),
    bad("CURL_IMAGE", "test-curl:2.0", "curl.build", "already has a tag"),
    bad("CURL_IMAGE", "", "curl.run", EMPTY),
    bad("CURL_VERSION", "1.0 beta", "curl.run", NOT_TAG),
    bad("CURL_VERSION", ".1", "curl.build", NOT_TAG),
    bad("CURL_VERSION", "", "curl.run", NOT_TAG),
    bad("SITE_URL", "file:///etc/passwd", "curl.run", NOT_URL),
    bad("SITE_URL", "https:///no-host", "curl.run", NOT_URL),
    bad("SITE_URL", "", "curl.run", NOT_URL),
    bad("SITE_URL", "http://example.com:99999/", "curl.run", NOT_URL),
    bad("CURL_RESULTS_DIR", "", "curl.run", EMPTY),
    bad("CURL_RESULTS_DIR", "README.md", "curl.run", "not a folder"),
    bad("APP_IMAGE", "Counter:latest", "compose.up", NOT_AN_IMAGE),
    bad("APP_IMAGE", "", "compose.build", EMPTY),
    bad("PYTHON_IMAGE", "python:3.12 slim", "compose.up", NOT_AN_IMAGE),
    bad("PYTHON_IMAGE", "", "compose.build", EMPTY),
    bad("APP_BIND", "127.0.0.1:5000", "compose.up", NOT_IP),
    bad("APP_BIND", "", "compose.up", NOT_IP),
    bad("APP_PORT", "five thousand", "compose.up", WHOLE),
    bad("APP_PORT", "0", "compose.up", RANGE),
    bad("BIND_PORT", "65536", "compose.up", RANGE),
    bad("BIND_PORT", "http", "compose.build", WHOLE),
    bad("GUNICORN_WORKERS", "0", "compose.up", RANGE),
    bad("GUNICORN_WORKERS", "2.5", "compose.up", WHOLE),
    bad("GUNICORN_THREADS", "257", "compose.up", RANGE),
    bad("GUNICORN_THREADS", "four", "compose.up", WHOLE),
    bad("REDIS_IMAGE", "redis:7 alpine", "compose.up", NOT_AN_IMAGE),
    bad("REDIS_IMAGE", "", "compose.up", EMPTY),
    bad("REDIS_PORT", "abc", "compose.up", WHOLE),
    bad("REDIS_PORT", "70000", "compose.up", RANGE),
    bad("REDIS_APPENDFSYNC", "ALWAYS", "compose.up", "not an fsync policy"),
    bad("REDIS_APPENDFSYNC", "", "compose.up", "not an fsync policy"),
    bad("STACK_WAIT", "4", "compose.up", RANGE),
    bad("STACK_WAIT", "a while", "compose.up", NUMBER),
    bad("BUILD_CA_BUNDLE", "examples", "compose.build", NOT_FILE),
    bad("BUILD_CA_BUNDLE", "/no/such/bundle.pem", "compose.up", NOT_FILE),
    bad("BUILD_CA_BUNDLE", "", "compose.up", EMPTY),
    bad("STANDIN_NGINX_IMAGE", "Nginx:standin", "setup", NOT_AN_IMAGE),
    bad("STANDIN_REDIS_IMAGE", "", "setup", EMPTY),
    bad("STANDIN_PYTHON_IMAGE", "python standin", "setup", NOT_AN_IMAGE),
    bad("OFFLINE_DEBIAN_SUITE", "book worm", "setup", NOT_TAG),
    bad("OFFLINE_DEBIAN_SUITE", "", "setup", NOT_TAG),
    bad("OFFLINE_DEBIAN_MIRROR", "ftp://deb.debian.org/debian", "setup", NOT_URL),
    bad("OFFLINE_DEBIAN_MIRROR", "deb.debian.org/debian", "setup", NOT_URL),
]


def named_leftovers(client, shop) -> list[tuple[str, str]]:
    """Things carrying the test's names but maybe not its labels (a wrong label prefix, say)."""
    found = []
    for image in (f"{shop.env['CURL_IMAGE']}:1.0", f"{shop.env['CURL_IMAGE']}:latest", shop.env["APP_IMAGE"]):
        if client.image.exists(image):
            found.append(("image", image))
    for name in (shop.env["NGINX_NAME"], shop.env["DAEMON_NAME"]):
        if client.container.exists(name):
            found.append(("container", name))
    return found


def test_the_bad_input_table_covers_every_setting():
    covered = {param.values[0].setting for param in BAD_INPUT}
    assert set(SETTINGS) - covered == set(), "settings with no bad-input case"
    assert covered <= set(SETTINGS), covered - set(SETTINGS)
    passing = {param.values[0].setting for param in BAD_INPUT if not param.marks}
    assert passing == set(SETTINGS), f"settings whose only cases are known bugs: {set(SETTINGS) - passing}"


@pytest.mark.parametrize("case", BAD_INPUT)
def test_a_wrong_value_stops_its_task_with_one_line_naming_the_setting_and_nothing_created(
    workshop, docker_client, resources, case
):
    result = workshop.run(case.task, timeout=600, **{case.setting: case.value})
    left = named_leftovers(docker_client, workshop)
    try:
        result.one_line_error(case.setting, "(from environment)", *case.words)
        assert nothing_of(resources, workshop.project), resources(workshop.project)
        assert left == [], f"created despite the wrong value: {left}"
        if case.setting != "CURL_RESULTS_DIR":
            assert not Path(workshop.env["CURL_RESULTS_DIR"]).exists(), "the results folder was created"
    finally:
        for kind, name in left:
            if kind == "image":
                docker_client.image.remove(name, force=True)
            else:
                docker_client.container.remove(name, force=True)


def test_an_unparsable_env_line_stops_every_task_naming_file_and_line(workshop, resources, tmp_path):
    # the local layer, as WORKSHOP_ENV_FILE lets the tests choose it: a copy of the repository's
    # .env (so the profile stays the same) with a broken line, leaving your .env alone
    local = tmp_path / "local.env"
    repository_env = ROOT / ".env"
    body = repository_env.read_text() if repository_env.exists() else ""
    if body and not body.endswith("\n"):
        body += "\n"
    broken_line = body.count("\n") + 3  # after two blank lines
    local.write_text(body + "\n\nNGINX_PORT 8080\n")
    for task in ("status", "nginx.up", "compose.up", "setup"):
        line = workshop.run(task, timeout=300, WORKSHOP_ENV_FILE=str(local)).one_line_error(
            f"{local}:{broken_line}:", "'NGINX_PORT 8080'", "NAME=value"
        )
        assert line.startswith(f"error: {local}:{broken_line}: cannot parse"), f"{task}: {line}"
    assert nothing_of(resources, workshop.project)


DAEMON_NEEDED = ["nginx.up", "daemon.start", "daemon.status", "status", "clean", "compose.up", "curl.run", "nginx.down"]


@pytest.mark.parametrize("task", DAEMON_NEEDED + ["curl.build", "compose.build"])
def test_an_unreachable_daemon_is_one_line_for_every_task_that_needs_it(workshop, resources, task):
    missing = "unix:///nonexistent/docker.sock"
    result = workshop.run(task, timeout=300, DOCKER_HOST=missing)
    result.one_line_error("Docker daemon unreachable", missing, "DOCKER_HOST")
    assert nothing_of(resources, workshop.project)


@pytest.mark.parametrize(
    "args, message",
    [
        (("no.such.task",), "No idea what 'no.such.task' is!"),
        (("nginx.up", "--no-such-flag"), "No idea what '--no-such-flag' is!"),
    ],
)
def test_an_unknown_task_or_flag_gets_invokes_own_message(workshop, resources, args, message):
    result = workshop.run(*args)
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert message in result.stderr, result.stderr
    assert nothing_of(resources, workshop.project)


# -- concurrency ----------------------------------------------------------------------------


def networks_named(client, name: str) -> list:
    """Every network called exactly ``name``, ours or not (the name filter matches substrings)."""
    return [n for n in client.network.list(filters=[("name", name)]) if n.name == name]


def page_status(port: str) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as answer:
        body = answer.read()
        assert body == COMMITTED_PAGE.read_bytes()
        return answer.status


def test_two_nginx_up_at_the_same_moment_leave_one_running_container_and_one_network(
    workshop, docker_client, resources
):
    network = f"{workshop.project}-net"
    for round_number in (1, 2, 3):
        processes = [
            subprocess.Popen(
                workshop.command("nginx.up"),
                cwd=ROOT,
                env=workshop.environ(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,
            )
            for _ in range(2)
        ]
        outputs = []
        for process in processes:
            try:
                outputs.append(process.communicate(timeout=300))
            except subprocess.TimeoutExpired:
                for started in processes:
                    if started.poll() is None:
                        os.killpg(started.pid, signal.SIGKILL)
                raise
        for process, (out, err) in zip(processes, outputs, strict=True):
            if process.returncode == 0:
                continue
            pytest.fail(f"round {round_number}: nginx.up exited {process.returncode}\n{out}\n{err}")
        assert any("serving" in out for out, _ in outputs), outputs
        found = docker_client.container.list(all=True, filters=label_filter(workshop.project, "nginx"))
        assert len(found) == 1, f"round {round_number}: {[c.name for c in found]}"
        assert found[0].name == workshop.env["NGINX_NAME"] and found[0].state.running
        assert page_status(workshop.env["NGINX_PORT"]) == 200
        assert len(networks_named(docker_client, network)) == 1, f"round {round_number}: two networks {network}"
        workshop.run("nginx.down").ok()
        workshop.run("clean").ok()  # the network too, so that the next round races on creating it
        assert nothing_of(resources, workshop.project)


def create_network_allowing_duplicates(name: str, labels: dict[str, str]) -> str:
    """POST /networks/create with CheckDuplicate=false: what two racing `docker network create` can produce."""
    host = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    if not host.startswith("unix://"):
        pytest.skip(f"needs the engine's unix socket, DOCKER_HOST is {host}")
    path = host[len("unix://") :]

    class UnixConnection(http.client.HTTPConnection):
        def connect(self):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(self.timeout)
            self.sock.connect(path)

    connection = UnixConnection("localhost", timeout=30)
    try:
        body = json.dumps({"Name": name, "CheckDuplicate": False, "Labels": labels})
        connection.request("POST", "/networks/create", body, {"Content-Type": "application/json"})
        answer = connection.getresponse()
        data = answer.read()
    finally:
        connection.close()
    if answer.status == 409:
        pytest.skip("this engine refuses duplicate network names, so the race cannot leave two")
    assert answer.status == 201, data
    return json.loads(data)["Id"]


def test_nginx_up_succeeds_while_a_duplicate_of_the_shared_network_exists(workshop, docker_client):
    prefix = Settings.load().label_prefix("WORKSHOP_LABEL_PREFIX")
    labels = {f"{prefix}.project": workshop.project, f"{prefix}.example": "shared"}
    network = f"{workshop.project}-net"
    for _ in range(2):
        create_network_allowing_duplicates(network, labels)
    assert len(networks_named(docker_client, network)) == 2
    result = workshop.run("nginx.up")
    assert result.returncode == 0, result.stderr
    assert page_status(workshop.env["NGINX_PORT"]) == 200
    assert len(networks_named(docker_client, network)) == 1  # the unused duplicate was removed
