"""`invoke dashboard`: the page's first load, the delay from an engine event to the board that
shows it, and the process's CPU while nothing happens.

Starts the dashboard under a project of its own (`docker-workshop-bench-dashboard`, no
examples running) on a free port, and:

- first load: GET / and then the first board on /events (what a browser needs to draw);
- event to board: ROUNDS times, a container labelled with that project runs `true` (created,
  started, gone: engine events the dashboard follows); the delay is from the engine's event
  time to the board carrying it reaching this client (the browser then draws it in a few ms);
- idle CPU: the dashboard process and its children (its `docker events` streams), from
  /proc, over IDLE seconds with nothing happening.

    python bench/dashboard.py [ROUNDS] [IDLE]      (defaults 5 and 30)
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
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workshop.config import Settings  # noqa: E402

PROJECT = "docker-workshop-bench-dashboard"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(port: int) -> tuple[subprocess.Popen, str]:
    """The dashboard, running; its URL."""
    environ = {**os.environ, "WORKSHOP_PROJECT": PROJECT, "DASHBOARD_PORT": str(port)}
    process = subprocess.Popen([sys.executable, "-m", "invoke", "dashboard"], cwd=ROOT, env=environ, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("dashboard: "):
        raise SystemExit(f"the dashboard did not start: {line!r}")
    return process, line.split(" ", 1)[1].strip()


def boards(port: int) -> Iterator[tuple[int, dict]]:
    """Each board of /events as (arrival time in ns, board); opened at once."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
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


def event_delays(port: int, rounds: int) -> list[float]:
    """Milliseconds from a container's first event to the first board it caused, ROUNDS times (the
    boards are read as they come, in a thread, so each has its true arrival time)."""
    from python_on_whales import DockerClient

    settings = Settings.load()
    image, prefix = settings.image("HELLO_IMAGE"), settings.label_prefix("WORKSHOP_LABEL_PREFIX")
    arrived: list[tuple[int, dict]] = []
    threading.Thread(target=lambda: arrived.extend(boards(port)), daemon=True).start()
    client, found = DockerClient(), []
    time.sleep(2)
    for _ in range(rounds):
        began = time.time_ns()
        client.container.run(image, ["true"], remove=True, labels={f"{prefix}.project": PROJECT})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            caused = [(at, board) for at, board in list(arrived) if (board.get("cause") or 0) >= began]
            if caused:
                at, board = caused[0]
                found.append((at - board["cause"]) / 1e6)
                break
            time.sleep(0.05)
        time.sleep(3)  # the rest of its events drawn, before the next one
    return found


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


def idle_cpu(pid: int, seconds: float) -> float:
    """Percent of one core the dashboard used over ``seconds`` of nothing happening."""
    before, began = cpu_ticks(pid), time.monotonic()
    time.sleep(seconds)
    used = (cpu_ticks(pid) - before) / os.sysconf("SC_CLK_TCK")
    return 100 * used / (time.monotonic() - began)


def main(rounds: int, idle: float) -> None:
    port = free_port()
    process, url = start(port)
    try:
        page, board = first_load(port)
        print(f"first load: page {page * 1000:.0f} ms, first board {board * 1000:.0f} ms")
        delays = event_delays(port, rounds)
        print(f"event to board: median {statistics.median(delays):.0f} ms, max {max(delays):.0f} ms "
              f"({', '.join(f'{d:.0f}' for d in delays)})")  # fmt: skip
        time.sleep(5)
        print(f"idle CPU over {idle:.0f}s: {idle_cpu(process.pid, idle):.2f} % of one core (target <= 2 %)")
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=30)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5, float(sys.argv[2]) if len(sys.argv) > 2 else 30)
