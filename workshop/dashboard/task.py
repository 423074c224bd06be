"""The `dashboard` task: checks its port, starts the followers and the board, serves the page
until Ctrl-C, and prints the page's URL with its token (as Jupyter does)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from workshop.cli import Ctx, say, task
from workshop.errors import WorkshopError
from workshop.example import assembled
from workshop.waiting import TimedOut, wait_for

if TYPE_CHECKING:  # pragma: no cover - typing only
    from concurrent.futures import ThreadPoolExecutor

    from python_on_whales import DockerClient

    from workshop.dashboard.feed import Board, Follower, Hub

# The page's server (Starlette, uvicorn, asyncio) is imported when the task runs, never at import:
# `invoke --list` and every shell completion import this module.

HOST = "127.0.0.1"
#: python-on-whales reads an object again (docker inspect) when an attribute is asked for more than
#: 10 ms after its last read; a board reads each object's attributes in one go, freshly listed
READ_CACHE = 1.0
READY = 60  # seconds the first read of the board may take before the URL is printed anyway


def listening(c: Ctx, port: int) -> socket.socket:
    """The page's socket, bound now: a taken port is one line before anything starts."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError as exc:
        sock.close()
        raise WorkshopError(
            f"DASHBOARD_PORT={port} ({c.settings.raw('DASHBOARD_PORT').origin}): {HOST}:{port} is taken "
            f"({exc.strerror}); choose another DASHBOARD_PORT {c.settings.where('DASHBOARD_PORT')}"
        ) from None
    sock.listen(64)
    return sock


def followers(c: Ctx, board: Board) -> list[Follower]:
    """One per engine: the user's (only our project's events), and each panel's further engine."""
    from workshop.dashboard.feed import Follower

    label = {"label": f"{c.project.project_key}={c.project.name}"}
    found = [Follower("engine", lambda: Ctx.wrap(c).docker, label, board)]
    for example in assembled(c).examples:
        if example.panel and example.panel.engine:
            found.append(Follower(example.name, further(c, example.panel.engine), {}, board))
    return found


def live_board(c: Ctx, hub: Hub, pool: ThreadPoolExecutor) -> Board:
    """The board of the examples' parts, with which parts an event touches and what it changes at once."""
    from workshop.dashboard import board as reading
    from workshop.dashboard import patch
    from workshop.dashboard.feed import Board

    key = c.project.example_key
    conditional = {example.name for example in assembled(c).examples if example.condition}
    return Board(lambda: reading.parts(c), hub, pool, route=lambda fact: patch.touched(fact, key, conditional),
                 apply=lambda read, fact: patch.apply(read, fact, key))  # fmt: skip


def further(c: Ctx, engine: Callable[[Ctx], DockerClient | None]) -> Callable[[], DockerClient | None]:
    """A panel's further engine, asked anew each time (a cluster comes and goes), with the settings
    read once (asking costs no docker CLI while there is no cluster)."""
    mine = Ctx.wrap(c)
    return lambda: engine(mine)


def stopping_server(config, hub: Hub):
    """A uvicorn server that ends the pages' event streams when asked to stop (Ctrl-C), so it stops
    at once instead of cancelling them (a traceback) after its grace period."""
    import uvicorn

    class Stopping(uvicorn.Server):
        def handle_exit(self, sig, frame) -> None:
            hub.close()
            super().handle_exit(sig, frame)

    return Stopping(config)


def announce(server, url: str, open_: bool) -> None:
    """Print the URL (and open it) once the server answers, so a page opened then loads at once."""
    try:
        wait_for(lambda: server.started or server.should_exit, "the page's server to listen", READY, interval=0.05)
    except TimedOut as exc:
        say(f"dashboard: {exc}")
        return
    if server.should_exit:
        return
    say(f"dashboard: {url}")
    say("(the token in the URL lets the page run tasks; Ctrl-C stops the dashboard)")
    if open_:
        import webbrowser

        webbrowser.open(url)


@task(help={"open": "also open the page in your web browser"})
def dashboard(c: Ctx, open_=False):
    """Serve a live page of the workshop (examples, counter, swarm, events, buttons) on 127.0.0.1:DASHBOARD_PORT."""
    import secrets
    from concurrent.futures import ThreadPoolExecutor

    import python_on_whales.client_config as whales
    import uvicorn

    from workshop.dashboard.feed import Hub
    from workshop.dashboard.server import Runner, make_app

    whales.CACHE_VALIDITY_PERIOD = READ_CACHE  # this process only: halves a board's docker CLI calls
    port = c.get("DASHBOARD_PORT")
    c.check(["WORKSHOP_PROJECT", "WORKSHOP_LABEL_PREFIX"])
    sock = listening(c, port)
    token = secrets.token_urlsafe(24)
    hub, pool = Hub(), ThreadPoolExecutor(max_workers=4, thread_name_prefix="read")
    board = live_board(c, hub, pool)
    runner = Runner(c, board.refresh)
    app = make_app(c, hub, runner, port, token)
    server = stopping_server(uvicorn.Config(app, log_level="warning", lifespan="off", timeout_graceful_shutdown=1), hub)
    for follower in followers(c, board):
        follower.start()
    threading.Thread(target=board.run, name="board", daemon=True).start()
    board.ready.wait(READY)  # the page's first load then shows the board at once
    url = f"http://{HOST}:{port}/?token={token}"
    threading.Thread(target=announce, args=(server, url, open_), name="announce", daemon=True).start()
    try:
        server.run(sockets=[sock])
    finally:
        board.stop()
        pool.shutdown(wait=False, cancel_futures=True)
        sock.close()
        say("dashboard stopped")
