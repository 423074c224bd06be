"""workshop.adapters: what the workshop relies on beyond its dependencies' documented APIs.

Each test pins down one behaviour of python-on-whales or python-dotenv that an adapter
passes on; a release that changes it fails here first."""

import shutil
import sys
from pathlib import Path

import pytest
from python_on_whales import DockerClient
from python_on_whales.client_config import ClientNotFoundError
from python_on_whales.exceptions import DockerException

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from workshop.adapters import compose_command, docker_command, output, parse_env, streamed  # noqa: E402

PYTHON = shutil.which(sys.executable) or sys.executable


def python(code: str) -> list[str]:
    """A command line that runs ``code``: the adapters run any command, docker's or not."""
    return [sys.executable, "-c", code]


# -- python-on-whales: the client's command lines -----------------------------------------------


def test_docker_command_is_the_cli_and_its_connection_options():
    client = DockerClient(client_call=[sys.executable], host="tcp://127.0.0.1:9", config="/tmp/cfg", context="c")
    assert docker_command(client) == [PYTHON, "--config", "/tmp/cfg", "--context", "c", "--host", "tcp://127.0.0.1:9"]


def test_docker_command_of_a_default_client_is_the_docker_cli_alone():
    if shutil.which("docker") is None:
        pytest.skip("no docker CLI on PATH")
    assert docker_command(DockerClient()) == [shutil.which("docker")]


def test_docker_command_without_the_cli_raises_client_not_found():
    # workshop.errors turns ClientNotFoundError into the one line "docker CLI not found"
    with pytest.raises(ClientNotFoundError):
        docker_command(DockerClient(client_call=["no-such-docker-cli-here"]))


def test_compose_command_carries_files_env_files_project_and_directory():
    client = DockerClient(
        client_call=[sys.executable],
        host="tcp://127.0.0.1:9",
        compose_files=["a.yml", "b.yml"],
        compose_profiles=["dev"],
        compose_env_files=["one.env", "two.env"],
        compose_project_name="proj",
        compose_project_directory="/somewhere",
    )
    assert compose_command(client) == [
        PYTHON,
        "--host",
        "tcp://127.0.0.1:9",
        "compose",
        "--file",
        "a.yml",
        "--file",
        "b.yml",
        "--profile",
        "dev",
        "--env-file",
        "one.env",
        "--env-file",
        "two.env",
        "--project-name",
        "proj",
        "--project-directory",
        "/somewhere",
    ]


# -- python-on-whales: running a command -------------------------------------------------------


def test_output_is_stdout_without_its_last_newline():
    assert output(python("print('one'); print('two')")) == "one\ntwo"


def test_output_of_a_failure_is_a_docker_exception_with_code_and_stderr():
    with pytest.raises(DockerException) as failed:
        output(python("import sys; sys.stderr.write('no such container: x\\n'); sys.exit(3)"))
    assert failed.value.return_code == 3
    assert "no such container: x" in failed.value.stderr


def test_streamed_yields_stdout_and_stderr_as_tagged_chunks():
    chunks = list(streamed(python("import sys; print('out', flush=True); print('err', file=sys.stderr)")))
    assert ("stdout", b"out\n") in chunks
    assert ("stderr", b"err\n") in chunks


def test_streamed_failure_raises_after_the_output_is_through():
    seen = []
    with pytest.raises(DockerException) as failed:
        for chunk in streamed(python("import sys; print('partial', flush=True); sys.exit(126)")):
            seen.append(chunk)
    assert seen == [("stdout", b"partial\n")]
    assert failed.value.return_code == 126


# -- python-dotenv ---------------------------------------------------------------------------------


def test_parse_env_reads_values_and_skips_nothing_in_a_good_file():
    parsed = parse_env("# a comment\nA=1\nB='two words'\n\nexport C=3\nALONE\n")
    assert parsed.values == {"A": "1", "B": "two words", "C": "3", "ALONE": None}
    assert parsed.skipped == ()


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("A=1\nnot a setting\nB=2\n", 2),
        ("A=1\nB='unterminated\n", 2),
        ("A=1\n\n\n= no name\n", 2),  # where the failed entry starts: right after the last good one
    ],
)
def test_parse_env_reports_where_the_entry_it_could_not_parse_starts(text, line):
    parsed = parse_env(text)
    assert parsed.skipped[0] == line
    assert parsed.values["A"] == "1"


def test_parse_env_leaves_dotenv_logger_as_it_was():
    import logging

    handlers = list(logging.getLogger("dotenv.main").handlers)
    parse_env("bad line\n")
    assert logging.getLogger("dotenv.main").handlers == handlers
