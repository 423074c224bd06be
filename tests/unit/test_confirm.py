"""workshop.confirm: the question `--volumes` asks on a terminal, its default (No), --yes, and
going ahead without a terminal."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from invoke.exceptions import Exit

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from workshop.confirm import DECLINED, Data, confirm, describe_volumes, on_a_terminal, report  # noqa: E402
from workshop.console import captured  # noqa: E402

DOOMED = [
    Data("volume", "shop_redis_data", "the stack's Redis data, the hit count, 42"),
    Data("volume", "shop-swarm-registry-data", "the cluster registry's pushed images (counter)"),
]


class Terminal(io.StringIO):
    """Typed answers on a fake terminal."""

    def isatty(self) -> bool:
        if self.closed:
            raise ValueError("I/O operation on closed file")
        return True


class Pipe(io.StringIO):
    """stdin from a script: not a terminal."""

    def isatty(self) -> bool:
        return False


class Interrupted(Terminal):
    """A terminal where the user presses Ctrl-C at the question."""

    def readline(self, size: int | None = -1) -> str:
        raise KeyboardInterrupt


def asked(stdin, yes: bool = False, doomed=DOOMED) -> tuple[int, str]:
    """Run confirm with ``stdin``: (0 if it let the deletion go ahead else its exit code, output)."""
    with captured() as output:
        try:
            confirm("shop", doomed, yes, "invoke compose.down --volumes", stdin=stdin)
            code = 0
        except Exit as stop:
            code = stop.code
    return code, output.text("stdout")


@pytest.mark.parametrize("typed", ["y\n", "Y\n", "yes\n", " YES \n"])
def test_yes_on_a_terminal_goes_ahead_after_naming_the_project_each_volume_and_what_it_holds(typed):
    code, shown = asked(Terminal(typed))
    assert code == 0
    lines = shown.splitlines()
    assert lines[0] == "`invoke compose.down --volumes` deletes the data of project 'shop' for good:"
    assert lines[1] == "  volume shop_redis_data: the stack's Redis data, the hit count, 42"
    assert lines[2] == "  volume shop-swarm-registry-data: the cluster registry's pushed images (counter)"
    assert lines[3] == "delete these 2? [y/N] "


@pytest.mark.parametrize("typed", ["\n", "n\n", "no\n", "yep\n", "", "y"])
def test_enter_no_anything_else_and_end_of_input_are_no_and_stop_the_task_with_code_1(typed):
    code, shown = asked(Terminal(typed))
    assert code == DECLINED == 1
    # (the terminal itself echoes what was typed: the fake one does not)
    assert shown.endswith("[y/N] nothing deleted, nothing stopped: you answered no (--yes skips the question)\n") or (
        shown.endswith("[y/N] \nnothing deleted, nothing stopped: you answered no (--yes skips the question)\n")
    )


def test_ctrl_c_at_the_question_is_no():
    code, shown = asked(Interrupted())
    assert code == DECLINED
    assert "[y/N] \nnothing deleted" in shown


def test_ctrl_c_as_the_question_appears_is_no_too(monkeypatch):
    # the terminal's SIGINT can land while the question is being written, before any read
    # (CI met it: `clean --volumes` ended with code 130, a task interrupted, not a No)
    import workshop.confirm

    shown_by = workshop.confirm.write

    def shown_then_interrupted(stream: str, data: bytes) -> None:
        shown_by(stream, data)
        raise KeyboardInterrupt

    monkeypatch.setattr(workshop.confirm, "write", shown_then_interrupted)
    code, shown = asked(Terminal("y\n"))
    assert code == DECLINED
    assert "[y/N] \nnothing deleted" in shown


def test_yes_skips_the_question():
    assert asked(Terminal(""), yes=True) == (0, "")


def test_without_a_terminal_it_goes_ahead_without_a_word():
    assert asked(Pipe("n\n")) == (0, "")


def test_nothing_to_delete_asks_nothing():
    assert asked(Terminal("n\n"), doomed=[]) == (0, "")


def test_one_thing_is_it():
    _, shown = asked(Terminal("y\n"), doomed=DOOMED[:1])
    assert "delete it? [y/N] " in shown


def test_a_closed_or_missing_stdin_is_no_terminal():
    closed = Terminal("")
    closed.close()
    assert not on_a_terminal(closed)
    assert on_a_terminal(Terminal(""))
    assert not on_a_terminal(Pipe(""))


def test_report_names_exactly_what_is_gone():
    with captured() as output:
        deleted = report(DOOMED, lambda data: data.name == "shop_redis_data")
    assert deleted == DOOMED[:1]
    assert output.text("stdout") == ("deleted volume shop_redis_data (the stack's Redis data, the hit count, 42)\n")


def test_a_volume_no_example_describes_gets_the_fallback():
    described = describe_volumes(["shop_redis_data", "other"], DOOMED, lambda name: f"data of {name}")
    assert described == [DOOMED[0], Data("volume", "other", "data of other")]
