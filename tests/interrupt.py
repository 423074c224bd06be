"""Ctrl-C at a chosen moment of a task, as a terminal sends it: SIGINT to the task's whole
process group (invoke and the docker commands it runs), once a given line has been printed."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from dataclasses import dataclass

from conftest import ROOT


@dataclass(frozen=True)
class Interrupted:
    """A task stopped by Ctrl-C: its exit code and what it printed (stdout and stderr, merged)."""

    code: int
    output: str


def interrupt_at(shop, marker: str, *args: str, timeout: float = 600, **overrides: str) -> Interrupted:
    """Run `invoke ARGS` (the Workshop ``shop``'s environment), and send Ctrl-C as soon as a line
    of its output (stdout or stderr) contains ``marker``. Fails when the task ends before printing it."""
    process = subprocess.Popen(  # its own session: a process group of its own; stderr (progress) merged
        shop.command(*args), cwd=ROOT, env=shop.environ(**overrides), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    assert process.stdout is not None
    guard = threading.Timer(timeout, lambda: os.killpg(process.pid, signal.SIGKILL))
    guard.start()
    lines, seen = [], False
    try:
        for raw in process.stdout:
            line = raw.decode(errors="replace")
            lines.append(line)
            if marker in line:
                os.killpg(process.pid, signal.SIGINT)
                seen = True
                break
        rest, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        raise
    finally:
        guard.cancel()
    output = "".join(lines) + rest.decode(errors="replace")
    assert seen, f"`invoke {' '.join(args)}` ended before printing {marker!r}:\n{output}"
    return Interrupted(process.returncode, output)
