"""Pure formatting: durations, container states in `docker ps` words, plain text tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

_UNITS = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


def duration(seconds: float) -> str:
    """'Less than a second', '1 second', '5 minutes', '2 hours' ... the largest whole unit."""
    if seconds < 1:
        return "Less than a second"
    for unit, size in _UNITS:
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'' if count == 1 else 's'}"
    raise AssertionError("unreachable")  # pragma: no cover


def container_state(
    status: str,
    exit_code: int | None,
    started_at: datetime | None,
    finished_at: datetime | None,
    now: datetime | None = None,
    health: str | None = None,
) -> str:
    """The STATUS column of ``docker ps -a``: 'Up 3 seconds (healthy)', 'Exited (137) 2 minutes ago', 'Created'.

    ``health`` is shown only while the container runs: the engine keeps the last health status
    of a stopped container, but a container that does not run has no health.
    """
    now = now or datetime.now(timezone.utc)
    if status == "running" and started_at is not None:
        up = f"Up {duration((now - started_at).total_seconds())}"
        return f"{up} ({health})" if health else up
    if status == "exited" and finished_at is not None:
        return f"Exited ({exit_code}) {duration((now - finished_at).total_seconds())} ago"
    return status.capitalize()


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns separated by two spaces, like docker's own listings."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(str(cell))) for w, cell in zip(widths, row, strict=False)]
    lines = [
        "  ".join(str(cell).ljust(w) for cell, w in zip(line, widths, strict=False)).rstrip()
        for line in [headers, *rows]
    ]
    return "\n".join(lines)
