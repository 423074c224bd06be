"""The task decorator every task uses, and the one context a task gets.

``@task`` (bare or with options) is invoke's task with three additions:

- the body receives a ``Ctx``: invoke's Context plus the task's settings (checked as read,
  against their declarations), the project's labels and a Docker client, all from one
  object;
- a failure the user can act on (bad setting, docker missing, daemon unreachable, ...) ends
  the task with a one-line ``error: ...`` on stderr and exit code 1, never a traceback;
  Ctrl-C ends it quietly with code 130;
- a numeric option given a word (``--tail abc``) is one line naming the option, exit 1;
- a task with a ``verbose`` option (``--verbose``, help ``VERBOSE_HELP``) shows the whole log
  of every build it makes; without it, each build is one line (``workshop.builds``).

``run_task`` runs a task in this process and returns what it printed, which is how `up`,
`down` and `tour` use the examples' tasks.
"""

from __future__ import annotations

import functools
import os
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from invoke import Context, Task
from invoke.exceptions import Exit
from invoke.parser import Argument

from workshop.builds import VERBOSE_HELP, verbose_builds
from workshop.console import captured, say, warn
from workshop.errors import WorkshopError, describe, interrupted, last_line
from workshop.options import checked

if TYPE_CHECKING:  # pragma: no cover - typing only
    from python_on_whales import DockerClient

    from workshop.config import Settings
    from workshop.labels import Project
    from workshop.settings import Registry

__all__ = ["VERBOSE_HELP", "Ctx", "Ran", "run_task", "say", "task", "warn"]

INTERRUPTED = 130


class Assembly(Protocol):
    """What a task's context needs of the assembled workshop (``workshop.example.Workshop``,
    a layer above this one): the declared settings, and the tasks by name."""

    @property
    def registry(self) -> Registry: ...

    def task(self, name: str) -> Task: ...


class Ctx(Context):
    """What a task body receives: invoke's Context, plus settings, labels and engine client.

    The workshop (its examples and their declared settings) comes from invoke's config, where
    ``tasks.py`` puts it (``workshop.shop``). Everything is loaded on first use, once per call.
    """

    @classmethod
    def wrap(cls, context: Context) -> Ctx:
        """A Ctx sharing ``context``'s config (and remainder)."""
        if isinstance(context, Ctx):
            return cls(config=context.config, remainder=context.remainder)
        return cls(config=context.config, remainder=getattr(context, "remainder", ""))

    def _cached(self, key: str, make: Callable[[], Any]) -> Any:
        store = self.__dict__.setdefault("_workshop_cache", {})
        if key not in store:
            store[key] = make()
        return store[key]

    @property
    def assembly(self) -> Assembly:
        """The assembled workshop (``workshop.example.assembled`` gives it with its examples)."""
        try:
            return self.config["workshop"]["shop"]
        except (KeyError, AttributeError):
            raise WorkshopError("the task collection carries no workshop; run tasks through tasks.py") from None

    @property
    def registry(self) -> Registry:
        """Every declared setting."""
        return self.assembly.registry

    @property
    def settings(self) -> Settings:
        """The layered settings, checked against the declarations as they are read."""
        from workshop.config import Settings

        return self._cached("settings", lambda: Settings.load(registry=self.registry))

    def get(self, name: str) -> Any:
        """The checked value of the declared setting ``name``."""
        return self.settings.get(name)

    def check(self, names: list[str]) -> None:
        """Check every setting in ``names`` now (a task that runs others checks theirs first)."""
        for name in names:
            self.get(name)

    @property
    def project(self) -> Project:
        """Who we are on the engine: project name and label namespace."""
        from workshop.labels import Project

        return self._cached(
            "project",
            lambda: Project(self.get("WORKSHOP_PROJECT"), self.get("WORKSHOP_LABEL_PREFIX"), self.settings),
        )

    @property
    def docker(self) -> DockerClient:
        """An engine client (no compose file)."""
        from python_on_whales import DockerClient

        return self._cached("docker", DockerClient)

    def compose(self, file: Any, profiles: list[str] | None = None, overrides: tuple = ()) -> DockerClient:
        """An engine client for the compose file ``file`` (a path relative to the repository),
        with the files ``overrides`` merged on top of it."""
        from workshop.composefile import compose_client

        return compose_client(self.settings, file, profiles or [], overrides)


class WorkshopTask(Task):
    """invoke's Task, with the Ctx, one-line failures and checked numeric options."""

    def get_arguments(self, ignore_unknown_help: bool | None = None) -> list[Argument]:
        kept = dict(self.help)  # invoke pops each help text as it reads it: a second call would have none
        try:
            arguments = super().get_arguments(ignore_unknown_help)
        finally:
            self.help = kept
        return [checked(argument) for argument in arguments]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not args or not isinstance(args[0], Context):
            return super().__call__(*args, **kwargs)  # invoke's own TypeError
        return super().__call__(Ctx.wrap(args[0]), *args[1:], **kwargs)

    def __eq__(self, other: object) -> bool:
        """The same task only when it wraps the same function. invoke compares the bodies' code,
        and every body here is the one guard of ``_guard``: `invoke compose.up nginx.up` took
        the two `up` tasks for one and ran compose.up only."""
        if not isinstance(other, WorkshopTask):
            return super().__eq__(other)
        return self.name == other.name and _wrapped(self.body) is _wrapped(other.body)

    def __hash__(self) -> int:
        return hash((self.name, _wrapped(self.body)))


def _wrapped(body: Callable) -> Callable:
    """The task's own function inside its guard."""
    return getattr(body, "__wrapped__", body)


def _guard(body: Callable) -> Callable:
    @functools.wraps(body)
    def guarded(c, *args, **kwargs):
        try:
            with verbose_builds(kwargs.get("verbose") is True):
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
            if interrupted(exc):
                raise Exit(code=INTERRUPTED) from None
            message = describe(exc)
            if message is None:
                raise
            raise Exit(f"error: {message}", code=1) from None

    return guarded


def task(*args: Any, help: dict[str, str] | None = None, **options: Any) -> Any:
    """Declare a task: ``@task`` or ``@task(help={...}, name=..., positional=[...])``."""

    def decorate(body: Callable) -> WorkshopTask:
        return WorkshopTask(_guard(body), help=dict(help or {}), **options)

    if len(args) == 1 and callable(args[0]) and not options and help is None:
        return decorate(args[0])
    if args:
        raise TypeError("task() takes keyword options only")
    return decorate


def typed(name: str, options: dict[str, Any]) -> str:
    """The command you would type for task ``name`` with ``options``: ``invoke daemon.logs --tail 3``."""
    words = [name]
    for key, value in options.items():
        flag = "--" + key.strip("_").replace("_", "-")
        if value is True:
            words.append(flag)
        elif value is not False and value is not None:
            words += [flag, str(value)]
    return "invoke " + shlex.join(words)


@dataclass(frozen=True)
class Ran:
    """A finished in-process run of one of our tasks."""

    command: str  # as you would type it
    code: int
    stdout: str
    stderr: str
    message: str = ""

    @property
    def ok(self) -> bool:
        """True if the task ended without error."""
        return self.code == 0

    @property
    def result(self) -> str:
        """The task's last line of output (its result)."""
        return last_line(self.stdout)

    @property
    def error(self) -> str:
        """The task's own one-line error, or the best description of its failure."""
        if self.message:
            return self.message.removeprefix("error: ")
        return last_line(self.stderr) or f"it exited with code {self.code}"


def run_task(c: Context, name: str, *, echo: bool = False, **kwargs: Any) -> Ran:
    """Run the task ``name`` (e.g. ``nginx.up``) of ``c``'s collection in this process.

    Its output is captured (and echoed as it comes with ``echo``); its failure is returned
    as a Ran, not raised. ``kwargs`` are its options, as Python values.
    """
    found = Ctx.wrap(c).assembly.task(name)
    with captured(echo=echo) as capture:
        try:
            found(Ctx.wrap(c), **kwargs)
            code, message = 0, ""
        except Exit as exit_:
            code, message = exit_.code, exit_.message or ""
    return Ran(typed(name, kwargs), code, capture.text("stdout"), capture.text("stderr"), message)
