"""What `invoke setup` changed on this machine, kept so that `invoke setup --undo` reverses
exactly that and nothing else.

One JSON file in the state folder: a list of changes, oldest first, each a kind and the
details its undo needs (a package list, a process id and command line, a file and its
checksum, an env line). Setup appends one when a fix changes something; undo removes each
once it is reversed (or found gone already).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from workshop.state import hand_over, state_dir

NAME = "setup-changes.json"

#: the kinds of change setup makes, as its help and the undo name them
PACKAGES, PIP, DOCKERD, SERVICE, GUARD, PLUGIN, ENV_LINE = (
    "packages",
    "pip",
    "dockerd",
    "service",
    "guard",
    "plugin",
    "env-line",
)


@dataclass(frozen=True)
class Change:
    """One change setup made: its kind and what undoing it needs to know."""

    kind: str
    detail: dict[str, str] = field(default_factory=dict)


def path() -> Path:
    """Where the record lives."""
    return state_dir() / NAME


def changes() -> list[Change]:
    """Every change recorded and not yet undone, oldest first."""
    try:
        raw = json.loads(path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [Change(str(item["kind"]), {k: str(v) for k, v in item.get("detail", {}).items()}) for item in raw]


def save(kept: list[Change]) -> None:
    """Write the record (the clone's owner keeps it readable and writable)."""
    target = path()
    target.write_text(json.dumps([asdict(change) for change in kept], indent=1) + "\n", encoding="utf-8")
    hand_over(target)


def record(kind: str, **detail: str) -> None:
    """Remember one change setup just made."""
    save([*changes(), Change(kind, detail)])


def forget(change: Change) -> None:
    """Drop a change once it is undone."""
    kept = changes()
    if change in kept:
        kept.remove(change)
    save(kept)


def checksum(file: Path) -> str:
    """A file's SHA-256, to tell later whether it is still the one setup wrote."""
    return hashlib.sha256(file.read_bytes()).hexdigest()
