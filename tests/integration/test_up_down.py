"""`invoke up` / `invoke down` against the real engine: everything long-running at once,
idempotent both ways, one failure reported in one line, and --volumes."""

from __future__ import annotations

import re
import socket

import pytest

from tasks import shop
from workshop.probe import get, http_url

pytestmark = pytest.mark.integration

#: what `up` starts side by side (the swarm it only resumes: it never makes one)
EXAMPLES = tuple(example.name for example, service in shop.services() if service.exists is None)


def reported(stdout: str, example: str) -> str:
    """The status word(s) `up`/`down` reported for ``example``."""
    words = "already up|started|removed|stopped|not running|not made|FAILED"
    match = re.search(rf"^{example}\s+({words})\s", stdout, re.MULTILINE)
    assert match, stdout
    return match.group(1)


def running(resources, workshop) -> dict[str, str]:
    """name -> id of the test project's running containers."""
    return {c.name: c.id for c in resources(workshop.project)["containers"] if c.state.running}


def page(workshop, port_setting: str):
    return get(http_url("127.0.0.1", int(workshop.env[port_setting])))


def test_up_starts_all_three_up_again_changes_nothing_down_removes_them_down_again_is_fine(workshop, resources):
    first = workshop.run("up", timeout=900).ok().stdout
    assert [reported(first, example) for example in EXAMPLES] == ["started"] * len(EXAMPLES)
    assert reported(first, "swarm") == "not made"  # `up` resumes a swarm, never makes one
    assert page(workshop, "NGINX_PORT").status == 200
    counter = page(workshop, "APP_PORT")
    assert (counter.status, counter.body) == (200, b"Hello from Redis! I have been seen 1 times.\n")
    ids = running(resources, workshop)
    assert workshop.env["DAEMON_NAME"] in ids and workshop.env["NGINX_NAME"] in ids
    assert len(ids) == 4  # daemon, nginx, app, redis

    again = workshop.run("up", timeout=900).ok().stdout
    assert [reported(again, example) for example in EXAMPLES] == ["already up"] * len(EXAMPLES)
    assert "everything was already up; nothing to do" in again
    assert running(resources, workshop) == ids

    down = workshop.run("down", timeout=300).ok().stdout
    assert [reported(down, example) for example in EXAMPLES] == ["removed"] * len(EXAMPLES)
    assert "data kept in volume(s)" in down
    found = resources(workshop.project)
    assert found["containers"] == []
    assert [volume.name for volume in found["volumes"]] == [f"{workshop.project}_redis_data"]
    assert workshop.run("down", timeout=300).ok().stdout.strip() == "nothing is running; nothing to do"


def test_one_failure_is_one_line_naming_it_after_the_others_are_up_and_down_volumes_deletes_the_data(
    workshop,
    resources,
):
    port = int(workshop.env["NGINX_PORT"])
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        result = workshop.run("up", timeout=900)
    result.one_line_error("`invoke nginx.up` failed", "NGINX_PORT", f"{port} is already in use")
    assert reported(result.stdout, "nginx") == "FAILED"
    assert reported(result.stdout, "daemon") == reported(result.stdout, "compose") == "started"
    assert page(workshop, "APP_PORT").status == 200  # the others were let finish

    down = workshop.run("down", "--volumes", timeout=300).ok().stdout
    assert "--volumes: the data of compose is deleted too" in down and "the data is gone" in down
    assert reported(down, "nginx") == "not running"
    found = resources(workshop.project)
    assert found["containers"] == [] and found["volumes"] == []
    assert workshop.run("down", "--volumes", timeout=300).ok().stdout.strip() == "nothing is running; nothing to do"
