"""Replay each example README's "Try it" session against the real engine: the commands it
shows succeed and print what it says they print."""

from __future__ import annotations

import pytest
from readmes import READMES, ROOT, block_pattern, sessions, shown_output

from tasks import ns, shop

pytestmark = pytest.mark.integration

EXAMPLES = [path for path in READMES if path.parent.parent.name == "examples"]
# settings the tests give their own values; the READMEs show the defaults
DISPLAYED = [
    "DAEMON_NAME",
    "NGINX_NAME",
    "CURL_IMAGE",
    "NGINX_PORT",
    "CURL_RESULTS_DIR",
    "WORKSHOP_PROJECT",
    "APP_PORT",
    "SWARM_PORT",
    "SWARM_REGISTRY_PORT",
]


def value_pairs(test_values: dict[str, str]) -> list[tuple[str, str]]:
    """(test value, default value) for each setting the tests name on their own."""
    defaults = {setting.name: setting.default for setting in shop.registry}  # the default project's values
    return [(test_values[name], defaults[name]) for name in DISPLAYED]


def as_documented(text: str, test_values: dict[str, str]) -> str:
    """Put the default values back where the test's own values appear in the output."""
    for ours, default in sorted(value_pairs(test_values), key=lambda pair: -len(pair[0])):
        text = text.replace(ours, default)
    return text


def as_tested(argument: str, test_values: dict[str, str]) -> str:
    """The README's argument with the test's own values for default names (e.g. in a URL);
    task names and flags stay as they are."""
    if argument.startswith("-") or argument in ns.task_names:
        return argument
    defaults = dict(value_pairs(test_values))
    nginx_inside = f"{defaults.get(test_values['NGINX_NAME'], 'test-nginx')}:"
    if nginx_inside in argument:  # a URL on the examples' network: the port is nginx's own, not NGINX_PORT
        return argument.replace(nginx_inside, f"{test_values['NGINX_NAME']}:")
    for ours, default in sorted(value_pairs(test_values), key=lambda pair: -len(pair[1])):
        argument = argument.replace(default, ours)
    return argument


def marked(readme):
    """The README as a test parameter; example 5's (swarm) carries the swarm mark: its session makes a cluster."""
    marks = [pytest.mark.swarm, pytest.mark.slow] if readme.parent.name == "swarm" else []
    return pytest.param(readme, marks=marks, id=readme.parent.name)


@pytest.mark.parametrize("readme", [marked(readme) for readme in EXAMPLES])
def test_the_try_it_session_does_what_the_readme_shows(workshop, readme):
    blocks = sessions(readme, "Try it")
    assert blocks, f"{readme} has no console session under 'Try it'"
    for steps in blocks:
        for step in steps:
            assert step.argv[0] == "invoke", f"{readme}: only invoke commands are replayed: {step.command}"
            argv = [as_tested(argument, workshop.env) for argument in step.argv[1:]]
            result = workshop.run(*argv, timeout=900).ok()
            shown = shown_output(as_documented(result.stdout, workshop.env))
            assert block_pattern(step.expected).match(shown), (
                f"{readme.relative_to(ROOT)}: $ {step.command}\n--- README shows:\n"
                + "\n".join(step.expected)
                + f"\n--- actual:\n{shown}"
            )
