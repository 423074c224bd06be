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


# -- the markers `invoke test --quick` leaves out: a test that makes a cluster carries `swarm` --


def swarm_tests_unmarked() -> list[str]:
    """Integration tests that start a cluster themselves (a `swarm.up` or `stack.deploy` among
    their strings) yet carry no `swarm` mark, by function or module. A test that takes the
    `cluster` fixture, directly or through another fixture, is marked by conftest.py itself."""
    import ast
    from pathlib import Path

    def marks(decorators: list[ast.expr]) -> set[str]:
        return {ast.unparse(d) for d in decorators}

    unmarked = []
    for path in sorted((Path(__file__).parent.parent / "integration").glob("test_*.py")):
        tree = ast.parse(path.read_text())
        module_marked = "pytest.mark.swarm" in "".join(
            ast.unparse(node.value) for node in tree.body if isinstance(node, ast.Assign)
            and any(getattr(target, "id", "") == "pytestmark" for target in node.targets)
        )  # fmt: skip
        functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
        takes = {f.name: {a.arg for a in f.args.args} for f in functions if "fixture" in str(marks(f.decorator_list))}
        on_cluster = {"cluster"}
        while grown := {name for name, args in takes.items() if args & on_cluster} - on_cluster:
            on_cluster |= grown
        for node in functions:
            if not node.name.startswith("test_") or {a.arg for a in node.args.args} & on_cluster:
                continue
            strings = {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
            if (
                strings & {"swarm.up", "stack.deploy"}
                and not module_marked
                and "pytest.mark.swarm" not in marks(node.decorator_list)
            ):
                unmarked.append(f"{path.name}::{node.name}")
    return unmarked


def test_every_test_that_makes_or_takes_a_cluster_is_marked_swarm():
    assert swarm_tests_unmarked() == []
