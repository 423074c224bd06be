"""What the engine holds for a test project, as the integration tests read it."""

from __future__ import annotations

import re

from workshop.config import Settings
from workshop.engine import Project

#: the columns of `invoke status`'s table
COLUMNS = ("EXAMPLE", "KIND", "NAME", "STATUS", "DETAIL")


def ours(project: str) -> Project:
    """The test project, with the configured label prefix."""
    return Project(project, Settings.load().label_prefix("WORKSHOP_LABEL_PREFIX"))


def label_filter(project: str, example: str | None = None) -> list:
    """docker --filter pairs selecting the test project's resources (of one example)."""
    return ours(project).filters(example)


def snapshot(client, project: str) -> dict[str, list]:
    """The engine's state for ``project``: containers (name, state, id), image ids, volume and network names."""
    filters = label_filter(project)
    return {
        "containers": sorted((c.name, c.state.status, c.id) for c in client.container.list(all=True, filters=filters)),
        "images": sorted(i.id for i in client.image.list(filters=ours(project).image_filters())),
        "volumes": sorted(v.name for v in client.volume.list(filters=filters)),
        "networks": sorted(n.name for n in client.network.list(filters=filters)),
    }


def nothing_of(resources, project: str) -> bool:
    """True when the engine holds nothing of ``project``."""
    return all(not found for found in resources(project).values())


def parse_table(text: str) -> list[dict[str, str]]:
    """The rows of `invoke status`'s table (columns are separated by two or more spaces)."""
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines and re.split(r"\s{2,}", lines[0].strip()) == list(COLUMNS), text
    rows = []
    for line in lines[1:]:
        cells = re.split(r"\s{2,}", line.strip())
        assert len(cells) == len(COLUMNS), f"cannot split {line!r} into {COLUMNS}"
        rows.append(dict(zip(COLUMNS, cells, strict=True)))
    return rows
