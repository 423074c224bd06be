"""`invoke --list`, `--help` and shell completion without importing the examples.

Assembling the task collection imports every example and most of the workshop (about 70
modules), while a listing needs only the tasks' names, help texts and options. So the first run
after a source file changed assembles the collection and saves what invoke reads of it in
``__pycache__/tasks.listing.json`` beside tasks.py (see ``place``), with the size and time of every source
file; a later run that finds the same sources builds the collection from that file, and a task's
code is imported only when the task runs. Like bytecode, the listing is not written when
``PYTHONDONTWRITEBYTECODE`` is set, nor where the folder is read-only (each run then assembles).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from invoke import Collection, Context, Task, __version__

from workshop.options import fields_of, option

FORMAT = 1  # of the file; a change here makes every saved listing stale
KINDS: dict[str, type] = {"str": str, "int": int, "float": float, "bool": bool, "list": list}
Assemble = Callable[[], tuple[Any, Collection]]


def sources(root: Path) -> list[list[Any]]:
    """Path, size and modification time of every Python file the assembly can import: tasks.py,
    and the modules of the ``workshop`` and ``examples`` packages (folders with an __init__.py)."""
    found: list[list[Any]] = []

    def add(path: str) -> None:
        status = os.stat(path)
        found.append([os.path.relpath(path, root), status.st_size, status.st_mtime_ns])

    def walk(folder: str) -> None:
        with os.scandir(folder) as entries:
            for entry in sorted(entries, key=lambda each: each.name):
                if entry.name.endswith(".py") and entry.is_file():
                    add(entry.path)
                elif entry.is_dir() and os.path.isfile(os.path.join(entry.path, "__init__.py")):
                    walk(entry.path)

    add(str(root / "tasks.py"))
    for package in ("workshop", "examples"):
        walk(str(root / package))
    return found


def fingerprint(root: Path) -> dict[str, Any]:
    """What the listing was made from: this file's format, Python, invoke and the sources."""
    return {"format": FORMAT, "python": sys.version, "invoke": __version__, "sources": sources(root)}


def described(collection: Collection) -> dict[str, Any]:
    """What invoke reads of ``collection`` for a listing, as JSON; ValueError if some of it does
    not survive JSON (an option of an unusual kind or default)."""
    tasks = []
    for key, found in collection.tasks.items():
        if found.pre or found.post:
            raise ValueError(f"{key}: tasks run before or after it are not listed")
        arguments, kept = [], dict(found.help)  # invoke's own Task uses its help up as it reads it
        try:
            options = found.get_arguments()
        finally:
            found.help = kept
        for argument in options:
            fields = fields_of(argument)
            kind = next((name for name, each in KINDS.items() if each is fields["kind"]), None)
            if kind is None or json.loads(json.dumps(fields["default"])) != fields["default"]:
                raise ValueError(f"{key}: its option {argument.name} does not survive JSON")
            arguments.append({**fields, "names": list(fields["names"]), "kind": kind})
        aliases = [alias for alias, target in collection.tasks.aliases.items() if target == key]
        tasks.append({"key": key, "doc": found.__doc__ or "", "aliases": aliases, "arguments": arguments})
    return {
        "name": collection.name,
        "doc": collection.__doc__,
        "default": collection.default,
        "tasks": tasks,
        "collections": [described(each) for each in collection.collections.values()],
    }


class ListedTask(Task):
    """A task known from the saved listing: its help and options are the listing's; calling it
    assembles the workshop and runs the real task, with the real collection's configuration."""

    def __init__(self, path: str, entry: dict[str, Any], run: Callable[..., Any]) -> None:
        super().__init__(run, name=entry["key"], positional=())
        self.path = path
        self.entry = entry
        self.__doc__ = entry["doc"]
        self.__name__ = entry["key"]

    def get_arguments(self, ignore_unknown_help: bool | None = None) -> list:
        return [
            option(**{**fields, "names": tuple(fields["names"]), "kind": KINDS[fields["kind"]]})
            for fields in self.entry["arguments"]
        ]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ListedTask) and other.path == self.path

    def __hash__(self) -> int:
        return hash(self.path)


def place(root: Path) -> Path:
    """Where the listing of the tasks.py in ``root`` is saved: where its bytecode goes
    (``__pycache__`` beside it, or under PYTHONPYCACHEPREFIX, as Python places bytecode there)."""
    if sys.pycache_prefix:
        return Path(sys.pycache_prefix + str(root)) / "tasks.listing.json"
    return root / "__pycache__" / "tasks.listing.json"


def caching() -> bool:
    """Whether the workshop writes its caches (bytecode, the listing): unless PYTHONDONTWRITEBYTECODE says not to."""
    return not os.environ.get("PYTHONDONTWRITEBYTECODE")


class Listing:
    """The task collection of the tasks.py in ``root``: from the saved listing while the sources
    are unchanged, else assembled (``assemble`` returns the workshop and its collection) and saved."""

    def __init__(self, root: Path, assemble: Assemble) -> None:
        self.root = root
        self.assemble = assemble
        self.file = place(root)
        self._assembled: tuple[Any, Collection] | None = None

    def assembled(self) -> tuple[Any, Collection]:
        """The workshop and its real task collection, assembled once."""
        if self._assembled is None:
            # invoke turns bytecode off unless given --write-pyc, so every task would compile the
            # workshop's modules anew (about 50 ms of CPU): they are cached, as the listing is
            sys.dont_write_bytecode = not caching()
            self._assembled = self.assemble()
        return self._assembled

    def collection(self) -> Collection:
        """The collection invoke lists and runs: from the saved listing when it is current."""
        now = fingerprint(self.root)
        try:
            saved = json.loads(self.file.read_text(encoding="utf-8"))
            if saved["fingerprint"] == now:
                return self.listed(saved["collection"])
        except (OSError, ValueError, KeyError, TypeError):
            pass  # none yet, or unreadable: assemble
        real = self.assembled()[1]
        self.save(real, now)
        return real

    def save(self, real: Collection, now: dict[str, Any]) -> None:
        """Save the listing of ``real`` (not when bytecode is not written, or cannot be)."""
        if not caching():
            return
        try:
            text = json.dumps({"fingerprint": now, "collection": described(real)})
            self.file.parent.mkdir(parents=True, exist_ok=True)
            partial = self.file.with_name(f"{self.file.name}.{os.getpid()}")
            partial.write_text(text, encoding="utf-8")
            os.replace(partial, self.file)
        except (OSError, ValueError):
            pass  # a read-only clone, or a task the listing cannot hold: every run assembles

    def listed(self, node: dict[str, Any], prefix: str = "") -> Collection:
        """The collection described by ``node``, its tasks ListedTasks."""
        made = Collection(node["name"]) if node["name"] else Collection()
        made.__doc__ = node["doc"]
        for entry in node["tasks"]:
            path = prefix + entry["key"]
            made.add_task(ListedTask(path, entry, self.runner(path)), name=entry["key"], aliases=entry["aliases"])
        for each in node["collections"]:
            made.add_collection(self.listed(each, f"{prefix}{each['name']}."))
        if node["default"]:
            made.default = node["default"]
        return made

    def runner(self, path: str) -> Callable[..., Any]:
        """The body of the listed task ``path``: the real task, in the real collection's configuration."""

        def run(c: Context, *args: Any, **kwargs: Any) -> Any:
            real = self.assembled()[1]
            c.config.load_collection(real.configuration(path))
            return real[path](c, *args, **kwargs)

        return run
