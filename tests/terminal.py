"""Run a task on a pseudo-terminal, as a person at a keyboard would, and answer its question."""

from __future__ import annotations

import os
import pty
import select
import signal
import time
from dataclasses import dataclass
from pathlib import Path

QUESTION = b"[y/N] "


@dataclass
class Session:
    """What a task run on a terminal showed (stdout and stderr together, as a terminal shows
    them), how it ended, and how many questions it asked."""

    returncode: int
    output: str

    @property
    def questions(self) -> int:
        return self.output.count(QUESTION.decode())


def answered(argv: list[str], answer: bytes, env: dict[str, str], cwd: Path, timeout: float = 300) -> Session:
    """Run ``argv`` with a pseudo-terminal as its controlling terminal (stdin, stdout and stderr),
    type ``answer`` at each question it asks (b"\\x03" is Ctrl-C: the terminal sends SIGINT), and
    return once it has ended; fail after ``timeout`` seconds, having killed it."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: a session of its own whose controlling terminal is the pty
        try:
            os.chdir(cwd)
            os.execvpe(argv[0], argv, env)
        finally:
            os._exit(127)
    output, answered_at, deadline = b"", 0, time.monotonic() + timeout
    try:
        while True:
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([fd], [], [], remaining) if remaining > 0 else ([], [], [])
            if not ready:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                shown = output.decode(errors="replace")
                raise AssertionError(f"{argv} still ran after {timeout}s; it showed:\n{shown}")
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the child closed the terminal: it has ended
                break
            if not chunk:
                break
            output += chunk
            if output.count(QUESTION) > answered_at:
                answered_at = output.count(QUESTION)
                os.write(fd, answer)
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(fd)
    return Session(os.waitstatus_to_exitcode(status), output.decode(errors="replace").replace("\r\n", "\n"))


#: what a `--volumes` task says after a no
NO = "nothing deleted, nothing stopped: you answered no (--yes skips the question)"


def on_a_terminal(workshop, answer: bytes, *args: str) -> Session:
    """``invoke ARGS`` of a Workshop (tests/conftest.py) on a pseudo-terminal, ``answer`` typed at its question."""
    from conftest import ROOT

    return answered(workshop.command(*args), answer, workshop.environ(), ROOT, timeout=300)
