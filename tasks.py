"""The task collection: `invoke --list` shows it. This file only assembles: every example
lives in its own folder (examples/<name>/example.py, its ``Example`` objects) and plugs in with
its folder's name in FOLDERS below; the workshop's own tasks live in workshop/.

`invoke --list`, `--help` and shell completion read a saved listing of the collection while no
source changed (workshop.listing): the examples are imported only when a task runs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from workshop.listing import Listing

if TYPE_CHECKING:  # pragma: no cover - typing only
    from invoke import Collection

    from workshop.example import Example, Workshop

#: the examples' folders, in the tutorial's order
FOLDERS = ("hello", "nginx", "curl", "compose", "swarm")


def examples_in(folder: str) -> list[Example]:
    """The ``Example`` objects examples/<folder>/example.py holds whose tasks it defines (hello's
    holds two: hello and daemon), in the order it defines them."""
    from workshop.example import Example

    # __import__, not importlib.import_module: only the import statement's path shows in
    # `python -X importtime`, which the tests read to see what `invoke --list` loads
    module, prefix = __import__(f"examples.{folder}.example", fromlist=["example"]), f"examples.{folder}."
    return [
        value
        for value in vars(module).values()
        if isinstance(value, Example)
        and any(task.body.__module__.startswith(prefix) for task in value.collection.tasks.values())
    ]


def assemble() -> tuple[Workshop, Collection]:
    """The workshop (every example in FOLDERS) and its task collection."""
    from workshop.catalog import catalog
    from workshop.dashboard.task import dashboard
    from workshop.doctor import doctor
    from workshop.everything import down, up
    from workshop.example import Workshop
    from workshop.generate import settings
    from workshop.inventory import clean, status
    from workshop.provision import setup
    from workshop.testing import lint, test
    from workshop.tour import tour

    shop = Workshop.of(*(example for folder in FOLDERS for example in examples_in(folder)))
    return shop, shop.collection(setup, test, lint, doctor, status, clean, tour, up, down, settings, catalog, dashboard)


listing = Listing(Path(__file__).resolve().parent, assemble)
ns = listing.collection()


def __getattr__(name: str) -> Any:
    """``tasks.shop``: the assembled workshop (assembled on first use)."""
    if name == "shop":
        return listing.assembled()[0]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
