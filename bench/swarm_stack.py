"""Example 5: how long the swarm and the stack take to come up, requests/s through the proxy
with 1 and 3 replicas of the app, and what a rolling update and a killed node cost under load.

    python bench/swarm_stack.py [SECONDS]

Runs under its own project name (docker-workshop-bench-swarm) on free ports, and removes
everything at the end. Load, to 127.0.0.1 only: `wrk` (Debian package), 20 connections, for
throughput; 10 Python clients (tests/load.py), each request on a fresh connection, while the
stack changes.
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
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from load import Load  # noqa: E402


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


def manager():
    """The bench cluster's manager."""
    from python_on_whales import DockerClient

    from workshop.config import STATE_DIR

    return DockerClient(host=f"unix://{STATE_DIR / 'swarm' / os.environ['WORKSHOP_PROJECT'] / 'sock' / 'docker.sock'}")


def app_nodes() -> dict[str, int]:
    """Running app replicas per node."""
    from examples.swarm.views import nodes_of, tasks_of
    from examples.swarm.watch import settled

    boss = manager()
    names = {n.id: n.hostname for n in nodes_of(boss)}
    found: dict[str, int] = {}
    for each in settled(lambda: tasks_of(boss, boss.service.ps("counter_app"))):
        if each.desired_state == "running" and each.state == "running":
            found[names[each.node_id]] = found.get(names[each.node_id], 0) + 1
    return found


def under_load(action) -> tuple[float, Load]:
    """Run ``action`` while 10 clients visit the stack; (seconds it took, the load's record)."""
    with Load(f"http://127.0.0.1:{PORT}/", clients=10) as running:
        running.wait_for(100)
        began = time.perf_counter()
        action()
        took = time.perf_counter() - began
        running.wait_for(len(running.answers) + 100)
    return took, running


def rolling_update() -> str:
    """`stack.update --force` of 3 replicas under load (the same steps as a new release)."""
    took, load = under_load(lambda: invoke("stack.update", "--force"))
    return f"rolling update of 3 replicas: {took:.1f} s, {len(load.answers)} requests served, {len(load.failed)} failed"


def node_failure() -> str:
    """Kill a worker that runs replicas (not Redis's) under load; time until 3 replicas run again."""
    if len(app_nodes()) < 3:
        invoke("stack.update", "--force")
    victim = f"{os.environ['WORKSHOP_PROJECT']}-swarm-3"  # a worker; Redis lives on node 2
    moved = 0.0

    def kill_and_wait() -> None:
        nonlocal moved
        invoke("swarm.kill", "3")
        killed = time.perf_counter()
        while victim in app_nodes() or sum(app_nodes().values()) < 3:
            time.sleep(0.2)
        moved = time.perf_counter() - killed

    _, load = under_load(kill_and_wait)
    invoke("swarm.up")
    return (
        f"killed worker: 3 replicas healthy again {moved:.1f} s after the kill; {len(load.answers)} requests, "
        f"{len(load.failed)} failed ({sorted({a.status for a in load.failed})})"
    )


def cpu_ticks() -> dict[str, int]:
    """CPU time (clock ticks, user + system) of every process on this machine, summed by command
    name: the nodes' containers are processes of this machine too."""
    found: dict[str, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # gone meanwhile
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        found[name] = found.get(name, 0) + int(fields[11]) + int(fields[12])
    return found


def where_cpu_goes(action) -> str:
    """The share of CPU time each command took while ``action`` ran (the top 8)."""
    before = cpu_ticks()
    action()
    after = cpu_ticks()
    spent = {name: after[name] - before.get(name, 0) for name in after}
    total = sum(v for v in spent.values() if v > 0) or 1
    top = sorted(spent.items(), key=lambda item: -item[1])[:8]
    return ", ".join(f"{name} {100 * ticks / total:.0f}%" for name, ticks in top)


def main(seconds: int) -> None:
    try:
        up_cold = invoke("swarm.up")
        deploy_cold = invoke("stack.deploy")
        up_warm = invoke("swarm.up")
        deploy_warm = invoke("stack.deploy")
        invoke("stack.scale", "--replicas", "1")
        one = load(seconds)
        invoke("stack.scale", "--replicas", "3")
        three: tuple[float, int] = (0.0, 0)

        def measure() -> None:
            nonlocal three
            three = load(seconds)

        cpu = where_cpu_goes(measure)
        print(rolling_update())
        print(node_failure())
        print(f"swarm.up (3 nodes): {up_cold:.1f} s from nothing (images cached), {up_warm:.1f} s when up")
        print(f"stack.deploy: {deploy_cold:.1f} s on fresh nodes, {deploy_warm:.1f} s again")
        print(f"through the proxy, 1 replica: {one[0]:.0f} req/s, {one[1]} errors")
        print(f"through the proxy, 3 replicas: {three[0]:.0f} req/s, {three[1]} errors; ratio {three[0] / one[0]:.2f}")
        print(f"CPU time during the 3-replica run, by process: {cpu}")
    finally:
        subprocess.run([sys.executable, "-m", "invoke", "swarm.down", "--volumes"], cwd=ROOT, capture_output=True)
        subprocess.run([sys.executable, "-m", "invoke", "clean", "--volumes"], cwd=ROOT, capture_output=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
