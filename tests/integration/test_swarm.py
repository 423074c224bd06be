"""Example 5 against the real engine: a 3-node swarm whose nodes are containers, example 4's
stack deployed to it, scaled, removed and deployed again, deployed to as a swarm of yours; then
the same stack while things change and break, under load: rolling updates, an automatic
rollback, a drained node and killed nodes.

One cluster serves the module (building one costs about a minute). Load goes to 127.0.0.1 only
(the stack's published port), from 10 clients, bounded in count and time (tests/load.py).
Every test leaves the cluster as it found it: 3 Ready, active nodes and the stack healthy.
"""

from __future__ import annotations

import re
import socket
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import TEST_PROJECT, Workshop, free_port, remove_project, swarm_images
from engine_state import label_filter, nothing_of
from interrupt import interrupt_at
from load import Load, visit
from python_on_whales import DockerClient
from terminal import NO, on_a_terminal

from examples.swarm.views import nodes_of, tasks_of
from examples.swarm.watch import settled
from workshop.config import STATE_DIR, Settings
from workshop.probe import get

pytestmark = [pytest.mark.integration, pytest.mark.swarm]

COUNT_PREFIX = "Hello from Redis! I have been seen "
RELEASES = Path(__file__).parent / "releases"


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


def test_redis_data_survives_stack_rm_and_an_interrupted_deploy(cluster):
    """Ctrl-C after the pushes, then after the deploy was handed to swarm: in between, a hit is one
    line (never the proxy's HTML) whose advice follows the state; the next deploy finishes."""
    count, _ = hit(cluster)
    assert "removed" in cluster.run("stack.rm", timeout=300).ok().stdout
    assert "nothing to remove" in cluster.run("stack.rm", timeout=300).ok().stdout
    missed = cluster.run("stack.hit").one_line_error("`invoke stack.deploy` deploys it")
    assert "<html" not in missed.lower(), missed
    for marker in ("pushed the app", "deployed; each node"):
        stopped = interrupt_at(cluster, marker, "stack.deploy", timeout=900)
        assert stopped.code == 130 and "Traceback" not in stopped.output, stopped
        line = cluster.run("stack.hit")
        if line.returncode:  # it may serve already: swarm goes on with a deploy it was handed
            assert "<html" not in line.one_line_error("invoke stack.").lower(), line.stderr
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
    names = {n.id: n.hostname for n in nodes_of(boss)}
    found: dict[str, list[str]] = {}
    for each in settled(lambda: tasks_of(boss, boss.service.ps("counter_app"))):
        if each.desired_state == "running" and each.state == "running":
            found.setdefault(names[each.node_id], []).append(each.image)
    return found


def replicas(cluster) -> int:
    """The app's replicas as the service wants them."""
    spec = manager(cluster).service.inspect("counter_app").spec
    return int(spec.mode["Replicated"]["Replicas"])


def redis_node(cluster) -> str:
    """The node Redis is pinned to."""
    nodes = manager(cluster).node.list()
    return next(str(n.description.hostname) for n in nodes if (n.spec.labels or {}).get("workshop-redis"))


def spread_out(cluster) -> None:
    """Replicas on every node: when a node has none, 6 replicas (swarm puts new ones on the nodes
    that run the fewest). The test scales back to 3 when done."""
    if len(app_tasks(cluster)) < 3:
        cluster.run("stack.scale", "--replicas", "6", timeout=600).ok()
    assert len(app_tasks(cluster)) == 3, app_tasks(cluster)


def death(client, node: str) -> float:
    """When a killed node's container died (the engine's clock, which is this machine's)."""
    state = client.container.inspect(node).state
    assert not state.running and state.finished_at is not None, state
    return state.finished_at.timestamp()


def in_flight(load: Load, died: float, failures: list | None = None) -> str:
    """The failures, each with its status and when it started relative to the node's death (for messages)."""
    shown = [(a.status, round(a.wall - died, 3)) for a in (load.failed if failures is None else failures)]
    return f"{load.summary()}; failures (status, started after the death) {shown[:20]}"


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
    assert "rollback_completed" in attempt.stderr, attempt
    # the broken replica, named as failed: before it was healthy (as a rule) or, when swarm had
    # reported it running for a moment (seen once in CI), after
    failed = [line for line in attempt.stdout.splitlines() if "never became healthy" in line or "failed its" in line]
    assert failed, attempt
    assert not load.failed, load.summary()
    assert_exact(load, start, current(cluster))
    assert {image for images in app_tasks(cluster).values() for image in images} == before
    assert "rolled back already" in cluster.run("stack.rollback").ok().stdout


def test_draining_a_node_moves_its_replicas_with_no_failed_request(cluster):
    spread_out(cluster)
    keeper = redis_node(cluster)
    busy = [node for node in app_tasks(cluster) if node != keeper and not node.endswith("-swarm-1")]
    assert busy, app_tasks(cluster)
    start = current(cluster)
    try:
        with Load(url(cluster), clients=10) as load:
            load.wait_for(100)
            cluster.run("swarm.drain", busy[0], timeout=600).ok()
        assert not load.failed, load.summary()
        assert_exact(load, start, current(cluster))
        assert busy[0] not in app_tasks(cluster) and sum(map(len, app_tasks(cluster).values())) == replicas(cluster)
        assert " drain " in cluster.run("swarm.nodes").ok().stdout
        refused = cluster.run("swarm.drain", keeper)
        assert refused.returncode == 1 and "keeps Redis" in refused.stderr, refused
    finally:
        cluster.run("swarm.activate", busy[0], timeout=600).ok()
        cluster.run("stack.scale", "--replicas", "3", timeout=600).ok()
    assert " drain " not in cluster.run("swarm.nodes").ok().stdout


def test_a_killed_worker_fails_only_requests_in_flight_and_its_replicas_move(cluster, docker_client, record_property):
    spread_out(cluster)
    keeper = redis_node(cluster)
    spread = app_tasks(cluster)
    victims = [node for node in spread if node != keeper and not node.endswith("-swarm-1")]
    assert victims and len(spread) >= 2, spread
    start = current(cluster)
    try:
        with Load(url(cluster), clients=10) as load:
            load.wait_for(100)
            cluster.run("swarm.kill", victims[0], timeout=120).ok()
            died = death(docker_client, victims[0])
            deadline = died + 90  # the bound: swarm declares the node down, then starts its replicas
            while victims[0] in app_tasks(cluster) or sum(map(len, app_tasks(cluster).values())) < replicas(cluster):
                assert time.time() < deadline, app_tasks(cluster)
                time.sleep(0.5)
            moved = time.time() - died
            load.wait_for(len(load.answers) + 100)
        record_property("replicas_moved_after_s", round(moved, 1))
        record_property("failed_requests", len(load.failed))
        # only requests in flight when the node died may fail (each client has one at a time)
        assert all(a.wall < died for a in load.failed), in_flight(load, died)
        assert len(load.failed) <= 10, load.summary()
        assert_exact(load, start, current(cluster), unanswered=len(load.failed))
    finally:
        cluster.run("swarm.up", timeout=600).ok()
        cluster.run("stack.scale", "--replicas", "3", timeout=600).ok()
    assert cluster.run("swarm.nodes").ok().stdout.count(" ready ") == 3


def test_a_killed_redis_node_gives_503s_never_a_wrong_count_and_loses_no_hit(cluster, docker_client, record_property):
    start = current(cluster)
    with Load(url(cluster), clients=10, pause=0.05) as load:
        load.wait_for(50)
        keeper = redis_node(cluster)
        said = cluster.run("swarm.kill", keeper, timeout=120).ok().stdout
        died = death(docker_client, keeper)
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
    # besides 503s, a few requests caught around the moment the node died get no answer (or a 502):
    # never a 200 with a wrong count
    others = [a for a in load.failed if a.status != 503]
    assert {a.status for a in others} <= {0, 502} and len(others) <= 20, in_flight(load, died, others)
    record_property("unanswered_around_the_death", len(others))
    assert_exact(load, start, current(cluster), unanswered=len(load.failed))


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


#: the phases of `swarm.up`, as it reports them: Ctrl-C lands after each in turn
PHASES = ("images:", "registry:", "manager:", "workers:", "nodes:")


def test_swarm_up_interrupted_after_each_phase_is_named_and_finished_then_clean_removes_it(docker_client, resources):
    """Ctrl-C after each phase of making a 2-node cluster: in between, the tasks that meet the
    half-made cluster say so in one line naming `invoke swarm.up`, and `status` marks it; the next
    `swarm.up` goes on from there. Then it grows to 3, shrinks back, and `clean` removes it all."""
    tag = f"{TEST_PROJECT}-{uuid.uuid4().hex[:6]}"
    shop = Workshop(env={"WORKSHOP_PROJECT": tag, "SWARM_NODES": "2", "SWARM_PORT": str(free_port()),
                         "SWARM_REGISTRY_PORT": str(free_port()), **swarm_images(tag)})  # fmt: skip
    try:
        for phase in PHASES:
            stopped = interrupt_at(shop, phase, "swarm.up", timeout=900)
            assert stopped.code == 130, stopped
            assert "Traceback" not in stopped.output, stopped.output
            nodes = shop.run("swarm.nodes")
            status = shop.run("status").ok().stdout
            if nodes.returncode == 0:  # Ctrl-C came after the workers had joined: the cluster is whole
                assert phase in PHASES[-2:], (phase, nodes.stdout)
                continue
            line = nodes.one_line_error("`invoke swarm.up`")
            assert "not a swarm manager. Use" not in line, line  # never the engine's own words
            if "there is no swarm" not in line:  # Ctrl-C came before any container was made
                assert f"swarm: {line.removeprefix('error: ')}" in status, status
        assert resources(tag)["containers"]
        done = shop.run("swarm.up", timeout=900).ok().stdout
        assert "2 node(s), all Ready" in done and done.count(" ready ") == 2, done
        assert "swarm:" not in shop.run("status").ok().stdout
        grown = shop.run("swarm.up", "--nodes", "3", timeout=900).ok().stdout
        assert "3 node(s), all Ready" in grown and grown.count(" ready ") == 3, grown
        shrunk = shop.run("swarm.up", timeout=900).ok().stdout  # back to SWARM_NODES
        assert "2 node(s), all Ready" in shrunk and shrunk.count(" ready ") == 2, shrunk
        assert f"{tag}-swarm-3" not in shrunk
        assert not docker_client.container.list(all=True, filters=[("name", f"^{tag}-swarm-3$")])
        assert shop.run("swarm.up", "--nodes", "0").returncode == 1
        shop.run("clean", "--volumes", timeout=300).ok()
        assert nothing_of(resources, tag), resources(tag)
        assert "there is no swarm" in shop.run("stack.ps").stderr
    finally:
        shop.run("swarm.down", "--volumes", timeout=300)
        remove_project(docker_client, tag)


def engine_restart(client, project: str) -> None:
    """What a restart of the engine does to the project's containers: every one stops; those with
    the restart policy `always` or `unless-stopped` (the compose stack, the swarm's registry)
    start again by themselves, the others (the daemon, nginx, the swarm's nodes) stay stopped."""
    running = client.container.list(filters=label_filter(project))
    client.container.stop(running, time=10)
    for container in running:
        if container.host_config.restart_policy.name in ("always", "unless-stopped"):
            container.start()


def test_after_an_engine_restart_up_alone_brings_every_example_back_serving_with_counts_intact(
    cluster, docker_client, record_property
):
    """`invoke up` resumes the swarm (never makes one), the daemon and nginx; the compose stack
    came back by itself; both counters go on from where they were. Then `down` stops the swarm
    keeping its state (nodes kept, stopped), and `up` resumes it again."""
    names = {"DAEMON_NAME": f"{cluster.project}-daemon", "NGINX_NAME": f"{cluster.project}-nginx"}
    try:
        cluster.run("up", timeout=900, **names).ok()
        compose_count = counted(cluster.run("compose.hit").ok().stdout)
        swarm_count, _ = hit(cluster)
        engine_restart(docker_client, cluster.project)
        advice = cluster.run("stack.hit").one_line_error("`invoke up`")
        assert "<html" not in advice.lower(), advice
        assert "swarm: the swarm is stopped" in cluster.run("status").ok().stdout
        began = time.monotonic()
        up = cluster.run("up", timeout=900, **names).ok().stdout
        record_property("recovery_seconds", round(time.monotonic() - began, 1))
        assert "swarm    started" in up and "stack counter serves at" in up, up
        assert hit(cluster)[0] == swarm_count + 1  # the first hit after `up` answers: no 503 window
        assert counted(cluster.run("compose.hit").ok().stdout) == compose_count + 1
        assert get(f"http://127.0.0.1:{cluster.env['NGINX_PORT']}/").status == 200
        assert docker_client.container.inspect(names["DAEMON_NAME"]).state.running
        down = cluster.run("down", timeout=600, **names).ok().stdout
        assert "swarm    stopped" in down, down
        nodes = docker_client.container.list(all=True, filters=label_filter(cluster.project, "swarm"))
        assert nodes and not [n for n in nodes if n.state.running], [(n.name, n.state.status) for n in nodes]
        assert "swarm    started" in cluster.run("up", timeout=900, **names).ok().stdout
        assert hit(cluster)[0] == swarm_count + 2
        assert counted(cluster.run("compose.hit").ok().stdout) == compose_count + 2
    finally:
        for args in (("daemon.rm", "--force"), ("nginx.down",), ("compose.down", "--volumes")):
            cluster.run(*args, timeout=300, **names)
        cluster.run("swarm.up", timeout=900).ok()  # the module's cluster as the next test expects it


def counted(text: str) -> int:
    """The count in the counter's answer."""
    return int(text.split(COUNT_PREFIX)[1].split()[0])


def test_down_volumes_asks_once_for_the_swarm_and_the_compose_stack_naming_what_each_holds(cluster, docker_client):
    """(last: it ends the module's cluster) On a terminal, `swarm.down --volumes` names the
    registry's pushed images and the node holding the hit count, and a no changes nothing; then
    `down --volumes` asks once for the swarm's data and example 4's, and deletes both after a yes."""
    project = cluster.project
    redis = Settings.load().image("REDIS_IMAGE")  # the user's image: stack.deploy pushed it
    assert cluster.env["SWARM_REGISTRY_PORT"] not in str(docker_client.image.inspect(redis).repo_tags)
    count, _ = hit(cluster)
    node = rf"{project}-swarm-[123]"
    nodes = f"{project}-swarm-1, {project}-swarm-2, {project}-swarm-3"
    registry_volume, stack_volume = f"{project}-swarm-registry-data", f"{project}_redis_data"
    images = "the cluster registry's pushed images (counter, proxy, redis)"
    cluster.run("compose.up", timeout=900).ok()
    assert "seen 1 times" in cluster.run("compose.hit").ok().stdout

    no = on_a_terminal(cluster, b"n\n", "swarm.down", "--volumes")
    assert no.returncode == 1 and no.output.rstrip().endswith(NO), no.output
    assert f"  volume {registry_volume}: {images}\n" in no.output
    held = rf"  node {nodes}: each node's engine, with the stack's Redis data: the hit count, {count} \(in {node}\)"
    assert re.search(held, no.output), no.output
    assert hit(cluster)[0] == count + 1  # the swarm is untouched

    yes = on_a_terminal(cluster, b"y\n", "down", "--volumes")
    assert yes.returncode == 0, yes.output
    assert yes.questions == 1, yes.output  # one question for the stack's data and the swarm's
    assert f"  volume {stack_volume}: the stack's Redis data, the hit count, 1\n" in yes.output
    assert f"deleted volume {stack_volume} (the stack's Redis data, the hit count, 1)\n" in yes.output
    assert f"deleted volume {registry_volume} ({images})\n" in yes.output
    deleted = rf"deleted node {nodes} \(.*the hit count, {count + 1} \(in {node}\)\)\n"
    assert re.search(deleted, yes.output), yes.output
    assert not docker_client.volume.exists(registry_volume) and not docker_client.volume.exists(stack_volume)
    assert not docker_client.container.list(all=True, filters=label_filter(project, "swarm"))
    assert not (STATE_DIR / "swarm" / project).exists()
    assert "there is no swarm" in cluster.run("swarm.nodes").stderr
