"""`invoke doctor`: read-only checks of everything the examples need, one line each with the fix.

It runs the probes of workshop.checks (the ones `invoke setup` fixes, and a few more:
buildx, settings, host ports, disk) and changes nothing: no install, no pull, no start. A
failed check does not stop the others; without a docker CLI or a daemon, the checks that
need one are skipped.
"""

from __future__ import annotations

from invoke.exceptions import Exit

from workshop.checks import FAIL, run_probes
from workshop.cli import Ctx, say, task
from workshop.provision import CHECKS


@task
def doctor(c: Ctx):
    """Check (read-only) docker, the daemon, compose, ports, settings, images and disk; exit 1 if anything fails."""
    findings = run_probes(c, CHECKS)
    for finding in findings:
        say(f"{finding.mark} {finding.text}")
    failed = [f for f in findings if f.mark == FAIL]
    if failed:
        raise Exit(f"error: {len(failed)} check(s) failed (the ✗ lines above say how to fix each)", code=1)
    say("all checks passed")
