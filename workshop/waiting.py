"""The one way the workshop waits for the engine: poll a condition until it holds or a deadline
passes, telling the user what it waits for while it does.

A wait that gives up raises ``TimedOut``, whose one-line message names what was awaited, how
long, and (when the caller gives one) what to look at next.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from workshop.errors import WorkshopError

T = TypeVar("T")


class TimedOut(WorkshopError):
    """A condition did not hold before its deadline."""


def wait_for(
    condition: Callable[[], T | None],
    what: str,
    timeout: float,
    interval: float = 0.5,
    progress: Callable[[float], None] | None = None,
    every: float = 3.0,
    hint: str | Callable[[], str] = "",
) -> T:
    """Ask ``condition`` every ``interval`` seconds until it returns something truthy, and
    return that; after ``timeout`` seconds raise TimedOut naming ``what`` (and ``hint``).

    ``progress`` is told the seconds elapsed, at most every ``every`` seconds, while the
    condition does not hold yet (so a long wait says what it waits for). ``hint`` (or what it
    returns, asked only on a timeout: the state last seen) ends the timeout's message.
    """
    began = time.monotonic()
    reported = began
    while True:
        found = condition()
        if found:
            return found
        now = time.monotonic()
        if now - began >= timeout:
            said = hint() if callable(hint) else hint
            raise TimedOut(f"gave up after {timeout:.0f}s waiting for {what}" + (f"; {said}" if said else ""))
        if progress is not None and now - reported >= every:
            progress(now - began)
            reported = now
        time.sleep(min(interval, max(0.0, began + timeout - now)))
