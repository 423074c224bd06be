"""workshop.display: durations and container states in `docker ps` words, plain tables."""

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from workshop.display import container_state, duration, table  # noqa: E402

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "seconds, expected",
    [
        (-3, "Less than a second"),
        (0, "Less than a second"),
        (0.999, "Less than a second"),
        (1, "1 second"),
        (59.9, "59 seconds"),
        (60, "1 minute"),
        (119, "1 minute"),
        (120, "2 minutes"),
        (3599, "59 minutes"),
        (3600, "1 hour"),
        (7200, "2 hours"),
        (86399, "23 hours"),
        (86400, "1 day"),
        (3 * 86400 + 5, "3 days"),
    ],
)
def test_duration_is_largest_whole_unit(seconds, expected):
    assert duration(seconds) == expected


def test_running_container_is_up_since_start():
    assert container_state("running", 0, NOW - timedelta(seconds=3), None, now=NOW) == "Up 3 seconds"


def test_exited_container_shows_code_and_age():
    state = container_state("exited", 137, NOW - timedelta(hours=1), NOW - timedelta(minutes=2), now=NOW)
    assert state == "Exited (137) 2 minutes ago"


def test_running_container_shows_its_health():
    state = container_state("running", 0, NOW - timedelta(minutes=5), None, now=NOW, health="healthy")
    assert state == "Up 5 minutes (healthy)"


@pytest.mark.parametrize("status", ["exited", "created", "paused", "restarting", "dead"])
def test_a_container_that_does_not_run_has_no_health(status):
    # after the engine died: the engine kept "unhealthy" from the container's last check
    state = container_state(
        status, 143, NOW - timedelta(hours=1), NOW - timedelta(minutes=3), now=NOW, health="unhealthy"
    )
    assert "healthy" not in state
    if status == "exited":
        assert state == "Exited (143) 3 minutes ago"


def test_exited_container_with_code_zero():
    assert container_state("exited", 0, None, NOW - timedelta(days=2), now=NOW) == "Exited (0) 2 days ago"


@pytest.mark.parametrize(
    "status, started, finished, expected",
    [
        ("created", None, None, "Created"),
        ("running", None, None, "Running"),
        ("exited", NOW, None, "Exited"),
        ("paused", NOW, None, "Paused"),
        ("restarting", NOW, None, "Restarting"),
    ],
)
def test_other_states_are_the_capitalised_status(status, started, finished, expected):
    assert container_state(status, None, started, finished, now=NOW) == expected


def test_state_uses_current_time_when_now_not_given():
    started = datetime.now(timezone.utc) - timedelta(hours=5, minutes=1)
    assert container_state("running", None, started, None) == "Up 5 hours"


def test_table_aligns_columns_two_spaces_apart():
    text = table(("ID", "NAME", "STATUS"), [("abc", "daemon", "Up 3 seconds"), ("d", "x", "Created")])
    assert text.splitlines() == [
        "ID   NAME    STATUS",
        "abc  daemon  Up 3 seconds",
        "d    x       Created",
    ]


def test_table_header_wider_than_cells_sets_width_and_no_trailing_spaces():
    assert table(("CONTAINER ID", "X"), [("a", "b")]).splitlines() == ["CONTAINER ID  X", "a             b"]


def test_table_without_rows_is_the_header():
    assert table(("A", "B"), []) == "A  B"


def test_table_formats_non_string_cells():
    assert table(("N", "V"), [(1, None)]).splitlines() == ["N  V", "1  None"]
