"""Example 4 against the real engine: the Flask + Redis stack. Counting, persistence, a killed
Redis, a load of 2000 requests, security properties and bad input."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import tarfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import ROOT

from tasks import shop
from workshop.config import Settings, read_env_file

pytestmark = pytest.mark.integration

COUNT = re.compile(r"^Hello from Redis! I have been seen (\d+) times\.$")


def count_of(text: str) -> int:
    match = COUNT.match(text.strip())
    assert match, text
    return int(match.group(1))


def hit(workshop) -> int:
    return count_of(workshop.run("compose.hit").ok().stdout)


def request(port: str, path: str = "/", timeout: float = 5) -> tuple[int, str, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", int(port), timeout=timeout)
    try:
        connection.request("GET", path)
        answer = connection.getresponse()
        return answer.status, answer.read().decode(), dict(answer.getheaders())
    finally:
        connection.close()


def service_container(docker_client, workshop, service: str):
    found = docker_client.container.list(
        filters=[
            ("label", f"com.docker.compose.project={workshop.project}"),
            ("label", f"com.docker.compose.service={service}"),
        ]
    )
    assert len(found) == 1, found
    return found[0]


@pytest.fixture
def stack(workshop):
    """The stack up for this test (torn down, volumes included, afterwards)."""
    result = workshop.run("compose.up", timeout=900).ok()
    assert f"http://127.0.0.1:{workshop.env['APP_PORT']}/" in result.stdout
    yield workshop
    workshop.run("compose.down", "--volumes", timeout=300)


def test_each_hit_counts_one_the_count_survives_down_and_up_and_volumes_reset_it(stack):
    assert [hit(stack) for _ in range(3)] == [1, 2, 3]
    down = stack.run("compose.down", timeout=300).ok().stdout
    assert f"data kept in volume(s) {stack.project}_redis_data" in down
    stack.run("compose.up", timeout=900).ok()
    assert hit(stack) == 4
    assert f"{stack.project}_redis_data" in stack.run("compose.volumes").ok().stdout
    wiped = stack.run("compose.down", "--volumes", timeout=300).ok().stdout
    assert f"deleted volume {stack.project}_redis_data (the stack's Redis data, the hit count, 4)" in wiped
    assert "the data is gone" in wiped
    stack.run("compose.up", timeout=900).ok()
    assert hit(stack) == 1


def test_a_healthy_stack_logs_no_error_line(stack):
    logs = stack.run("compose.logs").ok().stdout
    assert logs.strip(), "no logs at all"
    assert [line for line in logs.splitlines() if "ERROR" in line] == []


def test_with_redis_removed_by_hand_hit_and_ps_name_it_and_say_how_to_bring_it_back(stack, docker_client):
    docker_client.container.remove(service_container(docker_client, stack, "redis"), force=True)
    line = stack.run("compose.hit").one_line_error("503", "redis is missing", "invoke compose.up")
    assert "try again in a moment" in line  # the app's own answer, then what to do
    table = stack.run("compose.ps").ok().stdout.splitlines()
    assert any(row.split()[:3] == ["redis", "-", "missing"] for row in table), table
    assert any(row.split()[0] == "app" and "running" in row for row in table), table
    stack.run("compose.up", timeout=900).ok()
    assert hit(stack) >= 1


def test_with_nothing_running_logs_and_down_say_so(workshop, resources):
    assert "the stack is not running: no logs to show" in workshop.run("compose.logs").ok().stdout
    assert "the stack is not running: nothing to remove" in workshop.run("compose.down").ok().stdout
    assert all(not found for found in resources(workshop.project).values())


def test_a_missing_image_is_one_line_before_anything_is_created(workshop, resources):
    for setting in ("REDIS_IMAGE", "PYTHON_IMAGE"):
        result = workshop.run("compose.up", timeout=600, **{setting: "docker-workshop/absent:never"})
        result.one_line_error(f"{setting}='docker-workshop/absent:never'", "not on this engine", "invoke setup")
        assert all(not found for found in resources(workshop.project).values())


def test_up_again_while_healthy_keeps_the_containers(stack, docker_client):
    before = service_container(docker_client, stack, "app").id
    stack.run("compose.up", timeout=900).ok()
    assert service_container(docker_client, stack, "app").id == before


def test_a_killed_redis_loses_no_acknowledged_hit_and_the_app_recovers_alone(stack, docker_client):
    port = stack.env["APP_PORT"]
    app = service_container(docker_client, stack, "app")
    redis = service_container(docker_client, stack, "redis")
    observed: list[tuple[int, str]] = []
    stop = threading.Event()

    def visit_until_stopped():
        deadline = time.monotonic() + 120
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                status, body, _ = request(port, timeout=15)
                observed.append((status, body))
            except OSError as exc:
                observed.append((0, str(exc)))
            time.sleep(0.005)

    visitor = threading.Thread(target=visit_until_stopped)
    visitor.start()

    def answered(after: int = 0) -> int:
        return sum(1 for status, _ in observed[after:] if status == 200)

    try:
        deadline = time.monotonic() + 30
        while answered() < 20 and time.monotonic() < deadline:  # some hits counted before the kill
            time.sleep(0.05)
        docker_client.container.kill(redis)
        deadline = time.monotonic() + 30
        while not any(status == 503 for status, _ in observed) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert any(status == 503 for status, _ in observed), "the app never reported Redis as unavailable"
        if not docker_client.container.inspect(redis.id).state.running:
            docker_client.container.start(redis)

        def answered_after_503() -> bool:
            statuses = [s for s, _ in observed]
            return any(status == 200 for status in statuses[statuses.index(503) :])

        deadline = time.monotonic() + 60
        while not answered_after_503() and time.monotonic() < deadline:
            time.sleep(0.1)
        back = len(observed)
        deadline = time.monotonic() + 30
        while answered(back) < 20 and time.monotonic() < deadline:  # and some counted after it
            time.sleep(0.05)
    finally:
        stop.set()
        visitor.join(timeout=30)
    statuses = {status for status, _ in observed}
    assert statuses <= {200, 503}, [body for status, body in observed if status not in (200, 503)][:3]
    counts = [count_of(body) for status, body in observed if status == 200]
    assert counts == sorted(set(counts)), "a count went backwards or repeated: an acknowledged hit was lost"
    assert answered_after_503()
    assert all(body == "Redis is unavailable; try again in a moment.\n" for status, body in observed if status == 503)
    # the app itself was never restarted
    again = docker_client.container.inspect(app.id)
    assert again.state.started_at == app.state.started_at and again.restart_count == app.restart_count


def test_2000_requests_from_20_clients_count_exactly_with_no_error(stack):
    port = stack.env["APP_PORT"]
    start = hit(stack)
    total, clients = 2000, 20
    errors: list[str] = []

    def client(share: int) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", int(port), timeout=10)
        done = 0
        try:
            for _ in range(share):
                connection.request("GET", "/")
                answer = connection.getresponse()
                body = answer.read()
                if answer.status != 200:
                    errors.append(f"{answer.status} {body!r}")
                done += 1
        finally:
            connection.close()
        return done

    began = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        done = sum(pool.map(client, [total // clients] * clients, timeout=180))
    elapsed = time.monotonic() - began
    assert done == total and errors == [], errors[:5]
    assert hit(stack) == start + total + 1
    assert elapsed < 180


def test_redis_is_not_published_and_the_app_runs_as_a_user_without_a_debugger(stack, docker_client):
    redis = service_container(docker_client, stack, "redis")
    published = [b for bindings in (redis.network_settings.ports or {}).values() for b in bindings or []]
    assert published == []
    app = service_container(docker_client, stack, "app")
    uids = docker_client.container.execute(
        app,
        [
            "python",
            "-c",
            "import json, os; print(json.dumps(sorted({open(f'/proc/{p}/status').read().split('Uid:')[1].split()[0]"
            " for p in os.listdir('/proc') if p.isdigit()})))",
        ],
    )
    assert json.loads(uids) == ["10001"]
    port = stack.env["APP_PORT"]
    status, body, headers = request(port, "/console")
    assert (status, body) == (404, "not found\n")
    status, body, headers = request(port, "/?__debugger__=yes&cmd=resource&f=debugger.js")
    assert status == 200 and COUNT.match(body.strip())  # the counter, not a debugger resource
    assert "werkzeug" not in headers.get("Server", "").lower()  # not Flask's development server


def test_no_env_file_or_build_secret_reaches_the_image(workshop, docker_client, tmp_path):
    """Build without cache, with a marker in .env and in the CA bundle: neither may appear in
    `docker history` or anywhere in the image's filesystem."""
    marker = f"workshop-secret-{uuid.uuid4().hex}"
    settings = Settings.load()
    bundle = tmp_path / "ca.pem"
    bundle.write_bytes(settings.file("BUILD_CA_BUNDLE").read_bytes() + f"\n# {marker}\n".encode())
    local = tmp_path / "local.env"
    repository_env = ROOT / ".env"
    local.write_bytes(
        (repository_env.read_bytes() if repository_env.exists() else b"")
        + f"\nWORKSHOP_TEST_MARKER={marker}\n".encode()
    )
    workshop.run(
        "compose.build", "--no-cache", BUILD_CA_BUNDLE=str(bundle), WORKSHOP_ENV_FILE=str(local), timeout=900
    ).ok()
    image = workshop.env["APP_IMAGE"]
    history = subprocess.run(
        ["docker", "history", "--no-trunc", "--format", "{{.CreatedBy}}", image],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "COPY /opt/venv" in history or "pip install" in history or "granian" in history
    assert marker not in history
    container = docker_client.container.create(image, ["true"])
    try:
        container.export(tmp_path / "fs.tar")
    finally:
        container.remove()
    with tarfile.open(tmp_path / "fs.tar") as filesystem:
        names = filesystem.getnames()
        assert not [n for n in names if Path(n).name == ".env"]
        assert "app/app.py" in names
        for member in filesystem.getmembers():
            if member.isfile() and member.size < 64 * 1024 * 1024:
                assert marker.encode() not in filesystem.extractfile(member).read(), member.name


def test_a_taken_app_port_fails_in_one_line_with_nothing_created(workshop, resources):
    port = int(workshop.env["APP_PORT"])
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        workshop.run("compose.up", timeout=600).one_line_error("APP_PORT", str(port), "already in use")
    assert all(not found for found in resources(workshop.project).values())


def test_a_broken_compose_file_fails_in_one_line(workshop, resources, tmp_path):
    broken = tmp_path / "docker-compose.yml"
    broken.write_text((ROOT / "docker-compose.yml").read_text().replace("services:", "services:\n  - nonsense", 1))
    line = workshop.run("compose.up", WORKSHOP_COMPOSE_FILE=str(broken)).one_line_error(
        "WORKSHOP_COMPOSE_FILE", "not a valid compose file"
    )
    assert str(broken) in line
    assert all(not found for found in resources(workshop.project).values())


def test_plain_docker_compose_by_hand_resolves_the_documented_defaults(tmp_path):
    """`docker compose config` as a user types it, reading no env file of ours."""
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    for folder in ("examples",):
        (tmp_path / folder).symlink_to(ROOT / folder)
    environ = {k: v for k, v in os.environ.items() if k.isupper() and not k.startswith(("WORKSHOP_", "APP_", "REDIS_"))}
    resolved = json.loads(
        subprocess.run(
            ["docker", "compose", "config", "--format", "json"],
            cwd=tmp_path,
            env=environ,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    defaults = read_env_file(ROOT / "envs" / "defaults.env", ROOT)
    assert resolved["name"] == defaults["WORKSHOP_PROJECT"]
    app = resolved["services"]["app"]
    assert app["image"] == shop.registry["APP_IMAGE"].default  # derived: no line of defaults.env
    assert app["ports"][0]["published"] == defaults["APP_PORT"]
    assert app["ports"][0]["host_ip"] == defaults["APP_BIND"]
    assert app["build"]["args"]["PYTHON_IMAGE"] == defaults["PYTHON_IMAGE"]
    assert resolved["services"]["redis"]["image"] == defaults["REDIS_IMAGE"]
    assert resolved["volumes"]["redis_data"]["name"] == f"{defaults['WORKSHOP_PROJECT']}_redis_data"
    assert "version" not in resolved


def test_docker_compose_up_by_hand_with_the_documented_env_files(workshop, docker_client):
    """The README's by-hand command: COMPOSE_ENV_FILES=... docker compose up --wait."""
    settings = Settings.load()
    files = ",".join(str(path.relative_to(ROOT)) for path in settings.env_files)
    environ = workshop.environ(COMPOSE_ENV_FILES=files)
    try:
        subprocess.run(
            ["docker", "compose", "up", "--detach", "--wait"],
            cwd=ROOT,
            env=environ,
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        )
        status, body, _ = request(workshop.env["APP_PORT"])
        assert status == 200 and count_of(body) == 1
    finally:
        subprocess.run(
            ["docker", "compose", "down", "--volumes"],
            cwd=ROOT,
            env=environ,
            capture_output=True,
            text=True,
            timeout=300,
        )
