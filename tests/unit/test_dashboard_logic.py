"""The dashboard without an engine: every refusal of the guard (through Starlette's TestClient,
against the real app, with a runner that records whether anything ran), the action runner's
bad input, and how an example's state is told from its containers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from invoke import Collection
from starlette.testclient import TestClient

from workshop.cli import Ctx, task
from workshop.dashboard.board import example_rows, state_of
from workshop.dashboard.feed import Hub
from workshop.dashboard.guard import refusal
from workshop.dashboard.server import Runner, make_app
from workshop.example import Action, Example, Move, Panel, Service, Step, Workshop
from workshop.inventory import Resource

ROOT = Path(__file__).resolve().parents[2]
PORT, TOKEN = 52001, "s3cret-token"
OWN = f"http://127.0.0.1:{PORT}"
RAN: list[str] = []


@task
def poke(c):
    """Record that it ran (what a button would run)."""
    RAN.append("poke")


@pytest.fixture
def client():
    """The real app, with one example whose panel has one button, `poke`."""
    RAN.clear()
    example = Example(name="toy", collection=Collection("toy", poke),
                      panel=Panel(actions=(Action("toy.poke", "poke", "toy.poke"),)))  # fmt: skip
    shop = Workshop.of(example)
    root = shop.collection()
    from invoke import Config

    c = Ctx(config=Config(overrides={"workshop": {"shop": shop}}))
    assert root is not None
    app = make_app(c, Hub(), Runner(c, lambda: None), PORT, TOKEN)
    return TestClient(app, base_url=OWN)


def post(client, path="/actions/toy.poke", **headers):
    sent = {"x-dashboard-token": TOKEN, "origin": OWN, **headers}
    return client.post(path, headers={k: v for k, v in sent.items() if v is not None}, json={})


def test_the_page_answers_on_its_two_names(client):
    assert client.get("/").status_code == 200
    assert client.get("/", headers={"host": f"localhost:{PORT}"}).status_code == 200
    assert "<title>" in client.get("/").text


@pytest.mark.parametrize(
    "host", ["evil.example:52001", f"127.0.0.1:{PORT + 1}", "127.0.0.1", "localhost", f"0.0.0.0:{PORT}", ""]
)
def test_a_foreign_host_is_refused_for_the_page_the_stream_and_static_files(client, host):
    for path in ("/", "/events", "/static/app.js"):
        answer = client.get(path, headers={"host": host})
        assert answer.status_code == 403, (path, host)
        assert answer.text.startswith("forbidden: Host")


def test_a_foreign_host_is_refused_for_an_action_even_with_token_and_origin(client):
    answer = post(client, host="rebound.example:52001", origin="http://rebound.example:52001")
    assert answer.status_code == 403
    assert RAN == []


def test_an_action_without_the_token_is_refused_and_runs_nothing(client):
    answer = post(client, **{"x-dashboard-token": None})
    assert answer.status_code == 403
    assert "token" in answer.text
    assert RAN == []


def test_an_action_with_a_wrong_token_is_refused(client):
    assert post(client, **{"x-dashboard-token": "guess"}).status_code == 403
    assert RAN == []


def test_the_token_in_the_query_string_is_not_enough(client):
    answer = client.post(f"/actions/toy.poke?token={TOKEN}", headers={"origin": OWN}, json={})
    assert answer.status_code == 403
    assert RAN == []


@pytest.mark.parametrize("origin", [None, "http://evil.example", f"http://localhost:{PORT}", "null",
                                    f"https://127.0.0.1:{PORT}"])  # fmt: skip
def test_an_action_from_another_origin_is_refused(client, origin):
    answer = post(client, origin=origin)
    assert answer.status_code == 403
    assert "Origin" in answer.text
    assert RAN == []


def test_an_action_by_get_is_refused(client):
    answer = client.get("/actions/toy.poke", headers={"x-dashboard-token": TOKEN, "origin": OWN})
    assert answer.status_code == 403
    assert RAN == []


def test_an_allowed_action_runs_its_task_once(client):
    answer = post(client)
    assert answer.status_code == 200
    assert answer.json()["ok"] is True
    assert answer.json()["command"] == "invoke toy.poke"
    assert RAN == ["poke"]


def test_an_action_from_localhost_with_its_own_origin_runs(client):
    answer = post(client, host=f"localhost:{PORT}", origin=f"http://localhost:{PORT}")
    assert answer.status_code == 200
    assert RAN == ["poke"]


def test_an_unknown_action_or_a_bad_argument_runs_nothing(client):
    assert post(client, path="/actions/nope").status_code == 404
    answer = client.post("/actions/toy.poke", headers={"x-dashboard-token": TOKEN, "origin": OWN},
                         json={"argument": "2; rm -rf /"})  # fmt: skip
    assert answer.status_code == 400
    assert "is not a node name" in answer.json()["error"]
    assert RAN == []


def test_two_host_headers_are_refused():
    headers = [("host", f"127.0.0.1:{PORT}"), ("host", "evil.example")]
    assert refusal("GET", "/", headers, PORT, TOKEN) is not None


def _container(example: str, status: str, url: str = "") -> Resource:
    return Resource(example, "container", f"{example}-1", status, url)


@pytest.mark.parametrize(
    ("statuses", "state"),
    [
        ([], "not started"),
        (["Up 3 seconds (healthy)", "Up 1 minute (healthy)"], "healthy"),
        (["Up 3 seconds (healthy)", "Up 2 seconds (starting)"], "running"),
        (["Up 3 seconds"], "running"),
        (["Up 3 seconds (unhealthy)", "Up 3 seconds (healthy)"], "unhealthy"),
        (["Exited (0) 2 minutes ago"], "stopped"),
        (["Created"], "stopped"),
        (["Up 3 seconds (healthy)", "Exited (137) 1 second ago"], "running"),
    ],
)
def test_an_examples_state_from_its_containers(statuses, state):
    assert state_of([_container("x", s) for s in statuses]) == state


def test_rows_follow_the_tour_and_show_urls_of_running_containers_only():
    step = Step("t", "teaches", (Move("docker run", "a.go", lambda c, r, n: ""),))
    first = Example("a", Collection("a"), tour=step)
    second = Example("b", Collection("b"), tour=step, service=Service(start="b.up", stop="b.down"))
    hidden = Example("c", Collection("c"))  # no tour step: not a row
    found = [_container("b", "Up 1 second", "http://127.0.0.1:1/"), _container("a", "Exited (0) now", "http://x/")]
    rows = example_rows((first, second, hidden), found, {"b": "stopped by hand"})
    assert [(r["name"], r["state"], r["urls"], r["start"], r["note"]) for r in rows] == [
        ("a", "stopped", [], "invoke a.go", ""),
        ("b", "running", ["http://127.0.0.1:1/"], "invoke b.up", "stopped by hand"),
    ]


def _dashboard(port: str) -> subprocess.CompletedProcess:
    """`invoke dashboard` with DASHBOARD_PORT=port, as a user runs it."""
    environ = {**os.environ, "DASHBOARD_PORT": port, "WORKSHOP_PROJECT": "wstest-dashboard-unit"}
    return subprocess.run([sys.executable, "-m", "invoke", "dashboard"], cwd=ROOT, env=environ, capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)  # fmt: skip


@pytest.mark.parametrize("port", ["abc", "0", "70000", ""])
def test_an_invalid_port_is_one_line_before_anything_starts(port):
    ran = _dashboard(port)
    assert ran.returncode == 1
    assert ran.stdout == ""
    assert ran.stderr.startswith("error: DASHBOARD_PORT=") and ran.stderr.count("\n") == 1, ran.stderr


def test_a_taken_port_is_one_line_before_anything_starts():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        ran = _dashboard(str(taken.getsockname()[1]))
    assert ran.returncode == 1
    assert ran.stdout == ""
    assert "is taken" in ran.stderr and "choose another DASHBOARD_PORT" in ran.stderr
    assert ran.stderr.startswith("error: DASHBOARD_PORT=") and ran.stderr.count("\n") == 1, ran.stderr
