"""The tutorial's hit counter: every GET / increments `hits` in Redis and says how many.

Configured only by environment: REDIS_HOST, REDIS_PORT (where Redis is) and BIND_PORT
(the Dockerfile's command hands it to granian). Served by granian in WSGI mode, never by
Flask's development server.
While Redis is unreachable, / and /healthz answer 503 with a short plain message; the
client reconnects by itself once Redis is back.
"""

from __future__ import annotations

import os
import socket
import threading

from flask import Flask, Response
from redis.backoff import NoBackoff
from redis.connection import Connection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.retry import Retry

app = Flask(__name__)


class ThreadRedis(threading.local):
    """Redis through one connection per server thread, used directly.

    redis-py's client shares a pool between threads and runs every command through its lock,
    retry and bookkeeping layers; a connection of the thread's own skips them, which serves
    about a quarter more requests per second (bench/README.md). Each thread runs __init__ on
    first use.
    """

    def __init__(self) -> None:
        self.connection = Connection(
            host=os.environ.get("REDIS_HOST", "localhost"),
            port=int(os.environ.get("REDIS_PORT", "6379")),
            socket_connect_timeout=1,
            socket_timeout=2,
            # no retries: a request fails fast (503) while Redis is away, and never sends an
            # INCR twice; the next request connects again by itself
            retry=Retry(NoBackoff(), 0),
        )

    def command(self, *args: str):
        """Send one command and return Redis's answer; raise RedisError when Redis is away."""
        if self.connection.is_connected:
            try:
                # a connection Redis closed while idle (a restart) reads as ready: reopen it
                # before sending, so the command reaches the Redis that runs now
                stale = self.connection.can_read()
            except RedisConnectionError:
                stale = True
            if stale:
                self.connection.disconnect()
        self.connection.send_command(*args)  # connects first when it is not connected
        return self.connection.read_response()

    def incr(self, key: str) -> int:
        return self.command("INCR", key)

    def ping(self) -> None:
        self.command("PING")


redis = ThreadRedis()
UNAVAILABLE = "Redis is unavailable; try again in a moment.\n"


def plain(text: str, status: int = 200) -> Response:
    """A text/plain response."""
    return Response(text, status=status, mimetype="text/plain")


SERVED_BY = socket.gethostname()


@app.after_request
def served_by(response: Response) -> Response:
    """Name the replica that answered (its container's hostname): on a swarm, hits spread out."""
    response.headers["X-Served-By"] = SERVED_BY
    return response


@app.get("/")
def hello() -> Response:
    """Count this visit."""
    try:
        count = redis.incr("hits")
    except RedisError:
        return plain(UNAVAILABLE, 503)
    return plain(f"Hello from Redis! I have been seen {count} times.\n")


@app.get("/healthz")
def healthz() -> Response:
    """Healthy when Redis answers a PING."""
    try:
        redis.ping()
    except RedisError:
        return plain(UNAVAILABLE, 503)
    return plain("ok\n")


@app.errorhandler(404)
def not_found(_error) -> Response:
    """No HTML error pages: a plain line."""
    return plain("not found\n", 404)


@app.errorhandler(500)
def server_error(_error) -> Response:
    """Never a traceback page."""
    return plain("internal error\n", 500)
