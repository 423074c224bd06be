"""What the page shows, read the way `invoke status` reads it (``inventory.collect`` and the
examples' conditions) plus each example's panel (the swarm's nodes and tasks as `swarm.nodes`
and `stack.ps` read them, the counter's count): one JSON-able dict, read in one go.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from workshop.cli import Ctx, typed
from workshop.errors import describe
from workshop.example import Example, assembled
from workshop.inventory import Resource, collect, conditions


def state_of(containers: list[Resource]) -> str:
    """An example's state from its containers' `docker ps` status: not started, running, healthy,
    unhealthy or stopped."""
    return state_from([r.status for r in containers])


def state_from(statuses: list[str]) -> str:
    """An example's state from the `docker ps` statuses of its containers (see :func:`state_of`)."""
    if not statuses:
        return "not started"
    up = [s for s in statuses if s.startswith("Up")]
    if any("(unhealthy)" in s for s in up):
        return "unhealthy"
    if not up:
        return "stopped"
    if len(up) == len(statuses) and all("(healthy)" in s for s in up):
        return "healthy"
    return "running"


def start_task(example: Example) -> str:
    """The command that starts an example: its service's start task, else its first tour move."""
    if example.service is not None:
        return typed(example.service.start, {})
    if example.tour is not None and example.tour.moves:
        move = example.tour.moves[0]
        return typed(move.task, {})
    return ""


def example_rows(examples: tuple[Example, ...], found: list[Resource], notes: dict[str, str]) -> list[dict]:
    """One row per example of the tour, in the tutorial's order: name, state, URLs, start task, note."""
    rows = []
    for example in examples:
        if example.tour is None:
            continue
        containers = [r for r in found if r.example == example.name and r.kind == "container"]
        rows.append(
            {
                "name": example.name,
                "title": example.tour.title,
                "state": state_of(containers),
                "urls": sorted({url for r in containers for url in r.detail.split() if r.status.startswith("Up")}),
                # each container as read: an engine event changes its status at once (patch.py)
                "containers": [{"name": r.name, "status": r.status, "urls": r.detail.split()} for r in containers],
                "start": start_task(example),
                "note": notes.get(example.name, ""),
            }
        )
    return rows


def actions(examples: tuple[Example, ...]) -> list[dict]:
    """Every button the examples' panels offer."""
    return [
        {"key": a.key, "label": a.label, "example": e.name, "per_node": a.per_node, "command": typed(a.task, {})}
        for e in examples
        if e.panel
        for a in e.panel.actions
    ]


def inventory(c: Ctx) -> dict[str, Any]:
    """The user's engine: every example's row (without its note), or the engine's one-line failure."""
    try:
        found = collect(c.docker, c.project)
    except Exception as exc:  # noqa: BLE001 - any failure of the engine is shown, and read again later
        return {"ok": False, "error": describe(exc) or repr(exc), "examples": []}
    return {"ok": True, "error": "", "examples": example_rows(assembled(c).examples, found, {})}


def notes(c: Ctx) -> dict[str, str]:
    """Each example's note beyond its containers, as `status` prints it (the swarm stopped or unfinished)."""
    try:
        return {example.name: note for example, note in conditions(c)}
    except Exception:  # noqa: BLE001 - the engine's failure is the inventory's to show
        return {}


def panel_view(c: Ctx, example: Example) -> dict[str, Any]:
    """One example's panel view, or its one-line failure."""
    assert example.panel is not None and example.panel.view is not None
    try:
        return example.panel.view(c)
    except Exception as exc:  # noqa: BLE001 - shown on the page; the next event reads it again
        return {"kind": "error", "error": describe(exc) or repr(exc), "settling": False}


def parts(c: Ctx) -> dict[str, Callable[[], Any]]:
    """The board's parts, each read on its own (side by side; each shown as soon as it is read):
    ``engine`` (the examples on the user's engine), ``actions``, and ``panel:NAME`` per view."""
    fresh = Ctx.wrap(c)  # settings read anew: a changed .env shows without a restart
    found: dict[str, Callable[[], Any]] = {
        "engine": lambda: inventory(Ctx.wrap(fresh)),
        "notes": lambda: notes(Ctx.wrap(fresh)),
        "actions": lambda: actions(assembled(fresh).examples),
    }
    for example in assembled(fresh).examples:
        if example.panel and example.panel.view:
            found[f"panel:{example.name}"] = functools.partial(panel_view, Ctx.wrap(fresh), example)
    return found


def assemble(read: dict[str, Any]) -> dict[str, Any]:
    """The board the page gets, from the parts read so far."""
    engine = read.get("engine", {"ok": True, "error": "", "examples": []})
    noted = read.get("notes", {})
    engine = {**engine, "examples": [{**row, "note": noted.get(row["name"], "")} for row in engine["examples"]]}
    return {
        "engine": engine,
        "actions": read.get("actions", []),
        "panels": {key.removeprefix("panel:"): value for key, value in read.items() if key.startswith("panel:")},
    }
