"""The test suite's own helpers: free ports are never handed out twice, and test-made
resources are told apart from the user's."""

from __future__ import annotations

from conftest import TEST_PROJECT, free_port, made_by_a_test


def test_free_port_never_hands_out_the_same_port_twice():
    ports = [free_port() for _ in range(50)]
    assert len(set(ports)) == len(ports)


def test_resources_of_a_test_project_are_the_made_by_a_test_and_the_users_are_not():
    assert made_by_a_test({"io.docker-workshop.project": f"{TEST_PROJECT}-abc123"})
    assert made_by_a_test({"io.docker-workshop.built-by": f"{TEST_PROJECT}-abc123"})
    assert made_by_a_test({"com.docker.compose.project": f"{TEST_PROJECT}-abc123"})
    assert not made_by_a_test({"io.docker-workshop.project": "docker-workshop"})
    assert not made_by_a_test(None)
