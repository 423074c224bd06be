"""The second day: how long `invoke up` takes to bring every example back after an engine
restart, and how long until the swarm's stack answers 200 again.

    python bench/restart.py [ROUNDS]

Runs under its own project name (docker-workshop-bench-restart) on free ports: `invoke up`
makes the daemon, nginx and the compose stack, `swarm.up` and `stack.deploy` the swarm; each
round then does to the project's containers what an engine restart does (every one stops;
those with a restart policy start again by themselves) and times `invoke up`. Before the
start-order fix (manager first), the swarm's stack answered 503 for about a minute after the
same restart. Everything the project made is removed at the end.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from python_on_whales import DockerClient  # noqa: E402

from workshop.probe import get  # noqa: E402

PROJECT = "docker-workshop-bench-restart"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


SWARM_PORT = free_port()
os.environ.update(
    WORKSHOP_PROJECT=PROJECT,
    SWARM_PORT=str(SWARM_PORT),
    SWARM_REGISTRY_PORT=str(free_port()),
    APP_PORT=str(free_port()),
    NGINX_PORT=str(free_port()),
)


def invoke(*args: str) -> float:
    """Seconds one `invoke ...` takes; it must succeed."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "invoke", *args], cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def restart_engine(client: DockerClient) -> None:
    """What an engine restart does to the project's containers."""
    running = client.container.list(filters=[("label", f"io.docker-workshop.project={PROJECT}")])
    client.container.stop(running, time=10)
    for container in running:
        policy = container.host_config.restart_policy
        if policy is not None and policy.name in ("always", "unless-stopped"):
            container.start()


def serves() -> bool:
    try:
        return get(f"http://127.0.0.1:{SWARM_PORT}/healthz", timeout=2).status == 200
    except OSError:
        return False


def main(rounds: int) -> None:
    client = DockerClient()
    try:
        invoke("swarm.up")
        invoke("stack.deploy")
        invoke("up")
        took = []
        for _ in range(rounds):
            restart_engine(client)
            took.append(invoke("up"))
            assert serves(), "the stack does not answer 200 right after `invoke up`"
        print(
            f"`invoke up` after an engine restart: median {statistics.median(took):.1f}s, min {min(took):.1f}s, "
            f"max {max(took):.1f}s over {rounds} round(s); the stack answered 200 at its end"
        )
    finally:
        for args in (("swarm.down", "--volumes"), ("down", "--volumes"), ("clean", "--volumes")):
            subprocess.run([sys.executable, "-m", "invoke", *args], cwd=ROOT, capture_output=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
