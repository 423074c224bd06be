"""Example 1 against the real engine: hello.run, hello.shell (through a pseudo-terminal)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import time

import pytest

pytestmark = pytest.mark.integration


def test_hello_run_prints_exactly_the_message_and_leaves_no_container(workshop, resources):
    result = workshop.run("hello.run").ok()
    assert result.stdout == "Hello world\n"
    assert resources(workshop.project)["containers"] == []


def test_hello_run_message_comes_from_configuration_verbatim(workshop):
    message = "it's $HOME; `not` a shell"
    result = workshop.run("hello.run", HELLO_MESSAGE=message).ok()
    assert result.stdout == message + "\n"


def test_hello_run_with_an_absent_image_fails_in_one_line(workshop, resources):
    result = workshop.run("hello.run", HELLO_IMAGE="docker-workshop/absent:never")
    result.one_line_error("HELLO_IMAGE", "docker-workshop/absent:never", "invoke setup")
    assert resources(workshop.project)["containers"] == []


def run_in_pty(command: list[str], env: dict[str, str], keystrokes: bytes, timeout: float = 60) -> tuple[int, str]:
    """Run ``command`` on a fresh pseudo-terminal, type ``keystrokes``, return (exit code, screen text)."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        command,
        env=env,
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        start_new_session=True,
        cwd=str(pytest.importorskip("conftest").ROOT),
    )
    os.close(terminal)
    screen = b""
    sent = False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([controller], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the terminal closed: the program ended
                break
            if not chunk:
                break
            screen += chunk
        if not sent and b"#" in screen:  # the shell's prompt is up
            os.write(controller, keystrokes)
            sent = True
        if process.poll() is not None and not ready:
            break
    os.close(controller)
    process.wait(timeout=10)
    return process.returncode, screen.decode(errors="replace")


def test_hello_shell_is_a_real_interactive_tty_removed_on_exit(workshop, resources):
    code, screen = run_in_pty(
        workshop.command("hello.shell"),
        workshop.environ(),
        b"tty; echo marker-$((6*7)); exit 3\r",
    )
    assert "marker-42" in screen, screen
    assert "/dev/pts/" in screen, screen  # the container got a terminal of its own
    assert code == 3, screen  # the shell's exit status is ours
    assert resources(workshop.project)["containers"] == []


def test_hello_shell_without_a_terminal_refuses_in_one_line(workshop, resources):
    result = workshop.run("hello.shell")
    result.one_line_error("interactive terminal", "hello.run")
    assert resources(workshop.project)["containers"] == []
