"""For every task that reads settings, against the real engine: a wrong value stops it with one
`error:` line naming the setting, and nothing is created: no container, image, volume or
network of the project, nothing carrying the test's names, no folder the tasks write into.

One case per task (the first the table gives for it); every wrong value of every setting
is checked in this process by tests/unit/test_bad_input.py.
"""

from __future__ import annotations

import isolated
import pytest
from bad_values import CASES

import tasks

pytestmark = pytest.mark.integration


def first_case_per_task() -> list:
    seen: dict[str, object] = {}
    for param in CASES:
        seen.setdefault(param.values[0].task, param)
    return list(seen.values())


@pytest.mark.parametrize("case", first_case_per_task())
def test_a_wrong_value_stops_the_task_before_it_creates_anything(workshop, docker_client, resources, case):
    result = workshop.run(case.task, timeout=600, **{case.setting: case.value})
    # things carrying the test's names but maybe not its labels (a wrong label prefix, say)
    left = isolated.leftovers(docker_client, workshop.env, tasks.shop.registry)
    try:
        result.one_line_error(case.setting, "(from environment)", *case.words)
        assert all(not found for found in resources(workshop.project).values()), resources(workshop.project)
        assert left == [], f"created despite the wrong value: {left}"
        made = [folder for folder in isolated.folders(workshop.env, tasks.shop.registry) if folder.exists()]
        assert made == [], f"created despite the wrong value: {made}"
    finally:
        for kind, name in left:
            if kind == "image":
                docker_client.image.remove(name, force=True)
            else:
                docker_client.container.remove(name, force=True)
