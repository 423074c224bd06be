"""What a running, idle stack costs the machine: its CPU (all processes, from the cgroup root)
with example 4's stack up and idle, less the same machine just before it started, over SECONDS;
with --swarm, also example 5's cluster with the stack deployed. The health checks are most of
it: each is a process the engine starts in a container.

    python bench/idle_cpu.py [SECONDS] [--swarm] [CHECKOUT]

Runs under its own project name on free ports and removes what it made (volumes included).
CHECKOUT: another worktree of the repository, to compare an earlier commit, alternately.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MACHINE = Path("/sys/fs/cgroup/cpuacct/cpuacct.usage")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def busy(seconds: float) -> float:
    """The machine's CPU, in milliseconds per second, over ``seconds``."""
    before = int(MACHINE.read_text())
    time.sleep(seconds)
    return (int(MACHINE.read_text()) - before) / 1e6 / seconds


def invoke(checkout: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "invoke", *args], cwd=checkout, env=env,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"invoke {' '.join(args)} failed in {checkout}:\n{done.stderr}")
    return done.stdout


def measure(checkout: Path, seconds: float, swarm: bool) -> str:
    env = {**os.environ, "WORKSHOP_PROJECT": "docker-workshop-bench-idle", "APP_PORT": str(free_port()),
           "SWARM_PORT": str(free_port()), "SWARM_REGISTRY_PORT": str(free_port()),
           "APP_IMAGE": "docker-workshop-bench-idle/counter:bench"}  # fmt: skip
    up, down = (("swarm.up", "stack.deploy"), ("swarm.down", "--volumes")) if swarm else (("compose.up",), ())
    try:
        before = busy(seconds)
        for task in up:
            invoke(checkout, env, task)
        time.sleep(3)  # past the start's own work
        during = busy(seconds)
    finally:
        if down:
            invoke(checkout, env, *down)
        invoke(checkout, env, "clean", "--volumes")
    what = "cluster and stack" if swarm else "compose stack"
    return f"{checkout.name}: {what} idle: +{during - before:.0f} ms CPU per s (machine {before:.0f} -> {during:.0f})"


def main(argv: list[str]) -> None:
    swarm = "--swarm" in argv
    words = [a for a in argv if a != "--swarm"]
    seconds = float(words[0]) if words else 30.0
    checkouts = [ROOT, *(Path(w).resolve() for w in words[1:2])]
    for _ in range(2):
        for checkout in checkouts:
            print(measure(checkout, seconds, swarm), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
