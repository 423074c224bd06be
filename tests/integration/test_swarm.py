"""Example 5 against the real engine: a 3-node swarm whose nodes are containers, example 4's
stack deployed to it, scaled, removed and deployed again. Load goes to 127.0.0.1 only, bounded
in count (300 requests) and time.
"""

from __future__ import annotations

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import TEST_PROJECT, Workshop, free_port, remove_project, swarm_images
from engine_state import nothing_of

from workshop.probe import get

pytestmark = pytest.mark.integration

COUNT_PREFIX = "Hello from Redis! I have been seen "


@pytest.fixture(scope="module")
def cluster(docker_client, tmp_path_factory):
    """A swarm of 3 node containers with the stack deployed, for this module; removed afterwards."""
    tag = f"{TEST_PROJECT}-{uuid.uuid4().hex[:6]}"
    shop = Workshop(env={
        "WORKSHOP_PROJECT": tag,
        "SWARM_PORT": str(free_port()),
        "SWARM_REGISTRY_PORT": str(free_port()),
        "SWARM_BIND": "127.0.0.1",
        "SWARM_NODES": "3",
        "SWARM_REPLICAS": "3",
        "SWARM_STACK": "counter",
        "APP_IMAGE": f"{tag}-counter:latest",
        "APP_PORT": str(free_port()),
        "NGINX_PORT": str(free_port()),
        "CURL_RESULTS_DIR": str(tmp_path_factory.mktemp("vol")),
        **swarm_images(tag),
    })  # fmt: skip
    shop.project = tag
    try:
        up = shop.run("swarm.up", timeout=900).ok()
        assert "3 node(s), all Ready" in up.stdout, up.stdout
        shop.run("stack.deploy", timeout=900).ok()
        yield shop
    finally:
        shop.run("swarm.down", "--volumes", timeout=300)
        remove_project(docker_client, tag)


def hit(shop) -> tuple[int, str]:
    """One request through the proxy: (count, replica)."""
    response = get(f"http://127.0.0.1:{shop.env['SWARM_PORT']}/")
    assert response.status == 200, response
    text = response.body.decode().strip()
    assert text.startswith(COUNT_PREFIX), text
    return int(text.removeprefix(COUNT_PREFIX).split()[0]), response.headers["x-served-by"]


def test_each_hit_through_the_swarm_counts_one_and_names_its_replica(cluster):
    first = cluster.run("stack.hit").ok().stdout
    assert first.startswith(COUNT_PREFIX) and "(served by " in first
    start = int(first.removeprefix(COUNT_PREFIX).split()[0])
    assert [hit(cluster)[0] for _ in range(3)] == [start + 1, start + 2, start + 3]


def test_300_requests_from_10_clients_reach_3_replicas_on_2_nodes_and_count_exactly(cluster):
    cluster.run("stack.scale", "--replicas", "3", timeout=600).ok()
    before, _ = hit(cluster)
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(lambda _: hit(cluster), range(300)))
    after, _ = hit(cluster)
    assert after == before + 300 + 1  # every request counted once, and none lost (zero errors above)
    replicas = Counter(replica for _, replica in answers)
    assert len(replicas) == 3, replicas
    ps = cluster.run("stack.ps").ok().stdout
    app_nodes = {line.split()[1] for line in ps.splitlines() if line.split()[0].endswith("_app")}
    assert len(app_nodes) >= 2, ps


def test_redis_data_survives_stack_rm_and_deploy(cluster):
    count, _ = hit(cluster)
    assert "removed" in cluster.run("stack.rm", timeout=300).ok().stdout
    assert "nothing to remove" in cluster.run("stack.rm", timeout=300).ok().stdout
    cluster.run("stack.deploy", timeout=900).ok()
    assert hit(cluster)[0] == count + 1


def test_up_and_deploy_again_change_nothing(cluster, docker_client):
    nodes = sorted(c.id for c in docker_client.container.list(filters=[("name", f"{cluster.project}-swarm-")]))
    again = cluster.run("swarm.up", timeout=900).ok().stdout
    assert "3 node(s), all Ready" in again
    assert sorted(c.id for c in docker_client.container.list(filters=[("name", f"{cluster.project}-swarm-")])) == nodes
    cluster.run("stack.deploy", timeout=900).ok()
    table = cluster.run("swarm.nodes").ok().stdout
    assert table.count(" ready ") == 3 and table.count("manager") == 1, table


def test_clean_removes_the_cluster_and_nothing_else(docker_client, resources):
    tag = f"{TEST_PROJECT}-{uuid.uuid4().hex[:6]}"
    shop = Workshop(env={"WORKSHOP_PROJECT": tag, "SWARM_NODES": "1", "SWARM_PORT": str(free_port()),
                         "SWARM_REGISTRY_PORT": str(free_port()), **swarm_images(tag)})  # fmt: skip
    try:
        shop.run("swarm.up", timeout=900).ok()
        assert resources(tag)["containers"]
        shop.run("clean", "--volumes", timeout=300).ok()
        assert nothing_of(resources, tag), resources(tag)
        assert "there is no swarm" in shop.run("stack.ps").stderr
    finally:
        shop.run("swarm.down", "--volumes", timeout=300)
        remove_project(docker_client, tag)
