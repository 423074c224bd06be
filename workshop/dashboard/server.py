"""The dashboard's web side (Starlette): the page, its event stream (server-sent events) and the
actions, each running one task of the collection in this process as the command line would
(``run_task``), one at a time. Every request first passes ``guard.Guard``.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from workshop.cli import Ctx, run_task, typed
from workshop.dashboard.feed import Hub
from workshop.dashboard.guard import Guard
from workshop.errors import describe
from workshop.example import Action, assembled

STATIC = Path(__file__).parent / "static"
KEEPALIVE = 15.0  # seconds of silence after which the stream sends a comment (proxies, dead pages)
ARGUMENT = re.compile(r"[A-Za-z0-9_.-]{0,64}")  # a node's hostname, or nothing
SHOWN_LINES = 12  # the last lines of an action's output shown on the page


def find_action(c: Ctx, key: str) -> Action | None:
    """The button ``key`` of an example's panel."""
    for example in assembled(c).examples:
        for action in example.panel.actions if example.panel else ():
            if action.key == key:
                return action
    return None


class Runner:
    """Runs actions one at a time; says which one runs when another is asked for meanwhile."""

    def __init__(self, c: Ctx, done: Callable[[], None]) -> None:
        self.c, self.done = c, done
        self.lock = threading.Lock()
        self.running = ""

    def run(self, action: Action, argument: str) -> dict[str, Any]:
        """Run ``action``'s task with the options made from ``argument``: its output or one-line error."""
        if not self.lock.acquire(blocking=False):
            return {"ok": False, "command": typed(action.task, {}), "error": f"wait: `{self.running}` is running"}
        try:
            self.running = typed(action.task, {})
            try:
                options = action.options(Ctx.wrap(self.c), argument)
            except Exception as exc:  # noqa: BLE001 - a failure the user can act on is one line
                message = describe(exc)
                if message is None:
                    raise
                return {"ok": False, "command": self.running, "error": message}
            self.running = typed(action.task, options)
            ran = run_task(self.c, action.task, **options)
            output = "\n".join(ran.stdout.strip().splitlines()[-SHOWN_LINES:])
            return {"ok": ran.ok, "command": ran.command, "output": output, "error": "" if ran.ok else ran.error}
        finally:
            self.running = ""
            self.lock.release()
            self.done()


def make_app(c: Ctx, hub: Hub, runner: Runner, port: int, token: str) -> Guard:
    """The ASGI app: routes behind the guard."""

    async def page(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"cache-control": "no-store"})

    async def events(request: Request) -> Response:
        queue = hub.listen()

        async def stream() -> AsyncIterator[str]:
            try:
                while True:
                    try:
                        text = await asyncio.wait_for(queue.get(), KEEPALIVE)
                    except asyncio.TimeoutError:
                        yield ": keepalive\n\n"
                        continue
                    if not text:  # the server stops: end the stream, so the shutdown waits for nothing
                        return
                    yield f"data: {text}\n\n"
            finally:
                hub.leave(queue)

        return StreamingResponse(stream(), media_type="text/event-stream", headers={"cache-control": "no-store"})

    async def act(request: Request) -> Response:
        action = find_action(c, request.path_params["key"])
        if action is None:
            return JSONResponse({"ok": False, "error": f"no action {request.path_params['key']!r}"}, status_code=404)
        try:
            body = await request.json()
        except ValueError:
            body = {}
        argument = str(body.get("argument", "")) if isinstance(body, dict) else ""
        if not ARGUMENT.fullmatch(argument):
            return JSONResponse({"ok": False, "error": f"argument {argument[:70]!r} is not a node name"}, 400)
        return JSONResponse(await run_in_threadpool(runner.run, action, argument))

    app = Starlette(
        routes=[
            Route("/", page),
            Route("/events", events),
            Route("/actions/{key}", act, methods=["POST"]),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ]
    )
    return Guard(app, port, token)
