"""Example 4 as a place to develop, against the real engine: compose.exec and compose.shell in
the running stack, and compose.dev, whose server reloads a copy of the app as it is edited."""

from __future__ import annotations

import http.client
import os
import pty
import select
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.integration


def get(port: str, path: str = "/") -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", int(port), timeout=5)
    try:
        connection.request("GET", path)
        answer = connection.getresponse()
        return answer.status, answer.read().decode()
    finally:
        connection.close()


@pytest.fixture
def stack(workshop):
    workshop.run("compose.up", timeout=900).ok()
    yield workshop
    workshop.run("compose.down", "--volumes", timeout=300)


# -- compose.exec, compose.shell -----------------------------------------------------------------


def test_exec_redis_cli_get_hits_equals_the_last_count(stack):
    for _ in range(3):
        stack.run("compose.hit").ok()
    result = stack.run("compose.exec", "redis", "--", "redis-cli", "get", "hits").ok()
    assert result.stdout == "3\n"


def test_exec_passes_on_output_quoting_and_the_commands_exit_status(stack):
    result = stack.run("compose.exec", "app", "--", "sh", "-c", "echo 'a  b'; id -u; echo oops >&2; exit 3")
    assert result.returncode == 3
    assert result.stdout == "a  b\n10001\n"
    assert result.stderr == "oops\n"


def test_exec_of_a_command_the_service_lacks_is_one_line(stack):
    stack.run("compose.exec", "redis", "--", "no-such-command").one_line_error(
        "'no-such-command' cannot be started in redis", "compose.shell --service redis"
    )


def test_exec_on_a_missing_service_or_a_stopped_stack_is_one_line(workshop, resources):
    workshop.run("compose.exec", "web", "--", "ls").one_line_error("SERVICE='web'", "app, redis")
    workshop.run("compose.exec", "redis", "--", "redis-cli", "ping").one_line_error(
        "redis is not running", "invoke compose.up"
    )
    assert all(not found for found in resources(workshop.project).values())


def test_shell_in_redis_is_a_real_terminal_with_redis_cli(stack):
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        stack.command("compose.shell", "--service", "redis"),
        env=stack.environ(),
        cwd=ROOT,
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        start_new_session=True,
    )
    os.close(terminal)
    screen, sent = b"", False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([controller], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(controller, 4096)
            except OSError:
                break
            if not chunk:
                break
            screen += chunk
        if not sent and b"$ " in screen:  # the prompt of a user that is not root
            os.write(controller, b"tty; redis-cli ping; exit 5\r")
            sent = True
        if process.poll() is not None and not ready:
            break
    os.close(controller)
    process.wait(timeout=10)
    text = screen.decode(errors="replace")
    assert "/dev/pts/" in text and "PONG" in text, text
    assert process.returncode == 5, text


# -- compose.dev ---------------------------------------------------------------------------------


def copy_of_the_stack(folder: Path) -> Path:
    """The compose file and the app's folder, copied: the test edits the copy, never the committed app."""
    shutil.copy(ROOT / "docker-compose.yml", folder / "docker-compose.yml")
    (folder / "examples" / "compose").mkdir(parents=True)
    shutil.copytree(ROOT / "examples" / "compose" / "app", folder / "examples" / "compose" / "app")
    shutil.copy(ROOT / "examples" / "compose" / "no-extra-ca.pem", folder / "examples" / "compose")
    return folder / "docker-compose.yml"


class Output:
    """A child's output lines, read as they come."""

    def __init__(self, stream):
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream):
        for line in stream:
            self.lines.append(line.decode(errors="replace"))

    def wait_for(self, text: str, process, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and process.poll() is None:
            if any(text in line for line in self.lines):
                return
            time.sleep(0.1)
        assert any(text in line for line in self.lines), "".join(self.lines)


def test_dev_reloads_an_edited_copy_of_the_app_on_127_0_0_1_and_ctrl_c_keeps_the_data(
    workshop, docker_client, resources, tmp_path
):
    compose_file = copy_of_the_stack(tmp_path)
    app_py = compose_file.parent / "examples" / "compose" / "app" / "app.py"
    committed = (ROOT / "examples" / "compose" / "app" / "app.py").read_bytes()
    port = workshop.env["APP_PORT"]
    process = workshop.popen("compose.dev", WORKSHOP_COMPOSE_FILE=str(compose_file), APP_BIND="0.0.0.0")
    output = Output(process.stdout)
    try:
        output.wait_for("Watch enabled", process, timeout=900)
        status, body = get(port)
        assert (status, body) == (200, "Hello from Redis! I have been seen 1 times.\n")
        (app,) = docker_client.container.list(
            filters=[
                ("label", f"com.docker.compose.project={workshop.project}"),
                ("label", "com.docker.compose.service=app"),
            ]
        )
        bindings = [b for found in (app.network_settings.ports or {}).values() for b in found or []]
        assert [b["HostIp"] for b in bindings] == ["127.0.0.1"]  # APP_BIND=0.0.0.0 does not apply

        app_py.write_text(app_py.read_text().replace("Hello from Redis!", "Hello again from Redis!"))
        deadline = time.monotonic() + 60  # generous: the target (2 s) is bench/README.md's
        answers = []
        while time.monotonic() < deadline and not (answers and answers[-1].startswith("Hello again")):
            try:
                answers.append(get(port)[1])
            except OSError:
                pass
            time.sleep(0.1)
        assert answers and answers[-1].startswith("Hello again from Redis! I have been seen"), answers[-3:]
        output.wait_for("reloading workers", process, timeout=30)

        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        assert process.wait(timeout=120) == 0, "".join(output.lines) + process.stderr.read().decode()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    output.thread.join(timeout=10)
    assert "development mode stopped" in "".join(output.lines)
    found = resources(workshop.project)
    assert found["containers"] == [] and found["networks"] == []
    assert [v.name for v in found["volumes"]] == [f"{workshop.project}_redis_data"]
    assert (ROOT / "examples" / "compose" / "app" / "app.py").read_bytes() == committed
    # the count survived development mode, and production mode serves the committed app again
    workshop.run("compose.up", timeout=900).ok()
    status, body = get(port)
    assert body.startswith("Hello from Redis! I have been seen ") and not body.endswith(" 1 times.\n")
