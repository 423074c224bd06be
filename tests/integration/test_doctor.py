"""`invoke doctor` against the real engine: read-only checks, each failure on its own line."""

from __future__ import annotations

import socket

import pytest
from engine_state import nothing_of

pytestmark = pytest.mark.integration


# -- status ---------------------------------------------------------------------------------


# -- doctor ---------------------------------------------------------------------------------


def test_doctor_passes_with_only_checks_and_information_and_creates_nothing(workshop, resources):
    result = workshop.run("doctor").ok()
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert lines[-1] == "all checks passed", result.stdout
    for line in lines[:-1]:
        assert line.startswith(("✓ ", "i ", "! ")), f"not a pass, information or warning line: {line!r}"
    for subject in (
        "docker CLI",
        "daemon",
        "compose v2",
        "loopback",
        "settings",
        "(NGINX_PORT) free",
        "(APP_PORT) free",
        "disk",
    ):
        assert any(subject in line for line in lines), f"no line about {subject}:\n{result.stdout}"
    assert result.stderr.strip() == ""
    assert nothing_of(resources, workshop.project)


def doctor_failure(result) -> list[str]:
    """Assert doctor's failure shape: exit 1, no traceback, stderr is one `error:` line. Return the ✗ lines."""
    assert result.returncode == 1, f"doctor exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith("error: "), result.stderr
    assert "check(s) failed" in errors[0]
    return [line for line in result.stdout.splitlines() if line.startswith("✗ ")]


def test_doctor_fails_on_a_taken_nginx_port_naming_it(workshop, resources):
    port = int(workshop.env["NGINX_PORT"])
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        failed = doctor_failure(workshop.run("doctor"))
    assert len(failed) == 1, failed
    assert "NGINX_PORT" in failed[0] and str(port) in failed[0] and "taken" in failed[0]
    assert nothing_of(resources, workshop.project)


def test_doctor_fails_on_a_bad_setting_naming_it(workshop, resources):
    failed = doctor_failure(workshop.run("doctor", REDIS_PORT="abc"))
    assert any("REDIS_PORT" in line and "'abc'" in line for line in failed), failed
    assert nothing_of(resources, workshop.project)


def test_doctor_reports_each_wrong_setting_on_its_own_line_and_runs_every_other_check(workshop, resources):
    result = workshop.run("doctor", NGINX_PORT="abc", DAEMON_INTERVAL="soon", REDIS_APPENDFSYNC="sometimes")
    failed = doctor_failure(result)
    assert [line.split("=")[0].removeprefix("✗ settings: ") for line in failed] == [
        "DAEMON_INTERVAL", "NGINX_PORT", "REDIS_APPENDFSYNC",
    ]  # fmt: skip
    lines = result.stdout
    assert "(APP_PORT) free" in lines and "(NGINX_PORT)" not in lines  # the other port is still checked
    assert "image " in lines and "disk:" in lines and "compose v2:" in lines  # and so is the rest
    assert nothing_of(resources, workshop.project)


def test_a_wrong_unrelated_setting_does_not_stop_stopping_or_listing(workshop, resources):
    workshop.run("up", timeout=900).ok()
    wrong = {"NGINX_PORT": "abc", "NGINX_HTML_DIR": "/no/such/folder", "APP_PORT": "x", "SITE_URL": "nope"}
    workshop.run("status", **wrong).ok()
    workshop.run("compose.ps", **wrong).ok()
    workshop.run("compose.down", **wrong).ok()
    assert "removed" in workshop.run("down", **wrong, timeout=300).ok().stdout
    workshop.run("clean", "--volumes", **wrong).ok()
    assert nothing_of(resources, workshop.project)


def test_doctor_fails_on_an_unreachable_daemon_saying_so(workshop, resources):
    failed = doctor_failure(workshop.run("doctor", DOCKER_HOST="unix:///nonexistent.sock"))
    assert any("daemon" in line and "unreachable" in line and "unix:///nonexistent.sock" in line for line in failed), (
        failed
    )
    assert nothing_of(resources, workshop.project)
