"""The table of wrong values: for each setting, values its check refuses and a task that reads
it. Used by tests/unit/test_bad_input.py (every case, in this process) and
tests/integration/test_validation_first.py (one case per task, against the real engine)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest


@dataclass(frozen=True)
class Bad:
    setting: str
    value: str
    task: str
    words: tuple[str, ...] = field(default=())


def bad(setting: str, value: str, task: str, *words: str):
    return pytest.param(Bad(setting, value, task, words), id=f"{setting}={value!r}@{task}")


NOT_AN_IMAGE = "not a valid image reference"
EMPTY = "is empty"
WHOLE = "not a whole number"
RANGE = "out of range"
NUMBER = "not a number"
NOT_IP = "not an IP address"
NOT_URL = "not a valid http(s) URL"
NOT_TAG = "not a valid image tag"
NOT_FILE = "not an existing file"

BAD_INPUT = [
    bad("WORKSHOP_PROFILE", "nosuch", "nginx.up", "names no profile", "offline"),
    bad("WORKSHOP_PROFILE", "Offline!", "daemon.start", "not a profile name"),
    bad("WORKSHOP_PROJECT", "Bad Project", "nginx.up", "not a valid project name"),
    bad("WORKSHOP_PROJECT", "-dash-first", "compose.up", "not a valid project name"),
    bad("WORKSHOP_PROJECT", "", "status", "not a valid project name"),
    bad("WORKSHOP_LANG", "fr", "tour", "not a language of the tour", "en, zh-CN"),
    bad("WORKSHOP_LANG", "zh_CN", "tour", "not a language of the tour", "en, zh-CN"),
    bad("WORKSHOP_LANG", "", "tour", "not a language of the tour", "en, zh-CN"),
    bad("WORKSHOP_LABEL_PREFIX", "Io.Docker-Workshop", "daemon.start", "not a valid label prefix"),
    bad("WORKSHOP_LABEL_PREFIX", "io..workshop", "nginx.up", "not a valid label prefix"),
    bad("WORKSHOP_LABEL_PREFIX", "-bad-", "curl.build", "not a valid label prefix"),
    bad("WORKSHOP_COMPOSE_FILE", "/no/such/docker-compose.yml", "compose.up", NOT_FILE),
    bad("WORKSHOP_COMPOSE_FILE", "examples", "compose.up", NOT_FILE),
    bad("WORKSHOP_COMPOSE_FILE", "", "compose.build", EMPTY),
    bad("BASE_IMAGE", "Not/Valid", "setup", NOT_AN_IMAGE),
    bad("BASE_IMAGE", "", "setup", EMPTY),
    bad("BASE_IMAGE", "Not/Valid", "curl.build", NOT_AN_IMAGE),
    bad("BASE_IMAGE", "", "curl.build", EMPTY),
    bad("HELLO_IMAGE", "ubuntu:", "hello.run", NOT_AN_IMAGE),
    bad("HELLO_IMAGE", "UBUNTU", "hello.shell", NOT_AN_IMAGE),
    bad("HELLO_MESSAGE", "   ", "hello.run", EMPTY),
    bad("HELLO_SHELL", "", "hello.shell", EMPTY),
    bad("HELLO_SHELL", "  ", "hello.shell", EMPTY),
    bad("DAEMON_IMAGE", "", "daemon.start", EMPTY),
    bad("DAEMON_IMAGE", "ubuntu:24.04:extra", "daemon.start", NOT_AN_IMAGE),
    bad("DAEMON_NAME", "/daemon", "daemon.start", "not a valid container name"),
    bad("DAEMON_NAME", "", "daemon.logs", "not a valid container name"),
    bad("DAEMON_MESSAGE", "", "daemon.start", EMPTY),
    bad("DAEMON_INTERVAL", "3601", "daemon.start", RANGE),
    bad("DAEMON_INTERVAL", "nan", "daemon.start", RANGE),
    bad("DAEMON_INTERVAL", "1s", "daemon.start", NUMBER),
    bad("NGINX_IMAGE", "nginx@sha256:1234", "nginx.up", NOT_AN_IMAGE),
    bad("NGINX_IMAGE", "", "nginx.up", EMPTY),
    bad("NGINX_NAME", "test nginx", "nginx.up", "not a valid container name"),
    bad("NGINX_NAME", "_nginx", "nginx.down", "not a valid container name"),
    bad("NGINX_BIND", "localhost", "nginx.up", NOT_IP),
    bad("NGINX_BIND", "256.0.0.1", "nginx.up", NOT_IP),
    bad("NGINX_BIND", "192.0.2.1", "nginx.up", "not an address of this machine"),
    bad("NGINX_PORT", "-1", "nginx.up", RANGE),
    bad("NGINX_PORT", "65536", "nginx.up", RANGE),
    bad("NGINX_PORT", "8080.5", "nginx.up", WHOLE),
    bad("DASHBOARD_PORT", "abc", "dashboard", WHOLE),
    bad("DASHBOARD_PORT", "70000", "dashboard", RANGE),
    bad("NGINX_HTML_DIR", "README.md", "nginx.up", "not an existing folder"),
    bad("NGINX_HTML_DIR", "/no/such/html", "nginx.up", "not an existing folder"),
    bad("NGINX_HTML_DIR", "", "nginx.up", EMPTY),
    bad("NGINX_WAIT", "0", "nginx.up", RANGE),
    bad("NGINX_WAIT", "601", "nginx.up", RANGE),
    bad("NGINX_WAIT", "30s", "nginx.up", NUMBER),
    bad("CURL_IMAGE", "Test-Curl", "curl.run", NOT_AN_IMAGE),
    bad("CURL_IMAGE", "test-curl:2.0", "curl.build", "already has a tag"),
    bad("CURL_IMAGE", "", "curl.run", EMPTY),
    bad("CURL_VERSION", "1.0 beta", "curl.run", NOT_TAG),
    bad("CURL_VERSION", ".1", "curl.build", NOT_TAG),
    bad("CURL_VERSION", "", "curl.run", NOT_TAG),
    bad("SITE_URL", "file:///etc/passwd", "curl.run", NOT_URL),
    bad("SITE_URL", "https:///no-host", "curl.run", NOT_URL),
    bad("SITE_URL", "", "curl.run", NOT_URL),
    bad("SITE_URL", "http://example.com:99999/", "curl.run", NOT_URL),
    bad("CURL_RESULTS_DIR", "", "curl.run", EMPTY),
    bad("CURL_RESULTS_DIR", "README.md", "curl.run", "not a folder"),
    bad("APP_IMAGE", "Counter:latest", "compose.up", NOT_AN_IMAGE),
    bad("APP_IMAGE", "", "compose.build", EMPTY),
    bad("PYTHON_IMAGE", "python:3.12 slim", "compose.up", NOT_AN_IMAGE),
    bad("PYTHON_IMAGE", "", "compose.build", EMPTY),
    bad("APP_BIND", "127.0.0.1:5000", "compose.up", NOT_IP),
    bad("APP_BIND", "", "compose.up", NOT_IP),
    bad("APP_PORT", "five thousand", "compose.up", WHOLE),
    bad("APP_PORT", "0", "compose.up", RANGE),
    bad("BIND_PORT", "65536", "compose.up", RANGE),
    bad("BIND_PORT", "http", "compose.build", WHOLE),
    bad("APP_WORKERS", "0", "compose.up", RANGE),
    bad("APP_WORKERS", "2.5", "compose.up", WHOLE),
    bad("APP_WORKERS", "17", "compose.dev", RANGE),
    bad("APP_THREADS", "33", "compose.up", RANGE),
    bad("APP_THREADS", "four", "compose.up", WHOLE),
    bad("REDIS_IMAGE", "redis:7 alpine", "compose.up", NOT_AN_IMAGE),
    bad("REDIS_IMAGE", "", "compose.up", EMPTY),
    bad("REDIS_PORT", "abc", "compose.up", WHOLE),
    bad("REDIS_PORT", "70000", "compose.up", RANGE),
    bad("REDIS_APPENDFSYNC", "ALWAYS", "compose.up", "not an fsync policy"),
    bad("REDIS_APPENDFSYNC", "", "compose.up", "not an fsync policy"),
    bad("STACK_WAIT", "4", "compose.up", RANGE),
    bad("APP_PORT", "five thousand", "compose.dev", WHOLE),
    bad("STACK_WAIT", "soon", "compose.dev", NUMBER),
    bad("WORKSHOP_COMPOSE_FILE", "/no/such/docker-compose.yml", "compose.dev", NOT_FILE),
    bad("STACK_WAIT", "a while", "compose.up", NUMBER),
    bad("BUILD_CA_BUNDLE", "examples", "compose.build", NOT_FILE),
    bad("BUILD_CA_BUNDLE", "/no/such/bundle.pem", "compose.up", NOT_FILE),
    bad("BUILD_CA_BUNDLE", "", "compose.up", EMPTY),
    bad("STANDIN_NGINX_IMAGE", "Nginx:standin", "setup", NOT_AN_IMAGE),
    bad("STANDIN_REDIS_IMAGE", "", "setup", EMPTY),
    bad("STANDIN_PYTHON_IMAGE", "python standin", "setup", NOT_AN_IMAGE),
    bad("OFFLINE_DEBIAN_SUITE", "book worm", "setup", NOT_TAG),
    bad("OFFLINE_DEBIAN_SUITE", "", "setup", NOT_TAG),
    bad("OFFLINE_DEBIAN_MIRROR", "ftp://deb.debian.org/debian", "setup", NOT_URL),
    bad("OFFLINE_DEBIAN_MIRROR", "deb.debian.org/debian", "setup", NOT_URL),
    bad("DOCKERD_USERLAND_PROXY", "no", "setup", "not true or false"),
    bad("DOCKERD_USERLAND_PROXY", "False", "setup", "not true or false"),
]

# moved from the per-example integration files: the same check, now against the validation layer
MORE = [
    bad("HELLO_IMAGE", "Ubuntu:Latest", "hello.run", NOT_AN_IMAGE),
    bad("HELLO_MESSAGE", "", "hello.run", EMPTY),
    bad("WORKSHOP_PROFILE", "nosuch", "hello.run", "names no profile", "offline"),
    bad("WORKSHOP_PROJECT", "Bad Project", "hello.run", "not a valid project name"),
    bad("WORKSHOP_LABEL_PREFIX", "-bad-", "hello.run", "not a valid label prefix"),
    bad("DAEMON_NAME", "bad name!", "daemon.start", "not a valid container name"),
    bad("DAEMON_INTERVAL", "soon", "daemon.start", NUMBER),
    bad("DAEMON_INTERVAL", "0", "daemon.start", RANGE),
    bad("DAEMON_IMAGE", "a b", "daemon.start", NOT_AN_IMAGE),
    bad("NGINX_HTML_DIR", "/no/such/folder", "nginx.up", "not an existing folder"),
    bad("NGINX_PORT", "80a", "nginx.up", WHOLE),
    bad("NGINX_PORT", "70000", "nginx.up", RANGE),
    bad("NGINX_PORT", "0", "nginx.up", RANGE),
    bad("NGINX_BIND", "localhost:80", "nginx.up", NOT_IP),
    bad("NGINX_NAME", "-bad", "nginx.up", "not a valid container name"),
    bad("NGINX_IMAGE", "nginx:", "nginx.up", NOT_AN_IMAGE),
    bad("NGINX_WAIT", "forever", "nginx.up", NUMBER),
    bad("REDIS_PORT", "six-three-seven-nine", "compose.up", WHOLE),
    bad("APP_PORT", "99999", "compose.up", RANGE),
    bad("REDIS_APPENDFSYNC", "sometimes", "compose.up", "not an fsync policy", "always"),
    bad("BUILD_CA_BUNDLE", "/no/such/bundle.pem", "compose.up", NOT_FILE),
    bad("REDIS_IMAGE", "Redis", "compose.up", NOT_AN_IMAGE),
    bad("SITE_URL", "ftp://example.com/", "curl.run", NOT_URL),
    bad("SITE_URL", "example.com", "curl.run", NOT_URL),
    bad("SITE_URL", "http://", "curl.run", NOT_URL),
    bad("SITE_URL", "javascript:alert(1)", "curl.run", NOT_URL),
    # every container's limits (workshop/hardening.py)
    bad("ONEOFF_MEMORY", "lots", "hello.run", "not a memory size"),
    bad("ONEOFF_MEMORY", "1m", "curl.run", "below the engine's minimum"),
    bad("ONEOFF_CPUS", "0", "hello.run", RANGE),
    bad("ONEOFF_PIDS", "many", "curl.run", WHOLE),
    bad("SERVICE_MEMORY", "5", "daemon.start", "below the engine's minimum"),
    bad("SERVICE_MEMORY", "256 MB", "compose.up", "not a memory size"),
    bad("SERVICE_CPUS", "two", "nginx.up", NUMBER),
    bad("SERVICE_PIDS", "4", "daemon.start", RANGE),
    # example 5: the swarm
    bad("SWARM_NODES", "0", "swarm.up", RANGE),
    bad("SWARM_NODES", "three", "swarm.up", WHOLE),
    bad("SWARM_STACK", "My Stack", "stack.deploy", "not a valid project name"),
    bad("SWARM_REPLICAS", "-1", "stack.deploy", RANGE),
    bad("SWARM_BIND", "localhost", "swarm.up", NOT_IP),
    bad("SWARM_PORT", "99999", "swarm.up", RANGE),
    bad("SWARM_PORT", "5000", "swarm.up", "both publish"),
    bad("SWARM_REGISTRY_PORT", "http", "swarm.up", WHOLE),
    bad("SWARM_NODE_IMAGE", "Node:Latest", "swarm.up", NOT_AN_IMAGE),
    bad("SWARM_REGISTRY_IMAGE", "", "swarm.up", EMPTY),
    bad("SWARM_PROXY_IMAGE", "proxy image", "swarm.up", NOT_AN_IMAGE),
    bad("SWARM_MANAGER", "http://manager:2375", "stack.deploy", "not an engine URL", "tcp://"),
    bad("SWARM_MANAGER", "tcp://", "stack.ps", "not an engine URL"),
    bad("SWARM_MANAGER", "my swarm", "swarm.nodes", "neither a docker context name nor an engine URL"),
    bad("SWARM_MANAGER", "-context", "stack.logs", "neither a docker context name nor an engine URL"),
    bad("SWARM_REGISTRY", "https://reg.lan:5000", "stack.deploy", "not a registry address", "host[:port]"),
    bad("SWARM_REGISTRY", "reg.lan:5000", "swarm.up", "only for a swarm of yours"),
    bad("SWARM_REGISTRY", "reg.lan:5000/Upper", "stack.update", "not a registry address"),
    bad("SWARM_MANAGER", "ftp://manager", "stack.rollback", "not an engine URL"),
    # the operating tasks read what they use too
    bad("WORKSHOP_LABEL_PREFIX", "Bad", "clean", "not a valid label prefix"),
    bad("NGINX_PORT", "abc", "up", WHOLE),
    bad("APP_PORT", "abc", "tour", WHOLE),
]


CASES = BAD_INPUT + MORE
