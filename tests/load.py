"""Load for the swarm's tests and benchmarks: clients that visit the counter at 127.0.0.1 until
told to stop, bounded in count and time, recording every answer.

Only 127.0.0.1 is ever a target (a published port): ``Load`` refuses any other URL.
"""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

PREFIX = "Hello from Redis! I have been seen "


@dataclass(frozen=True)
class Answer:
    """One request: when it started and ended (monotonic), its status (0: no HTTP answer), the
    count it reported, the replica that served it, the error when there was no answer, and
    when it started by the wall clock (to compare with the engine's timestamps)."""

    started: float
    at: float
    status: int
    count: int | None = None
    served_by: str = ""
    error: str = ""
    wall: float = 0.0


def visit(host: str, port: int, timeout: float) -> Answer:
    """GET / once on a fresh connection."""
    started, wall = time.monotonic(), time.time()
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", "/")
        response = connection.getresponse()
        body = response.read().decode(errors="replace")
        count = int(body.removeprefix(PREFIX).split()[0]) if body.startswith(PREFIX) else None
        served_by = response.getheader("X-Served-By") or ""
        return Answer(started, time.monotonic(), response.status, count, served_by, wall=wall)
    except (OSError, http.client.HTTPException) as error:
        return Answer(started, time.monotonic(), 0, error=f"{type(error).__name__}: {error}", wall=wall)
    finally:
        connection.close()


@dataclass
class Load:
    """``clients`` threads visiting ``url`` (``pause`` seconds apart each) until ``stop()``, or
    until ``most`` requests or ``seconds`` have passed, whichever comes first."""

    url: str
    clients: int = 10
    pause: float = 0.03
    most: int = 20_000
    seconds: float = 180
    timeout: float = 10
    answers: list[Answer] = field(default_factory=list)

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.hostname != "127.0.0.1" or parts.port is None:
            raise ValueError(f"load goes to 127.0.0.1:<port> only, not {self.url}")
        self.host, self.port = parts.hostname, parts.port
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._client, daemon=True) for _ in range(self.clients)]
        self.began = 0.0

    def _client(self) -> None:
        deadline = self.began + self.seconds
        while not self._stop.is_set() and time.monotonic() < deadline:
            with self._lock:
                if len(self.answers) >= self.most:
                    return
            answer = visit(self.host, self.port, self.timeout)
            with self._lock:
                self.answers.append(answer)
            self._stop.wait(self.pause)

    def __enter__(self) -> Load:
        self.began = time.monotonic()
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def stop(self) -> list[Answer]:
        """Stop every client, wait for its last request, and return every answer."""
        self._stop.set()
        for thread in self._threads:
            thread.join()
        return self.answers

    def wait_for(self, answers: int, timeout: float = 60) -> None:
        """Until at least ``answers`` requests have been answered (load is really flowing)."""
        deadline = time.monotonic() + timeout
        while len(self.answers) < answers:
            if time.monotonic() > deadline:
                raise AssertionError(f"only {len(self.answers)} answers after {timeout}s")
            time.sleep(0.05)

    @property
    def ok(self) -> list[Answer]:
        return [a for a in self.answers if a.status == 200]

    @property
    def failed(self) -> list[Answer]:
        return [a for a in self.answers if a.status != 200]

    def summary(self) -> str:
        """Counts of answers by status, and the first few errors (for assertion messages)."""
        statuses: dict[int, int] = {}
        for answer in self.answers:
            statuses[answer.status] = statuses.get(answer.status, 0) + 1
        errors = sorted({a.error for a in self.answers if a.error})[:3]
        return f"{len(self.answers)} requests, by status {statuses}; errors {errors}"
