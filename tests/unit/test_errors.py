"""workshop.errors: docker's failures as one actionable line; bugs keep their traceback."""

import sys
from pathlib import Path

import pytest
from python_on_whales.client_config import ClientNotFoundError
from python_on_whales.exceptions import DockerException, NoSuchImage

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from workshop.errors import ConfigError, WorkshopError, describe, describe_docker_failure, last_line  # noqa: E402

NOT_RUNNING = "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n"
PERMISSION = (
    "permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: "
    'Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.24/containers/json": dial unix /var/run/docker.sock: '
    "connect: permission denied\n"
)
NO_COMPOSE = "docker: 'compose' is not a docker command.\nSee 'docker --help'\n"
PORT_TAKEN = (
    "docker: Error response from daemon: driver failed programming external connectivity on endpoint web "
    "(0123abcd): Bind for 127.0.0.1:8080 failed: port is already allocated.\n"
)


def docker_error(stderr: str | None, return_code: int = 1, cls=DockerException):
    return cls(
        command_launched=["docker", "x"],
        return_code=return_code,
        stderr=None if stderr is None else stderr.encode(),
    )


@pytest.fixture(autouse=True)
def no_docker_host(monkeypatch):
    monkeypatch.delenv("DOCKER_HOST", raising=False)


# -- last_line ------------------------------------------------------------------------------


def test_last_line_strips_cli_and_daemon_prefixes_and_final_period():
    assert last_line(PORT_TAKEN) == (
        "driver failed programming external connectivity on endpoint web (0123abcd): "
        "Bind for 127.0.0.1:8080 failed: port is already allocated"
    )


def test_last_line_skips_trailing_blank_lines():
    assert last_line("first\nError: second.\n\n   \n") == "second"


@pytest.mark.parametrize("text", [None, "", " \n\n"])
def test_last_line_of_nothing_is_empty(text):
    assert last_line(text) == ""


# -- describe_docker_failure ----------------------------------------------------------------


def test_daemon_not_running_names_the_default_socket():
    message = describe_docker_failure(NOT_RUNNING, 1)
    assert message.startswith("Docker daemon unreachable at the default socket (unix:///var/run/docker.sock)")
    assert "invoke setup" in message


def test_daemon_not_running_names_docker_host(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "tcp://10.0.0.5:2375")
    assert "unreachable at tcp://10.0.0.5:2375;" in describe_docker_failure(NOT_RUNNING, 1)


def test_socket_missing_is_daemon_unreachable():
    stderr = "error during connect: dial unix /var/run/docker.sock: connect: no such file or directory"
    assert describe_docker_failure(stderr).startswith("Docker daemon unreachable")


def test_permission_denied_on_socket_says_docker_group():
    message = describe_docker_failure(PERMISSION, 1)
    assert message.startswith("permission denied on the Docker socket")
    assert "usermod -aG docker" in message


def test_permission_denied_elsewhere_is_not_about_the_socket():
    stderr = "docker: Error response from daemon: open /data/file: permission denied."
    assert describe_docker_failure(stderr, 125) == "open /data/file: permission denied"


def test_missing_compose_plugin():
    assert describe_docker_failure(NO_COMPOSE, 1).startswith("Docker Compose v2 is missing")


def test_other_failure_is_its_last_line():
    assert describe_docker_failure(PORT_TAKEN, 125).endswith(
        "Bind for 127.0.0.1:8080 failed: port is already allocated"
    )


@pytest.mark.parametrize("stderr", [None, "", "\n"])
def test_empty_stderr_mentions_exit_code(stderr):
    assert describe_docker_failure(stderr, 125) == "docker failed (exit code 125)"


@pytest.mark.parametrize("stderr", [NOT_RUNNING, PERMISSION, NO_COMPOSE, PORT_TAKEN, "a\nb\nc", None])
def test_docker_failure_is_one_line(stderr):
    assert "\n" not in describe_docker_failure(stderr, 1)


# -- describe -------------------------------------------------------------------------------


def test_describe_docker_exception_uses_its_stderr():
    assert describe(docker_error(NOT_RUNNING)).startswith("Docker daemon unreachable")


def test_describe_docker_exception_port_taken():
    assert describe(docker_error(PORT_TAKEN, 125)).endswith("port is already allocated")


def test_describe_docker_exception_without_stderr_mentions_exit_code():
    assert describe(docker_error(None, 125)) == "docker failed (exit code 125)"


def test_describe_docker_exception_with_empty_stderr_mentions_exit_code():
    assert describe(docker_error("", 3)) == "docker failed (exit code 3)"


def test_describe_no_such_image():
    exc = docker_error("Error response from daemon: No such image: ubuntu:nope\n", 1, NoSuchImage)
    assert describe(exc) == "No such image: ubuntu:nope"


def test_describe_client_not_found_is_about_the_docker_cli():
    message = describe(ClientNotFoundError("docker not found"))
    assert "docker CLI was not found" in message
    assert "\n" not in message


@pytest.mark.parametrize("exc", [WorkshopError("fix this"), ConfigError("fix this")])
def test_describe_workshop_error_is_its_message(exc):
    assert describe(exc) == "fix this"


@pytest.mark.parametrize("exc", [ValueError("bug"), KeyError("x"), AttributeError("y")])
def test_describe_bug_is_none(exc):
    assert describe(exc) is None


# -- interrupted ------------------------------------------------------------------------------


def test_a_docker_command_ended_by_ctrl_c_is_an_interruption_not_a_failure():
    from workshop.errors import interrupted

    assert interrupted(docker_error(None, 130))  # the CLI's own exit on SIGINT
    assert interrupted(docker_error(None, -2))  # killed by SIGINT
    assert not interrupted(docker_error("boom", 1))
    assert not interrupted(ValueError("130"))


def test_a_task_whose_docker_command_was_interrupted_exits_130_without_an_error_line():
    from invoke import Context
    from invoke.exceptions import Exit

    from workshop.cli import INTERRUPTED, task

    @task
    def follows(c):
        """A task whose docker CLI got the Ctrl-C first."""
        raise docker_error(None, 130)

    with pytest.raises(Exit) as ended:
        follows(Context())
    assert ended.value.code == INTERRUPTED and not ended.value.message


def test_the_docker_clis_own_error_and_hint_are_noise_whichever_its_version():
    from workshop.output import _is_cli_noise

    assert _is_cli_noise(b"docker: Error response from daemon: manifest unknown.\n", False)
    assert _is_cli_noise(b"Run 'docker run --help' for more information\n", True)  # CLI 28
    assert _is_cli_noise(b"See 'docker run --help'.\n", True)  # CLI 20.10 (the learner's docker.io)
    assert not _is_cli_noise(b"See 'docker run --help'.\n", False)  # a container may print anything
    assert not _is_cli_noise(b"hello world\n", True)
