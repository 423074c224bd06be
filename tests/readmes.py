"""Read the console sessions the READMEs show, so tests can check and replay them."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READMES = [ROOT / "README.md", *sorted((ROOT / "examples").glob("*/README.md"))]
#: their Simplified Chinese twins (same code blocks: tests/unit/test_zh_docs.py)
CHINESE_READMES = [path.with_name("README.zh-CN.md") for path in READMES]
_FENCE = re.compile(r"^```(\w*)\s*$")


@dataclass
class Step:
    """One `$ command` of a console block and the output lines shown under it."""

    command: str
    expected: list[str] = field(default_factory=list)

    @property
    def argv(self) -> list[str]:
        return shlex.split(self.command)


def code_blocks(path: Path) -> list[tuple[str, str, list[str]]]:
    """(heading, language, lines) for every fenced block of a markdown file."""
    blocks, heading, inside, language, lines = [], "", False, "", []
    for line in path.read_text(encoding="utf-8").splitlines():
        fence = _FENCE.match(line)
        if fence and not inside:
            inside, language, lines = True, fence.group(1), []
        elif line.strip() == "```" and inside:
            inside = False
            blocks.append((heading, language, lines))
        elif inside:
            lines.append(line)
        elif line.startswith("#"):
            heading = line.lstrip("#").strip()
    return blocks


def sessions(path: Path, heading: str | None = None) -> list[list[Step]]:
    """The console blocks of ``path`` (under ``heading`` only, if given) as lists of steps."""
    found = []
    for block_heading, language, lines in code_blocks(path):
        if language != "console" or (heading is not None and block_heading != heading):
            continue
        steps: list[Step] = []
        for line in lines:
            if line.startswith("$ "):
                steps.append(Step(line[2:].strip()))
            elif steps:
                steps[-1].expected.append(line)
        found.append(steps)
    return found


def invoke_commands(path: Path) -> list[list[str]]:
    """Every `invoke ...` command a README shows, in code blocks or inline code."""
    commands = []
    text = path.read_text(encoding="utf-8")
    for _, _, lines in code_blocks(path):
        for line in lines:
            line = line[2:] if line.startswith("$ ") else line
            for part in line.split("&&"):
                part = re.split(r"\s[|>]", part)[0].strip()  # the command, not where its output goes
                if part.startswith("invoke "):
                    commands.append(shlex.split(part))
    for inline in re.findall(r"`(invoke [^`]+)`", text):
        commands.append(shlex.split(inline))
    return commands


def expected_pattern(line: str) -> re.Pattern:
    """A README output line as a regex: `<...>` matches anything, runs of spaces match any spacing."""
    parts = re.split(r"(<[^<>]+>|\s+)", line.strip())
    regex = ""
    for part in parts:
        if not part:
            continue
        if part.startswith("<") and part.endswith(">"):
            regex += ".+?"
        elif part.isspace():
            regex += r"\s+"
        else:
            regex += re.escape(part)
    return re.compile(regex + r"\Z")


def block_pattern(expected: list[str]) -> re.Pattern:
    """The output a README shows under a command, as one regex over the whole output.

    Each line is matched by `expected_pattern`; a line that is just `...` stands for any
    number of lines (build logs, say). Blank lines are ignored on both sides.
    """
    parts = []
    for line in expected:
        if not line.strip():
            continue
        if line.strip() == "...":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append(expected_pattern(line).pattern.removesuffix(r"\Z") + r"\n")
    return re.compile("".join(parts) + r"\Z")


def shown_output(stdout: str) -> str:
    """Output as the README compares it: no blank lines, newline-terminated."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    return "".join(line + "\n" for line in lines)
