"""The one wait helper, and how an HTTP answer becomes one line."""

from __future__ import annotations

import pytest

from workshop.probe import Response, answer_line
from workshop.waiting import TimedOut, wait_for


def test_an_html_error_page_is_its_status_and_reason_only():
    page = Response(503, b"<html><body><h1>503 Service Unavailable</h1>\nNo server is available.\n</body></html>\n",
                    {"content-type": "text/html"})  # fmt: skip
    assert answer_line(page) == "503 Service Unavailable"


def test_a_short_plain_answer_is_kept_and_a_long_or_multiline_one_is_not():
    assert answer_line(Response(503, b"Redis is unavailable\n", {"content-type": "text/plain"})) == (
        "503 Service Unavailable (Redis is unavailable)"
    )
    assert answer_line(Response(500, b"one\ntwo\n")) == "500 Internal Server Error"
    assert answer_line(Response(502, b"x" * 500)) == "502 Bad Gateway"
    assert answer_line(Response(599, b"")) == "599"


def test_wait_for_returns_what_the_condition_found():
    answers = iter([None, 0, "", "there"])
    assert wait_for(lambda: next(answers), "it", timeout=5, interval=0) == "there"


def test_a_wait_that_gives_up_names_what_it_waited_for_and_what_it_last_saw():
    seen = []
    with pytest.raises(TimedOut) as failed:
        wait_for(lambda: None, "the stack's tasks to run", timeout=0.05, interval=0.01,
                 progress=seen.append, every=0.0, hint=lambda: "last seen: 2 of 5")  # fmt: skip
    assert str(failed.value) == "gave up after 0s waiting for the stack's tasks to run; last seen: 2 of 5"
    assert seen and all(took >= 0 for took in seen)  # it said it was waiting while it waited
