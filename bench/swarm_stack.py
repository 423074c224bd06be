"""Example 5: how long the swarm and the stack take to come up, and requests/s through the
proxy with 1 and 3 replicas of the app.

    python bench/swarm_stack.py [SECONDS]

Runs under its own project name (docker-workshop-bench-swarm) on free ports, and removes
everything at the end. Load: `wrk` (Debian package), 20 connections, to 127.0.0.1 only.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


PORT = free_port()
os.environ.update(
    WORKSHOP_PROJECT="docker-workshop-bench-swarm",
    SWARM_PORT=str(PORT),
    SWARM_REGISTRY_PORT=str(free_port()),
    APP_IMAGE="docker-workshop-bench/counter:bench",
)


def invoke(*args: str) -> float:
    """Seconds one `invoke ...` takes; it must succeed."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "invoke", *args], cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def load(seconds: int) -> tuple[float, int]:
    """(requests/s, errors) from wrk, 20 connections, against the stack's proxy."""
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", "20", "-d", f"{seconds}s", f"http://127.0.0.1:{PORT}/"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if found is None:
        raise SystemExit(f"wrk printed no rate:\n{out}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, sockets.groups())) if sockets else 0)
    return float(found.group(1)), errors


def main(seconds: int) -> None:
    try:
        up_cold = invoke("swarm.up")
        deploy_cold = invoke("stack.deploy")
        up_warm = invoke("swarm.up")
        deploy_warm = invoke("stack.deploy")
        invoke("stack.scale", "--replicas", "1")
        one = load(seconds)
        invoke("stack.scale", "--replicas", "3")
        three = load(seconds)
        print(f"swarm.up (3 nodes): {up_cold:.1f} s from nothing (images cached), {up_warm:.1f} s when up")
        print(f"stack.deploy: {deploy_cold:.1f} s on fresh nodes, {deploy_warm:.1f} s again")
        print(f"through the proxy, 1 replica: {one[0]:.0f} req/s, {one[1]} errors")
        print(f"through the proxy, 3 replicas: {three[0]:.0f} req/s, {three[1]} errors; ratio {three[0] / one[0]:.2f}")
    finally:
        subprocess.run([sys.executable, "-m", "invoke", "swarm.down", "--volumes"], cwd=ROOT, capture_output=True)
        subprocess.run([sys.executable, "-m", "invoke", "clean", "--volumes"], cwd=ROOT, capture_output=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
