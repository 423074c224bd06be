"""Deleting data asks first: the question `--volumes` asks (on `down`, `compose.down`,
`swarm.down` and `clean`), and the account of what went.

On a terminal (stdin is a tty) the task names the project and each piece of data with what it
holds, then asks; the default is No, and Ctrl-C or the end of input count as No. ``--yes``
skips the question. Without a terminal (a script, CI) nobody can answer: the task goes ahead
and prints each thing it deleted. Answering No deletes nothing and stops nothing, says so, and
ends the task with exit code 1, so that a command chained after it (`&&`) does not run.

The examples describe their own data (``Example.data``); this module knows none of them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from invoke.exceptions import Exit

from workshop.console import say, write

if TYPE_CHECKING:  # pragma: no cover - typing only
    from python_on_whales import DockerClient

DECLINED = 1  # the exit code of a task whose question was answered No


def deletion_help(volumes: str) -> dict[str, str]:
    """The help of a removing task's ``--volumes`` (``volumes``: what it deletes) and ``--yes``, worded as one."""
    return {"volumes": volumes, "yes": "with --volumes: delete without asking"}


@dataclass(frozen=True)
class Data:
    """One piece of data a deletion destroys: what kind of thing it is, its name, what it holds."""

    kind: str  # "volume", "file" or "node" (containers: names joined by ", ")
    name: str
    holds: str

    def line(self) -> str:
        """``volume NAME: what it holds``."""
        return f"{self.kind} {self.name}: {self.holds}"


def on_a_terminal(stdin: TextIO | None = None) -> bool:
    """True when someone can answer: stdin is a terminal."""
    stream = sys.stdin if stdin is None else stdin
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no stdin, or a closed one
        return False


def answered_yes(question: str, stdin: TextIO | None = None) -> bool:
    """Ask ``question`` and read one line: True only for y or yes (any case); Enter, any other
    answer, Ctrl-C and the end of input are No."""
    stream = sys.stdin if stdin is None else stdin
    try:  # from the moment the question shows: a Ctrl-C just as it appears is a No too
        write("stdout", f"{question} [y/N] ".encode())
        reply = stream.readline()
    except KeyboardInterrupt:
        reply = ""
    if not reply.endswith("\n"):  # Ctrl-C or end of input (even after a y): No, on a line of its own
        say()
        return False
    return reply.strip().lower() in ("y", "yes")


def confirm(project: str, doomed: Sequence[Data], yes: bool, command: str, stdin: TextIO | None = None) -> None:
    """Before ``command`` deletes ``doomed``: on a terminal and without ``yes``, list it and ask
    (default No). A No ends the task here (exit code 1) with nothing done; otherwise return."""
    if not doomed or yes or not on_a_terminal(stdin):
        return
    say(f"`{command}` deletes the data of project {project!r} for good:")
    for each in doomed:
        say(f"  {each.line()}")
    if not answered_yes(f"delete {'it' if len(doomed) == 1 else f'these {len(doomed)}'}?", stdin):
        say("nothing deleted, nothing stopped: you answered no (--yes skips the question)")
        raise Exit(code=DECLINED)


def report(doomed: Iterable[Data], gone: Callable[[Data], bool] = lambda data: True) -> list[Data]:
    """Print ``deleted KIND NAME (what it held)`` for each of ``doomed`` that ``gone`` says is
    gone now; return those."""
    deleted = [each for each in doomed if gone(each)]
    for each in deleted:
        say(f"deleted {each.kind} {each.name} ({each.holds})")
    return deleted


def describe_volumes(names: Iterable[str], known: Iterable[Data], fallback: Callable[[str], str]) -> list[Data]:
    """A Data for each volume in ``names``: its description among ``known``, else ``fallback(name)``."""
    described = {each.name: each for each in known if each.kind == "volume"}
    return [described.get(name) or Data("volume", name, fallback(name)) for name in names]


def gone_from(client: DockerClient) -> Callable[[Data], bool]:
    """A test of whether a Data is gone from ``client``'s engine (files: from this machine)."""

    def gone(data: Data) -> bool:
        if data.kind == "volume":
            return not client.volume.exists(data.name)
        if data.kind == "node":
            return not any(client.container.exists(name) for name in data.name.split(", "))
        return not Path(data.name).exists()

    return gone
