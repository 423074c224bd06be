"""Every `invoke ...` command the READMEs show names real tasks and real flags."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from invoke import Program
from invoke.exceptions import ParseError
from invoke.parser import Parser, ParserContext

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from readmes import CHINESE_READMES, READMES, expected_pattern, invoke_commands, sessions  # noqa: E402

from tasks import ns  # noqa: E402

COMMANDS = [(path.relative_to(ROOT), argv) for path in READMES for argv in invoke_commands(path)]
# the Chinese READMEs' commands, those their English twins do not already show
COMMANDS += [
    (path.relative_to(ROOT), argv)
    for path in CHINESE_READMES
    for argv in invoke_commands(path)
    if argv not in [known for _, known in COMMANDS]
]


def parser() -> Parser:
    return Parser(initial=ParserContext(args=Program().core_args()), contexts=ns.to_contexts())


def test_the_readmes_show_commands_at_all():
    assert len(COMMANDS) >= 10
    assert {str(path) for path, _ in COMMANDS} >= {"README.md", "examples/hello/README.md"}


@pytest.mark.parametrize("path, argv", COMMANDS, ids=[" ".join(a) for _, a in COMMANDS])
def test_a_readme_command_parses_against_the_collection(path, argv):
    assert argv[0] == "invoke"
    parsed = parser().parse_argv(argv[1:])  # raises ParseError on an unknown task or flag
    assert all(context.name in ns.task_names for context in parsed[1:])


def test_an_unknown_flag_would_be_caught():
    with pytest.raises(ParseError):
        parser().parse_argv(["daemon.logs", "--no-such-flag"])


def test_every_example_readme_has_a_replayable_session():
    for path in READMES[1:]:
        steps = sessions(path, "Try it")
        assert steps and steps[0], f"{path} has no console block under 'Try it'"


def test_expected_lines_match_with_placeholders_only():
    pattern = expected_pattern("<id>  <image>  daemon  Up <time>")
    assert pattern.match("3e8b0f222906  docker-workshop/debian:bookworm  daemon  Up 3 seconds")
    assert not pattern.match("3e8b0f222906  x  daemon  Exited (0) 3 seconds ago")
