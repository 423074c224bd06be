"""`invoke dashboard`: the page's first load, the delay from an engine event to the board that shows
its effect, and the process's CPU while nothing happens.

Starts the dashboard on a free port and reads its event stream as a page does (each board's
arrival time taken as it comes, in a thread), while it follows the engines' events itself
(python-on-whales) to know when each one happened:

- first load: GET / and then the first board on /events (what a browser needs to draw);
- engine: ROUNDS times, a container of the hello example (labelled with the project) starts
  (`sleep`), is killed and removed; the delay is from each event (start, die, destroy) to the
  first board whose hello row says running, stopped, not started;
- swarm (``--swarm``, with the environment's WORKSHOP_PROJECT holding a cluster with its stack
  deployed): ROUNDS times, a worker is drained and made active again (the board's node
  availability), and the app is scaled by +1 and back (the board's count of app tasks);
- idle CPU: the dashboard process and its children (its `docker events` streams), from /proc,
  over IDLE seconds with nothing happening, and over each 10 s window of it.

Without ``--swarm`` it uses a project of its own (`docker-workshop-bench-dashboard`, nothing
running). Everything it starts it removes.

    python bench/dashboard.py [ROUNDS] [IDLE] [--swarm]      (defaults 5 and 60)
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workshop.config import Settings, state_dir  # noqa: E402

OWN_PROJECT = "docker-workshop-bench-dashboard"
WINDOW = 10.0  # seconds of each idle CPU window
DEADLINE = 60.0  # seconds a change may take to show before the bench gives up on it


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(port: int, project: str) -> tuple[subprocess.Popen, str]:
    """The dashboard, running; its URL."""
    environ = {**os.environ, "WORKSHOP_PROJECT": project, "DASHBOARD_PORT": str(port)}
    process = subprocess.Popen([sys.executable, "-m", "invoke", "dashboard"], cwd=ROOT, env=environ, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("dashboard: "):
        raise SystemExit(f"the dashboard did not start: {line!r}")
    return process, line.split(" ", 1)[1].strip()


def boards(port: int) -> Iterator[tuple[int, dict]]:
    """Each board of /events as (arrival time in ns, board); opened at once."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    connection.request("GET", "/events")
    response = connection.getresponse()
    assert response.status == 200, response.status
    while True:
        line = response.readline()
        if line.startswith(b"data: "):
            yield time.time_ns(), json.loads(line[6:])


def first_load(port: int) -> tuple[float, float]:
    """Seconds to the page's HTML, and to the first board."""
    began = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/")
    connection.getresponse().read()
    page = time.perf_counter() - began
    next(boards(port))
    return page, time.perf_counter() - began


class Watch:
    """The boards as they arrive and the engines' events as they happen, both kept with their times."""

    def __init__(self, port: int, engines: dict[str, Any]) -> None:
        self.arrived: list[tuple[int, dict]] = []
        self.events: list[tuple[int, str, str, str]] = []  # (ns, engine, action, actor id or name)
        threading.Thread(target=lambda: self.arrived.extend(boards(port)), daemon=True).start()
        for name, client in engines.items():
            threading.Thread(target=self.follow, args=(name, client), daemon=True).start()

    def follow(self, name: str, client: Any) -> None:
        for event in client.system.events():
            actor = event.actor
            names = {str(actor.id), str((actor.attributes or {}).get("name", ""))} if actor else set()
            for who in names:
                self.events.append((int(event.time_nano), name, str(event.action), who))

    def event(self, engine: str, action: str, who: str, after: int) -> int:
        """When ``who`` had the event ``action`` on ``engine`` (ns), waiting for it to come."""
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            for at, name, done, actor in list(self.events):
                if name == engine and done == action and actor == who and at >= after:
                    return at
            time.sleep(0.02)
        raise SystemExit(f"no {action} event of {who} on {engine}")

    def holding(self, holds: Callable[[dict], bool], what: str) -> None:
        """Wait until the latest board that arrived shows ``holds``."""
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            if self.arrived and holds(self.arrived[-1][1]):
                return
            time.sleep(0.02)
        raise SystemExit(f"the board never showed {what}")

    def shown(self, holds: Callable[[dict], bool], after: int) -> int:
        """When the first board that arrived after ``after`` (ns) and in which ``holds`` arrived."""
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            for at, board in list(self.arrived):
                if at >= after and holds(board):
                    return at
            time.sleep(0.02)
        raise SystemExit("the board never showed it")

    def delay(self, engine: str, action: str, who: str, holds: Callable[[dict], bool], began: int) -> float:
        """Milliseconds from ``who``'s event ``action`` to the first board in which ``holds``."""
        at = self.event(engine, action, who, began)
        return (self.shown(holds, at) - at) / 1e6


def row_state(example: str, state: str) -> Callable[[dict], bool]:
    return lambda board: any(r["name"] == example and r["state"] == state for r in board["engine"]["examples"])


def engine_rounds(watch: Watch, project: str, rounds: int) -> list[float]:
    """Delays (ms) of the hello row's three changes, ROUNDS times."""
    from python_on_whales import DockerClient

    settings = Settings.load()
    image, prefix = settings.image("HELLO_IMAGE"), settings.label_prefix("WORKSHOP_LABEL_PREFIX")
    client, found = DockerClient(), []
    labels = {f"{prefix}.project": project, f"{prefix}.example": "hello"}
    for _ in range(rounds):
        began = time.time_ns()
        container = client.container.run(image, ["sleep", "300"], detach=True, labels=labels)
        try:
            found.append(watch.delay("engine", "start", container.id, row_state("hello", "running"), began))
            container.kill()
            found.append(watch.delay("engine", "die", container.id, row_state("hello", "stopped"), began))
        finally:
            container.remove(force=True)
        found.append(watch.delay("engine", "destroy", container.id, row_state("hello", "not started"), began))
        time.sleep(1)  # the rest of its reads done, before the next one
    return found


def swarm_rounds(watch: Watch, manager: Any, project: str, rounds: int) -> tuple[list[float], list[float]]:
    """Delays (ms) of a worker's availability and of the app's task count, ROUNDS times each way."""
    worker = next(n for n in manager.node.list() if n.spec.role == "worker" and not n.spec.labels)
    name = str(worker.description.hostname)
    availability: list[float] = []
    for _ in range(rounds):
        for wanted in ("drain", "active"):
            began = time.time_ns()
            manager.node.update(worker.id, availability=wanted)
            holds = lambda b, w=wanted: any(  # noqa: E731
                n["name"] == name and n["availability"] == w for n in b["panels"]["swarm"]["nodes"]
            )
            availability.append(watch.delay("swarm", "update", worker.id, holds, began))
        time.sleep(1)
    app = next(s for s in manager.service.list() if str(s.spec.name).endswith("_app"))
    replicas, scaling = int(app.spec.mode["Replicated"]["Replicas"]), []
    apps = lambda b: len([t for t in b["panels"]["swarm"]["tasks"] if t["service"] == "app"])  # noqa: E731
    # the drains moved tasks: the stack settles first, so that each delay is the scale's alone
    watch.holding(lambda b: apps(b) == replicas and not b["panels"]["swarm"]["settling"], "the stack settled")
    for _ in range(rounds):
        for count in (replicas + 1, replicas):
            began = time.time_ns()
            manager.service.scale({app.id: count}, detach=True)
            holds = lambda b, w=count: apps(b) == w  # noqa: E731
            scaling.append(watch.delay("swarm", "update", app.id, holds, began))
            time.sleep(3)
    return availability, scaling


def cpu_ticks(pid: int) -> int:
    """utime + stime of ``pid``, of its children waited for, and of its live children."""

    def fields(of: str) -> list[str]:
        return Path(f"/proc/{of}/stat").read_text().rsplit(")", 1)[1].split()

    own = fields(str(pid))
    total = sum(int(x) for x in own[11:15])  # utime stime cutime cstime
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                theirs = fields(entry.name)
            except OSError:
                continue
            if int(theirs[1]) == pid:
                total += int(theirs[11]) + int(theirs[12])
    return total


def idle_cpu(pid: int, seconds: float) -> tuple[float, list[float]]:
    """Percent of one core the dashboard used over ``seconds`` of nothing happening, and in each window."""
    hz, windows = os.sysconf("SC_CLK_TCK"), []
    first = before = cpu_ticks(pid)
    began = mark = time.monotonic()
    while time.monotonic() - began < seconds - 0.5:
        time.sleep(min(WINDOW, seconds - (time.monotonic() - began)))
        now, at = cpu_ticks(pid), time.monotonic()
        windows.append(100 * (now - before) / hz / (at - mark))
        before, mark = now, at
    return 100 * (before - first) / hz / (mark - began), windows


def summary(name: str, delays: list[float]) -> str:
    ordered = sorted(delays)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    return (f"{name}: median {statistics.median(ordered):.0f} ms, p90 {p90:.0f} ms, max {ordered[-1]:.0f} ms "
            f"over {len(ordered)}")  # fmt: skip


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def main(rounds: int, idle: float, swarm: bool) -> None:
    from python_on_whales import DockerClient

    project = os.environ.get("WORKSHOP_PROJECT", "docker-workshop") if swarm else OWN_PROJECT
    engines: dict[str, Any] = {"engine": DockerClient()}
    if swarm:
        engines["swarm"] = DockerClient(host=f"unix://{state_dir() / 'swarm' / project / 'sock' / 'docker.sock'}")
    port = free_port()
    print(f"{time.strftime('%Y-%m-%d %H:%M')} {load()}")
    process, _ = start(port, project)
    try:
        page, board = first_load(port)
        print(f"first load: page {page * 1000:.0f} ms, first board {board * 1000:.0f} ms ({load()})")
        watch = Watch(port, engines)
        time.sleep(2)
        print(summary("engine event to board (hello row)", engine_rounds(watch, project, rounds)) + f" ({load()})")
        if swarm:
            availability, scaling = swarm_rounds(watch, engines["swarm"], project, rounds)
            print(summary("node update to board (availability)", availability) + f" ({load()})")
            print(summary("service update to board (app tasks)", scaling) + f" ({load()})")
        time.sleep(5)
        total, windows = idle_cpu(process.pid, idle)
        print(f"idle CPU over {idle:.0f}s: {total:.2f} % of one core; {WINDOW:.0f}s windows: "
              f"{', '.join(f'{w:.2f}' for w in windows)} % (target <= 2 %; {load()})")  # fmt: skip
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=30)


if __name__ == "__main__":
    numbers = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(int(numbers[0]) if numbers else 5, float(numbers[1]) if len(numbers) > 1 else 60, "--swarm" in sys.argv)
