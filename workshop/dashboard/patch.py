"""An engine event, put on the board at once: what the event itself says (a container started or
died, a node went down or was drained, a service began to change) is applied to the parts as
last read, so the page shows it within a moment; the parts the event touched are then read
again the usual way (``board.parts``), which confirms or corrects it.

Pure functions over plain data: an event is a :class:`Fact`, a part is what ``board`` read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workshop.dashboard.board import state_from


@dataclass(frozen=True)
class Fact:
    """What the dashboard uses of one engine event."""

    engine: str  # "engine" (the user's) or the name of the example whose further engine it is
    type: str  # container, node, service, network, ...
    action: str  # start, die, health_status: healthy, update, ...
    id: str
    attributes: dict[str, str] = field(default_factory=dict)


def touched(fact: Fact, example_key: str, conditional: set[str]) -> set[str]:
    """The parts an event may change (names that are no part are left out by the board). On the
    user's engine: the examples' rows, the event's example's panel, and its note when it has
    one. On a panel's further engine (a cluster's manager): that panel; its note too when the
    event is about one of the cluster's nodes (a task or a service changing leaves the note as
    it is, and reading it costs as much as the panel)."""
    if fact.engine != "engine":
        parts = {f"panel:{fact.engine}"}
        if fact.type == "node" and fact.engine in conditional:
            parts.add("notes")
        return parts
    example = fact.attributes.get(example_key, "")
    parts = {"engine", f"panel:{example}"}
    if example in conditional:
        parts.add("notes")
    return parts


def container_status(fact: Fact, before: str) -> str | None:
    """The `docker ps` status a container event leaves its container in (None: it is gone; ``before``
    when the event says nothing of it). A new start has no health yet; a health event keeps the
    container up with that health."""
    action = fact.action
    if action == "start":
        return "Up Less than a second"
    if action == "die":
        return f"Exited ({fact.attributes.get('exitCode', '?')}) Less than a second ago"
    if action == "create":
        return "Created"
    if action == "destroy":
        return None
    if action.startswith("health_status: "):
        health = action.removeprefix("health_status: ")
        up = before.split(" (", 1)[0] if before.startswith("Up") else "Up"
        return f"{up} ({health})"
    return before


def patch_row(row: dict[str, Any], fact: Fact) -> bool:
    """Apply a container event to its example's row: the container's status, the example's state
    and URLs. True if the row changed."""
    containers = [dict(c) for c in row.get("containers", [])]
    name = fact.attributes.get("name", "")
    mine = next((c for c in containers if c["name"] == name), None)
    before = mine["status"] if mine else ""
    after = container_status(fact, before)
    if after == before and mine is not None:
        return False
    if mine is None:
        if after is None:
            return False
        mine = {"name": name, "status": after, "urls": []}
        containers.append(mine)
    if after is None:
        containers.remove(mine)
    else:
        mine["status"] = after
    row["containers"] = containers
    row["state"] = state_from([c["status"] for c in containers])
    row["urls"] = sorted({url for c in containers if c["status"].startswith("Up") for url in c["urls"]})
    return True


def patch_engine(part: Any, fact: Fact, example_key: str) -> bool:
    """A container event of the user's engine, applied to the examples' rows. True if one changed."""
    if fact.type != "container" or not isinstance(part, dict) or not part.get("ok"):
        return False
    example = fact.attributes.get(example_key)
    rows = [row for row in part.get("examples", []) if row["name"] == example]
    changed = [patch_row(row, fact) for row in rows]  # every row patched, not only up to the first
    return any(changed)


NODE_FIELDS = ("state", "availability", "role")


def patch_cluster(view: Any, fact: Fact) -> bool:
    """An event of a cluster's manager applied to its view: a node's new state, availability or
    role shown at once; a service that changes makes the view say it is changing. True if the
    view changed."""
    if not isinstance(view, dict) or view.get("kind") != "cluster" or not view.get("ok"):
        return False
    if fact.type == "node":
        node = next((n for n in view.get("nodes", []) if n["id"] == fact.id), None)
        new = {key: fact.attributes[f"{key}.new"] for key in NODE_FIELDS if f"{key}.new" in fact.attributes}
        if node is None or all(node.get(key) == value for key, value in new.items()):
            return False
        node.update(new)
        return True
    if fact.type == "service" and fact.action in ("create", "update", "remove") and not view.get("settling"):
        view["settling"] = True
        return True
    return False


def apply(read: dict[str, Any], fact: Fact, example_key: str) -> set[str]:
    """Apply ``fact`` to the parts in ``read`` (in place); the names of the parts it changed."""
    changed = set()
    if fact.engine == "engine" and patch_engine(read.get("engine"), fact, example_key):
        changed.add("engine")
    name = f"panel:{fact.engine}"
    if fact.engine != "engine" and patch_cluster(read.get(name), fact):
        changed.add(name)
    return changed
