"""Who may talk to the dashboard: every request names it by ``Host`` as 127.0.0.1:PORT or
localhost:PORT (a page a DNS-rebinding site serves under its own name is refused, so it can
never read the page and its token); an action also carries the token printed with the URL and
an ``Origin`` that is the page's own. Anything else is answered 403 before any route runs.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

TOKEN_HEADER = "x-dashboard-token"
ACTIONS = "/actions/"  # every path under it runs a task

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


def hosts(port: int) -> tuple[str, str]:
    """The two names the page may be reached by."""
    return f"127.0.0.1:{port}", f"localhost:{port}"


def refusal(method: str, path: str, headers: list[tuple[str, str]], port: int, token: str) -> str | None:
    """Why this request is refused, in one line, or None when it may go on."""
    named = [value for key, value in headers if key == "host"]
    if len(named) != 1 or named[0] not in hosts(port):
        return f"Host {', '.join(named) or '(none)'!s} is not {' or '.join(hosts(port))}"
    if not path.startswith(ACTIONS):
        return None
    if method != "POST":
        return "an action is a POST"
    given = [value for key, value in headers if key == TOKEN_HEADER]
    if len(given) != 1 or not secrets.compare_digest(given[0].encode(), token.encode()):
        return "the action does not carry the dashboard's token"
    origin = [value for key, value in headers if key == "origin"]
    own = f"http://{named[0]}"
    if origin != [own]:
        return f"Origin {', '.join(origin) or '(none)'} is not the page's own ({own})"
    return None


class Guard:
    """ASGI middleware: a request :func:`refusal` names gets 403 and its reason, and reaches nothing."""

    def __init__(self, app: App, port: int, token: str) -> None:
        self.app, self.port, self.token = app, port, token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = [(key.decode("latin-1").lower(), value.decode("latin-1")) for key, value in scope["headers"]]
        why = refusal(scope.get("method", "GET"), scope["path"], headers, self.port, self.token)
        if why is None:
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        body = f"forbidden: {why}\n".encode()
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})  # fmt: skip
        await send({"type": "http.response.body", "body": body})
