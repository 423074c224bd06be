"""Example 4's stack: throughput against the tutorial's server, image size, rebuild cost,
start-up, and compose.dev's reload latency.

    python bench/compose_stack.py [SECONDS] [ROUNDS] [--load-only]

(``--load-only``: only the side-by-side load rounds, without the cold build, the image size
and compose.dev's reload; bench/machine.py runs it on the harness's engines.)

Everything runs under its own project name (docker-workshop-bench) on free ports and is
removed at the end, from a copy of the compose file and the app's folder in a temporary
folder: the benchmark edits the copy's app.py, never the checkout's. The load comes from
`wrk` (Debian package wrk) when installed, else from a Python client; the same driver loads
both servers in the same run. Targets for the README: >= 5x the tutorial's requests/s with
zero errors; the app image adds <= 40 MB over PYTHON_IMAGE; rebuild after editing app.py
<= 0.15 of a cold build; in compose.dev, from saving app.py to the new answer <= 2 s
(median of 5).
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PROJECT = "docker-workshop-bench"
CONNECTIONS = 20


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


APP_PORT = free_port()
os.environ.update(
    WORKSHOP_PROJECT=PROJECT,
    APP_PORT=str(APP_PORT),
    APP_BIND="127.0.0.1",
    APP_IMAGE="docker-workshop-bench/counter:bench",
)

from invoke import Config  # noqa: E402

from tasks import shop  # noqa: E402
from workshop.cli import Ctx  # noqa: E402

COPY = Path(tempfile.mkdtemp(prefix="bench-compose-"))
os.environ["WORKSHOP_COMPOSE_FILE"] = str(COPY / "docker-compose.yml")


def copy_the_stack() -> Path:
    """The compose file and the app's folder, copied to COPY; returns the copy's app.py."""
    shutil.copy(ROOT / "docker-compose.yml", COPY / "docker-compose.yml")
    shutil.copytree(ROOT / "examples" / "compose" / "app", COPY / "examples" / "compose" / "app")
    shutil.copy(ROOT / "examples" / "compose" / "no-extra-ca.pem", COPY / "examples" / "compose")
    return COPY / "examples" / "compose" / "app" / "app.py"


def invoke(*args: str) -> float:
    """Seconds one `invoke ...` takes; it must succeed."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "invoke", *args], cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def reload_latency(app_py: Path, edits: int = 5) -> list[float]:
    """compose.dev on the copy: seconds from saving an edited app.py to its new answer, per edit."""
    dev = subprocess.Popen(
        [sys.executable, "-m", "invoke", "compose.dev"],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    assert dev.stdout is not None
    try:
        for line in dev.stdout:
            if b"Watch enabled" in line:
                break
        else:
            raise SystemExit("compose.dev ended before watching")
        original, took = app_py.read_text(), []
        for edit in range(edits):
            marker = f"edit {edit} at {time.time()}"
            app_py.write_text(original.replace("Hello from Redis!", f"Hello from Redis ({marker})!"))
            saved = time.monotonic()
            while marker not in answer(APP_PORT):
                if time.monotonic() - saved > 60:
                    raise SystemExit("no new answer within 60 s")
                time.sleep(0.02)
            took.append(time.monotonic() - saved)
            time.sleep(1)
        app_py.write_text(original)
        return took
    finally:
        os.killpg(dev.pid, signal.SIGINT)
        dev.wait(timeout=120)


def answer(port: int) -> str:
    """The counter's answer, or "" while it cannot give one."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
            return response.read().decode()
    except OSError:
        return ""


def load_wrk(url: str, seconds: int) -> tuple[float, int, int]:
    """(requests/s, errors, answers) from wrk with CONNECTIONS connections."""
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{seconds}s", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if found is None:
        raise SystemExit(f"wrk printed no rate:\n{out}")
    rate = float(found.group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    errors += sum(int(n) for n in socket_errors.groups()) if socket_errors else 0
    answers = re.search(r"(\d+) requests in", out)
    if answers is None:
        raise SystemExit(f"wrk printed no count:\n{out}")
    return rate, errors, int(answers.group(1))


def load_python(url: str, seconds: int) -> tuple[float, int, int]:
    """(requests/s, errors, answers) from CONNECTIONS Python threads with keep-alive connections."""
    port = int(url.rsplit(":", 1)[1].strip("/"))
    deadline = time.monotonic() + seconds

    def client(_: int) -> tuple[int, int]:
        done = errors = 0
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < deadline:
            try:
                connection.request("GET", "/")
                answer = connection.getresponse()
                answer.read()
                errors += answer.status != 200
            except OSError:
                errors += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            done += 1
        connection.close()
        return done, errors

    with ThreadPoolExecutor(CONNECTIONS) as pool:
        results = list(pool.map(client, range(CONNECTIONS)))
    done = sum(d for d, _ in results)
    return done / seconds, sum(e for _, e in results), done


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            port = int(url.rsplit(":", 1)[1].strip("/"))
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} never answered")


def main(seconds: int, rounds: int, load_only: bool = False) -> None:
    c = Ctx(config=Config(overrides={"workshop": {"shop": shop}}))
    settings, client, project = c.settings, c.docker, c.project
    app_py = copy_the_stack()
    original = app_py.read_bytes()
    tutorial = None
    try:
        if not load_only:
            cold = invoke("compose.build", "--no-cache")
            app_py.write_bytes(original + f"\n# edited by the benchmark at {time.time()}\n".encode())
            edited = invoke("compose.build")
            app_py.write_bytes(original)
        invoke("compose.build")
        image = client.image.inspect(settings.image("APP_IMAGE"))
        base = client.image.inspect(settings.image("PYTHON_IMAGE"))
        invoke("compose.up")
        invoke("compose.down")
        warm_up = invoke("compose.up")

        ours_url = f"http://127.0.0.1:{APP_PORT}/"
        driver = load_wrk if shutil.which("wrk") else load_python
        # the tutorial's app on Flask's development server, same image, same Redis; reachable
        # on 127.0.0.1 only
        tutorial_port = free_port()
        tutorial_url = f"http://127.0.0.1:{tutorial_port}/"
        tutorial = client.run(
            settings.image("APP_IMAGE"),
            ["python", "/bench/tutorial_app.py"],
            detach=True,
            init=True,
            networks=[f"{PROJECT}_default"],
            envs={"REDIS_HOST": "redis", "BIND_PORT": "5000"},
            volumes=[(ROOT / "bench" / "tutorial_app.py", "/bench/tutorial_app.py", "ro")],
            publish=[(f"127.0.0.1:{tutorial_port}", 5000)],
            labels=project.labels("bench"),
        )
        wait_for(tutorial_url)
        load_python(ours_url, 1)  # warm up
        load_python(tutorial_url, 1)

        print(f"load: {driver.__name__.removeprefix('load_')}, {CONNECTIONS} connections, {seconds} s each")
        print(f"  ours: granian, {c.get('APP_WORKERS')} workers x {c.get('APP_THREADS')} threads")
        print("  tutorial: Flask development server, debug as in the tutorial")
        ratios = []
        redis = f"{PROJECT}-redis-1"

        def hits() -> int:
            return int(str(client.container.execute(redis, ["redis-cli", "get", "hits"])))

        def counted(url: str) -> tuple[float, int]:
            """(requests/s, errors) of one load; the count in Redis must match its answers."""
            before = hits()
            rate, errors, answers = driver(url, seconds)
            added = hits() - before
            # a request still in flight when the load stops may count without being answered
            if not answers <= added <= answers + CONNECTIONS:
                raise SystemExit(f"count off: {answers} answers, count went up by {added}")
            return rate, errors

        for round_ in range(1, rounds + 1):
            # debug mode's reloader polls files even while idle: frozen while ours is measured
            tutorial.pause()
            ours_rate, ours_errors = counted(ours_url)
            tutorial.unpause()
            tutorial_rate, tutorial_errors = counted(tutorial_url)
            ratios.append(ours_rate / tutorial_rate)
            print(
                f"  round {round_}: ours {ours_rate:6.0f} req/s, {ours_errors} errors; tutorial "
                f"{tutorial_rate:6.0f} req/s, {tutorial_errors} errors; ratio {ratios[-1]:.1f}x"
            )
        print(f"  ratio: median {statistics.median(ratios):.1f}x of {rounds} (target >= 5x, zero errors)")
        if load_only:
            return
        print(
            f"app image {image.size / 1e6:.1f} MB over {settings.image('PYTHON_IMAGE')} {base.size / 1e6:.1f} MB:"
            f" adds {(image.size - base.size) / 1e6:.1f} MB (target <= 40 MB)"
        )
        print(
            f"cold build {cold:.1f} s; rebuild after editing app.py {edited:.1f} s; "
            f"ratio {edited / cold:.3f} (target <= 0.15)"
        )
        print(f"compose.up until healthy, warm: {warm_up:.1f} s")
        invoke("compose.down")
        took = reload_latency(app_py)
        print(
            f"compose.dev, saving app.py to its new answer: {', '.join(f'{t:.2f}' for t in took)} s; "
            f"median {statistics.median(took):.2f} s (target <= 2 s)"
        )
    finally:
        if tutorial is not None:
            tutorial.remove(force=True)
        subprocess.run([sys.executable, "-m", "invoke", "compose.down", "--volumes"], cwd=ROOT, capture_output=True)
        client.image.remove([settings.image("APP_IMAGE")], force=True)
        shutil.rmtree(COPY, ignore_errors=True)


if __name__ == "__main__":
    numbers = [arg for arg in sys.argv[1:] if arg != "--load-only"]
    main(int(numbers[0]) if numbers else 10, int(numbers[1]) if len(numbers) > 1 else 3, "--load-only" in sys.argv[1:])
