"""The task collection: `invoke --list` shows it. This file only assembles: every example
lives in its own folder (examples/<name>/example.py, its ``Example`` objects) and plugs in with
its folder's name in FOLDERS below; the workshop's own tasks live in workshop/."""

from workshop.catalog import catalog
from workshop.dashboard.task import dashboard
from workshop.doctor import doctor
from workshop.everything import down, up
from workshop.example import Example, Workshop
from workshop.generate import settings
from workshop.inventory import clean, status
from workshop.provision import setup
from workshop.testing import lint, test
from workshop.tour import tour

#: the examples' folders, in the tutorial's order
FOLDERS = ("hello", "nginx", "curl", "compose", "swarm")


def examples_in(folder: str) -> list[Example]:
    """The ``Example`` objects examples/<folder>/example.py holds whose tasks it defines (hello's
    holds two: hello and daemon), in the order it defines them."""
    # __import__, not importlib.import_module: only the import statement's path shows in
    # `python -X importtime`, which the tests read to see what `invoke --list` loads
    module, prefix = __import__(f"examples.{folder}.example", fromlist=["example"]), f"examples.{folder}."
    return [
        value
        for value in vars(module).values()
        if isinstance(value, Example)
        and any(task.body.__module__.startswith(prefix) for task in value.collection.tasks.values())
    ]


shop = Workshop.of(*(example for folder in FOLDERS for example in examples_in(folder)))
ns = shop.collection(setup, test, lint, doctor, status, clean, tour, up, down, settings, catalog, dashboard)
