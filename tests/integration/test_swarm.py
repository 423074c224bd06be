"""Example 5 against the real engine: a 3-node swarm whose nodes are containers, example 4's
stack deployed to it, scaled, removed and deployed again. Load goes to 127.0.0.1 only, bounded
in count (300 requests) and time.
"""

from __future__ import annotations

import socket
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import TEST_PROJECT, Workshop, free_port, remove_project, swarm_images
from engine_state import nothing_of

from workshop.config import STATE_DIR
from workshop.probe import get

pytestmark = pytest.mark.integration

COUNT_PREFIX = "Hello from Redis! I have been seen "


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


def test_a_swarm_of_yours_is_deployed_to_through_its_manager_and_never_managed(cluster, docker_client):
    """SWARM_MANAGER pointed at a swarm the workshop did not start for this project (the module's
    cluster, through its manager's socket) with SWARM_REGISTRY its registry: the same tasks deploy
    there; swarm.up refuses, swarm.down leaves it alone."""
    from python_on_whales import DockerClient

    socket_path = STATE_DIR / "swarm" / cluster.project / "sock" / "docker.sock"
    yours = Workshop(env={
        **cluster.env,
        "WORKSHOP_PROJECT": f"{cluster.project}-yours",
        "SWARM_MANAGER": f"unix://{socket_path}",
        "SWARM_REGISTRY": f"127.0.0.1:{cluster.env['SWARM_REGISTRY_PORT']}",
        "SWARM_STACK": "yours",
        "SWARM_REPLICAS": "1",
        "SWARM_PORT": str(free_port()),
        "SWARM_REGISTRY_PORT": str(free_port()),
    })  # fmt: skip
    refused = yours.run("swarm.up")
    assert refused.returncode == 1 and "names a swarm of yours" in refused.stderr, refused
    deployed = yours.run("stack.deploy", timeout=900).ok().stdout
    assert "stack yours deployed" in deployed, deployed
    boss = DockerClient(host=f"unix://{socket_path}")
    try:
        table = yours.run("stack.ps").ok().stdout
        assert {line.split()[0] for line in table.splitlines()[1:]} == {"yours_app", "yours_proxy", "yours_redis"}
        # its URL is the manager's port on the manager's host; here that host is a node container,
        # so the request is made on that node, inside the proxy's own container
        proxy = boss.container.list(filters=[("label", "com.docker.swarm.service.name=yours_proxy")])[0]
        request = "exec 3<>/dev/tcp/127.0.0.1/8080; printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3"
        answer = boss.container.execute(proxy, ["bash", "-c", request])
        assert "200 OK" in answer and f"{COUNT_PREFIX}1 times" in answer, answer
        assert "no swarm; nothing to remove" in yours.run("swarm.down").ok().stdout
        assert "removed" in yours.run("stack.rm", timeout=300).ok().stdout
    finally:
        yours.run("stack.rm", timeout=300)
    assert cluster.run("swarm.nodes").ok().stdout.count(" ready ") == 3  # the swarm itself untouched


def test_a_taken_port_stops_swarm_up_before_anything_starts(docker_client, resources):
    tag = f"{TEST_PROJECT}-{uuid.uuid4().hex[:6]}"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for setting in ("SWARM_PORT", "SWARM_REGISTRY_PORT"):
            env = {"WORKSHOP_PROJECT": tag, "SWARM_NODES": "1", "SWARM_PORT": str(free_port()),
                   "SWARM_REGISTRY_PORT": str(free_port()), **swarm_images(tag), setting: str(port)}  # fmt: skip
            refused = Workshop(env=env).run("swarm.up", timeout=300)
            assert refused.returncode == 1, refused
            assert f"{setting}='{port}'" in refused.stderr and "already in use" in refused.stderr, refused.stderr
            assert refused.stderr.count("\n") == 1, refused.stderr
            assert nothing_of(resources, tag), resources(tag)


def test_clean_removes_the_cluster_and_nothing_else(docker_client, resources):
    """(with a cluster of 1 that grows to 2 and shrinks back on the way)"""
    tag = f"{TEST_PROJECT}-{uuid.uuid4().hex[:6]}"
    shop = Workshop(env={"WORKSHOP_PROJECT": tag, "SWARM_NODES": "1", "SWARM_PORT": str(free_port()),
                         "SWARM_REGISTRY_PORT": str(free_port()), **swarm_images(tag)})  # fmt: skip
    try:
        shop.run("swarm.up", timeout=900).ok()
        assert resources(tag)["containers"]
        grown = shop.run("swarm.up", "--nodes", "2", timeout=900).ok().stdout
        assert "2 node(s), all Ready" in grown and grown.count(" ready ") == 2, grown
        shrunk = shop.run("swarm.up", timeout=900).ok().stdout  # back to SWARM_NODES
        assert "1 node(s), all Ready" in shrunk and shrunk.count(" ready ") == 1, shrunk
        assert f"{tag}-swarm-2" not in shrunk
        assert f"{tag}-swarm-2" not in [c.name for c in docker_client.container.list(all=True)]
        assert shop.run("swarm.up", "--nodes", "0").returncode == 1
        shop.run("clean", "--volumes", timeout=300).ok()
        assert nothing_of(resources, tag), resources(tag)
        assert "there is no swarm" in shop.run("stack.ps").stderr
    finally:
        shop.run("swarm.down", "--volumes", timeout=300)
        remove_project(docker_client, tag)
