"""workshop.example.expect_soon: a tour check that waits for what the engine does in its own time."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import workshop.example  # noqa: E402
from workshop.example import CheckFailed, expect_soon  # noqa: E402


def test_expect_soon_returns_what_the_condition_found_once_it_holds():
    answers = iter([None, [], "first line"])
    assert expect_soon(lambda: next(answers), "the first line") == "first line"


def test_expect_soon_that_never_holds_is_a_check_failure_naming_what_and_the_last_state(monkeypatch):
    monkeypatch.setattr(workshop.example, "TOUR_WAIT", 0.3)
    asked = []
    with pytest.raises(CheckFailed) as failed:
        expect_soon(lambda: asked.append(1), "daemon's first line 'hello world'", hint=lambda: "its state: exited")
    assert str(failed.value) == "gave up after 0s waiting for daemon's first line 'hello world'; its state: exited"
    assert len(asked) >= 2  # asked again, not once
