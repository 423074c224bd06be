"""`invoke status` and `invoke clean` against the real engine: the inventory by labels, and a
clean that removes this project's resources only, data only with --volumes."""

from __future__ import annotations

import json
import re
import tarfile
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from engine_state import nothing_of, parse_table

from workshop.config import Settings
from workshop.engine import Project

pytestmark = pytest.mark.integration


def label_prefix() -> str:
    return Settings.load().label_prefix("WORKSHOP_LABEL_PREFIX")


def results_of(workshop) -> Path:
    return Path(workshop.env["CURL_RESULTS_DIR"]) / "results"


# -- status ---------------------------------------------------------------------------------


def test_status_lists_both_containers_by_example_with_state_url_and_the_shared_network(workshop):
    workshop.run("nginx.up").ok()
    workshop.run("daemon.start").ok()
    nginx, daemon = workshop.env["NGINX_NAME"], workshop.env["DAEMON_NAME"]
    network = f"{workshop.project}-net"
    url = f"http://127.0.0.1:{workshop.env['NGINX_PORT']}/"

    table = workshop.run("status").ok()
    rows = {row["NAME"]: row for row in parse_table(table.stdout)}
    assert set(rows) == {nginx, daemon, network}, table.stdout
    assert (rows[nginx]["EXAMPLE"], rows[nginx]["KIND"], rows[nginx]["DETAIL"]) == ("nginx", "container", url)
    assert (rows[daemon]["EXAMPLE"], rows[daemon]["KIND"], rows[daemon]["DETAIL"]) == ("daemon", "container", "-")
    for name in (nginx, daemon):
        assert re.fullmatch(
            r"Up (Less than a second|\d+ (second|minute|hour|day)s?)( \((starting|healthy)\))?",
            rows[name]["STATUS"],
        ), rows[name]
    assert (rows[network]["EXAMPLE"], rows[network]["KIND"]) == ("shared", "network")

    document = json.loads(workshop.run("status", "--json").ok().stdout)
    assert all(set(entry) == {"example", "kind", "name", "status", "detail"} for entry in document), document
    assert {(e["kind"], e["name"], e["example"]) for e in document} == {
        (row["KIND"], row["NAME"], row["EXAMPLE"]) for row in rows.values()
    }
    by_name = {entry["name"]: entry for entry in document}
    assert by_name[nginx]["detail"] == url
    assert by_name[nginx]["status"].startswith("Up ") and by_name[daemon]["status"].startswith("Up ")
    assert by_name[network]["detail"] == "bridge"


def test_status_with_nothing_of_the_project_says_so_and_exits_0(workshop, resources):
    result = workshop.run("status").ok()
    assert f"nothing of project {workshop.project!r} on the engine" in result.stdout
    assert result.stderr.strip() == ""
    assert json.loads(workshop.run("status", "--json").ok().stdout) == []
    assert nothing_of(resources, workshop.project)


def test_the_hint_status_gives_when_empty_names_a_task_that_exists(workshop):
    text = workshop.run("status").ok().stdout
    hints = re.findall(r"`invoke ([\w.-]+)", text)
    assert hints, text
    for hint in hints:
        answer = workshop.run("--help", hint)
        assert answer.returncode == 0, f"the hint `invoke {hint}` names no task: {answer.stderr.strip()}"


# -- clean ----------------------------------------------------------------------------------


@contextmanager
def unrelated_resources(client, tmp_path: Path):
    """Containers, volumes, networks and an image that are not this test project's; removed at the end."""
    prefix = label_prefix()
    tag = uuid.uuid4().hex[:8]
    other = {f"{prefix}.project": f"someone-else-{tag}", f"{prefix}.example": "nginx"}
    # The image named by BASE_IMAGE: setup's base carries the *default* project's labels, which a
    # container inherits; it carries nothing of the test project, which is what matters here.
    base = Settings.load().image("BASE_IMAGE")
    made: dict[str, str] = {}
    try:
        made["container"] = client.run(
            base, ["sleep", "300"], detach=True, init=True, name=f"wsunrelated-{tag}", pull="never"
        ).name
        made["other container"] = client.run(
            base,
            ["sleep", "300"],
            detach=True,
            init=True,
            name=f"wsunrelated-{tag}-other",
            pull="never",
            labels=other,
        ).name
        made["volume"] = client.volume.create(f"wsunrelated-{tag}").name
        made["other volume"] = client.volume.create(f"wsunrelated-{tag}-other", labels=other).name
        made["network"] = client.network.create(f"wsunrelated-{tag}").name
        content = tmp_path / "unrelated.txt"
        content.write_text("not the workshop's\n")
        tarball = tmp_path / "unrelated.tar"
        with tarfile.open(tarball, "w") as tar:
            tar.add(content, arcname="unrelated.txt")
        image = f"wsunrelated-{tag}:v1"
        client.image.import_(tarball, tag=image)
        made["image"] = image
        yield made
    finally:
        for kind in ("container", "other container"):
            if kind in made and client.container.exists(made[kind]):
                client.container.remove(made[kind], force=True)
        for kind in ("volume", "other volume"):
            if kind in made and client.volume.exists(made[kind]):
                client.volume.remove(made[kind])
        if "network" in made and client.network.exists(made["network"]):
            client.network.remove(made["network"])
        if "image" in made and client.image.exists(made["image"]):
            client.image.remove(made["image"], force=True)


def assert_unrelated_intact(client, made: dict[str, str]) -> None:
    for kind in ("container", "other container"):
        assert client.container.exists(made[kind]), f"clean removed the unrelated {kind} {made[kind]}"
        assert client.container.inspect(made[kind]).state.running, f"clean stopped the unrelated {kind}"
    for kind in ("volume", "other volume"):
        assert client.volume.exists(made[kind]), f"clean removed the unrelated {kind} {made[kind]}"
    assert client.network.exists(made["network"]), "clean removed the unrelated network"
    assert client.image.exists(made["image"]), "clean removed the unrelated image"


def identities(found: dict[str, list]) -> dict[str, list[str]]:
    """ids (names for volumes) of what resources(project) returned."""
    return {
        "containers": sorted(c.id for c in found["containers"]),
        "networks": sorted(n.id for n in found["networks"]),
        "images": sorted(i.id for i in found["images"]),
        "volumes": sorted(v.name for v in found["volumes"]),
    }


def test_clean_removes_only_this_projects_resources_and_data_only_with_volumes(
    workshop, docker_client, resources, tmp_path
):
    with unrelated_resources(docker_client, tmp_path) as unrelated:
        # ours: two containers and the shared network, the stack (containers, network, volume,
        # built image), the curl image and its results file
        workshop.run("nginx.up").ok()
        workshop.run("daemon.start").ok()
        workshop.run("compose.up", timeout=900).ok()
        workshop.run("curl.build", timeout=600).ok()
        workshop.run("curl.run", "--site-url", f"http://{workshop.env['NGINX_NAME']}:8080/", timeout=600).ok()
        volume = f"{workshop.project}_redis_data"
        results = results_of(workshop)
        assert results.is_file()

        ours = resources(workshop.project)
        before = identities(ours)
        container_names = sorted(c.name for c in ours["containers"])
        network_names = sorted(n.name for n in ours["networks"])
        image_names = sorted(", ".join(sorted(i.repo_tags)) for i in ours["images"])
        assert len(container_names) == 4, container_names  # nginx, daemon, app, redis
        assert f"{workshop.project}-net" in network_names and len(network_names) == 2, network_names
        assert len(image_names) == 2, image_names  # the curl image and the app image
        assert before["volumes"] == [volume]

        dry = workshop.run("clean", "--dry-run").ok()
        for kind, names in (("container", container_names), ("network", network_names), ("image", image_names)):
            for name in names:
                assert f"would remove {kind} {name} (" in dry.stdout, f"{kind} {name} not listed:\n{dry.stdout}"
        assert "would remove volume" not in dry.stdout and "would remove file" not in dry.stdout
        assert "volumes kept (--volumes deletes the data)" in dry.stdout
        dry_all = workshop.run("clean", "--dry-run", "--volumes").ok()
        # each volume with what it holds, read from the running Redis (no visit yet)
        assert (
            f"would remove volume {volume} (compose: the stack's Redis data, no hit counted yet)" in dry_all.stdout
        ), dry_all.stdout
        assert f"would remove file {results}" in dry_all.stdout, dry_all.stdout
        for listing in (dry.stdout, dry_all.stdout):
            assert "removed " not in listing
            for name in unrelated.values():
                assert name.split(":")[0] not in listing, f"dry run lists unrelated {name}"
        assert identities(resources(workshop.project)) == before, "a dry run removed something"
        assert results.is_file()
        assert_unrelated_intact(docker_client, unrelated)

        cleaned = workshop.run("clean").ok()
        assert "volumes kept (--volumes deletes the data)" in cleaned.stdout
        assert f"removed container {workshop.env['NGINX_NAME']} (nginx)" in cleaned.stdout
        assert f"removed network {workshop.project}-net (shared)" in cleaned.stdout
        left = resources(workshop.project)
        assert (left["containers"], left["networks"], left["images"]) == ([], [], []), left
        assert [v.name for v in left["volumes"]] == [volume]
        assert not docker_client.image.exists(f"{workshop.env['CURL_IMAGE']}:1.0")
        assert not docker_client.image.exists(workshop.env["APP_IMAGE"])
        assert results.is_file(), "clean without --volumes deleted the results file"
        assert_unrelated_intact(docker_client, unrelated)

        wiped = workshop.run("clean", "--volumes").ok()
        not_read = "the hit count (not read: Redis is not running)"  # `clean` removed the stack above
        assert f"removed volume {volume} (compose: the stack's Redis data, {not_read})" in wiped.stdout, wiped.stdout
        assert f"removed file {results}" in wiped.stdout
        assert nothing_of(resources, workshop.project)
        assert not results.exists()
        assert_unrelated_intact(docker_client, unrelated)
        # the images ours were built FROM are setup's, not ours: still there
        assert docker_client.image.exists(Settings.load().image("BASE_IMAGE"))
        for name in unrelated.values():
            assert name.split(":")[0] not in cleaned.stdout + wiped.stdout


def test_clean_twice_in_a_row_succeeds_and_the_second_has_nothing_to_remove(workshop, resources):
    workshop.run("nginx.up").ok()
    workshop.run("daemon.start").ok()
    first = workshop.run("clean").ok()
    assert f"removed container {workshop.env['DAEMON_NAME']} (daemon)" in first.stdout
    assert nothing_of(resources, workshop.project)
    second = workshop.run("clean").ok()
    assert f"nothing of project {workshop.project!r} to remove" in second.stdout
    assert "removed" not in second.stdout
    assert second.stderr.strip() == ""


def test_a_container_made_by_hand_from_a_project_labelled_image_is_not_ours(workshop, docker_client, tmp_path):
    prefix = label_prefix()
    content = tmp_path / "base.txt"
    content.write_text("a stand-in for setup's base image\n")
    tarball = tmp_path / "base.tar"
    with tarfile.open(tarball, "w") as tar:
        tar.add(content, arcname="base.txt")
    image = f"{workshop.project}-base:test"
    # what offline.build_offline_base does: import with the project's image labels
    docker_client.image.import_(
        tarball,
        tag=image,
        changes=[
            f"LABEL {key}={value}" for key, value in Project(workshop.project, prefix).image_labels("base").items()
        ],
    )
    by_hand = f"{workshop.project}-by-hand"
    docker_client.container.create(image, ["/not-run"], name=by_hand)  # no labels given
    try:
        listed = workshop.run("status").ok().stdout
        planned = workshop.run("clean", "--dry-run").ok().stdout
        assert by_hand not in listed, f"status lists a container the user made by hand:\n{listed}"
        assert by_hand not in planned, f"clean would remove a container the user made by hand:\n{planned}"
    finally:
        if docker_client.container.exists(by_hand):
            docker_client.container.remove(by_hand, force=True)


def test_status_json_is_one_valid_document_with_every_kind_of_every_example(workshop):
    import json

    workshop.run("up", timeout=900).ok()
    workshop.run("curl.build", timeout=600).ok()
    document = json.loads(workshop.run("status", "--json").ok().stdout)
    kinds = {(row["example"], row["kind"]) for row in document}
    for pair in [("daemon", "container"), ("nginx", "container"), ("compose", "container"),
                 ("compose", "image"), ("compose", "volume"), ("compose", "network"),
                 ("curl", "image"), ("shared", "network")]:  # fmt: skip
        assert pair in kinds, (pair, sorted(kinds))
    workshop.run("down", "--volumes", timeout=300).ok()
