"""The test suite's own helpers: free ports are never handed out twice, and test-made
resources are told apart from the user's."""

from __future__ import annotations

from conftest import TEST_PROJECT, differences, free_port, made_by_a_test, workshop_folder


def test_free_port_never_hands_out_the_same_port_twice():
    ports = [free_port() for _ in range(50)]
    assert len(set(ports)) == len(ports)


def test_resources_of_a_test_project_are_the_made_by_a_test_and_the_users_are_not():
    assert made_by_a_test({"io.docker-workshop.project": f"{TEST_PROJECT}-abc123"})
    assert made_by_a_test({"io.docker-workshop.built-by": f"{TEST_PROJECT}-abc123"})
    assert made_by_a_test({"com.docker.compose.project": f"{TEST_PROJECT}-abc123"})
    assert not made_by_a_test({"io.docker-workshop.project": "docker-workshop"})
    assert not made_by_a_test(None)


# -- the "your resources are unchanged" check: it must be able to fail ---------------------------

BEFORE = {
    "containers": [("c1", "mine", "running")],
    "images": [("sha256:aa", ("docker-workshop/redis:standin",))],
    "volumes": ["my_data"],
    "networks": [("n1", "bridge")],
    ".env": b"WORKSHOP_PROFILE=offline\n",
    ".workshop/": ["dockerd.log"],
}


def changed(**after) -> list[str]:
    return differences(BEFORE, {**BEFORE, **after})


def test_the_same_state_is_no_difference():
    assert differences(BEFORE, dict(BEFORE)) == []


def test_a_tag_added_to_a_users_image_is_a_difference():
    found = changed(images=[("sha256:aa", ("127.0.0.1:5051/redis:aa", "docker-workshop/redis:standin"))])
    assert found == [
        "the suite changed the user's images: gone: [('sha256:aa', ('docker-workshop/redis:standin',))]; "
        "new: [('sha256:aa', ('127.0.0.1:5051/redis:aa', 'docker-workshop/redis:standin'))]"
    ]


def test_a_lock_file_left_in_the_workshop_folder_is_a_difference():
    assert changed(**{".workshop/": ["dockerd.log", "wstest-1234-nginx.lock"]}) == [
        "the suite changed the user's .workshop/: gone: []; new: ['wstest-1234-nginx.lock']"
    ]


def test_every_kind_is_compared():
    found = changed(
        containers=[("c1", "mine", "exited")],
        volumes=[],
        networks=[("n1", "bridge"), ("n2", "extra")],
        **{".env": b"", ".workshop/": []},
    )
    assert [line.split(":")[0] for line in found] == [
        "the suite changed the user's containers",
        "the suite changed the user's volumes",
        "the suite changed the user's networks",
        "the suite changed the user's .env",
        "the suite changed the user's .workshop/",
    ]


def test_the_workshop_folder_is_listed_recursively_by_name(tmp_path):
    assert workshop_folder(tmp_path / "missing") == []
    (tmp_path / "swarm").mkdir()
    assert workshop_folder(tmp_path) == []  # an empty folder holds nothing to lose
    (tmp_path / "swarm" / "proj" / "sock").mkdir(parents=True)
    (tmp_path / "dockerd.log").write_text("grows")
    (tmp_path / "swarm" / "proj" / "stack.json").write_text("{}")
    assert workshop_folder(tmp_path) == [
        "dockerd.log",
        "swarm/",
        "swarm/proj/",
        "swarm/proj/stack.json",
    ]
