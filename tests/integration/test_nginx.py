"""Example 2 against the real engine: nginx serving a read-only bind mount on a host port."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import urllib.request

import pytest
from conftest import ROOT

pytestmark = pytest.mark.integration

COMMITTED_PAGE = ROOT / "examples" / "nginx" / "html" / "index.html"


def fetch(port: str, path: str = "/") -> bytes:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as answer:
        assert answer.status == 200
        return answer.read()


def test_up_serves_the_committed_page_byte_for_byte_and_says_where(workshop):
    port = workshop.env["NGINX_PORT"]
    result = workshop.run("nginx.up").ok()
    assert f"http://127.0.0.1:{port}/" in result.stdout
    assert fetch(port) == COMMITTED_PAGE.read_bytes()


def test_an_edit_in_the_folder_shows_in_the_next_response_without_a_restart(workshop, docker_client, tmp_path):
    html = tmp_path / "html"
    shutil.copytree(COMMITTED_PAGE.parent, html)
    port = workshop.env["NGINX_PORT"]
    workshop.run("nginx.up", NGINX_HTML_DIR=str(html)).ok()
    started = docker_client.container.inspect(workshop.env["NGINX_NAME"]).state.started_at
    (html / "index.html").write_text("<p>edited on the host</p>\n")
    assert fetch(port) == b"<p>edited on the host</p>\n"
    assert docker_client.container.inspect(workshop.env["NGINX_NAME"]).state.started_at == started


def test_the_container_cannot_write_into_the_mount(workshop, docker_client, tmp_path):
    html = tmp_path / "html"
    shutil.copytree(COMMITTED_PAGE.parent, html)
    workshop.run("nginx.up", NGINX_HTML_DIR=str(html)).ok()
    from python_on_whales.exceptions import DockerException

    with pytest.raises(DockerException) as refused:
        docker_client.container.execute(
            workshop.env["NGINX_NAME"], ["sh", "-c", "echo x > /usr/share/nginx/html/written.html"]
        )
    assert "read-only file system" in (refused.value.stderr or "").lower()
    assert not (html / "written.html").exists()


def test_task_names_work_from_inside_an_example_folder(workshop):
    inside = ROOT / "examples" / "nginx"
    result = workshop.run("nginx.up", cwd=inside).ok()
    assert f"{workshop.env['NGINX_NAME']} serving" in result.stdout
    assert "stopped and removed" in workshop.run("nginx.down", cwd=inside).ok().stdout


def test_up_twice_changes_nothing_and_down_twice_is_fine(workshop, docker_client):
    workshop.run("nginx.up").ok()
    first = docker_client.container.inspect(workshop.env["NGINX_NAME"]).id
    again = workshop.run("nginx.up").ok()
    assert "already up" in again.stdout and "nothing to do" in again.stdout
    assert docker_client.container.inspect(workshop.env["NGINX_NAME"]).id == first
    assert "stopped and removed" in workshop.run("nginx.down").ok().stdout
    assert "nothing to do" in workshop.run("nginx.down").ok().stdout
    assert not docker_client.container.exists(workshop.env["NGINX_NAME"])


def test_changed_settings_replace_the_running_container(workshop, docker_client, tmp_path):
    workshop.run("nginx.up").ok()
    html = tmp_path / "other"
    html.mkdir()
    (html / "index.html").write_text("other folder\n")
    result = workshop.run("nginx.up", NGINX_HTML_DIR=str(html)).ok()
    assert "settings changed" in result.stdout
    assert fetch(workshop.env["NGINX_PORT"]) == b"other folder\n"


def test_a_taken_port_fails_in_one_line_with_nothing_created(workshop, resources):
    port = int(workshop.env["NGINX_PORT"])
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        workshop.run("nginx.up").one_line_error("NGINX_PORT", str(port), "already in use")
    assert all(not found for found in resources(workshop.project).values())


def test_a_server_that_never_answers_fails_with_its_logs_and_is_removed(workshop, resources):
    from workshop.config import Settings

    silent = Settings.load().image("BASE_IMAGE")  # no web server in it: the container just exits
    result = workshop.run("nginx.up", NGINX_IMAGE=silent, NGINX_WAIT="5")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("error: nginx did not answer 200")
    assert "NGINX_WAIT" in result.stderr
    assert resources(workshop.project)["containers"] == []


def test_inspect_summarises_image_state_port_and_read_only_mount(workshop):
    workshop.run("nginx.up").ok()
    summary = workshop.run("nginx.inspect").ok().stdout
    port = workshop.env["NGINX_PORT"]
    assert f"port:    127.0.0.1:{port} -> 8080/tcp" in summary
    assert f"mount:   {COMMITTED_PAGE.parent} -> /usr/share/nginx/html (ro)" in summary
    assert "state:   Up" in summary
    printed = json.loads(workshop.run("nginx.inspect", "--json").ok().stdout)
    by_docker = json.loads(
        subprocess.run(
            ["docker", "inspect", workshop.env["NGINX_NAME"]], capture_output=True, text=True, check=True
        ).stdout
    )
    # exactly what `docker inspect` prints, but for what moves on between the two: the state, and
    # the exec ids (the health check runs as an exec every 2 s: one may be running at either read)
    # (the health check may pass in between)
    moving = {"State": None, "ExecIDs": None}
    assert [{**d, **moving} for d in printed] == [{**d, **moving} for d in by_docker]
    assert printed[0]["State"]["Running"] and by_docker[0]["State"]["Running"]
    document = printed[0]
    assert document["Name"] == "/" + workshop.env["NGINX_NAME"]
    assert [m["RW"] for m in document["Mounts"]] == [False]


def test_logs_show_the_requests_nginx_served(workshop):
    workshop.run("nginx.up").ok()
    fetch(workshop.env["NGINX_PORT"], "/index.html")
    assert '"GET /index.html HTTP/1.1" 200' in workshop.run("nginx.logs").ok().stdout


def test_open_hands_the_url_to_the_browser(workshop, tmp_path):
    opened = tmp_path / "opened.txt"
    recorder = f"{sys.executable} -c \"import sys; open('{opened}', 'w').write(sys.argv[1])\" %s"
    workshop.run("nginx.up").ok()
    workshop.run("nginx.open", BROWSER=recorder).ok()
    assert opened.read_text() == f"http://127.0.0.1:{workshop.env['NGINX_PORT']}/"


def test_open_before_up_says_how_to_start(workshop):
    workshop.run("nginx.open").one_line_error("nginx.up")
