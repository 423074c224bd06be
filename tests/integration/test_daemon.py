"""Example 1's lifecycle against the real engine: start, logs (streamed), stop, start, rm."""

from __future__ import annotations

import os
import selectors
import signal
import time

import pytest

pytestmark = pytest.mark.integration


def read_timed_lines(process, count: int, timeout: float) -> list[tuple[float, str]]:
    """Read ``count`` stdout lines from ``process``, each with the time it arrived."""
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    buffer, lines = b"", []
    deadline = time.monotonic() + timeout
    while len(lines) < count and time.monotonic() < deadline:
        if not selector.select(timeout=0.2):
            continue
        chunk = os.read(process.stdout.fileno(), 4096)
        if not chunk:
            break
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            lines.append((time.monotonic(), line.decode()))
    return lines


def test_daemon_lifecycle_up_logs_exited_up_removed(workshop, resources):
    name = workshop.env["DAEMON_NAME"]

    started = workshop.run("daemon.start").ok()
    assert f"{name} running" in started.stdout
    assert f"{name}  " in workshop.run("daemon.status").ok().stdout
    assert " Up " in workshop.run("daemon.status").stdout

    # follow: new lines arrive while it runs (it never ends by itself), not all at the end
    backlog = workshop.run("daemon.logs").ok().stdout.count("\n")
    follower = workshop.popen("daemon.logs", "--follow")
    try:
        lines = read_timed_lines(follower, backlog + 3, timeout=30)
        still_following = follower.poll() is None
    finally:
        os.killpg(follower.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    stderr = follower.communicate(timeout=15)[1].decode()
    assert {text for _, text in lines} == {"hello world"} and len(lines) == backlog + 3
    assert still_following, "--follow ended by itself"  # the lines past the backlog came as printed
    assert follower.returncode == 0 and "Traceback" not in stderr, stderr

    stopped = workshop.run("daemon.stop").ok()
    assert f"{name} stopped" in stopped.stdout
    assert "Exited (" in workshop.run("daemon.status").ok().stdout
    assert "nothing to stop" in workshop.run("daemon.stop").ok().stdout

    printed_before = workshop.run("daemon.logs").ok().stdout.count("hello world")
    assert "started again" in workshop.run("daemon.start").ok().stdout
    assert " Up " in workshop.run("daemon.status").ok().stdout
    assert "already running" in workshop.run("daemon.start").ok().stdout
    assert printed(workshop, more_than=printed_before) > printed_before  # it prints again

    workshop.run("daemon.rm").one_line_error(name, "daemon.stop", "--force")
    assert len(resources(workshop.project)["containers"]) == 1  # refused: still there
    assert f"{name} removed" in workshop.run("daemon.rm", "--force").ok().stdout
    assert resources(workshop.project)["containers"] == []
    assert "nothing to remove" in workshop.run("daemon.rm").ok().stdout
    assert "no daemon containers" in workshop.run("daemon.status").ok().stdout


def printed(workshop, more_than: int, timeout: float = 30) -> int:
    """How many lines the daemon has printed, once that is more than ``more_than`` (or the timeout passed)."""
    deadline = time.monotonic() + timeout
    while True:
        count = workshop.run("daemon.logs").ok().stdout.count("hello world")
        if count > more_than or time.monotonic() > deadline:
            return count
        time.sleep(0.2)


def test_daemon_logs_tail_shows_only_the_last_lines(workshop):
    workshop.run("daemon.start").ok()
    assert printed(workshop, more_than=3) > 3
    assert workshop.run("daemon.logs", "--tail", "2").ok().stdout == "hello world\n" * 2


def test_daemon_logs_before_start_says_how_to_start(workshop):
    workshop.run("daemon.logs").one_line_error(workshop.env["DAEMON_NAME"], "daemon.start")


def test_daemon_refuses_a_container_of_that_name_that_is_not_ours(workshop, docker_client, resources):
    name = workshop.env["DAEMON_NAME"]
    from workshop.config import Settings

    foreign = docker_client.container.create(Settings.load().image("DAEMON_IMAGE"), ["true"], name=name)
    try:
        for task in ("daemon.start", "daemon.stop", "daemon.rm", "daemon.logs"):
            workshop.run(task).one_line_error("DAEMON_NAME", name, "not this project's")
        assert docker_client.container.exists(foreign.id)
    finally:
        foreign.remove(force=True)
