"""Host-side checks with the standard library: is a port free, does a URL answer."""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass, field

from workshop.waiting import TimedOut, wait_for


def port_is_free(host: str, port: int) -> bool:
    """True if nothing listens on host:port (we can bind it ourselves)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


WILDCARDS = {"0.0.0.0": "127.0.0.1", "::": "::1"}


def http_url(host: str, port: int, path: str = "/") -> str:
    """The URL that reaches a server bound to host:port from this machine (a wildcard bind is
    reached through loopback), IPv6 hosts bracketed."""
    host = WILDCARDS.get(host, host)
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}{path}"


@dataclass
class Response:
    """What a GET returned."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)  # names in lower case


def get(url: str, timeout: float = 5) -> Response:
    """GET ``url``; HTTP errors are responses too (status >= 400), network errors raise OSError."""
    import urllib.error  # here, not at start-up: it costs every task ~40 ms
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:  # noqa: S310 (http(s) only, ours)
            return Response(answer.status, answer.read(), {k.lower(): v for k, v in answer.headers.items()})
    except urllib.error.HTTPError as error:
        return Response(error.code, error.read(), {k.lower(): v for k, v in error.headers.items()})


def answer_line(response: Response) -> str:
    """An HTTP answer as one short line: the status and its reason (``503 Service Unavailable``),
    and the body only when it is itself one short line of text (never an HTML page)."""
    from http import HTTPStatus

    try:
        line = f"{response.status} {HTTPStatus(response.status).phrase}"
    except ValueError:
        line = str(response.status)
    body = response.body.decode(errors="replace").strip()
    kind = response.headers.get("content-type", "")
    if body and "\n" not in body and len(body) <= 120 and "html" not in kind and not body.startswith("<"):
        line += f" ({body})"
    return line


def unreachable(exc: OSError) -> str:
    """Why nothing answered, in a few words (``[Errno 111] Connection refused``, ``timed out``)."""
    return str(getattr(exc, "reason", None) or exc)


def visit(url: str, how_to_start: str) -> tuple[Response, str]:
    """GET ``url`` once: (the response, its body as text); nothing answering is one line that
    ends with ``how_to_start``."""
    from workshop.errors import WorkshopError

    try:
        response = get(url)
    except OSError as exc:
        raise WorkshopError(f"nothing answers at {url} ({unreachable(exc)}); {how_to_start}") from None
    return response, response.body.decode(errors="replace").strip()


PROGRESS_EVERY = 2.0  # seconds between "still waiting" reports
HTTP_INTERVAL = 0.1  # seconds between two attempts of wait_for_http


def wait_for_http(
    url: str,
    timeout: float,
    expect: int = 200,
    alive: Callable[[], bool] = lambda: True,
    progress: Callable[[float], None] | None = None,
) -> Response | None:
    """Ask ``url`` until it answers ``expect`` (return the response) or ``timeout`` passes (None).

    ``alive`` is asked between attempts; waiting stops early when it says False. ``progress``
    is told the elapsed seconds every couple of seconds while we wait.
    """

    def answered() -> Response | None:
        try:
            response = get(url, timeout=2)
            if response.status == expect:
                return response
        except OSError:
            pass
        if not alive():
            raise _Stopped
        return None

    try:
        return wait_for(answered, f"{url} to answer {expect}", timeout, HTTP_INTERVAL, progress, PROGRESS_EVERY)
    except (TimedOut, _Stopped):
        return None


class _Stopped(Exception):
    """What wait_for_http waits on has gone (``alive`` said False)."""
