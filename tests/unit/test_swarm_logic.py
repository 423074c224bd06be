"""Example 5's pure logic: the stack document made swarm-ready, and where a swarm of yours answers."""

from __future__ import annotations

import pytest

from examples.swarm.names import engine_host
from examples.swarm.stack import for_swarm


def compose_config() -> dict:
    """What `docker compose config` gives for a trimmed-down stack."""
    return {
        "name": "docker-workshop",
        "services": {
            "app": {
                "build": {"context": "app"},
                "image": "counter:latest",
                "mem_limit": "268435456",
                "cpus": 2.0,
                "pids_limit": 128,
                "restart": "unless-stopped",
                "depends_on": {"redis": {"condition": "service_healthy"}},
                "security_opt": ["no-new-privileges:true"],
                "ports": [{"host_ip": "127.0.0.1", "target": 5000, "published": "5000"}],
                "deploy": {"replicas": 3},
            },
            "proxy": {"image": "proxy", "ports": [{"target": 8080, "published": "8080", "mode": "host"}]},
        },
        "volumes": {"redis_data": {"name": "docker-workshop_redis_data"}},
        "networks": {"default": {"name": "docker-workshop_default"}},
    }


def test_limits_move_under_deploy_resources_and_what_swarm_refuses_goes():
    app = for_swarm(compose_config(), {})["services"]["app"]
    assert app["deploy"]["resources"]["limits"] == {"memory": "268435456", "cpus": "2.0", "pids": 128}
    for gone in ("build", "mem_limit", "cpus", "pids_limit", "restart", "depends_on", "security_opt"):
        assert gone not in app
    assert app["ports"] == [{"target": 5000, "published": 5000}]


def test_images_are_the_pushed_ones_and_the_proxy_is_published_where_asked():
    document = for_swarm(compose_config(), {"app": "127.0.0.1:5051/counter:abc"}, proxy_port=8090)
    assert document["services"]["app"]["image"] == "127.0.0.1:5051/counter:abc"
    assert document["services"]["proxy"]["ports"][0]["published"] == 8090
    assert for_swarm(compose_config(), {})["services"]["proxy"]["ports"][0]["published"] == 8080
    assert "name" not in document and "name" not in document["volumes"]["redis_data"]
    assert document["networks"]["default"] == {"driver": "overlay"}


def test_the_input_document_is_left_alone():
    original = compose_config()
    for_swarm(original, {"app": "x"})
    assert original == compose_config()


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("tcp://manager.lan:2376", "manager.lan"),
        ("tcp://10.0.0.5", "10.0.0.5"),
        ("ssh://admin@manager.lan", "manager.lan"),
        ("ssh://admin@manager.lan:2222", "manager.lan"),
        ("tcp://[fd00::5]:2376", "fd00::5"),
        ("unix:///var/run/docker.sock", "127.0.0.1"),
        ("npipe:////./pipe/docker_engine", "127.0.0.1"),
    ],
)
def test_a_swarm_of_yours_answers_on_its_managers_host(url, host):
    assert engine_host(url) == host
