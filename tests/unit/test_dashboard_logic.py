"""The dashboard without an engine: every refusal of the guard (through Starlette's TestClient,
against the real app, with a runner that records whether anything ran), the action runner's
bad input, how an example's state is told from its containers, and how the board takes an
engine event (the parts it touches, what it shows at once, which reads it makes)."""

from __future__ import annotations

import functools
import json
import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest
from invoke import Collection
from starlette.testclient import TestClient

from workshop.cli import Ctx, task
from workshop.dashboard import patch
from workshop.dashboard.board import example_rows, state_from, state_of
from workshop.dashboard.feed import Board, Hub
from workshop.dashboard.guard import refusal
from workshop.dashboard.patch import Fact, touched
from workshop.dashboard.server import Runner, make_app
from workshop.example import Action, Example, Move, Panel, Service, Step, Workshop
from workshop.inventory import Resource
from workshop.waiting import wait_for

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


# -- an event on the board: which parts it touches, what it says at once, when parts are read ----

EXAMPLE_KEY = "io.docker-workshop.example"


def _fact(engine="engine", type_="container", action="start", id_="c1", **attributes) -> Fact:
    return Fact(engine, type_, action, id_, {"name": "toy-1", EXAMPLE_KEY: "toy", **attributes})


def test_an_event_touches_its_engines_parts_only():
    assert touched(_fact(), EXAMPLE_KEY, {"swarm"}) == {"engine", "panel:toy"}
    assert touched(_fact(**{EXAMPLE_KEY: "swarm"}), EXAMPLE_KEY, {"swarm"}) == {"engine", "panel:swarm", "notes"}
    assert touched(_fact("swarm"), EXAMPLE_KEY, {"swarm"}) == {"panel:swarm"}  # a task's container
    assert touched(_fact("swarm", "node", "update"), EXAMPLE_KEY, {"swarm"}) == {"panel:swarm", "notes"}


def _row(*containers: tuple[str, str, str]) -> dict:
    listed = [{"name": name, "status": status, "urls": url.split()} for name, status, url in containers]
    return {"name": "toy", "state": state_from([status for _, status, _ in containers]), "urls": [],
            "containers": listed}  # fmt: skip


@pytest.mark.parametrize(
    ("action", "attributes", "state", "urls"),
    [
        ("start", {}, "running", ["http://127.0.0.1:1/"]),
        ("die", {"exitCode": "137"}, "stopped", []),
        ("destroy", {}, "not started", []),
        ("health_status: healthy", {}, "healthy", ["http://127.0.0.1:1/"]),
        ("health_status: unhealthy", {}, "unhealthy", ["http://127.0.0.1:1/"]),
    ],
)
def test_a_container_event_sets_its_examples_state_at_once(action, attributes, state, urls):
    row = _row(("toy-1", "Created" if action == "start" else "Up 2 seconds", "http://127.0.0.1:1/"))
    part = {"ok": True, "examples": [row]}
    assert patch.apply({"engine": part}, _fact(action=action, **attributes), EXAMPLE_KEY) == {"engine"}
    assert (row["state"], row["urls"]) == (state, urls)


def test_a_container_event_that_changes_nothing_is_not_a_change():
    part = {"ok": True, "examples": [_row(("toy-1", "Up 2 seconds", ""))]}
    assert patch.apply({"engine": part}, _fact(action="kill"), EXAMPLE_KEY) == set()
    assert patch.apply({"engine": part}, _fact(action="destroy", name="other-1"), EXAMPLE_KEY) == set()
    assert patch.apply({"engine": {"ok": False, "examples": []}}, _fact(), EXAMPLE_KEY) == set()


def _cluster() -> dict:
    node = {"id": "n2", "name": "node-2", "role": "worker", "availability": "active", "state": "ready"}
    return {"kind": "cluster", "present": True, "ok": True, "nodes": [node], "tasks": [], "settling": False}


def test_a_node_event_shows_its_new_state_and_availability_at_once():
    read = {"panel:swarm": _cluster()}
    fact = Fact("swarm", "node", "update", "n2", {"state.new": "down", "availability.new": "drain"})
    assert patch.apply(read, fact, EXAMPLE_KEY) == {"panel:swarm"}
    assert read["panel:swarm"]["nodes"][0] | {} == {**_cluster()["nodes"][0], "state": "down", "availability": "drain"}
    assert patch.apply(read, fact, EXAMPLE_KEY) == set()  # nothing new the second time
    assert patch.apply(read, Fact("swarm", "node", "update", "n9", {"state.new": "down"}), EXAMPLE_KEY) == set()


def test_a_service_event_says_the_cluster_is_changing():
    read = {"panel:swarm": _cluster()}
    assert patch.apply(read, Fact("swarm", "service", "update", "s1", {"replicas.new": "4"}), EXAMPLE_KEY) == {
        "panel:swarm"
    }
    assert read["panel:swarm"]["settling"] is True


class _Recorder(Hub):
    """A hub that keeps every board published."""

    def __init__(self) -> None:
        super().__init__()
        self.boards: list[dict] = []

    def publish(self, text: str) -> None:
        self.boards.append(json.loads(text))


class _Parts:
    """Board parts that count their reads; a part's read can be held until released."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.reads = dict.fromkeys(names, 0)
        self.gates = {name: threading.Event() for name in names}
        self.values = {name: {"ok": True, "error": "", "examples": []} if name == "engine" else {"kind": name}
                       for name in names}  # fmt: skip
        for gate in self.gates.values():
            gate.set()

    def read(self, name: str) -> dict:
        seen = dict(self.values[name])  # what the engine said when the read began
        self.gates[name].wait(30)
        self.reads[name] += 1
        return seen

    def __call__(self) -> dict:
        return {name: functools.partial(self.read, name) for name in self.reads}


def _event(action="start", name="toy-1", example="toy", at: int | None = None):
    actor = SimpleNamespace(id="c1", attributes={"name": name, EXAMPLE_KEY: example})
    return SimpleNamespace(type="container", action=action, actor=actor, time=None, time_nano=at or time.time_ns())


@pytest.fixture
def live():
    """A running Board over the parts engine, panel:toy and panel:other, routed as the dashboard routes."""
    parts, hub = _Parts(("engine", "panel:toy", "panel:other")), _Recorder()
    pool = ThreadPoolExecutor(max_workers=4)
    board = Board(parts, hub, pool, route=lambda fact: touched(fact, EXAMPLE_KEY, set()),
                  apply=lambda read, fact: patch.apply(read, fact, EXAMPLE_KEY))  # fmt: skip
    threading.Thread(target=board.run, daemon=True).start()
    assert board.ready.wait(30)
    yield board, parts, hub
    board.stop()
    for gate in parts.gates.values():
        gate.set()
    pool.shutdown(wait=True)


def _settled(board: Board) -> None:
    wait_for(lambda: not board.due and not board.reading, "the board's reads done", 10, interval=0.01)


def test_an_event_reads_again_only_the_parts_it_touched(live):
    board, parts, hub = live
    _settled(board)
    before = dict(parts.reads)
    board.note("engine", _event())
    wait_for(lambda: parts.reads["panel:toy"] > before["panel:toy"], "panel:toy read again", 10, interval=0.01)
    _settled(board)
    assert parts.reads["engine"] == before["engine"] + 1
    assert parts.reads["panel:other"] == before["panel:other"]


def test_a_burst_of_events_during_a_read_makes_one_more_read(live):
    board, parts, hub = live
    _settled(board)
    parts.gates["engine"].clear()  # the next read of the engine part is held
    board.note("engine", _event("create"))
    wait_for(lambda: "engine" in board.reading, "the engine part being read", 10, interval=0.01)
    before = parts.reads["engine"]
    for action in ("start", "die", "destroy", "create", "start"):
        board.note("engine", _event(action))
    parts.gates["engine"].set()
    _settled(board)
    assert parts.reads["engine"] == before + 2  # the held read, then one for the whole burst


def test_what_an_event_says_is_published_before_any_read_and_a_read_begun_before_it_keeps_it(live):
    board, parts, hub = live
    _settled(board)
    with board.lock:
        board.read["engine"] = {"ok": True, "examples": [_row(("toy-1", "Created", ""))]}
    parts.values["engine"] = {"ok": True, "examples": [_row(("toy-1", "Created", ""))]}  # what a slow read sees
    parts.gates["engine"].clear()
    board.refresh()  # a read that begins before the event
    wait_for(lambda: "engine" in board.reading, "the engine part being read", 10, interval=0.01)
    at = time.time_ns()
    board.note("engine", _event("start", at=at))
    shown = hub.boards[-1]
    assert shown["cause"] == at and shown["listed"] == at
    assert [r["state"] for r in shown["engine"]["examples"]] == ["running"]
    parts.values["engine"] = {"ok": True, "examples": [_row(("toy-1", "Up 1 second", ""))]}
    parts.gates["engine"].set()
    _settled(board)
    assert all(b["engine"]["examples"][0]["state"] == "running" for b in hub.boards if b["engine"]["examples"])


def test_a_read_begun_before_a_node_event_is_kept_with_the_event_on_top(live):
    # the read shows what changed meanwhile (a fourth task) as soon as it ends, and does not take
    # back the drain the event showed; the read the event asked for then brings a fifth task
    board, parts, hub = live
    _settled(board)
    tasks = [{"id": f"t{n}", "service": "app", "replica": n} for n in range(1, 6)]
    with board.lock:
        board.read["panel:toy"] = {**_cluster(), "tasks": tasks[:3]}
    parts.values["panel:toy"] = {**_cluster(), "tasks": tasks[:4]}
    parts.gates["panel:toy"].clear()
    board.refresh()  # a read that begins before the event (and sees the node still active)
    wait_for(lambda: "panel:toy" in board.reading, "the panel being read", 10, interval=0.01)
    actor = SimpleNamespace(id="n2", attributes={"availability.new": "drain", "name": "node-2"})
    board.note("toy", SimpleNamespace(type="node", action="update", actor=actor, time=None, time_nano=time.time_ns()))
    after = len(hub.boards)
    assert hub.boards[-1]["panels"]["toy"]["nodes"][0]["availability"] == "drain"
    drained = [{**_cluster()["nodes"][0], "availability": "drain"}]
    parts.values["panel:toy"] = {**_cluster(), "nodes": drained, "tasks": tasks}  # what the next read sees
    parts.gates["panel:toy"].set()
    _settled(board)
    shown = [b["panels"]["toy"] for b in hub.boards[after - 1 :]]
    assert [len(p["tasks"]) for p in shown] == [3, 4, 5]
    assert all(p["nodes"][0]["availability"] == "drain" for p in shown)
