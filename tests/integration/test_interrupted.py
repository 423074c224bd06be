"""Ctrl-C in the middle of `compose.up`, `tour` and `setup`: the next run of the same task
completes, and nothing in between speaks of a half-made state in the engine's words. (The
swarm's `swarm.up` and `stack.deploy` are interrupted after each of their phases in
test_swarm.py, which owns the clusters.)"""

from __future__ import annotations

import pytest
from interrupt import interrupt_at

from workshop.probe import get, http_url

pytestmark = [pytest.mark.integration, pytest.mark.slow]  # whole tours, interrupted and run again


def test_compose_up_interrupted_while_it_starts_is_finished_by_the_next(workshop):
    stopped = interrupt_at(workshop, "waiting until they are healthy", "compose.up", timeout=900)
    assert stopped.code == 130 and "Traceback" not in stopped.output, stopped
    missed = workshop.run("compose.hit")
    if missed.returncode:  # compose may have started the stack before the signal landed
        line = missed.one_line_error("invoke compose.up")
        assert "<html" not in line.lower(), line
    workshop.run("compose.up", timeout=900).ok()
    answer = get(http_url("127.0.0.1", int(workshop.env["APP_PORT"])))
    assert answer.status == 200 and answer.body.startswith(b"Hello from Redis!"), answer


def test_tour_interrupted_at_its_third_step_cleans_up_and_the_next_tour_completes(workshop, resources):
    # Ctrl-C once nginx serves (its check printed): the tour has something to clean up
    stopped = interrupt_at(workshop, "byte for byte", "tour", "--quick", timeout=900)
    assert stopped.code == 130 and "Traceback" not in stopped.output, stopped
    assert "Cleaning up what the tour started" in stopped.output, stopped.output
    assert not [c.name for c in resources(workshop.project)["containers"]]
    done = workshop.run("tour", "--quick", timeout=900).ok().stdout
    assert "✓ tour complete" in done, done


def test_setup_interrupted_after_its_first_check_is_finished_by_the_next():
    from conftest import Workshop

    shop = Workshop()
    stopped = interrupt_at(shop, "docker CLI", "setup", timeout=900)
    assert stopped.code == 130 and "Traceback" not in stopped.output, stopped
    again = shop.run("setup", timeout=900).ok().stdout
    assert "setup done" in again, again
