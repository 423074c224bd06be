"""How an example plugs into the workshop.

An example (``examples/<name>/example.py``) exports one or more ``Example`` objects; ``tasks.py``
lists them, and ``Workshop.of`` assembles the collection. The operating tasks (`setup`,
`doctor`, `status`, `clean`, `tour`, `up`, `down`) know the examples only through this
interface:

- ``collection``: its tasks (``invoke <name>.<task>``);
- ``settings``: the settings it declares (see workshop.settings);
- ``images``: the image settings it runs or builds FROM (`setup` provides them, `doctor`
  checks them); ``standins``: how `setup` builds an offline stand-in for one of them;
- ``compose_files``: compose files it drives (their fallbacks are generated from the
  declarations);
- ``service``: for a long-running example, the tasks `up` and `down` run and how to tell it
  is up;
- ``tour``: its step of `invoke tour`;
- ``files``: files of the user's machine it writes, which `clean --volumes` deletes;
- ``condition``: a one-line note `status` shows about it (stopped, unfinished), or None;
- ``data``: what its volumes (and other data a `--volumes` deletes) hold, for the question
  `--volumes` asks first (workshop.confirm);
- ``panel``: what `invoke dashboard` shows of it beyond its state (a view), the engine whose
  events it follows besides the user's, and the buttons that run its tasks;
- ``containers``: the containers it starts through ``workshop.hardening.hardened`` (the
  README's hardening table has a column for each; their kinds say whose limits it reads);
- ``entry``: the task that reads every setting declared as used by the example before it does
  anything (default: its service's start, else its collection's first task); the bad-input
  tests try each wrong value there.

A setting's ``used_by`` may also name one task of an example (``hello.shell``): the example
reads it too (``Workshop.settings_of``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from invoke import Collection, Task

from workshop.settings import CORE, Registry, Setting
from workshop.waiting import TimedOut, wait_for

if TYPE_CHECKING:  # pragma: no cover - typing only
    from python_on_whales import DockerClient

    from workshop.cli import Ctx, Ran
    from workshop.confirm import Data
    from workshop.hardening import Container


@dataclass(frozen=True)
class Standin:
    """An offline stand-in for an official image: built by `setup` from our base, with the
    service ``service`` of ``compose_file``, when the profile names it."""

    setting: str  # the image setting it stands in for, e.g. NGINX_IMAGE
    name_setting: str  # the setting naming the stand-in image, e.g. STANDIN_NGINX_IMAGE
    compose_file: str
    service: str


@dataclass(frozen=True)
class Service:
    """A long-running example: the task that starts it, the one that removes it (with its
    options), and whether it is up."""

    start: str
    stop: str
    stop_options: dict[str, Any] = field(default_factory=dict)
    is_up: Callable[[Ctx], bool] | None = None
    volumes_option: str | None = None  # the stop option that also deletes its data (a stop task with one,
    # and a purge task, also take ``yes``, which skips its question: `invoke down` asks once for all)
    exists: Callable[[Ctx], bool] | None = None  # given: `up` only resumes it, never makes it
    purge: tuple[str, dict[str, Any]] | None = None  # the task `down --volumes` runs instead of stop


class CheckFailed(Exception):
    """A tour command ran, but its result is not what the tutorial shows."""


def expect(condition: object, problem: str) -> None:
    """Raise CheckFailed(problem) unless ``condition`` holds."""
    if not condition:
        raise CheckFailed(problem)


T = TypeVar("T")

#: how long a tour check waits for what the engine does in its own time (a first log line, a
#: healthcheck, a task scheduled): generous, as the learner's laptop may be busy
TOUR_WAIT = 60.0


def expect_soon(condition: Callable[[], T | None], what: str, hint: str | Callable[[], str] = "") -> T:
    """Wait for ``condition`` to return something truthy (``workshop.waiting.wait_for``, at most
    TOUR_WAIT seconds) and return it; else raise CheckFailed naming ``what`` (and ``hint``).

    For a check whose result the engine reaches in its own time: checked once, it would race it."""
    try:
        return wait_for(condition, what, TOUR_WAIT, interval=0.2, hint=hint)
    except TimedOut as timed_out:
        raise CheckFailed(str(timed_out)) from None


TourCheck = Callable[["Ctx", "Ran", dict], str]


@dataclass(frozen=True)
class Move:
    """One tutorial command, the task that does it here (with options), and the check of its
    result: it returns what it verified or raises CheckFailed. ``noted`` is shared along the tour."""

    tutorial: str
    task: str
    check: TourCheck
    options: dict[str, Any] = field(default_factory=dict)
    note: str = ""  # why the invoke command differs from the tutorial's, if it does


@dataclass(frozen=True)
class Step:
    """An example's chapter of the tour."""

    title: str
    teaches: str
    moves: tuple[Move, ...]
    cleanup: tuple[str, dict[str, Any]] | None = None  # the task (and options) removing what it started
    present: Callable[[Ctx], bool] | None = None  # is what the step makes there? (cleanup runs only then)
    spare_existing: bool = True  # present before the tour: the tour leaves it as it was
    cleanup_note: str = ""  # said before the cleanup runs
    slow: bool = False  # takes a minute or more: `tour --quick` skips it


def no_options(c: Ctx, argument: str) -> dict[str, Any]:
    """An action that takes nothing from the page."""
    return {}


@dataclass(frozen=True)
class Action:
    """A button of `invoke dashboard`: the task it runs (the same body as on the command line) and
    its options, made from the page's argument (a node's name, or nothing)."""

    key: str  # unique on the page, e.g. "stack.scale-up"
    label: str
    task: str
    options: Callable[[Ctx, str], dict[str, Any]] = no_options
    per_node: bool = False  # one button per swarm node, whose hostname is the argument


@dataclass(frozen=True)
class Panel:
    """What `invoke dashboard` shows of an example beyond its state.

    ``view`` returns plain JSON-able data (its ``kind`` tells the page how to draw it; a true
    ``settling`` asks to be read again in 2 s, as a cluster's tasks change without events on
    this engine); ``engine`` is a further engine whose events it follows (None while there is
    none); ``actions`` are its buttons."""

    view: Callable[[Ctx], dict[str, Any]] | None = None
    engine: Callable[[Ctx], DockerClient | None] | None = None
    actions: tuple[Action, ...] = ()


@dataclass(frozen=True)
class Example:
    """One example of the tutorial, as the workshop sees it."""

    name: str  # its `<prefix>.example` label value
    collection: Collection
    settings: tuple[Setting, ...] = ()
    images: tuple[str, ...] = ()
    standins: tuple[Standin, ...] = ()
    compose_files: tuple[str, ...] = ()
    service: Service | None = None
    tour: Step | None = None
    files: Callable[[Ctx], list[Path]] | None = None
    condition: Callable[[Ctx], str | None] | None = None  # a note `status` shows (e.g. unfinished)
    data: Callable[[Ctx], list[Data]] | None = None  # what its data holds, read now (workshop.confirm)
    panel: Panel | None = None  # what `invoke dashboard` shows and offers beyond its state
    containers: tuple[Container, ...] = ()  # what it starts through hardened() (the README's table)
    entry: str = ""  # the task that checks its settings first (default: service.start, else the first task)

    def entry_task(self) -> str:
        """The task that reads every setting declared as used by this example before anything else."""
        if self.entry:
            return self.entry
        if self.service is not None:
            return self.service.start
        return f"{self.collection.name}.{next(iter(self.collection.tasks))}"

    def uses(self, setting: Setting) -> bool:
        """True when ``setting`` is declared as used by this example or by one of its tasks."""
        prefix = f"{self.collection.name}."
        return any(user == self.name or user.startswith(prefix) for user in setting.used_by)


@dataclass
class Workshop:
    """The examples tasks.py plugs in, and the registry of every declared setting."""

    examples: tuple[Example, ...]
    registry: Registry
    root: Collection | None = None

    @classmethod
    def of(cls, *examples: Example) -> Workshop:
        """Assemble: every example's settings join the workshop's own."""
        from workshop.hardening import SETTINGS as LIMITS

        return cls(examples, Registry.of([CORE, LIMITS, *(example.settings for example in examples)]))

    def collection(self, *tasks: Task) -> Collection:
        """The root collection: the workshop's tasks, then each example's collection; the
        workshop itself rides along in the config (``c.config.workshop.shop``)."""
        root = Collection()
        for found in tasks:
            root.add_task(found)
        for example in self.examples:
            root.add_collection(example.collection)
        self.root = root
        root.configure({"workshop": {"shop": self}})
        return root

    def task(self, name: str) -> Task:
        """The task called ``name`` (``nginx.up``, ``status``) in the assembled collection."""
        if self.root is None:
            raise KeyError(f"{name}: the collection is not assembled yet")
        return self.root[name]

    def services(self) -> list[tuple[Example, Service]]:
        """The long-running examples, which `up` starts and `down` stops, with their services."""
        return [(example, example.service) for example in self.examples if example.service is not None]

    def settings_of(self, example: Example) -> list[str]:
        """The settings an example's tasks read: the workshop's own and those declared as used by it."""
        return [s.name for s in self.registry if not s.used_by or example.uses(s)]

    def image_settings(self) -> list[str]:
        """Every image setting the examples run or build FROM (BASE_IMAGE first)."""
        names = ["BASE_IMAGE"]
        for example in self.examples:
            names += [name for name in example.images if name not in names]
        return names

    def standins(self) -> list[Standin]:
        """Every offline stand-in the examples know how to build."""
        return [standin for example in self.examples for standin in example.standins]

    def data(self, c: Ctx, examples: Iterable[str] | None = None) -> list[Data]:
        """What the examples' data holds now (of the examples named ``examples``, or all)."""
        return [
            each
            for example in self.examples
            if example.data is not None and (examples is None or example.name in examples)
            for each in example.data(c)
        ]

    def compose_files(self) -> list[str]:
        """Every compose file the examples drive."""
        return [file for example in self.examples for file in example.compose_files]


def assembled(c: Ctx) -> Workshop:
    """The workshop ``c``'s task collection was assembled from (``tasks.py``'s ``shop``)."""
    shop = c.assembly
    if not isinstance(shop, Workshop):
        raise TypeError(f"the task collection carries {shop!r}, not a Workshop")
    return shop
