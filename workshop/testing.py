"""``invoke test`` and ``invoke lint``: the whole suite and the static checks, exactly as CI runs them."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

from invoke.exceptions import Exit

from workshop.cli import Ctx, say, task
from workshop.config import ROOT
from workshop.errors import WorkshopError
from workshop.provision import setup

#: the static checks: ruff's lint and format check, and mypy (configured in pyproject.toml)
LINTERS: tuple[tuple[str, list[str]], ...] = (
    ("ruff", ["check", "."]),
    ("ruff", ["format", "--check", "."]),
    ("mypy", []),
)


#: the tests `invoke test --quick` runs: the unit tests and the integration tests that need no
#: swarm, no throwaway machine (the harness) and are not slow (markers declared in pyproject.toml)
QUICK = "not swarm and not machine and not slow"


def run_tool(module: str, args: list[str]) -> int:
    """Run ``python -m MODULE ARGS`` in the repository, showing the command; return its exit code."""
    say(f"$ {module} {' '.join(args)}".rstrip())
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT).returncode


@task(
    help={
        "unit": "run only the unit tests (no Docker engine needed, no setup)",
        "keyword": "only tests matching this pytest -k expression",
        "serial": "run the integration tests one at a time (default: two workers)",
        "quick": "the inner loop: leave out the tests marked swarm, machine or slow (cluster, harness, whole tour)",
    }
)
def test(c: Ctx, unit=False, keyword=None, serial=False, quick=False):
    """Run `invoke setup`, then every test (unit and integration, against the real engine)."""
    args = ["pytest"]
    if unit:
        args += ["-m", "not integration"]
    else:
        if quick:
            args += ["-m", QUICK]
        setup(c)
        if not serial and importlib.util.find_spec("xdist"):
            args += ["-n", "2", "--dist", "loadfile"]
    if keyword:
        args += ["-k", keyword]
    code = run_tool(args[0], args[1:])
    if code != 0:
        raise Exit(code=code)


@task
def lint(c: Ctx):
    """Run the static checks CI runs: ruff (lint and format) and mypy."""
    missing = sorted({module for module, _ in LINTERS if importlib.util.find_spec(module) is None})
    if missing:
        raise WorkshopError(f"{', '.join(missing)} not installed; run `python3 -m pip install -e '.[lint]'`")
    failed = [f"{module} {' '.join(args)}".strip() for module, args in LINTERS if run_tool(module, args) != 0]
    if failed:
        raise WorkshopError(f"{len(failed)} check(s) failed: {'; '.join(failed)} (see above)")
    say("lint: all checks passed")
