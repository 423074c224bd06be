"""Live: the engines' event streams wake the board; the board puts what an event says on the page
at once, reads again only the parts the event touched, and pushes every change to every open page.

- ``Follower``: one thread per engine (the user's, and each panel's further engine, such as the
  swarm's manager) reading ``docker events`` through python-on-whales. Each stream ends by
  itself after ``STREAM`` seconds (the docker CLI then exits, so none outlives the dashboard) and
  the next one starts where it ended. An engine that does not answer is tried again every
  ``RETRY`` seconds (a unix socket is first tried in-process: no docker CLI per try).
- ``Board``: each part of the board (``board.parts``) is read on its own, in the pool: at once
  when an event touches it (``patch.touched``; a burst of events while it is read makes one
  more read after, not one per event), and while it says it is settling (a cluster's tasks
  change without an event on its manager) at most every ``POLL`` seconds. An event is first
  applied to the parts as last read (``patch.apply``) and published before any read; a read
  in flight then gets it applied on top of what it brings.
- ``Hub``: the latest board and the pages listening (asyncio queues, fed from the threads).

Each board carries ``cause``: when the oldest event whose effect it is the first to show happened
(ns), and ``listed``: the newest event in its list; the page measures its delays from those.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from workshop.dashboard.patch import Fact

if TYPE_CHECKING:  # pragma: no cover - typing only
    from python_on_whales import DockerClient

POLL = 2.0  # seconds between reads while a panel is settling, and never less
RETRY = 2.0  # seconds between tries of an engine that does not answer
STREAM = 60.0  # seconds one `docker events` stream lasts before the next one takes over
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

    def close(self) -> None:
        """End every page's stream (the server stops): safe to call from a signal handler."""
        loop = self.loop
        if loop is not None:
            loop.call_soon_threadsafe(self.end_streams)

    def end_streams(self) -> None:
        """In the server's loop: tell each stream to end (an empty text)."""
        with self.lock:
            queues = list(self.queues)
        for queue in queues:
            queue.put_nowait("")

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


def fact_of(engine: str, event: Any) -> Fact:
    """What the board uses of a python-on-whales event."""
    actor = event.actor
    attributes = {str(k): str(v) for k, v in ((actor.attributes if actor else None) or {}).items()}
    return Fact(engine, str(event.type or ""), str(event.action or ""), str(actor.id if actor else ""), attributes)


Route = Callable[[Fact], "set[str]"]
Apply = Callable[[dict[str, Any], Fact], "set[str]"]


class Board:
    """The board's parts as last read, read again part by part when an event touches them."""

    def __init__(self, parts: Callable[[], dict[str, Callable[[], Any]]], hub: Hub, pool: Executor,
                 route: Route | None = None, apply: Apply | None = None) -> None:  # fmt: skip
        self.parts, self.hub, self.pool = parts, hub, pool
        self.route = route or (lambda fact: set(self.names))  # no routes: an event touches every part
        self.apply = apply or (lambda read, fact: set())
        self.names: set[str] = set()  # every part there is
        self.read: dict[str, Any] = {}  # each part, as last read (or patched since)
        self.due: dict[str, int] = {}  # part -> the oldest event (ns; 0 for none) it was not read since
        self.reading: dict[str, tuple[float, int]] = {}  # part -> when its read began, the event it covers
        self.began: dict[str, float] = {}  # part -> when its last read began (monotonic)
        self.during: dict[str, list[Fact]] = {}  # part being read -> the events noted since its read began
        self.events: deque[dict[str, Any]] = deque(maxlen=KEPT)
        self.engines: dict[str, dict[str, Any]] = {}
        self.health: dict[str, str] = {}
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.ready = threading.Event()  # every part was read once

    def note(self, engine: str, event: Any) -> None:
        """An engine event: listed, applied to the board and published at once; the parts it touched
        are read again. Noise is left out (a health check's exec, a health status that did not change)."""
        action = str(event.action or "")
        if action.startswith("exec_"):
            return
        if action.startswith("health_status"):
            key = f"{engine}/{event.actor.id if event.actor else ''}"
            if self.health.get(key) == action:
                return
            self.health[key] = action
        fact, at = fact_of(engine, event), int(event.time_nano or time.time_ns())
        with self.lock:
            self.events.appendleft(event_line(engine, event))
            touched = self.route(fact)
            self.mark(touched & self.names if self.names else touched, at)
            for name in touched & set(self.reading):
                self.during.setdefault(name, []).append(fact)
            changed = self.apply(self.read, fact)
        self.publish(cause=at if changed else None, listed=at)
        self.wake.set()

    def engine_state(self, engine: str, ok: bool | None, error: str = "") -> None:
        """An engine answers (True), does not (False, with why), or is not there at all (None): shown at
        once, and the parts read from it are read again."""
        state = {"ok": ok, "error": error}
        with self.lock:
            if self.engines.get(engine) == state:
                return
            self.engines[engine] = state
            self.mark(self.names if engine == "engine" else {f"panel:{engine}", "notes"} & self.names, 0)
        self.publish()
        self.wake.set()

    def refresh(self) -> None:
        """Read every part again (an action ran)."""
        with self.lock:
            self.mark(self.names, 0)
        self.wake.set()

    def mark(self, names: set[str], at: int) -> None:
        """Ask for ``names`` to be read (under the lock); ``at`` is the event that asks (0: none)."""
        for name in names:
            if name in self.due and self.due[name] and at:
                self.due[name] = min(self.due[name], at)
            else:
                self.due[name] = at or self.due.get(name, 0)

    def stop(self) -> None:
        """End the loop."""
        self.stopping.set()
        self.wake.set()

    def run(self) -> None:
        """Start each due part's read (one at a time per part), until stopped; wake up when asked, or
        when a settling part may be read again."""
        with self.lock:
            self.names = set(self.parts())
            self.mark(self.names, 0)
        while not self.stopping.is_set():
            self.wake.clear()
            self.start_reads()
            self.wake.wait(timeout=self.next_poll())

    def start_reads(self) -> None:
        """Hand every due part that is not being read to the pool; a settling part is due ``POLL`` s
        after its last read began."""
        now = time.monotonic()
        with self.lock:
            for name in self.names - set(self.due) - set(self.reading):
                if self.settling(name) and now - self.began.get(name, 0) >= POLL:
                    self.due[name] = 0
            starting = {name: self.due.pop(name) for name in list(self.due) if name not in self.reading}
            for name, cause in starting.items():
                self.reading[name] = (now, cause)
                self.began[name] = now
        if starting:
            reads = self.parts()
            for name in starting:
                self.pool.submit(self.read_part, name, reads.get(name))

    def next_poll(self) -> float | None:
        """Seconds until a settling part may be read again (None: none is settling)."""
        now = time.monotonic()
        with self.lock:
            waits = [self.began.get(name, 0) + POLL - now for name in self.names
                     if self.settling(name) and name not in self.reading]  # fmt: skip
        return max(0.0, min(waits)) if waits else None

    def read_part(self, name: str, read: Callable[[], Any] | None) -> None:
        """Read one part (in the pool) and publish the board if it changed. The events noted while it
        was read are applied on top of what it read (it may have begun before them: without them it
        would take back what they showed); the read each event asked for then confirms it."""
        value, got = None, False
        try:
            value, got = (read(), True) if read is not None else (None, False)
        finally:  # a read that failed (each part says its own failures: a bug) is tried at the next event
            with self.lock:
                cause = self.reading.pop(name)[1]
                value = self.with_events(name, value, self.during.pop(name, [])) if got else value
                changed = got and (name not in self.read or self.read[name] != value)
                if changed:
                    self.read[name] = value
                done = not self.ready.is_set() and self.names <= set(self.read)
            if changed or done:
                self.publish(cause=cause or None)
            if done:
                self.ready.set()
            self.wake.set()

    def with_events(self, name: str, value: Any, facts: list[Fact]) -> Any:
        """``value``, a fresh reading of part ``name``, with ``facts`` applied to a copy of it."""
        if not facts:
            return value
        parts = {name: copy.deepcopy(value)}
        for fact in facts:
            self.apply(parts, fact)
        return parts[name]

    def settling(self, name: str) -> bool:
        """True if the part ``name`` asked to be read again soon."""
        value = self.read.get(name)
        return isinstance(value, dict) and bool(value.get("settling"))

    def publish(self, cause: int | None = None, listed: int | None = None) -> None:
        """The board as read so far, with the latest events and engine states, handed to the pages."""
        from workshop.dashboard.board import assemble

        with self.lock:
            shown = {**assemble(self.read), "events": list(self.events), "engines": dict(self.engines)}
            # published under the lock: the pages get the boards in the order they were made
            self.hub.publish(json.dumps({**shown, "cause": cause, "listed": listed, "sent": time.time_ns()}))


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
