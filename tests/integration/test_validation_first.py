"""For every task that reads settings, against the real engine: a wrong value stops it with one
`error:` line naming the setting, and nothing is created: no container, image, volume or
network of the project, nothing carrying the test's names, no results folder.

One case per task (the first the table gives for it); every wrong value of every setting
is checked in this process by tests/unit/test_bad_input.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bad_values import CASES

pytestmark = pytest.mark.integration


def first_case_per_task() -> list:
    seen: dict[str, object] = {}
    for param in CASES:
        seen.setdefault(param.values[0].task, param)
    return list(seen.values())


def named_leftovers(client, shop) -> list[tuple[str, str]]:
    """Things carrying the test's names but maybe not its labels (a wrong label prefix, say)."""
    found = []
    for image in (f"{shop.env['CURL_IMAGE']}:1.0", f"{shop.env['CURL_IMAGE']}:latest", shop.env["APP_IMAGE"]):
        if client.image.exists(image):
            found.append(("image", image))
    for name in (shop.env["NGINX_NAME"], shop.env["DAEMON_NAME"]):
        if client.container.exists(name):
            found.append(("container", name))
    return found


@pytest.mark.parametrize("case", first_case_per_task())
def test_a_wrong_value_stops_the_task_before_it_creates_anything(workshop, docker_client, resources, case):
    result = workshop.run(case.task, timeout=600, **{case.setting: case.value})
    left = named_leftovers(docker_client, workshop)
    try:
        result.one_line_error(case.setting, "(from environment)", *case.words)
        assert all(not found for found in resources(workshop.project).values()), resources(workshop.project)
        assert left == [], f"created despite the wrong value: {left}"
        assert not Path(workshop.env["CURL_RESULTS_DIR"]).exists(), "the results folder was created"
    finally:
        for kind, name in left:
            if kind == "image":
                docker_client.image.remove(name, force=True)
            else:
                docker_client.container.remove(name, force=True)
