"""Every container the workshop starts passes the CIS Docker Benchmark's container checks we
can meet (README "Hardening"), read from `docker inspect` of the real containers: after
`invoke up` (daemon, nginx, app, redis) and, while they run, the one-off ones (hello.run,
curl.run). Also: a fork bomb in the daemon container is stopped by its PIDs limit.
"""

from __future__ import annotations

import subprocess
import threading
import time

import pytest

from workshop.config import Settings

pytestmark = pytest.mark.integration

#: accepts one connection and answers it after three seconds
SLOW_SERVER = (
    "import socket, time\n"
    "s = socket.socket(); s.bind(('', 8000)); s.listen(); print('ready', flush=True)\n"
    "c, _ = s.accept(); time.sleep(3)\n"
    "c.sendall(b'HTTP/1.0 200 OK\\r\\nContent-Length: 3\\r\\n\\r\\nok\\n'); c.close()\n"
)

LONG_RUNNING = {
    # name (setting or compose service) -> published container port, or None
    "DAEMON_NAME": None,
    "NGINX_NAME": "8080/tcp",
    "app": "5000/tcp",
    "redis": None,
}


def compose_container(client, workshop, service: str):
    found = client.container.list(
        filters=[("label", f"com.docker.compose.project={workshop.project}"),
                 ("label", f"com.docker.compose.service={service}")]
    )  # fmt: skip
    assert len(found) == 1, found
    return found[0]


def check_hardened(container, long_running: bool, port: str | None) -> None:
    """The checks of the README's CIS table, one container."""
    config, host = container.config, container.host_config
    user = (config.user or "").split(":")[0]
    assert user.isdigit() and user != "0", f"{container.name}: user {config.user!r} is not a numeric non-root user"
    assert host.readonly_rootfs, f"{container.name}: root filesystem is writable"
    assert any(opt.startswith("no-new-privileges") for opt in host.security_opt or []), host.security_opt
    assert "ALL" in (host.cap_drop or []) and not host.cap_add, (host.cap_drop, host.cap_add)
    assert host.memory and host.memory_swap == host.memory, (host.memory, host.memory_swap)
    assert host.nano_cpus and host.pids_limit and host.pids_limit > 0, (host.nano_cpus, host.pids_limit)
    assert not host.privileged and host.network_mode != "host"
    if long_running:
        assert config.healthcheck and config.healthcheck.test, f"{container.name}: no healthcheck"
    bindings = host.port_bindings or {}
    for published, binds in bindings.items():
        assert all(bind.host_ip == "127.0.0.1" for bind in binds), (published, binds)
    if port is not None:
        assert port in bindings, bindings


def test_every_long_running_container_is_hardened_and_healthy(workshop, docker_client):
    workshop.run("up", timeout=900).ok()
    for name, port in LONG_RUNNING.items():
        if name in workshop.env:
            container = docker_client.container.inspect(workshop.env[name])
        else:
            container = compose_container(docker_client, workshop, name)
        check_hardened(container, long_running=True, port=port)
        assert container.state.health.status == "healthy", (container.name, container.state.health.status)
    status = workshop.run("status").ok().stdout
    assert status.count("(healthy)") == len(LONG_RUNNING), status  # status shows health


def while_running(docker_client, workshop, example: str, start) -> int:
    """Start a one-off container with ``start`` (in a thread) and check it while it runs; return how many."""
    thread = threading.Thread(target=start)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = docker_client.container.list(
                filters=[
                    ("label", f"io.docker-workshop.project={workshop.project}"),
                    ("label", f"io.docker-workshop.example={example}"),
                ]
            )
            if found:
                for container in found:
                    check_hardened(docker_client.container.inspect(container.id), long_running=False, port=None)
                return len(found)
            time.sleep(0.05)
        raise AssertionError(f"no {example} container appeared")
    finally:
        thread.join(timeout=120)


def test_one_off_containers_are_hardened_while_they_run(workshop, docker_client, tmp_path):
    # hello.run with an image whose /bin/echo first waits, so the container can be inspected
    slow = f"{workshop.project}-slow-echo"
    dockerfile = tmp_path / "Dockerfile"
    settings = Settings.load()
    dockerfile.write_text(
        f"FROM {settings.image('HELLO_IMAGE')}\nLABEL io.docker-workshop.built-by={workshop.project}\n"
        "RUN mv /bin/echo /bin/echo.real && printf '#!/bin/sh\\nsleep 3\\nexec /bin/echo.real \"$@\"\\n' > /bin/echo "
        "&& chmod 755 /bin/echo\n"
    )
    subprocess.run(
        ["docker", "build", "-q", "-t", slow, str(tmp_path)],
        check=True,
        capture_output=True,
        env={"DOCKER_BUILDKIT": "0", "PATH": "/usr/local/bin:/usr/bin:/bin"},
    )
    hello = lambda: workshop.run("hello.run", HELLO_IMAGE=slow, timeout=120).ok()  # noqa: E731
    assert while_running(docker_client, workshop, "hello", hello) == 1

    # curl.run against a server on the examples' network that answers only after a moment
    workshop.run("curl.build", timeout=600).ok()
    prefix = settings.label_prefix("WORKSHOP_LABEL_PREFIX")
    labels = {f"{prefix}.project": workshop.project, f"{prefix}.example": "shared"}
    network = docker_client.network.create(f"{workshop.project}-net", labels=labels)
    server = f"{workshop.project}-slow-server"
    docker_client.run(
        settings.image("PYTHON_IMAGE"),
        ["python3", "-c", SLOW_SERVER], name=server, detach=True, networks=[network],
        labels={f"{prefix}.project": workshop.project, f"{prefix}.example": "test"},
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while "ready" not in docker_client.container.logs(server) and time.monotonic() < deadline:
        time.sleep(0.1)
    fetch = lambda: workshop.run("curl.run", "--site-url", f"http://{server}:8000/", timeout=120).ok()  # noqa: E731
    assert while_running(docker_client, workshop, "curl", fetch) == 1


def processes(container: str) -> int:
    """How many processes run in the container, read without entering it (`docker top`)."""
    listed = subprocess.run(["docker", "top", container, "-o", "pid"], capture_output=True, text=True)
    return max(0, len(listed.stdout.splitlines()) - 1) if listed.returncode == 0 else 0


def test_a_fork_bomb_in_the_daemon_is_stopped_by_its_pids_limit(workshop, docker_client):
    workshop.run("daemon.start", SERVICE_PIDS="32").ok()
    name = workshop.env["DAEMON_NAME"]
    assert docker_client.container.inspect(name).host_config.pids_limit == 32
    began = time.monotonic()
    bomb = subprocess.run(
        ["docker", "exec", name, "timeout", "20", "sh", "-c", "while :; do sleep 5 & done"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert bomb.returncode != 0 and "fork" in (bomb.stderr + bomb.stdout).lower(), bomb
    assert time.monotonic() - began < 60
    # the bomb's shell ends at its first failed fork; its last `sleep 5` children hold PIDs a
    # little longer. The daemon's own shell (dash) ends too if its `sleep` cannot fork in that
    # window, so whether its loop survived depends on timing (under load it often does not):
    # the limit protects the machine, not the loop. Wait until the leftovers are gone.
    deadline = time.monotonic() + 60
    while docker_client.container.inspect(name).state.running and processes(name) > 3:  # init, sh, sleep
        assert time.monotonic() < deadline, f"the bomb's processes outlived it: {processes(name)}"
        time.sleep(0.5)
    # the user's way back is the usual one: `daemon.start` (still running: nothing to do)
    workshop.run("daemon.start").ok()
    printed = len(docker_client.container.logs(name).splitlines())
    deadline = time.monotonic() + 60
    while len(docker_client.container.logs(name).splitlines()) <= printed:
        assert time.monotonic() < deadline, "the daemon printed nothing within 60 s of daemon.start"
        time.sleep(0.5)
    assert docker_client.container.inspect(name).state.running
