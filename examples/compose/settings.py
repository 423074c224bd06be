"""Example 4's settings: what it declares (its images, where the app answers, Redis, the build's
CA bundle) and the stack's address as a task reads it."""

from __future__ import annotations

from dataclasses import dataclass

from workshop.cli import Ctx
from workshop.probe import http_url
from workshop.settings import Setting, address, decimal, existing_file, image, one_of, port, whole

EXAMPLE = "compose"
COMPOSE_FILE = "docker-compose.yml"
STANDINS_FILE = "examples/compose/standins/compose.yml"
APP_SERVICE = "app"
STACK_SERVICES = ["app", "redis"]
IMAGES = ("REDIS_IMAGE", "PYTHON_IMAGE")  # what the stack runs or builds FROM

SETTINGS = (
    Setting(
        "WORKSHOP_COMPOSE_FILE",
        COMPOSE_FILE,
        existing_file,
        "the stack's compose file (relative to the repository root)",
        (EXAMPLE, "swarm"),
    ),
    Setting(
        "APP_IMAGE",
        "docker-workshop/counter:latest",
        image,
        "the app image the stack builds",
        (EXAMPLE, "swarm"),
        per_project="{project}/counter:latest",
    ),
    Setting("PYTHON_IMAGE", "python:3.12-slim", image, "the Python image the app builds `FROM`", (EXAMPLE,)),
    Setting("APP_BIND", "127.0.0.1", address, "host address the app is published on", (EXAMPLE,)),
    Setting("APP_PORT", "5000", port, "host port of the app", (EXAMPLE,), bind="APP_BIND"),
    Setting(
        "BIND_PORT",
        "5000",
        port,
        "the port the app's server listens on inside the container (the tutorial's BIND_PORT)",
        (EXAMPLE,),
    ),
    Setting("APP_WORKERS", "2", whole(1, 16), "the app server's worker processes (granian, 1-16)", (EXAMPLE,)),
    Setting(
        "APP_THREADS",
        "16",
        whole(1, 32),
        "threads per worker that run the app (granian's blocking threads, 1-32; SERVICE_PIDS bounds the total)",
        (EXAMPLE,),
    ),
    Setting("REDIS_IMAGE", "redis:7-alpine", image, "the Redis image", (EXAMPLE, "swarm")),
    Setting("REDIS_PORT", "6379", port, "the port Redis listens on (inside the stack's network only)", (EXAMPLE,)),
    Setting(
        "REDIS_APPENDFSYNC",
        "always",
        one_of(
            "always",
            "everysec",
            "no",
            meaning="an fsync policy",
            fix="use always (no acknowledged write lost), everysec or no",
        ),
        "AOF fsync policy: `always` loses no acknowledged write",
        (EXAMPLE,),
    ),
    Setting(
        "BUILD_CA_BUNDLE",
        "examples/compose/no-extra-ca.pem",
        existing_file,
        "extra CA bundle for pip in the app build (a TLS-intercepting proxy's CA), passed as a build secret; "
        "the default file is empty",
        (EXAMPLE,),
    ),
    Setting(
        "STACK_WAIT", "180", decimal(5, 3600), "seconds `compose.up` waits for every service to be healthy", (EXAMPLE,)
    ),
    Setting(
        "STANDIN_REDIS_IMAGE",
        "docker-workshop/redis:standin",
        image,
        "name of the offline stand-in for redis, which `invoke setup` builds",
        ("setup",),
    ),
    Setting(
        "STANDIN_PYTHON_IMAGE",
        "docker-workshop/python:standin",
        image,
        "name of the offline stand-in for python, which `invoke setup` builds",
        ("setup",),
    ),
)


@dataclass(frozen=True)
class StackSettings:
    """Where the stack answers, and how long to wait for it."""

    bind: str
    port: int
    wait: float

    @classmethod
    def load(cls, c: Ctx) -> StackSettings:
        """Read and check APP_BIND, APP_PORT and STACK_WAIT."""
        return cls(bind=c.get("APP_BIND"), port=c.get("APP_PORT"), wait=c.get("STACK_WAIT"))

    @property
    def url(self) -> str:
        """Where the counter answers."""
        return http_url(self.bind, self.port)
