"""`invoke tour` against the real engine: the whole onboarding path and its cleanup, --keep,
a failing step, and --step (refused without a terminal, waiting for Enter with one)."""

from __future__ import annotations

import os
import pty
import re
import select
import socket
import subprocess
import time
from pathlib import Path

import pytest
from conftest import ROOT

from workshop.probe import get, http_url

pytestmark = pytest.mark.integration

#: the tutorial's commands, in the tutorial's order (README.md, "The tutorial, task by task")
TUTORIAL = [
    "docker run ubuntu /bin/echo 'Hello world'",
    'docker run --name daemon -d ubuntu /bin/sh -c "while true; do echo hello world; sleep 1; done"',
    "docker logs -f daemon",
    "docker stop daemon",
    "docker ps -a",
    "docker start daemon",
    "docker rm daemon",
    'docker run -d --name "test-nginx" -p 8080:80 -v $(pwd):/usr/share/nginx/html:ro nginx:latest',
    "docker inspect test-nginx",
    "docker build . -t test-curl",
    "docker run --rm -e SITE_URL=https://facebook.com/ -v $(pwd)/vol:/data/:rw test-curl",
    "docker-compose up",
    "open http://127.0.0.1:5000/",
    "docker swarm init; docker swarm join ...",
    "docker stack deploy -c docker-compose.yml counter",
]
#: what the tour removes at its end: what its steps left (the daemon's step ends with its removal)
CLEANUP = ["swarm.down --volumes --yes", "compose.down", "curl.clean", "nginx.down"]
PAGE = (ROOT / "examples" / "nginx" / "html" / "index.html").read_bytes()


def invoked(workshop) -> list[str]:
    """The invoke commands of the steps, in order, as the tour must print them."""
    return [
        "hello.run",
        "daemon.start",
        "daemon.logs --tail 3",
        "daemon.stop",
        "daemon.status",
        "daemon.start",
        "daemon.rm --force",
        "nginx.up",
        "nginx.inspect",
        "curl.build",
        f"curl.run --site-url http://{workshop.env['NGINX_NAME']}:8080/",
        "compose.up",
        "compose.hit",
        "compose.hit",
        "swarm.up",
        "stack.deploy",
        "stack.hit",
        "stack.hit",
    ]


def in_order(text: str, parts: list[str]) -> bool:
    """True if every part occurs in ``text``, each after the previous one."""
    at = 0
    for part in parts:
        at = text.find(part, at)
        if at < 0:
            return False
        at += len(part)
    return True


@pytest.mark.swarm
@pytest.mark.slow
def test_the_whole_tour_checks_every_step_then_removes_all_it_started_but_the_data(workshop, resources):
    result = workshop.run("tour", timeout=1200).ok()  # all of it, the swarm too
    out = result.stdout
    steps, cleanup = out.split("=== Cleaning up what the tour started ===")
    assert in_order(steps, [f"tutorial: {command}" for command in TUTORIAL])
    assert in_order(steps, [f"$ invoke {command}" for command in invoked(workshop)])
    assert in_order(
        steps,
        [
            f"=== Step {n}/6: {name}"
            for n, name in enumerate(["hello", "daemon", "nginx", "curl", "compose", "swarm"], 1)
        ],
    )
    checks = [line for line in steps.splitlines() if line.startswith("✓ ")]
    assert len(checks) == len(invoked(workshop)) + 1, checks  # one per command, and the summary
    assert checks[-1] == "✓ tour complete: 6 steps, 18 checks passed"
    assert any("every replica counts in the one Redis" in check for check in checks), checks
    assert "✓ the count went from 1 to 2: Redis keeps it between requests" in checks
    assert in_order(cleanup, [f"$ invoke {command}\n" for command in CLEANUP])
    assert "daemon.rm" not in cleanup and "nothing to remove" not in cleanup  # nothing left to say it about
    assert "data kept in volume(s)" in cleanup and "hit count survives" in cleanup
    assert "Traceback" not in result.stderr and "error:" not in result.stderr  # stderr: progress, builds
    assert "its last line of output read" in out or "its last 2 lines" in out or "its last 3 lines" in out
    assert "line(s)" not in out  # words match what happened
    assert "shared network" in cleanup and "invoke clean" in cleanup
    found = resources(workshop.project)
    assert found["containers"] == []
    assert [volume.name for volume in found["volumes"]] == [f"{workshop.project}_redis_data"]
    assert not [image for image in found["images"] if f"{workshop.env['CURL_IMAGE']}:latest" in image.repo_tags]
    assert not (Path(workshop.env["CURL_RESULTS_DIR"]) / "results").exists()


def test_with_keep_nginx_and_the_counter_still_answer_afterwards(workshop, resources):
    result = workshop.run("tour", "--keep", "--quick", timeout=900).ok()
    out = result.stdout
    assert not re.search(r"^#\d+ ", result.stderr, re.MULTILINE), result.stderr  # builds are one line each
    assert f"built {workshop.env['CURL_IMAGE']}:1.0 in " in result.stderr
    assert "Cleaning up" not in out
    assert "--keep: still running: nginx, compose" in out
    page = get(http_url("127.0.0.1", int(workshop.env["NGINX_PORT"])))
    assert (page.status, page.body) == (200, PAGE)
    counter = get(http_url("127.0.0.1", int(workshop.env["APP_PORT"])))
    assert (counter.status, counter.body) == (200, b"Hello from Redis! I have been seen 3 times.\n")
    running = {c.name for c in resources(workshop.project)["containers"] if c.state.running}
    assert workshop.env["DAEMON_NAME"] not in running  # its lifecycle ends with `docker rm`


def test_a_failing_step_stops_the_tour_in_one_line_naming_it_and_nothing_is_left(workshop, resources):
    port = int(workshop.env["NGINX_PORT"])
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        result = workshop.run("tour", "--quick", timeout=600)
    result.one_line_error("tour step 3/5 (nginx)", "`invoke nginx.up`", "NGINX_PORT", f"{port} is already in use")
    out = result.stdout
    assert "✓ the container printed 'Hello world'" in out and "is gone, with its logs" in out
    assert "Step 4/5" not in out and "curl.build" not in out
    # nothing is left to clean: nginx.up created nothing, and the daemon's step removed it
    assert "Cleaning up" not in out
    assert resources(workshop.project)["containers"] == []


def test_a_wrong_setting_stops_the_tour_before_its_first_step(workshop, resources):
    result = workshop.run("tour", "--quick", timeout=600, CURL_VERSION="not a tag")
    result.one_line_error("CURL_VERSION", "(from environment)", "not a valid image tag")
    assert "Step 1/5" not in result.stdout
    assert all(not found for found in resources(workshop.project).values())


def test_a_step_failing_after_nginx_started_removes_nginx_and_only_what_is_there(workshop, resources):
    result = workshop.run("tour", "--quick", timeout=600, BASE_IMAGE="docker-workshop/absent:never")
    result.one_line_error("tour step 4/5 (curl)", "`invoke curl.build`", "BASE_IMAGE", "invoke setup")
    cleanup = result.stdout.split("=== Cleaning up what the tour started ===")[1]
    assert "$ invoke nginx.down\n" in cleanup
    assert "curl.clean" not in cleanup and "daemon.rm" not in cleanup and "compose.down" not in cleanup
    assert resources(workshop.project)["containers"] == []


def test_what_was_up_before_the_tour_is_left_as_it_was(workshop, resources):
    workshop.run("nginx.up", timeout=300).ok()
    before = {c.name: c.id for c in resources(workshop.project)["containers"]}
    out = workshop.run("tour", "--quick", timeout=900).ok().stdout
    cleanup = out.split("=== Cleaning up what the tour started ===")[1]
    assert "nginx: it was there before the tour; left as it was" in cleanup
    assert "$ invoke nginx.down" not in cleanup and "$ invoke compose.down" in cleanup
    assert {c.name: c.id for c in resources(workshop.project)["containers"] if c.state.running} == before
    assert get(http_url("127.0.0.1", int(workshop.env["NGINX_PORT"]))).status == 200


def test_step_without_a_terminal_refuses_in_one_line_before_anything_runs(workshop, resources):
    result = workshop.run("tour", "--step")
    result.one_line_error("--step", "stdin is not a terminal")
    assert result.stdout == ""
    assert all(not found for found in resources(workshop.project).values())


def read_until(fd: int, marker: str, seen: list[str], timeout: float = 120) -> None:
    """Read the child's output into ``seen`` until ``marker`` appears in it."""
    deadline = time.monotonic() + timeout
    while marker not in "".join(seen):
        assert time.monotonic() < deadline, f"{marker!r} never came:\n{''.join(seen)}"
        if select.select([fd], [], [], 1)[0]:
            chunk = os.read(fd, 65536)
            assert chunk, f"output ended before {marker!r}:\n{''.join(seen)}"
            seen.append(chunk.decode(errors="replace"))


def test_step_waits_for_enter_between_steps_and_end_of_input_stops_and_cleans_up(workshop, resources):
    controller, terminal = pty.openpty()
    child = subprocess.Popen(
        workshop.command("tour", "--step", "--quick"),
        cwd=ROOT,
        env=workshop.environ(),
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    os.close(terminal)
    seen: list[str] = []
    try:
        read_until(child.stdout.fileno(), "[Enter] step 2/5", seen)
        # it waits: step 2 starts the daemon container, and there is none while the prompt stands
        assert resources(workshop.project)["containers"] == []
        assert "Step 2/5" not in "".join(seen)
        os.write(controller, b"\n")
        read_until(child.stdout.fileno(), "[Enter] step 3/5", seen)
        os.write(controller, b"\x04")  # Ctrl-D: end of input
        out, err = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
        os.close(controller)
    out = "".join(seen) + out.decode()
    assert child.returncode == 130, (out, err)
    assert "Traceback" not in err.decode()
    assert "=== Step 3/5" not in out
    assert "Cleaning up" not in out  # the daemon's step, the last one run, ended with its removal
    assert resources(workshop.project)["containers"] == []


#: the tutorial's lines the Chinese tour shows: commands as they are, prose translated
TUTORIAL_ZH = [
    "打开 http://127.0.0.1:5000/" if command == "open http://127.0.0.1:5000/" else command
    for command in TUTORIAL[:-2]  # no swarm: --quick
]
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_the_tour_in_chinese_runs_and_checks_every_step_and_says_so_in_chinese(workshop, resources):
    result = workshop.run("tour", "--quick", timeout=900, WORKSHOP_LANG="zh-CN").ok()
    steps, cleanup = result.stdout.split("=== 清理导览启动的内容 ===")
    assert in_order(steps, [f"教程：{command}" for command in TUTORIAL_ZH])
    assert in_order(steps, [f"$ invoke {command}" for command in invoked(workshop)[:-4]])
    assert in_order(
        steps,
        [
            f"=== 第 {n}/5 步：{name}，{title} ==="
            for n, (name, title) in enumerate(
                [
                    ("hello", "你的第一个容器"),
                    ("daemon", "容器的生命周期"),
                    ("nginx", "端口与卷"),
                    ("curl", "你的第一个 Dockerfile"),
                    ("compose", "连接容器"),
                ],
                1,
            )
        ],
    )
    checks = [line for line in steps.splitlines() if line.startswith("✓ ")]
    assert len(checks) == len(invoked(workshop)) - 4 + 1, checks
    assert all(CJK.search(check) for check in checks), checks  # every check speaks Chinese
    assert checks[-1] == "✓ 导览完成：共 5 步，14 项检查全部通过"
    assert "✓ 计数从 1 变为 2：Redis 在两次请求之间保存着它" in checks
    assert "tutorial:" not in result.stdout and "=== Step" not in result.stdout
    assert "compose.down 会保留这组服务的数据卷：访问计数不会丢失。" in cleanup
    assert in_order(cleanup, [f"$ invoke {command}\n" for command in CLEANUP[1:]])
    assert "示例共用的网络" in cleanup
    assert "Traceback" not in result.stderr
    assert resources(workshop.project)["containers"] == []


def test_a_zh_cn_locale_tells_the_tour_in_chinese_and_errors_stay_english(workshop, resources):
    environ = workshop.environ(
        LANG="zh_CN.UTF-8", LC_ALL="", LC_MESSAGES="", HELLO_IMAGE="docker-workshop/absent:never"
    )
    del environ["WORKSHOP_LANG"]  # left at its default: the locale decides
    result = workshop.run("tour", "--quick", timeout=300, env=environ)
    result.one_line_error("tour step 1/5 (hello) failed", "`invoke hello.run`", "HELLO_IMAGE")
    assert "=== 第 1/5 步：hello，你的第一个容器 ===" in result.stdout
    assert "教程：docker run ubuntu /bin/echo 'Hello world'" in result.stdout
    assert "第 2/5 步" not in result.stdout
    assert all(not found for found in resources(workshop.project).values())
