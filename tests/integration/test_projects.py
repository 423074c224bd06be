"""Two projects side by side on one engine, each with nothing but its own WORKSHOP_PROJECT and
ports: the images and container names come from the derived defaults. Neither ever moves the
other's images (with their tags), containers, volumes, networks, files or hit count; fix hints
of a second project point at the environment; compose's fallbacks say what the tasks derive."""

from __future__ import annotations

import re
import shutil
import uuid

import pytest
from conftest import ROOT, TEST_PROJECT, Workshop, free_port, remove_project
from engine_state import nothing_of, ours

from workshop.config import Settings

pytestmark = pytest.mark.integration

COUNT = re.compile(r"seen (\d+) times")
CURL_VERSION = "1.0"  # the declared default, not overridden here


def derived(project: str) -> dict[str, str]:
    """What the tasks should name things in ``project`` (not the default project)."""
    return {
        "nginx": f"{project}-nginx",
        "daemon": f"{project}-daemon",
        "curl": f"{project}-curl",
        "app": f"{project}/counter:latest",
        "results": f"examples/curl/vol-{project}",
    }


@pytest.fixture
def two_projects(docker_client):
    """Two test projects with their own ports and nothing else set; removed afterwards,
    with the results folders their derived CURL_RESULTS_DIR made."""
    made: list[str] = []

    def project() -> Workshop:
        tag = f"{TEST_PROJECT}-{uuid.uuid4().hex[:6]}"
        ports = ("NGINX_PORT", "APP_PORT", "SWARM_PORT", "SWARM_REGISTRY_PORT")
        shop = Workshop(env={"WORKSHOP_PROJECT": tag, **{name: str(free_port()) for name in ports}})
        shop.project = tag
        made.append(tag)
        return shop

    try:
        yield project(), project()
    finally:
        for tag in made:
            remove_project(docker_client, tag)
            shutil.rmtree(ROOT / derived(tag)["results"], ignore_errors=True)


def state(client, shop: Workshop) -> dict[str, object]:
    """Everything of ``shop``'s project on the engine and on disk: its images by id with every tag,
    containers (name, id, state), volumes, networks and the results file."""
    project = ours(shop.project)
    results = ROOT / derived(shop.project)["results"] / "results"
    return {
        "images": sorted(
            (i.id, tuple(sorted(i.repo_tags))) for i in client.image.list(filters=project.image_filters())
        ),
        "containers": sorted(
            (c.name, c.id, c.state.status) for c in client.container.list(all=True, filters=project.filters())
        ),
        "volumes": sorted(v.name for v in client.volume.list(filters=project.filters())),
        "networks": sorted(n.id for n in client.network.list(filters=project.filters())),
        "results": results.read_bytes() if results.is_file() else None,
    }


def hit(shop: Workshop) -> int:
    """One hit on the project's counter: the count it answers."""
    match = COUNT.search(shop.run("compose.hit").ok().stdout)
    assert match, "the counter gave no count"
    return int(match.group(1))


def bring_up(shop: Workshop) -> None:
    """Every example of the project, one after the other, as a learner would."""
    names = derived(shop.project)
    built = shop.run("curl.build", timeout=900).ok().stdout
    assert f"built {names['curl']}:{CURL_VERSION} and {names['curl']}:latest" in built, built
    assert "serving" in shop.run("nginx.up", timeout=300).ok().stdout
    shop.run("daemon.start", timeout=300).ok()
    shop.run("compose.up", timeout=900).ok()
    fetched = shop.run("curl.run", "--site-url", f"http://{names['nginx']}:8080/", timeout=600).ok().stdout
    assert f"into {names['results']}/results" in fetched, fetched


def assert_named_from_the_project(client, shop: Workshop) -> None:
    """Its containers and images carry the names derived from its project, and they are its own."""
    names, project = derived(shop.project), ours(shop.project)
    for container in (names["nginx"], names["daemon"]):
        assert project.owns(client.container.inspect(container).config.labels)
    for image in (f"{names['curl']}:{CURL_VERSION}", f"{names['curl']}:latest", names["app"]):
        assert project.owns_image(client.image.inspect(image).config.labels), image


def test_two_projects_build_run_and_clean_without_moving_each_others_things(two_projects, docker_client, resources):
    first, second = two_projects
    bring_up(first)
    assert [hit(first), hit(first)] == [1, 2]
    assert_named_from_the_project(docker_client, first)
    before = state(docker_client, first)
    assert len(before["images"]) == 2 and len(before["containers"]) == 4  # curl, counter; nginx, daemon, app, redis

    bring_up(second)
    assert hit(second) == 1
    assert_named_from_the_project(docker_client, second)
    assert state(docker_client, first) == before  # the second's builds took no tag, replaced no container
    assert hit(first) == 3 and hit(second) == 2  # each counts on its own volume

    kept = state(docker_client, second)
    assert not set(kept["images"]) & set(before["images"]) and not set(kept["volumes"]) & set(before["volumes"])
    second.run("down", timeout=300).ok()
    cleaned = second.run("clean", "--volumes", timeout=300).ok().stdout
    assert f"{second.project}_redis_data" in cleaned and first.project not in cleaned
    assert nothing_of(resources, second.project)
    assert not (ROOT / derived(second.project)["results"] / "results").exists()
    assert state(docker_client, first) == before  # the second's down and clean left the first alone
    assert hit(first) == 4

    first.run("down", timeout=300).ok()
    first.run("clean", "--volumes", timeout=300).ok()
    assert nothing_of(resources, first.project)


def test_a_second_projects_hint_points_at_the_environment(two_projects, docker_client):
    """A container not ours holds the second project's derived nginx name: the one line says to
    choose another NGINX_NAME in the environment, as its WORKSHOP_PROJECT is (not in .env, which
    the first project reads too)."""
    _, second = two_projects
    name = derived(second.project)["nginx"]
    foreign = docker_client.container.create(Settings.load().image("BASE_IMAGE"), ["true"], name=name)
    try:
        line = second.run("nginx.up").one_line_error("NGINX_NAME", name, "not this project's")
        assert f"in the environment, as WORKSHOP_PROJECT={second.project} is (every project reads the same" in line
        assert docker_client.container.exists(foreign.id)  # refused, not replaced
    finally:
        foreign.remove(force=True)


@pytest.mark.parametrize("project", ["docker-workshop", "second"])
def test_compose_alone_names_the_images_as_the_tasks_do(tmp_path, project):
    """A plain `docker compose config` (the fallbacks, nothing of ours) gives the app and swarm
    images the names the tasks derive, in the default project and in another."""
    from python_on_whales import DockerClient

    import tasks

    env = tmp_path / "project.env"
    env.write_text(f"WORKSHOP_PROJECT={project}\n")
    settings = Settings.load(
        root=ROOT,
        environ={"WORKSHOP_ENV_FILE": str(tmp_path / "none.env"), "WORKSHOP_PROFILE": "", "WORKSHOP_PROJECT": project},
        registry=tasks.shop.registry,
    )
    for file, services in (("docker-compose.yml", {"app": "APP_IMAGE"}), ("examples/swarm/compose.yml", None)):
        client = DockerClient(compose_files=[ROOT / file], compose_env_files=[env])
        config = client.compose.config(return_json=True)["services"]
        wanted = services or {kind: f"SWARM_{kind.upper()}_IMAGE" for kind in ("node", "registry", "proxy")}
        for service, setting in wanted.items():
            assert config[service]["image"] == settings.get(setting), (file, service)
