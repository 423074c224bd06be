"""workshop.engine.Project: the labels that mark this project's resources, and ownership."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from workshop.config import Settings  # noqa: E402
from workshop.engine import Project  # noqa: E402
from workshop.errors import ConfigError  # noqa: E402

PROJECT = Project("docker-workshop", "io.docker-workshop")


def test_labels_name_project_and_example():
    assert PROJECT.labels("daemon") == {
        "io.docker-workshop.project": "docker-workshop",
        "io.docker-workshop.example": "daemon",
    }


def test_filters_select_project():
    assert PROJECT.filters() == [("label", "io.docker-workshop.project=docker-workshop")]


def test_filters_select_project_and_example():
    assert PROJECT.filters("daemon") == [
        ("label", "io.docker-workshop.project=docker-workshop"),
        ("label", "io.docker-workshop.example=daemon"),
    ]


def test_owns_what_it_labelled():
    assert PROJECT.owns(PROJECT.labels("daemon"), "daemon")
    assert PROJECT.owns(PROJECT.labels("daemon"))


def test_does_not_own_other_example():
    assert not PROJECT.owns(PROJECT.labels("hello"), "daemon")


def test_does_not_own_other_project():
    other = Project("someone-else", "io.docker-workshop")
    assert not PROJECT.owns(other.labels("daemon"), "daemon")
    assert not PROJECT.owns(other.labels("daemon"))


def test_does_not_own_same_name_under_other_prefix():
    other = Project("docker-workshop", "com.example")
    assert not PROJECT.owns(other.labels("daemon"))


@pytest.mark.parametrize("labels", [None, {}, {"com.docker.compose.project": "docker-workshop"}])
def test_does_not_own_unlabelled(labels):
    assert not PROJECT.owns(labels)
    assert not PROJECT.owns(labels, "daemon")


def test_owns_with_example_requires_example_label():
    assert not PROJECT.owns({"io.docker-workshop.project": "docker-workshop"}, "daemon")


def write_defaults(root: Path, text: str) -> None:
    (root / "envs").mkdir()
    (root / "envs" / "defaults.env").write_text(text)


def registry():
    import tasks

    return tasks.shop.registry


def test_the_project_comes_from_workshop_project_and_the_label_prefix(tmp_path):
    write_defaults(tmp_path, "WORKSHOP_PROJECT=demo\nWORKSHOP_LABEL_PREFIX=com.example\n")
    settings = Settings.load(root=tmp_path, environ={}, registry=registry())
    assert Project(settings.get("WORKSHOP_PROJECT"), settings.get("WORKSHOP_LABEL_PREFIX")) == Project(
        "demo", "com.example"
    )


def test_a_bad_project_name_is_refused_naming_it(tmp_path):
    write_defaults(tmp_path, "WORKSHOP_PROJECT=Demo\nWORKSHOP_LABEL_PREFIX=com.example\n")
    with pytest.raises(ConfigError, match="WORKSHOP_PROJECT"):
        Settings.load(root=tmp_path, environ={}, registry=registry()).get("WORKSHOP_PROJECT")
