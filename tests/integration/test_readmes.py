"""Replay each example README's "Try it" session against the real engine: the commands it
shows succeed and print what it says they print."""

from __future__ import annotations

import pytest

from readmes import READMES, ROOT, expected_pattern, sessions

pytestmark = pytest.mark.integration

EXAMPLES = [path for path in READMES if path.parent.parent.name == "examples"]


@pytest.mark.parametrize("readme", EXAMPLES, ids=[path.parent.name for path in EXAMPLES])
def test_the_try_it_session_does_what_the_readme_shows(workshop, readme):
    defaults = {name: workshop.environ().get(name) for name in workshop.env}
    for steps in sessions(readme, "Try it"):
        for step in steps:
            assert step.argv[0] == "invoke", f"{readme}: only invoke commands are replayed: {step.command}"
            result = workshop.run(*step.argv[1:]).ok()
            shown = result.stdout
            # the README shows default names; the test runs with its own
            for name, value in defaults.items():
                if name == "DAEMON_NAME":
                    shown = shown.replace(value, "daemon")
            actual = [line for line in shown.splitlines() if line.strip()]
            expected = [line for line in step.expected if line.strip()]
            assert len(actual) == len(expected), f"{readme.relative_to(ROOT)}: $ {step.command}\n{result.stdout}"
            for want, got in zip(expected, actual):
                assert expected_pattern(want).match(got), (
                    f"{readme.relative_to(ROOT)}: $ {step.command}\n  README: {want}\n  actual: {got}"
                )
