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

from workshop.adapters import compose_command, docker_command, inspect_json, output, parse_env, streamed  # noqa: E402

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


# -- python-on-whales: swarm objects read in bulk --------------------------------------------------

#: a stand-in docker CLI: it logs each call's words, lists ids, and inspects what it is given (an
#: id named "gone" is not found: the others are printed and it exits 1, as docker does)
FAKE_DOCKER = """
import json, sys
words = sys.argv[1:]
with open(sys.argv[0] + ".log", "a") as log:
    log.write(" ".join(words) + "\\n")
if words[:2] == ["node", "list"]:
    print("n1\\nn2")
elif words[:2] == ["stack", "ps"]:
    print("t1\\nt2")
elif words[:2] == ["service", "list"]:
    print("s1")
elif words[:2] == ["service", "inspect"]:
    print("s1full")
elif words[0] == "inspect":
    kind, refs = words[2], words[3:]
    print(json.dumps([{"ID": r, "Kind": kind} for r in refs if r != "gone"]))
    if "gone" in refs:
        sys.exit("Error response from daemon: task gone not found")
"""


@pytest.fixture
def fake_docker(tmp_path) -> tuple[DockerClient, Path]:
    """A client whose CLI is FAKE_DOCKER, and the log of the calls it gets."""
    script = tmp_path / "docker"
    script.write_text(FAKE_DOCKER)
    return DockerClient(client_call=[sys.executable, str(script)]), tmp_path / "docker.log"


def calls(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def test_listings_give_objects_that_know_their_id_without_another_call(fake_docker):
    # examples/swarm/views.py takes the ids from these listings and inspects them itself
    client, log = fake_docker
    assert [n.id for n in client.node.list()] == ["n1", "n2"]
    assert [str(t.id) for t in client.stack.ps("st")] == ["t1", "t2"]
    assert [s.id for s in client.service.list(filters=[("label", "a=b")])] == ["s1full"]
    assert calls(log) == [
        "node list --quiet",
        "stack ps --quiet --no-trunc st",
        "service list --quiet --filter label=a=b",
        "service inspect s1 --format {{.ID}}",
    ]


def test_inspect_json_is_one_typed_inspect_of_every_reference(fake_docker):
    client, log = fake_docker
    found = inspect_json(client, ["t1", "t2", "t3"], "task")
    assert found == [{"ID": "t1", "Kind": "task"}, {"ID": "t2", "Kind": "task"}, {"ID": "t3", "Kind": "task"}]
    assert calls(log) == ["inspect --type task t1 t2 t3"]


def test_inspect_json_of_a_vanished_reference_fails_the_whole_call(fake_docker):
    client, _ = fake_docker
    with pytest.raises(DockerException) as failed:
        inspect_json(client, ["t1", "gone"], "task")
    assert "task gone not found" in failed.value.stderr


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
