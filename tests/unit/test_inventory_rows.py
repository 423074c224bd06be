"""workshop.inventory.collect: the rows `invoke status` shows, from what the engine reports."""

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from workshop.engine import Project  # noqa: E402
from workshop.inventory import collect  # noqa: E402

PROJECT = Project("demo", "io.example")


def container(name: str, status: str, health: str | None, exit_code: int = 0) -> SimpleNamespace:
    """A container as python-on-whales describes it, with only what collect reads."""
    now = datetime.now(timezone.utc)
    return SimpleNamespace(
        id=f"id-{name}",
        name=name,
        config=SimpleNamespace(labels=PROJECT.labels("compose")),
        network_settings=SimpleNamespace(ports={}),
        state=SimpleNamespace(
            status=status,
            running=status == "running",
            exit_code=exit_code,
            started_at=now - timedelta(hours=1),
            finished_at=now - timedelta(minutes=3),
            health=SimpleNamespace(status=health) if health else None,
        ),
    )


def engine(*containers: SimpleNamespace) -> SimpleNamespace:
    """An engine client holding ``containers`` and nothing else."""
    return SimpleNamespace(
        container=SimpleNamespace(list=lambda **_: list(containers)),
        image=SimpleNamespace(list=lambda **_: []),
        volume=SimpleNamespace(list=lambda **_: []),
        network=SimpleNamespace(list=lambda **_: []),
    )


def test_status_shows_health_of_running_containers_only():
    # the engine died: the app kept "unhealthy" from its last check, exit 143 from the SIGTERM
    found = collect(
        engine(container("app", "exited", "unhealthy", 143), container("redis", "running", "healthy")), PROJECT
    )
    status = {row.name: row.status for row in found}
    assert status["app"] == "Exited (143) 3 minutes ago"
    assert status["redis"] == "Up 1 hour (healthy)"
