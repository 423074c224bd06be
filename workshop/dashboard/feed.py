"""Live: the engines' event streams wake the board, the board reads everything again and pushes
it to every open page.

- ``Follower``: one thread per engine (the user's, and each panel's further engine, such as the
  swarm's manager) reading ``docker events`` through python-on-whales. Each stream ends by
  itself after ``STREAM`` seconds (the docker CLI then exits, so none outlives the dashboard) and
  the next one starts where it ended. An engine that does not answer is tried again every
  ``RETRY`` seconds (a unix socket is first tried in-process: no docker CLI per try).
- ``Board``: one thread that reads the board when woken (an event, an action, an engine gone or
  back) and, while a panel says it is settling (a cluster's tasks change without an event on
  its manager), every ``POLL`` seconds; never more often.
- ``Hub``: the latest board and the pages listening (asyncio queues, fed from the threads).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, as_completed
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - typing only
    from python_on_whales import DockerClient

POLL = 2.0  # seconds between reads while a panel is settling, and never less
RETRY = 2.0  # seconds between tries of an engine that does not answer
STREAM = 30.0  # seconds one `docker events` stream lasts before the next one takes over
BURST = 0.05  # seconds a wake-up waits for the rest of a burst of events
KEPT = 20  # events the page lists


class Hub:
    """The latest board (JSON text) and the queues of the pages listening, fed from any thread."""

    def __init__(self) -> None:
        self.latest = ""
        self.loop: asyncio.AbstractEventLoop | None = None
        self.queues: set[asyncio.Queue[str]] = set()
        self.lock = threading.Lock()

    def publish(self, text: str) -> None:
        """Hand ``text`` to every page listening."""
        with self.lock:
            self.latest = text
            queues, loop = list(self.queues), self.loop
        if loop is not None:
            for queue in queues:
                loop.call_soon_threadsafe(queue.put_nowait, text)

    def listen(self) -> asyncio.Queue[str]:
        """A queue for one page (in the server's loop), starting with the latest board."""
        queue: asyncio.Queue[str] = asyncio.Queue()
        with self.lock:
            self.loop = asyncio.get_running_loop()
            self.queues.add(queue)
            if self.latest:
                queue.put_nowait(self.latest)
        return queue

    def leave(self, queue: asyncio.Queue[str]) -> None:
        """The page went away."""
        with self.lock:
            self.queues.discard(queue)


def event_line(engine: str, event: Any) -> dict[str, Any]:
    """One event as the page lists it: when, on which engine, what happened to what."""
    attributes = (event.actor.attributes if event.actor else None) or {}
    what = attributes.get("name") or (str(event.actor.id)[:12] if event.actor else "")
    at = event.time.astimezone(timezone.utc).strftime("%H:%M:%S") if event.time else ""
    return {"at": at, "engine": engine, "text": f"{event.type} {event.action} {what}".strip()}


class Board:
    """Reads the board's parts when woken and publishes each as soon as it is read and changed."""

    def __init__(self, parts: Callable[[], dict[str, Callable[[], Any]]], hub: Hub, pool: Executor) -> None:
        self.parts, self.hub, self.pool = parts, hub, pool
        self.read: dict[str, Any] = {}  # each part, as last read
        self.events: deque[dict[str, Any]] = deque(maxlen=KEPT)
        self.engines: dict[str, dict[str, Any]] = {}
        self.health: dict[str, str] = {}
        self.cause: int | None = None  # when the first event not on screen yet happened (ns)
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.ready = threading.Event()  # the first board is read

    def note(self, engine: str, event: Any) -> None:
        """An engine event: listed and read, unless it is noise (a health check's exec, a health
        status that did not change)."""
        action = str(event.action or "")
        if action.startswith("exec_"):
            return
        if action.startswith("health_status"):
            key = f"{engine}/{event.actor.id if event.actor else ''}"
            if self.health.get(key) == action:
                return
            self.health[key] = action
        with self.lock:
            self.events.appendleft(event_line(engine, event))
            if self.cause is None:
                self.cause = int(event.time_nano or time.time_ns())
        self.wake.set()

    def engine_state(self, engine: str, ok: bool | None, error: str = "") -> None:
        """An engine answers (True), does not (False, with why), or is not there at all (None)."""
        state = {"ok": ok, "error": error}
        with self.lock:
            if self.engines.get(engine) == state:
                return
            self.engines[engine] = state
        self.wake.set()

    def stop(self) -> None:
        """End the loop."""
        self.stopping.set()
        self.wake.set()

    def run(self) -> None:
        """Read, publish, wait for a reason to read again: an event (or an action, or an engine
        gone or back) reads every part; a part that is settling is read again after ``POLL``."""
        from workshop.dashboard.board import assemble

        woken = True
        while not self.stopping.is_set():
            self.wake.clear()
            with self.lock:
                cause, self.cause = self.cause, None
            if self.read and cause is not None:  # the new events at once, on the board as it is
                self.publish(assemble(self.read), cause)
            parts = self.parts()
            if not woken:
                parts = {name: read for name, read in parts.items() if self.settling(name)}
            futures = {self.pool.submit(read): name for name, read in parts.items()}
            for future in as_completed(futures):
                name = futures[future]
                value = future.result()
                if self.read.get(name) != value or name not in self.read:
                    self.read[name] = value
                    self.publish(assemble(self.read), cause)
            self.ready.set()
            settling = any(self.settling(name) for name in self.read)
            woken = self.wake.wait(timeout=POLL if settling else None)
            time.sleep(BURST)

    def settling(self, name: str) -> bool:
        """True if the part ``name`` asked to be read again soon."""
        value = self.read.get(name)
        return isinstance(value, dict) and bool(value.get("settling"))

    def publish(self, board: dict[str, Any], cause: int | None) -> None:
        """``board`` with the latest events and engine states, handed to the pages."""
        with self.lock:
            shown = {**board, "events": list(self.events), "engines": dict(self.engines)}
        self.hub.publish(json.dumps({**shown, "cause": cause, "sent": time.time_ns()}))


def unix_socket(client: DockerClient) -> str | None:
    """The unix socket path ``client`` talks to, when it is one (None: a context, tcp, ssh)."""
    host = client.client_config.host or ("" if client.client_config.context else os.environ.get("DOCKER_HOST", ""))
    if not host and not client.client_config.context:
        host = "unix:///var/run/docker.sock"
    return host.removeprefix("unix://") if host.startswith("unix://") else None


def answers(path: str) -> bool:
    """True if something accepts connections on the unix socket ``path``."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(1)
        try:
            probe.connect(path)
        except OSError:
            return False
    return True


class Follower:
    """Follows one engine's events into the board, in a thread of its own."""

    def __init__(self, name: str, client_of: Callable[[], DockerClient | None], filters: dict[str, str],
                 board: Board) -> None:  # fmt: skip
        self.name, self.client_of, self.filters, self.board = name, client_of, filters, board
        self.thread = threading.Thread(target=self.run, name=f"events-{name}", daemon=True)

    def start(self) -> None:
        """Start following."""
        self.thread.start()

    def run(self) -> None:
        """Stream events, stream after stream; say when the engine does not answer, and try again."""
        from python_on_whales.exceptions import DockerException

        from workshop.errors import last_line

        since: datetime | None = None
        while not self.board.stopping.is_set():
            try:
                client = self.client_of()
            except Exception as exc:  # noqa: BLE001 - a setting gone wrong: shown, tried again
                self.board.engine_state(self.name, False, str(exc))
                self.board.stopping.wait(RETRY)
                continue
            path = unix_socket(client) if client is not None else None
            if client is None or (path is not None and not answers(path)):
                self.board.engine_state(self.name, None if client is None else False,
                                        "" if client is None else f"nothing answers on {path}")  # fmt: skip
                since = None
                self.board.stopping.wait(RETRY)
                continue
            until = datetime.now(timezone.utc) + timedelta(seconds=STREAM)
            self.board.engine_state(self.name, True)
            try:
                for event in client.system.events(since=since, until=until, filters=self.filters):
                    self.board.note(self.name, event)
                since = until
            except DockerException as exc:
                self.board.engine_state(self.name, False, last_line(exc.stderr) or "the engine went away")
                since = None
                self.board.stopping.wait(RETRY)
