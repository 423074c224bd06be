"""Where the test suite's CPU goes: `invoke test` (or any command) run once, with the machine's
CPU time split between the engine (dockerd, containerd), the containers (each one's cgroup,
the swarm's nodes with everything inside them), the Python processes the suite starts (each
`invoke TASK` by task: its own time and its children's, the docker CLI calls it waits for)
and the rest (shims, runc, the kernel, anything else running).

    python bench/suite_cpu.py [COMMAND ...]      (default: invoke test)

On a 2-core machine the suite is bound by CPU, not by waiting: a run with 4 workers took as
long as one with 2. So the seconds that matter are CPU seconds, and this is the list of them.
Linux with cgroup v1 (cpuacct) and Docker's cgroupfs driver, as on this machine; run as root.
"""

from __future__ import annotations

import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CGROUPS = Path("/sys/fs/cgroup/cpuacct")
TICKS = os.sysconf("SC_CLK_TCK")

#: loaded into every Python process the command starts (PYTHONPATH): at exit, one line of its
#: CPU time, its waited-for children's, and its arguments
SITECUSTOMIZE = """
import atexit, os, resource, sys
def _log():
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    line = f"{me.ru_utime + me.ru_stime:.3f}\\t{kids.ru_utime + kids.ru_stime:.3f}\\t{' '.join(sys.argv[:3])}\\n"
    with open(os.environ["SUITE_CPU_LOG"], "a") as log:
        log.write(line)
atexit.register(_log)
"""


def seconds(path: Path) -> float:
    return int(path.read_text()) / 1e9


def process_seconds(name: str) -> float:
    """CPU seconds of the host's own ``name`` processes (those in the root cgroup)."""
    total = 0.0
    for pid in subprocess.run(["pgrep", "-x", name], capture_output=True, text=True).stdout.split():
        try:
            if ":cpuacct:/\n" not in Path(f"/proc/{pid}/cgroup").read_text() + "\n":
                continue
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / TICKS
        except OSError:
            continue
    return total


def container_name(cid: str) -> str:
    try:
        return json.loads(Path(f"/var/lib/docker/containers/{cid}/config.v2.json").read_text())["Name"].lstrip("/")
    except (OSError, ValueError, KeyError):
        return "?"


def kind(name: str) -> str:
    """A container's name with the test's project and numbers taken out (wstest-ab12-cd34-swarm-2 -> swarm-N)."""
    name = re.sub(r"^wstest-[0-9a-f]+(-[0-9a-f]{6})?(-yours)?-", "", name)
    return re.sub(r"-\d+$", "-N", name)


class Containers(threading.Thread):
    """Every second: each container's CPU so far; a container's share is its last value less
    its first (one seen for less than a second is missed)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.seen: dict[str, list] = {}
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            for folder in (CGROUPS / "docker").glob("*/"):
                try:
                    used = seconds(folder / "cpuacct.usage")
                except OSError:
                    continue
                entry = self.seen.setdefault(folder.name, ["?", used, used])
                if entry[0] == "?":
                    entry[0] = container_name(folder.name)
                entry[2] = max(entry[2], used)
            self.stopping.wait(1)

    def by_kind(self) -> dict[str, float]:
        found: dict[str, float] = collections.defaultdict(float)
        for name, first, last in self.seen.values():
            found[kind(name)] += last - first
        return found


def tasks(log: Path) -> tuple[collections.Counter[str], dict[str, float], dict[str, float]]:
    """From the Python processes' lines: per `invoke TASK`, runs, own CPU, children's CPU."""
    runs: collections.Counter[str] = collections.Counter()
    own: dict[str, float] = collections.defaultdict(float)
    children: dict[str, float] = collections.defaultdict(float)
    for line in log.read_text().splitlines():
        me, kids, argv = line.split("\t", 2)
        words = argv.split()
        if len(words) < 2 or not words[0].endswith("invoke/__main__.py"):
            continue
        runs[words[1]] += 1
        own[words[1]] += float(me)
        children[words[1]] += float(kids)
    return runs, own, children


def main(command: list[str]) -> int:
    folder = Path(tempfile.mkdtemp(prefix="suite-cpu-"))
    (folder / "sitecustomize.py").write_text(SITECUSTOMIZE)
    log = folder / "python.log"
    log.touch()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")])),
           "SUITE_CPU_LOG": str(log)}  # fmt: skip
    watcher = Containers()
    watcher.start()
    time.sleep(1.5)
    machine, docker = seconds(CGROUPS / "cpuacct.usage"), seconds(CGROUPS / "docker" / "cpuacct.usage")
    engine = {name: process_seconds(name) for name in ("dockerd", "containerd")}
    began = time.monotonic()
    with subprocess.Popen(command, cwd=ROOT, env=env) as process:
        code = process.wait()
    wall = time.monotonic() - began
    machine = seconds(CGROUPS / "cpuacct.usage") - machine
    docker = seconds(CGROUPS / "docker" / "cpuacct.usage") - docker
    engine = {name: process_seconds(name) - used for name, used in engine.items()}
    watcher.stopping.set()
    watcher.join()
    runs, own, children = tasks(log)
    invoked = sum(own.values()) + sum(children.values())
    rest = machine - docker - sum(engine.values()) - invoked
    print(f"\n{' '.join(command)}: exit {code}, {wall:.0f} s, {machine:.0f} CPU-s ({machine / wall:.2f} cores busy)")
    print(f"  containers (their cgroups)   {docker:7.0f} CPU-s  {docker / machine:4.0%}")
    for name, used in engine.items():
        print(f"  {name:<28} {used:7.0f} CPU-s  {used / machine:4.0%}")
    print(f"  invoke TASK runs ({sum(runs.values())})      {invoked:7.0f} CPU-s  {invoked / machine:4.0%}"
          f"  (own {sum(own.values()):.0f}, children {sum(children.values()):.0f})")  # fmt: skip
    print(f"  the rest                     {rest:7.0f} CPU-s  {rest / machine:4.0%}  (pytest, shims, runc, kernel)")
    print("\ncontainers by kind:")
    for name, used in sorted(watcher.by_kind().items(), key=lambda item: -item[1])[:12]:
        print(f"  {used:7.1f}  {name}")
    print("\ninvoke tasks by CPU (runs, own + children):")
    for name in sorted(runs, key=lambda task: -(own[task] + children[task]))[:15]:
        print(f"  {own[name] + children[name]:6.1f}  {runs[name]:3d}  {name}")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["invoke", "test"]))
