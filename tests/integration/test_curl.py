"""Example 3 against the real engine: build the curl image, run it against the nginx example
over the shared network, fail on HTTP errors and on unverifiable TLS, clean up."""

from __future__ import annotations

import re
import subprocess
import tarfile
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.integration

COMMITTED_PAGE = ROOT / "examples" / "nginx" / "html" / "index.html"


def results_of(workshop) -> Path:
    return Path(workshop.env["CURL_RESULTS_DIR"]) / "results"


def test_build_makes_the_configured_tags_with_our_labels(workshop, docker_client):
    result = workshop.run("curl.build", timeout=600).ok()
    name = workshop.env["CURL_IMAGE"]
    assert f"built {name}:1.0 and {name}:latest" in result.stdout
    versioned = docker_client.image.inspect(f"{name}:1.0")
    assert docker_client.image.inspect(f"{name}:latest").id == versioned.id
    labels = versioned.config.labels
    assert labels["io.docker-workshop.built-by"] == workshop.project
    assert labels["io.docker-workshop.example"] == "curl"
    assert versioned.config.user == "10001:10001"  # not root
    assert "SITE_URL=http://example.com/" in versioned.config.env
    listing = workshop.run("curl.images").ok().stdout.splitlines()
    assert listing[0].split()[:2] == ["REPOSITORY", "TAG"]
    assert [row.split()[:3] for row in listing[1:]] == [
        [name, "1.0", versioned.id[7:19]],
        [name, "latest", versioned.id[7:19]],
    ]


def test_a_build_is_one_line_and_its_whole_log_only_with_verbose(workshop):
    name = workshop.env["CURL_IMAGE"]
    quiet = workshop.run("curl.build", timeout=600).ok()
    lines = [line for line in quiet.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, quiet.stderr
    assert re.fullmatch(
        rf"built {re.escape(name)}:1\.0 in \d+\.\ds \(3 steps(, all cached|: \d run, \d cached)\)", lines[0]
    )
    verbose = workshop.run("curl.build", "--verbose", timeout=600).ok()
    assert re.search(r"^#\d+ \[curl 2/4\] RUN ", verbose.stderr, re.MULTILINE), verbose.stderr
    assert f"built {name}:1.0 in " in verbose.stderr


def test_a_failing_build_shows_its_whole_log_then_one_error_line(workshop, docker_client, tmp_path):
    # a base image with nothing in it: the Dockerfile's first RUN finds no /bin/sh
    empty = tmp_path / "empty.tar"
    with tarfile.open(empty, "w"):
        pass
    base = f"{workshop.project}-empty:latest"
    docker_client.image.import_(empty, tag=base, changes=[f"LABEL io.docker-workshop.built-by={workshop.project}"])
    result = workshop.run("curl.build", timeout=600, BASE_IMAGE=base)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines[-1].startswith("error: building curl (examples/curl/compose.yml) failed: "), lines[-1]
    assert lines[-1].endswith("its log is above")
    log = lines[:-1]
    assert log[0].startswith("#0 building with"), log[0]
    assert any(re.match(r"#\d+ \[curl 2/4\] RUN apt-get update", line) for line in log), log
    assert any("/bin/sh" in line and "no such file or directory" in line for line in log), log
    assert not docker_client.image.exists(f"{workshop.env['CURL_IMAGE']}:1.0")


def test_run_fetches_the_nginx_page_by_container_name_into_the_results_file(workshop):
    workshop.run("nginx.up").ok()
    url = f"http://{workshop.env['NGINX_NAME']}:8080/"
    result = workshop.run("curl.run", "--site-url", url, timeout=600).ok()
    assert results_of(workshop).read_bytes() == COMMITTED_PAGE.read_bytes()
    assert f"({COMMITTED_PAGE.stat().st_size} bytes)" in result.stdout
    # the default comes from SITE_URL
    results_of(workshop).unlink()
    workshop.run("curl.run", SITE_URL=url).ok()
    assert results_of(workshop).read_bytes() == COMMITTED_PAGE.read_bytes()


def test_nginx_by_name_without_its_port_says_it_listens_on_8080(workshop):
    """The tutorial's habit, http://test-nginx/ (port 80): our nginx runs unprivileged, on 8080."""
    workshop.run("nginx.up").ok()
    workshop.run("curl.build", timeout=600).ok()
    name = workshop.env["NGINX_NAME"]
    result = workshop.run("curl.run", "--site-url", f"http://{name}/", timeout=600)
    result.one_line_error(
        f"{name}, the nginx example's container (NGINX_NAME), listens on port 8080, not 80",
        "non-root",
        f"fetch http://{name}:8080/",
    )
    assert not results_of(workshop).exists()


def test_an_http_error_fails_the_run_and_leaves_no_results(workshop):
    workshop.run("nginx.up").ok()
    workshop.run("curl.build", timeout=600).ok()
    result = workshop.run(
        "curl.run", "--site-url", f"http://{workshop.env['NGINX_NAME']}:8080/missing.html", timeout=600
    )
    result.one_line_error("404", "curl exit code 22")
    assert not results_of(workshop).exists()


def test_tls_is_verified_an_untrusted_certificate_fails(workshop, docker_client, tmp_path):
    """A server with a self-signed certificate, on the same network: curl must refuse it."""
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=tls-test",
            "-keyout",
            str(tmp_path / "key.pem"),
            "-out",
            str(tmp_path / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )
    (tmp_path / "tls.conf").write_text(
        "server { listen 443 ssl; server_name tls-test;"
        " ssl_certificate /tls/cert.pem; ssl_certificate_key /tls/key.pem;"
        " root /usr/share/nginx/html; }\n"
    )
    for pem in ("key.pem", "cert.pem"):
        (tmp_path / pem).chmod(0o644)
    tmp_path.chmod(0o755)  # nginx runs as a non-root user: it must be able to reach them
    workshop.run("nginx.up").ok()  # creates the shared network
    workshop.run("curl.build", timeout=600).ok()
    from workshop.config import Settings
    from workshop.engine import Project

    project = Project(workshop.project, "io.docker-workshop")
    server = docker_client.run(
        Settings.load().image("NGINX_IMAGE"),
        detach=True,
        init=True,
        name=f"{workshop.project}-tls",
        labels=project.labels("tls-test"),
        networks=[project.network],
        volumes=[(tmp_path / "tls.conf", "/etc/nginx/conf.d/tls.conf", "ro"), (tmp_path, "/tls", "ro")],
    )
    assert server.state.running
    result = workshop.run("curl.run", "--site-url", f"https://{workshop.project}-tls/", timeout=600)
    line = result.one_line_error("curl exit code 60")
    assert "certificate" in line.lower()
    assert not results_of(workshop).exists()


def test_clean_removes_the_images_and_results_and_is_repeatable(workshop, docker_client):
    workshop.run("nginx.up").ok()
    workshop.run("curl.run", "--site-url", f"http://{workshop.env['NGINX_NAME']}:8080/", timeout=600).ok()
    assert results_of(workshop).exists()
    cleaned = workshop.run("curl.clean").ok().stdout
    assert "removed 1 image(s)" in cleaned
    assert not docker_client.image.exists(f"{workshop.env['CURL_IMAGE']}:1.0")
    assert not docker_client.image.exists(f"{workshop.env['CURL_IMAGE']}:latest")
    assert not results_of(workshop).exists()
    assert "no curl images to remove" in workshop.run("curl.clean").ok().stdout


def test_a_failed_run_keeps_the_previous_results_byte_for_byte_and_a_good_one_replaces_them(workshop):
    workshop.run("nginx.up").ok()
    workshop.run("curl.build", timeout=600).ok()
    results = results_of(workshop)
    results.parent.mkdir(parents=True, exist_ok=True)
    earlier = b"an earlier good fetch\n\x00\xff"
    results.write_bytes(earlier)
    nginx = workshop.env["NGINX_NAME"]
    for url, words in (
        (f"http://{nginx}:8080/missing.html", ["404", "kept as it was"]),  # an HTTP error
        ("http://no-such-host.invalid/", ["resolve host", "kept as it was"]),  # an unknown host
    ):
        workshop.run("curl.run", "--site-url", url, timeout=600).one_line_error(*words)
        assert results.read_bytes() == earlier, url
        assert sorted(p.name for p in results.parent.iterdir()) == ["results"]  # nothing written aside is left
    workshop.run("curl.run", "--site-url", f"http://{nginx}:8080/", timeout=600).ok()
    assert results.read_bytes() == COMMITTED_PAGE.read_bytes()


def test_fetching_from_a_stopped_example_says_to_start_it(workshop):
    workshop.run("curl.build", timeout=600).ok()
    nginx = workshop.env["NGINX_NAME"]
    result = workshop.run("curl.run", "--site-url", f"http://{nginx}:8080/", timeout=600)
    result.one_line_error(nginx, "NGINX_NAME", "not running", "invoke nginx.up")


def test_a_build_prints_no_bake_warning_and_a_missing_base_image_is_one_line(workshop, resources):
    built = workshop.run("curl.build", timeout=600).ok()
    assert "Bake" not in built.stderr and "buildx" not in built.stderr
    workshop.run("curl.clean").ok()
    missing = workshop.run("curl.build", timeout=600, BASE_IMAGE="docker-workshop/absent:never")
    missing.one_line_error("BASE_IMAGE='docker-workshop/absent:never'", "not on this engine", "invoke setup")
    assert all(not found for found in resources(workshop.project).values())
