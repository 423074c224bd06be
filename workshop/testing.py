"""``invoke test``: the whole suite, exactly as CI runs it."""

from __future__ import annotations

import subprocess
import sys

from invoke.exceptions import Exit

from workshop.cli import say, task
from workshop.config import ROOT
from workshop.provision import setup


@task(
    help={
        "unit": "run only the unit tests (no Docker engine needed, no setup)",
        "keyword": "only tests matching this pytest -k expression",
    }
)
def test(c, unit=False, keyword=None):
    """Run `invoke setup`, then every test (unit and integration, against the real engine)."""
    args = [sys.executable, "-m", "pytest"]
    if unit:
        args += ["-m", "not integration"]
    else:
        setup(c)
    if keyword:
        args += ["-k", keyword]
    say(f"$ pytest {' '.join(args[3:])}".rstrip())
    result = subprocess.run(args, cwd=ROOT)
    if result.returncode != 0:
        raise Exit(code=result.returncode)
