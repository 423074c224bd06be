"""Where a task's output goes: the terminal, or (when `up`, `down` or `tour` run a task in
this process) a capture that keeps it for the caller and may echo it as it comes.

Every line a task prints goes through ``say``, ``warn`` or ``write``; the current sink is a
context variable, so tasks running side by side in threads each have their own.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

_ECHO_LOCK = threading.Lock()


@dataclass
class Capture:
    """What a task printed, kept per stream; ``echo`` also copies it to our own stdout or stderr
    as it comes (except ``error:`` lines, which the caller reports in its own words)."""

    echo: bool = False
    chunks: dict[str, list[bytes]] = field(default_factory=lambda: {"stdout": [], "stderr": []})

    def write(self, stream: str, data: bytes) -> None:
        """Keep ``data`` (and echo it)."""
        self.chunks[stream].append(data)
        if self.echo and not data.startswith(b"error: "):
            target = sys.stdout if stream == "stdout" else sys.stderr
            with _ECHO_LOCK:
                target.buffer.write(data)
                target.flush()

    def text(self, stream: str) -> str:
        """Everything written to ``stream`` so far."""
        return b"".join(self.chunks[stream]).decode(errors="replace")


_SINK: ContextVar[Capture | None] = ContextVar("workshop_sink", default=None)


def write(stream: str, data: bytes) -> None:
    """Write raw bytes to the task's ``stdout`` or ``stderr``."""
    sink = _SINK.get()
    if sink is not None:
        sink.write(stream, data)
        return
    target = sys.stdout if stream == "stdout" else sys.stderr
    target.buffer.write(data)
    target.flush()


def say(message: str = "") -> None:
    """Print a line to the task's stdout now (not buffered behind docker output)."""
    write("stdout", f"{message}\n".encode())


def warn(message: str) -> None:
    """Print a line to the task's stderr."""
    write("stderr", f"{message}\n".encode())


@contextmanager
def captured(echo: bool = False) -> Iterator[Capture]:
    """Send everything printed inside the block to a Capture."""
    capture = Capture(echo=echo)
    token = _SINK.set(capture)
    try:
        yield capture
    finally:
        _SINK.reset(token)
