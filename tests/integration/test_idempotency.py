"""Every task run twice in a row leaves the engine as the first run left it (against the real
engine), walking the whole task list in order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT
from engine_state import snapshot

from tasks import shop

SETTINGS = shop.registry.settings

pytestmark = pytest.mark.integration

COMMITTED_PAGE = ROOT / "examples" / "nginx" / "html" / "index.html"


# -- idempotency ----------------------------------------------------------------------------


@dataclass
class Step:
    """One task of the walk: its arguments, what the engine holds after it, what its second run says."""

    args: tuple[str, ...]
    expect: Callable[[dict, object], None] = lambda state, shop: None
    again_says: str | None = None
    timeout: float = 180

    @property
    def name(self) -> str:
        return " ".join(self.args)


def containers(state) -> dict[str, str]:
    return {name: status for name, status, _ in state["containers"]}


def expect_only(**wanted) -> Callable[[dict, object], None]:
    """Expectation: exactly these containers (name setting -> status), image count, volumes, networks."""

    def check(state, shop) -> None:
        names = {shop.env[setting]: status for setting, status in wanted.get("containers", {}).items()}
        if "stack" in wanted:
            assert len(state["containers"]) == len(names) + 2, state["containers"]
            assert all(status == "running" for status in containers(state).values()), state["containers"]
        else:
            assert containers(state) == names, state["containers"]
        assert len(state["images"]) == wanted.get("images", 0), state["images"]
        volumes = [f"{shop.project}_redis_data"] if wanted.get("volume") else []
        assert state["volumes"] == volumes, state["volumes"]
        networks = sorted(n.format(project=shop.project) for n in wanted.get("networks", []))
        assert state["networks"] == networks, state["networks"]

    return check


NET = "{project}-net"
STACK_NET = "{project}_default"

# Left out on purpose: compose.hit (each hit adds one to the counter, by design: not idempotent),
# hello.shell (needs a terminal), nginx.open (opens a browser), tour (runs all of these itself and
# removes what it started; tests/integration/test_tour.py) and test (runs this suite).
WALK: list[Step] = [
    Step(("setup",), expect_only(), again_says="nothing changed", timeout=900),
    Step(("hello.run",), expect_only(), again_says="Hello world"),
    Step(("daemon.start",), expect_only(containers={"DAEMON_NAME": "running"}), again_says="already running"),
    Step(("daemon.logs",), expect_only(containers={"DAEMON_NAME": "running"}), again_says="hello world"),
    Step(("daemon.status",), expect_only(containers={"DAEMON_NAME": "running"}), again_says=" Up "),
    Step(("daemon.stop",), expect_only(containers={"DAEMON_NAME": "exited"}), again_says="nothing to stop"),
    Step(("daemon.start",), expect_only(containers={"DAEMON_NAME": "running"}), again_says="already running"),
    Step(("daemon.rm", "--force"), expect_only(), again_says="nothing to remove"),
    Step(("nginx.up",), expect_only(containers={"NGINX_NAME": "running"}, networks=[NET]), again_says="already up"),
    Step(
        ("nginx.inspect",), expect_only(containers={"NGINX_NAME": "running"}, networks=[NET]), again_says="state:   Up"
    ),
    Step(("nginx.logs",), expect_only(containers={"NGINX_NAME": "running"}, networks=[NET])),
    Step(
        ("curl.build",),
        expect_only(containers={"NGINX_NAME": "running"}, networks=[NET], images=1),
        again_says="built ",
        timeout=600,
    ),
    Step(
        ("curl.images",),
        expect_only(containers={"NGINX_NAME": "running"}, networks=[NET], images=1),
        again_says="latest",
    ),
    Step(
        ("curl.run", "--site-url", "http://{NGINX_NAME}:8080/"),
        expect_only(containers={"NGINX_NAME": "running"}, networks=[NET], images=1),
        again_says="fetched ",
        timeout=600,
    ),
    Step(
        ("curl.clean",),
        expect_only(containers={"NGINX_NAME": "running"}, networks=[NET]),
        again_says="no curl images to remove",
    ),
    Step(("nginx.down",), expect_only(networks=[NET]), again_says="nothing to do"),
    Step(("compose.build",), expect_only(networks=[NET], images=1), again_says="built ", timeout=900),
    Step(
        ("compose.up",),
        expect_only(stack=True, networks=[NET, STACK_NET], images=1, volume=True),
        again_says="up and healthy",
        timeout=900,
    ),
    Step(
        ("compose.ps",), expect_only(stack=True, networks=[NET, STACK_NET], images=1, volume=True), again_says="healthy"
    ),
    Step(
        ("compose.volumes",),
        expect_only(stack=True, networks=[NET, STACK_NET], images=1, volume=True),
        again_says="_redis_data",
    ),
    Step(("compose.logs",), expect_only(stack=True, networks=[NET, STACK_NET], images=1, volume=True)),
    Step(("compose.down",), expect_only(networks=[NET], images=1, volume=True), again_says="data kept", timeout=300),
    Step(
        ("up",),
        expect_only(
            containers={"DAEMON_NAME": "running", "NGINX_NAME": "running"},
            stack=True,
            networks=[NET, STACK_NET],
            images=1,
            volume=True,
        ),
        again_says="nothing to do",
        timeout=900,
    ),
    Step(("down",), expect_only(networks=[NET], images=1, volume=True), again_says="nothing to do", timeout=300),
    Step(("status",), expect_only(networks=[NET], images=1, volume=True), again_says="network"),
    Step(("doctor",), expect_only(networks=[NET], images=1, volume=True), again_says="all checks passed"),
    Step(("clean",), expect_only(volume=True), again_says="to remove"),
    Step(("clean", "--volumes"), expect_only(), again_says="to remove"),
]


@pytest.mark.slow  # every task twice in a row: about 6 minutes under load
def test_every_task_run_twice_in_a_row_leaves_the_engine_as_the_first_run_left_it(workshop, docker_client):
    """Walk the task list in order; each step runs twice and must not change anything the second time."""
    for number, step in enumerate(WALK, 1):
        args = [arg.format(**workshop.env) for arg in step.args]
        label = f"step {number} `invoke {' '.join(args)}`"
        first = workshop.run(*args, timeout=step.timeout)
        assert first.returncode == 0, f"{label}, first run, exited {first.returncode}:\n{first.stdout}\n{first.stderr}"
        after_first = snapshot(docker_client, workshop.project)
        second = workshop.run(*args, timeout=step.timeout)
        assert second.returncode == 0, (
            f"{label}, second run, exited {second.returncode}:\n{second.stdout}\n{second.stderr}"
        )
        after_second = snapshot(docker_client, workshop.project)
        assert after_second == after_first, (
            f"{label}: the second run changed the engine\nafter the first:  {after_first}\n"
            f"after the second: {after_second}\nsecond run said:\n{second.stdout}"
        )
        try:
            step.expect(after_second, workshop)
        except AssertionError as failure:
            raise AssertionError(f"{label}: unexpected engine state: {failure}") from None
        if step.again_says is not None:
            assert step.again_says in second.stdout, (
                f"{label}: second run did not say {step.again_says!r}:\n{second.stdout}"
            )
    assert not Path(workshop.env["CURL_RESULTS_DIR"], "results").exists()
