"""Two `nginx.up` at the same moment end with one container and one network, and `nginx.up`
copes with a duplicate of the shared network (docker 20.10 allows two of one name)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import urllib.request

import pytest
from conftest import ROOT
from engine_state import label_filter, nothing_of

from tasks import shop
from workshop.config import Settings

SETTINGS = shop.registry.settings

pytestmark = pytest.mark.integration

COMMITTED_PAGE = ROOT / "examples" / "nginx" / "html" / "index.html"


# -- concurrency ----------------------------------------------------------------------------


def networks_named(client, name: str) -> list:
    """Every network called exactly ``name``, ours or not (the name filter matches substrings)."""
    return [n for n in client.network.list(filters=[("name", name)]) if n.name == name]


def page_status(port: str) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as answer:
        body = answer.read()
        assert body == COMMITTED_PAGE.read_bytes()
        return answer.status


def at_the_same_moment(workshop, task: str, context: str = "") -> list[str]:
    """Run ``task`` twice at once; both must succeed. Returns their standard outputs."""
    processes = [
        subprocess.Popen(
            workshop.command(task),
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
        if process.returncode != 0:
            pytest.fail(f"{context}{task} exited {process.returncode}\n{out}\n{err}")
    return [out for out, _ in outputs]


def test_two_nginx_up_at_the_same_moment_leave_one_running_container_and_one_network(
    workshop, docker_client, resources
):
    network = f"{workshop.project}-net"
    for round_number in (1, 2, 3):
        outputs = at_the_same_moment(workshop, "nginx.up", f"round {round_number}: ")
        assert any("serving" in out for out in outputs), outputs
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


def test_two_daemon_start_at_the_same_moment_leave_one_running_daemon(workshop, docker_client):
    said = sorted(at_the_same_moment(workshop, "daemon.start"))
    assert "already running" in said[0] and "running (" in said[1], said
    found = docker_client.container.list(all=True, filters=label_filter(workshop.project, "daemon"))
    assert [c.name for c in found] == [workshop.env["DAEMON_NAME"]] and found[0].state.running
