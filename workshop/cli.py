"""The task decorator every example uses, and console output helpers.

``@task`` is invoke's task with one addition: a failure the user can act on (bad setting,
docker missing, daemon unreachable, ...) ends the task with a one-line ``error: ...`` on
stderr and exit code 1, never a traceback. Ctrl-C ends a task quietly with code 130.
"""

from __future__ import annotations

import functools
import os
import sys
from typing import Any, Callable

from invoke import Task
from invoke.exceptions import Exit

from workshop.errors import describe

INTERRUPTED = 130


def task(*, help: dict[str, str] | None = None, **options: Any) -> Callable[[Callable], Task]:
    """Declare an invoke task whose known failures become one-line errors."""

    def decorate(body: Callable) -> Task:
        @functools.wraps(body)
        def guarded(c, *args, **kwargs):
            try:
                return body(c, *args, **kwargs)
            except KeyboardInterrupt:
                raise Exit(code=INTERRUPTED) from None
            except BrokenPipeError:  # the reader went away (`invoke ... | head`): stop quietly
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
                raise Exit(code=0) from None
            except Exit:
                raise
            except Exception as exc:
                message = describe(exc)
                if message is None:
                    raise
                raise Exit(f"error: {message}", code=1) from None

        return Task(guarded, help=help or {}, **options)

    return decorate


def say(message: str = "") -> None:
    """Print a line to stdout now (not buffered behind docker output)."""
    print(message, flush=True)


def warn(message: str) -> None:
    """Print a line to stderr."""
    print(message, file=sys.stderr, flush=True)
