"""Example 5 while things change and break, under load: rolling updates, an automatic rollback,
a drained node and killed nodes, on a 3-node swarm of containers with the stack deployed.

Load goes to 127.0.0.1 only (the stack's published port), from 10 clients, bounded in count
and time (tests/load.py). Every test leaves the cluster as it found it: 3 Ready, active nodes
and the stack healthy.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from load import Load, visit
from python_on_whales import DockerClient

from examples.swarm.example import settled
from workshop.config import STATE_DIR

pytestmark = pytest.mark.integration

RELEASES = Path(__file__).parent / "releases"


@pytest.fixture(scope="module")
def releases(cluster, docker_client, tmp_path_factory):
    """Two releases of the app under test: ``v2`` (its X-Served-By marked " v2") and ``broken``
    (its /healthz always fails), built FROM the app image the cluster runs."""
    names = {"v2": f"{cluster.project}-release-v2", "broken": f"{cluster.project}-release-broken"}
    env_file = tmp_path_factory.mktemp("releases") / "releases.env"
    env_file.write_text(f"RELEASE_TAG={cluster.project}-release\nAPP_IMAGE={cluster.env['APP_IMAGE']}\n")
    builder = DockerClient(
        compose_files=[RELEASES / "compose.yml"], compose_env_files=[env_file], compose_project_name=cluster.project
    )
    builder.compose.build()
    yield names
    for name in names.values():
        if docker_client.image.exists(name):
            docker_client.image.remove(name, force=True)


def manager(cluster) -> DockerClient:
    return DockerClient(host=f"unix://{STATE_DIR / 'swarm' / cluster.project / 'sock' / 'docker.sock'}")


def url(cluster) -> str:
    return f"http://127.0.0.1:{cluster.env['SWARM_PORT']}/"


def current(cluster) -> int:
    """The count now (one hit, which counts)."""
    answer = visit("127.0.0.1", int(cluster.env["SWARM_PORT"]), 10)
    assert answer.status == 200, answer
    assert answer.count is not None
    return answer.count


def app_tasks(cluster) -> dict[str, list[str]]:
    """Running app replicas: node hostname -> their images."""
    boss = manager(cluster)
    names = {n.id: str(n.description.hostname) for n in boss.node.list()}
    found: dict[str, list[str]] = {}
    for each in settled(lambda: boss.service.ps("counter_app")):
        if each.desired_state == "running" and each.state == "running":
            found.setdefault(names[each.node_id], []).append(each.image)
    return found


def assert_exact(load: Load, start: int, after: int, unanswered: int = 0) -> None:
    """Every 200 reported a count of its own, and the count moved by the 200s (plus at most
    ``unanswered`` requests that counted but lost their answer, and the one ``current`` made)."""
    counts = [a.count for a in load.ok]
    assert len(set(counts)) == len(counts), "two answers reported the same count"
    assert start + len(counts) + 1 <= after <= start + len(counts) + 1 + unanswered, (start, len(counts), after)


def test_a_rolling_update_and_a_rollback_under_load_fail_no_request_and_count_every_hit(cluster, releases):
    start = current(cluster)
    with Load(url(cluster), clients=10) as load:
        load.wait_for(100)
        rolled = cluster.run("stack.update", "--image", releases["v2"], timeout=600).ok().stdout
        load.wait_for(len(load.answers) + 100)  # and some more under the new release
    assert not load.failed, load.summary()
    assert_exact(load, start, current(cluster))
    assert rolled.count(") is healthy") == 3 and "every replica runs" in rolled, rolled
    assert sum(len(images) for images in app_tasks(cluster).values()) == 3
    served = {a.served_by for a in load.ok[-30:]}
    assert served and all(name.endswith(" v2") for name in served), served
    table = cluster.run("stack.ps").ok().stdout
    tag = rolled.split("rolling out ")[1].split()[0]
    assert [line for line in table.splitlines() if line.startswith("counter_app")] and all(
        line.split()[-1] == tag for line in table.splitlines() if line.startswith("counter_app")
    ), table

    # and back to the version before, the same way
    start = current(cluster)
    with Load(url(cluster), clients=10) as load:
        load.wait_for(100)
        back = cluster.run("stack.rollback", timeout=600).ok().stdout
        load.wait_for(len(load.answers) + 100)
    assert not load.failed, load.summary()
    assert_exact(load, start, current(cluster))
    assert "again" in back, back
    served = {a.served_by for a in load.ok[-30:]}
    assert served and not any(name.endswith(" v2") for name in served), served


def test_a_release_that_fails_its_health_check_is_rolled_back_while_the_old_one_serves(cluster, releases):
    before = {image for images in app_tasks(cluster).values() for image in images}
    start = current(cluster)
    with Load(url(cluster), clients=10) as load:
        load.wait_for(100)
        attempt = cluster.run("stack.update", "--image", releases["broken"], timeout=600)
    assert attempt.returncode == 1, attempt
    assert "rollback_completed" in attempt.stderr and "never became healthy" in attempt.stdout, attempt
    assert not load.failed, load.summary()
    assert_exact(load, start, current(cluster))
    assert {image for images in app_tasks(cluster).values() for image in images} == before
    assert "rolled back already" in cluster.run("stack.rollback").ok().stdout


def test_draining_a_node_moves_its_replicas_with_no_failed_request(cluster):
    cluster.run("stack.update", "--force", timeout=600).ok()  # replicas spread over the nodes again
    redis_node = [
        n.description.hostname for n in manager(cluster).node.list() if (n.spec.labels or {}).get("workshop-redis")
    ][0]
    busy = [node for node in app_tasks(cluster) if node != redis_node and not node.endswith("-swarm-1")]
    assert busy, app_tasks(cluster)
    start = current(cluster)
    try:
        with Load(url(cluster), clients=10) as load:
            load.wait_for(100)
            cluster.run("swarm.drain", busy[0], timeout=600).ok()
        assert not load.failed, load.summary()
        assert_exact(load, start, current(cluster))
        assert busy[0] not in app_tasks(cluster) and sum(map(len, app_tasks(cluster).values())) == 3
        assert " drain " in cluster.run("swarm.nodes").ok().stdout
        refused = cluster.run("swarm.drain", redis_node)
        assert refused.returncode == 1 and "keeps Redis" in refused.stderr, refused
    finally:
        cluster.run("swarm.activate", busy[0], timeout=600).ok()
    assert " drain " not in cluster.run("swarm.nodes").ok().stdout


def test_a_killed_worker_fails_only_requests_in_flight_and_its_replicas_move(cluster, record_property):
    cluster.run("stack.update", "--force", timeout=600).ok()
    boss = manager(cluster)
    redis_node = [n.description.hostname for n in boss.node.list() if (n.spec.labels or {}).get("workshop-redis")][0]
    spread = app_tasks(cluster)
    victims = [node for node in spread if node != redis_node and not node.endswith("-swarm-1")]
    assert victims and len(spread) >= 2, spread
    start = current(cluster)
    try:
        with Load(url(cluster), clients=10) as load:
            load.wait_for(100)
            cluster.run("swarm.kill", victims[0], timeout=120).ok()
            killed = time.monotonic()
            deadline = killed + 90  # the bound: swarm declares the node down, then starts its replicas
            while not (victims[0] not in app_tasks(cluster) and sum(map(len, app_tasks(cluster).values())) == 3):
                assert time.monotonic() < deadline, app_tasks(cluster)
                time.sleep(0.5)
            moved = time.monotonic() - killed
            load.wait_for(len(load.answers) + 100)
        record_property("replicas_moved_after_s", round(moved, 1))
        record_property("failed_requests", len(load.failed))
        # each client has one request in flight at a time: only those that started before the kill
        # was done may fail, so at most one per client
        assert all(a.started < killed for a in load.failed), load.summary()
        assert len(load.failed) <= 10, load.summary()
        assert all(a.at < killed + 10 for a in load.failed), load.summary()
        assert_exact(load, start, current(cluster), unanswered=len(load.failed))
    finally:
        cluster.run("swarm.up", timeout=600).ok()
    assert cluster.run("swarm.nodes").ok().stdout.count(" ready ") == 3


def test_a_killed_redis_node_gives_503s_never_a_wrong_count_and_loses_no_hit(cluster):
    boss = manager(cluster)
    redis_node = [n.description.hostname for n in boss.node.list() if (n.spec.labels or {}).get("workshop-redis")][0]
    start = current(cluster)
    with Load(url(cluster), clients=10, pause=0.05) as load:
        load.wait_for(50)
        said = cluster.run("swarm.kill", redis_node, timeout=120).ok().stdout
        killed = time.monotonic()
        assert "Redis with it" in said, said
        load.wait_for(len(load.answers) + 50)  # answered while Redis is gone: 503
        cluster.run("swarm.up", timeout=600).ok()
        deadline = time.monotonic() + 120
        while not load.answers or load.answers[-1].status != 200:
            assert time.monotonic() < deadline, load.summary()
            time.sleep(0.2)
        load.wait_for(len(load.answers) + 50)
    unavailable = [a for a in load.failed if a.status == 503]
    assert unavailable, load.summary()
    # besides 503s, only requests in flight on that node's app replica when it died may fail
    others = [a for a in load.failed if a.status != 503]
    assert all(a.started < killed for a in others) and len(others) <= 10, load.summary()
    assert_exact(load, start, current(cluster), unanswered=len(load.failed))
