"""Shared test fixtures.

Integration tests (marker ``integration``) drive the real engine through the real CLI:
``python -m invoke TASK`` in a subprocess, with a per-session project name and label
value so they never touch a user's own example containers, and a cleanup that removes
everything carrying that label, even when a test fails.

Engine unreachable: under CI=true the run fails (never a silent skip); elsewhere the
integration tests are skipped with the reason shown.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import isolated  # noqa: E402

from workshop.config import STATE_DIR, Settings  # noqa: E402
from workshop.engine import Project  # noqa: E402
from workshop.errors import describe_docker_failure  # noqa: E402

SESSION_TAG = uuid.uuid4().hex[:8]
TEST_PROJECT = f"wstest-{SESSION_TAG}"  # starts with TEST_PREFIX


@pytest.fixture()
def journal_file(monkeypatch, tmp_path) -> Path:
    """Setup's record of its changes (workshop.journal) in the test's folder, never the clone's."""
    from workshop import journal

    file = tmp_path / journal.NAME
    monkeypatch.setattr(journal, "path", lambda: file)
    return file


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def engine_problem() -> str | None:
    """None when `docker info` answers."""
    from python_on_whales import DockerClient
    from python_on_whales.client_config import ClientNotFoundError
    from python_on_whales.exceptions import DockerException

    try:
        DockerClient().system.info()
    except ClientNotFoundError:
        return "docker CLI not found"
    except DockerException as exc:
        return describe_docker_failure(exc.stderr, exc.return_code)
    return None


# -- the user's own resources: the suite must leave them exactly as they were -----------------

TEST_PREFIX = "wstest-"  # every test project's name starts with it
_SNAPSHOT: dict = {}


def made_by_a_test(labels: dict | None) -> bool:
    """True for a resource a test made: some project label of ours or of compose names a test project."""
    return any(
        value.startswith(TEST_PREFIX)
        for key, value in (labels or {}).items()
        if key.endswith((".project", ".built-by"))
    )


def workshop_folder(folder: Path) -> list[str]:
    """Every file and folder under ``folder`` (the workshop's .workshop/), relative to it, folders
    ending in "/"; none when it does not exist. Names only, not contents: the logs there (setup's,
    dockerd's) legitimately grow while the suite runs, but nothing may appear or disappear. An empty
    folder holds nothing to lose and is left out: the workshop removes its own empty ``swarm/``
    once the last cluster in it is gone, whoever's cluster that was."""
    if not folder.is_dir():
        return []
    return sorted(
        f"{path.relative_to(folder)}{'/' if path.is_dir() else ''}"
        for path in folder.rglob("*")
        if not path.is_dir() or any(path.iterdir())
    )


def user_resources() -> dict[str, object]:
    """Everything on the engine a test did not make (images with all their tags), the repository's
    .env and the names in its .workshop/ folder, as comparable values."""
    from python_on_whales import DockerClient

    client = DockerClient()
    env = ROOT / ".env"
    everyone = client.container.list(all=True)
    containers = [c for c in everyone if not made_by_a_test(c.config.labels)]
    # a test's container may make anonymous volumes (a swarm node's engine data): they carry no label
    mounted = {m.name for c in everyone if made_by_a_test(c.config.labels) for m in c.mounts if m.name}
    volumes = [v for v in client.volume.list() if not made_by_a_test(v.labels) and v.name not in mounted]
    images = [i for i in client.image.list(all=True) if not made_by_a_test(i.config.labels)]
    return {
        "containers": sorted((c.id, c.name, c.state.status) for c in containers),
        "images": sorted((i.id, tuple(sorted(i.repo_tags or []))) for i in images),
        "volumes": sorted(v.name for v in volumes),
        "networks": sorted((n.id, n.name) for n in client.network.list() if not made_by_a_test(n.labels)),
        ".env": env.read_bytes() if env.exists() else None,
        ".workshop/": workshop_folder(STATE_DIR),
    }


def read_user_resources(attempts: int = 5) -> dict[str, object]:
    """user_resources(), read again when something vanished between the engine's listing and its
    inspection (another project's container removed at that moment)."""
    from python_on_whales.exceptions import DockerException

    for attempt in range(attempts):
        try:
            return user_resources()
        except DockerException:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def differences(before: dict[str, object], after: dict[str, object]) -> list[str]:
    """One line per kind of thing that differs between two ``user_resources()``: what is gone and
    what is new (an image whose tags changed is both: gone with its old tags, new with its new)."""
    found = []
    for kind, was in before.items():
        now = after.get(kind)
        if was == now:
            continue
        if not isinstance(was, list) or not isinstance(now, list):
            found.append(f"the suite changed the user's {kind}")
            continue
        gone, new = [x for x in was if x not in now], [x for x in now if x not in was]
        found.append(f"the suite changed the user's {kind}: gone: {gone}; new: {new}")
    return found


def runs_integration(session) -> bool:
    """This process is the one in charge (not an xdist worker) and integration tests may run."""
    return not hasattr(session.config, "workerinput") and "not integration" not in (
        session.config.getoption("markexpr") or ""
    )


def pytest_configure(config):
    """Ctrl-C reaches the tasks the tests start even when the suite itself was started with
    SIGINT ignored (`cmd &` in a script, nohup): a task inherits an ignored SIGINT and would
    finish instead of stopping, failing every interruption test. A caught signal is reset to
    its default in the child, where Python installs its KeyboardInterrupt handler again."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_sessionstart(session):
    if runs_integration(session) and engine_problem() is None:
        _SNAPSHOT["before"] = read_user_resources()


def pytest_sessionfinish(session, exitstatus):
    """After the integration tests: the user's containers, images (with every tag), volumes,
    networks, .env and .workshop/ folder are exactly as before; if not, the run fails, saying
    what changed."""
    before = _SNAPSHOT.get("before")
    if before is None:
        return
    changed = differences(before, read_user_resources())
    if changed:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        for line in changed:
            if reporter:
                reporter.write_line(f"FAILED {line}", red=True)
        session.exitstatus = 1


def pytest_collection_modifyitems(config, items):
    for item in items:  # a test on a cluster is a swarm test, whether or not its module says so
        if "cluster" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.swarm)
    integration = [item for item in items if "integration" in item.keywords]
    if not integration:
        return
    problem = engine_problem()
    if problem is None:
        return
    if in_ci():
        pytest.exit(f"CI=true and the Docker engine is unreachable ({problem}); run `invoke setup`", returncode=3)
    skip = pytest.mark.skip(reason=f"Docker engine unreachable: {problem} (run `invoke setup`)")
    for item in integration:
        item.add_marker(skip)


@dataclass
class Result:
    """A finished CLI run."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    def ok(self) -> Result:
        assert self.returncode == 0, (
            f"{self.args} exited {self.returncode}\nstdout:\n{self.stdout}\nstderr:\n{self.stderr}"
        )
        return self

    def one_line_error(self, *words: str) -> str:
        """Assert a clean failure: non-zero exit, one `error:` line naming ``words``, no traceback."""
        assert self.returncode != 0, f"{self.args} should have failed\n{self.stdout}"
        assert "Traceback" not in self.stderr + self.stdout, self.stderr
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, f"expected one error line, got:\n{self.stderr}"
        assert lines[0].startswith("error: "), lines[0]
        for word in words:
            assert word in lines[0], f"{word!r} not in {lines[0]!r}"
        return lines[0]


@dataclass
class Workshop:
    """Runs `invoke` tasks as a user would, with test-scoped names in the environment."""

    env: dict[str, str] = field(default_factory=dict)

    def environ(self, **overrides: str) -> dict[str, str]:
        environ = dict(os.environ)
        environ.update(self.env)
        environ.update(overrides)
        return environ

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "invoke", *args]

    def run(
        self, *args: str, timeout: float = 180, env: dict[str, str] | None = None, cwd: Path = ROOT, **overrides: str
    ) -> Result:
        command = self.command(*args)
        completed = subprocess.run(
            command,
            cwd=cwd,
            env=env or self.environ(**overrides),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return Result(command, completed.returncode, completed.stdout, completed.stderr)

    def popen(self, *args: str, **overrides: str) -> subprocess.Popen:
        return subprocess.Popen(
            self.command(*args),
            cwd=ROOT,
            env=self.environ(**overrides),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )


@pytest.fixture(scope="session")
def docker_client():
    from python_on_whales import DockerClient

    return DockerClient()


def project_resources(client, project: str) -> dict[str, list]:
    """Everything on the engine carrying the project label ``project``."""
    ours = Project(project, Settings.load().label_prefix("WORKSHOP_LABEL_PREFIX"))
    label = ours.filters()
    return {
        "containers": client.container.list(all=True, filters=label),
        "volumes": client.volume.list(filters=label),
        "networks": client.network.list(filters=label),
        "images": client.image.list(filters=ours.image_filters()),
    }


def remove_project(client, project: str) -> list:
    """Remove everything labelled with ``project`` (containers first); an image with every tag
    it has; and what the project keeps in .workshop/ (example 5's folder for its cluster), which
    a test that failed before its `swarm.down` leaves behind. Returns what the hardening check
    found wrong with its containers (read before they go: python-on-whales inspects a container
    again when it is read a moment later)."""
    import shutil

    found = project_resources(client, project)
    broken = unhardened_now(found["containers"])
    if found["containers"]:
        client.container.remove(found["containers"], force=True, volumes=True)
    for network in found["networks"]:
        network.remove()
    for volume in found["volumes"]:
        volume.remove()
    # newest first: an image built FROM another (example 5's test releases) goes before it
    for image in sorted(found["images"], key=lambda image: image.created, reverse=True):
        client.image.remove(image.id, force=True)
    cluster_folder = STATE_DIR / "swarm" / project
    shutil.rmtree(cluster_folder, ignore_errors=True)
    with contextlib.suppress(OSError):  # another cluster's folder is still there
        cluster_folder.parent.rmdir()
    return broken


def unhardened_now(containers) -> list[str]:
    """One line per container an example started that breaks the hardening rule and is no
    exemption declared in workshop/hardening.py (tests/hardened.py). Containers a test starts
    itself name no example."""
    from hardened import unhardened

    from tasks import shop

    examples = {example.name for example in shop.examples}
    return unhardened(containers, Settings.load().label_prefix("WORKSHOP_LABEL_PREFIX"), examples)


def check_hardening(broken: list[str]) -> None:
    """Fail, once everything is removed, naming each container that is not hardened: whichever
    example started it, every container a test leaves is checked, at no cost beyond the
    cleanup's own listing."""
    assert not broken, "not hardened (workshop/hardening.py): " + " | ".join(broken)


def registry():
    """Every declared setting (tasks.py's workshop)."""
    from tasks import shop

    return shop.registry


def swarm_images(tag: str) -> dict[str, str]:
    """Image names of the test's own for example 5 (a test's cleanup removes what it built)."""
    names = isolated.names(registry(), tag)
    return {name: value for name, value in names.items() if name.startswith("SWARM_") and name.endswith("_IMAGE")}


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A TCP port nothing listens on right now, on 127.0.0.1, never one this session handed
    out before (two settings never get the same port). Each pytest-xdist worker draws from a
    range of its own, so workers do not hand out the same port either."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    base = int(os.environ.get("WSTEST_PORT_BASE", "20000"))  # two suites at once: give each its own base
    low = base + 5000 * (int(worker) if worker.isdigit() else 0)
    for port in range(low, low + 5000):
        if port in _HANDED_OUT:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        _HANDED_OUT.add(port)
        return port
    raise RuntimeError("no free port left in this worker's range")


@pytest.fixture
def workshop(docker_client, tmp_path):
    """A Workshop whose resources are named and labelled for this test only, removed afterwards."""
    tag = f"{TEST_PROJECT}-{uuid.uuid4().hex[:6]}"
    shop = Workshop(env=isolated.environment(registry(), tag, tmp_path, free_port))
    shop.project = tag
    yield shop
    check_hardening(remove_project(docker_client, tag))


@pytest.fixture
def resources(docker_client):
    """resources(project) -> what the engine holds for that project label."""
    return lambda project: project_resources(docker_client, project)


@pytest.fixture(scope="module")
def cluster(docker_client, tmp_path_factory):
    """A swarm of 3 node containers with the stack deployed, for the module that asks; removed afterwards."""
    tag = f"{TEST_PROJECT}-{uuid.uuid4().hex[:6]}"
    shop = Workshop(env=isolated.environment(registry(), tag, tmp_path_factory.mktemp("folders"), free_port))
    shop.project = tag
    try:
        up = shop.run("swarm.up", timeout=900).ok()
        assert "3 node(s), all Ready" in up.stdout, up.stdout
        shop.run("stack.deploy", timeout=900).ok()
        yield shop
    finally:
        broken = unhardened_now(project_resources(docker_client, tag)["containers"])  # the nodes, the registry
        shop.run("swarm.down", "--volumes", timeout=300)
        # the swarm-of-yours test's project first: the test releases are built FROM its image
        broken += remove_project(docker_client, f"{tag}-yours")
        broken += remove_project(docker_client, tag)
    check_hardening(broken)
