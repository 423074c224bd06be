"""The hardening rule the suite applies to every container it leaves (tests/hardened.py), and the
one list of exceptions (workshop/hardening.py's EXEMPTIONS) the README names."""

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]
for path in (ROOT, ROOT / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from hardened import problems, unhardened  # noqa: E402

from workshop.hardening import EXEMPT_KEY, EXEMPTIONS, exempt  # noqa: E402

PREFIX = "io.example.workshop"


def container(name="c", user="65534:65534", labels=None, **host):
    """A stand-in for python-on-whales' Container: the fields the rule reads."""
    hardened = {
        "readonly_rootfs": True,
        "security_opt": ["no-new-privileges:true"],
        "cap_drop": ["ALL"],
        "cap_add": None,
        "memory": 256 * 1024**2,
        "nano_cpus": 2 * 10**9,
        "pids_limit": 128,
    }
    return SimpleNamespace(
        name=name,
        config=SimpleNamespace(user=user, labels=labels or {}),
        host_config=SimpleNamespace(**{**hardened, **host}),
    )


def test_a_hardened_container_has_no_problem():
    assert problems(container(), PREFIX) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"user": ""}, "user '' is not a numeric non-root user"),
        ({"user": "0:0"}, "user '0:0' is not a numeric non-root user"),
        ({"user": "haproxy"}, "user 'haproxy' is not a numeric non-root user"),
        ({"readonly_rootfs": False}, "its root filesystem is writable"),
        ({"security_opt": None}, "no no-new-privileges"),
        ({"cap_drop": None}, "capabilities not all dropped (drop None, add None)"),
        ({"cap_add": ["NET_ADMIN"]}, "capabilities not all dropped (drop ['ALL'], add ['NET_ADMIN'])"),
        ({"memory": 0}, "no memory limit"),
        ({"nano_cpus": 0}, "no nano_cpus limit"),
        ({"pids_limit": -1}, "no pids_limit limit"),
        ({"pids_limit": None}, "no pids_limit limit"),
    ],
)
def test_each_missing_part_is_named(change, problem):
    assert problems(container(**change), PREFIX) == [problem]


def test_a_declared_exemption_is_not_checked_and_an_undeclared_one_is_a_problem():
    node = container(user="", readonly_rootfs=False, labels={f"{PREFIX}.{EXEMPT_KEY}": "swarm-node"})
    assert problems(node, PREFIX) == []
    made_up = container(labels={f"{PREFIX}.{EXEMPT_KEY}": "mine"})
    assert problems(made_up, PREFIX) == ["its exemption 'mine' is not declared in EXEMPTIONS"]


def test_unhardened_names_each_container_an_example_started_and_what_it_lacks():
    by = {f"{PREFIX}.example": "nginx"}
    mine = {f"{PREFIX}.example": "tls-test"}  # a server a test started itself
    found = [
        container("good", labels=by),
        container("bad", user="0", memory=0, labels=by),
        container("t", user="0", labels=mine),
    ]
    assert unhardened(found, PREFIX, {"nginx", "daemon"}) == [
        "bad: user '0' is not a numeric non-root user; no memory limit"
    ]


def test_exempt_labels_a_declared_exemption_and_refuses_another():
    c = SimpleNamespace(project=SimpleNamespace(label_prefix=PREFIX))
    assert exempt(c, "hello-shell") == {f"{PREFIX}.{EXEMPT_KEY}": "hello-shell"}
    with pytest.raises(ValueError, match="not declared"):
        exempt(c, "anything")


def test_the_readme_hardening_section_names_every_exemption():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Hardening", 1)[1].split("\n## ", 1)[0]
    for exemption in EXEMPTIONS:
        assert f"**{exemption.what}**" in section, exemption.what
