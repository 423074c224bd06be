"""Where the workshop leans on more than a dependency documents: each such use is one function
here, and tests/unit/test_adapters.py pins down what it relies on, so a new release that
changes it fails that test, not a task in a learner's hands.

python-on-whales has no method for ``docker compose watch``, for ``docker compose exec``
streaming both stdout and stderr, or for the raw JSON of ``docker inspect`` (of many objects in
one call: its Node, Task and Service objects each inspect themselves, again for every attribute
read more than 10 ms after the last); for those the
workshop runs the docker CLI with the client's own command line (its binary and connection
options, and for compose its files, env files, project name and directory), which
python-on-whales keeps in ``client_config`` and runs with helpers of ``python_on_whales.utils``.

python-dotenv skips a line it cannot parse and only logs a warning naming where the skipped
entry starts; ``parse_env`` listens to that warning so a bad line can be an error.

python-on-whales is imported inside the functions: `invoke --list` never imports it.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    from python_on_whales import DockerClient

#: python-dotenv's logger, and the start of the warning it logs for an entry it skips
DOTENV_LOGGER = "dotenv.main"
DOTENV_SKIPPED = "could not parse"


# -- python-on-whales ------------------------------------------------------------------------------


def docker_command(client: DockerClient) -> list[str]:
    """The docker command line ``client`` runs: the CLI and its connection options (host,
    context, config, TLS), as words."""
    return [str(word) for word in client.client_config.docker_cmd]


def compose_command(client: DockerClient) -> list[str]:
    """The ``docker compose`` command line ``client`` runs: :func:`docker_command`, ``compose``
    and its files, profiles, env files, project name and directory, as words."""
    return [str(word) for word in client.client_config.docker_compose_cmd]


def output(command: list[str]) -> str:
    """Run ``command`` (a docker command line) and return its stdout, without the final newline;
    a failure raises python-on-whales' DockerException (with the exit code and stderr), as
    its own methods do."""
    from python_on_whales.utils import run

    return run(command, return_stderr=False)


def streamed(command: list[str]) -> Iterator[tuple[str, bytes]]:
    """Run ``command`` and yield ``("stdout" | "stderr", chunk)`` as it prints; a failure
    raises python-on-whales' DockerException once its output is through."""
    from python_on_whales.utils import stream_stdout_and_stderr

    yield from stream_stdout_and_stderr(command)


def inspect_json(client: DockerClient, references: list[str], kind: str) -> list[dict]:
    """``docker inspect --type KIND`` of every one of ``references`` at once, as the engine's JSON
    (a list of objects, in the order asked); a reference the engine does not know fails the
    whole call with DockerException (docker prints the others and exits 1)."""
    import json

    return list(json.loads(output([*docker_command(client), "inspect", "--type", kind, *references])))


# -- python-dotenv ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Parsed:
    """An env file's text as python-dotenv reads it."""

    values: dict[str, str | None]  # NAME=value entries (None: a NAME alone on its line)
    skipped: tuple[int, ...]  # the lines where an entry python-dotenv could not parse starts


def parse_env(text: str) -> Parsed:
    """Parse the text of an env file with python-dotenv, keeping where it skipped an entry."""
    from dotenv import dotenv_values

    skipped: list[int] = []
    listener = _Skipped(skipped)
    logger = logging.getLogger(DOTENV_LOGGER)
    logger.addHandler(listener)
    try:
        values = dotenv_values(stream=io.StringIO(text))
    finally:
        logger.removeHandler(listener)
    return Parsed(dict(values), tuple(skipped))


class _Skipped(logging.Handler):
    """Collects the line numbers of python-dotenv's "could not parse statement" warnings."""

    def __init__(self, lines: list[int]):
        super().__init__(logging.WARNING)
        self.lines = lines

    def emit(self, record: logging.LogRecord) -> None:
        if DOTENV_SKIPPED in record.getMessage() and isinstance(record.args, tuple) and record.args:
            first = record.args[0]
            if isinstance(first, int):
                self.lines.append(first)
