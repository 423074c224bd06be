"""The learner's own machine, in the test harness (tests/harness.py): how long the README's first
command takes from nothing, in each profile, and example 4's ratio on Docker's stock engine and
with the opt-in (DOCKERD_USERLAND_PROXY=false), side by side in one run.

    python bench/machine.py first-command [--offline] [--online]
    python bench/machine.py ratio [SECONDS] [ROUNDS]

``first-command``: a fresh machine per profile (no Docker, nothing pulled; the downloads the
harness caches in its machine's image, docker.io's packages and pip's, are there); ``--offline``: no
registry answers, so setup builds the Debian base with debootstrap and the stand-ins; ``--online``:
the local Docker Hub stand-in is the engine's registry mirror. ``ratio``: one online machine,
`bench/compose_stack.py --load-only` run on the stock engine, then (setup --undo; setup with
DOCKERD_USERLAND_PROXY=false) on the opt-in engine, then the stock one again, wrk installed in
the machine as the load driver. Everything is removed at the end.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from harness import ROOT_CLONE, Harness  # noqa: E402


def first_command(online: bool) -> None:
    """Time the README's first command on a fresh machine."""
    harness = Harness()
    try:
        harness.build()
        harness.start(online=online)
        ran = harness.first_command().ok()
        profile = "online" if online else "offline"
        steps = [line for line in ran.output.splitlines() if line.startswith("[") or "tour complete" in line]
        print(f"first command, {profile} profile, as root, from nothing: {ran.seconds:.0f} s")
        for line in steps:
            print(f"  {line[:150]}")
    finally:
        harness.remove()


def stack_ratio(harness: Harness, engine: str, seconds: int, rounds: int) -> None:
    """compose_stack.py's load rounds on the machine's engine as it runs now."""
    ran = harness.sh(f"cd {ROOT_CLONE} && ~/venv/bin/python bench/compose_stack.py {seconds} {rounds} --load-only")
    print(f"{engine}:")
    for line in ran.ok().output.splitlines():
        if line.startswith(("  round", "  ratio", "load:")):
            print(f"  {line.strip()}")


def ratio(seconds: int, rounds: int) -> None:
    """Example 4's ratio on the stock engine and with the opt-in, alternately, in one machine."""
    harness = Harness()
    try:
        harness.build()
        harness.start(online=True)
        harness.first_command().ok()
        harness.sh("apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends wrk >/dev/null").ok()
        for engine, opt_in in (("stock", False), ("opt-in", True), ("stock", False), ("opt-in", True)):
            harness.invoke("setup --undo --yes").ok()
            harness.invoke("setup", env="DOCKERD_USERLAND_PROXY=false" if opt_in else "").ok()
            flags = " ".join(harness.dockerd() or [])
            stack_ratio(harness, f"{engine} engine ({flags})", seconds, rounds)
    finally:
        harness.remove()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    first = commands.add_parser("first-command", help="time the README's first command from nothing")
    first.add_argument("--offline", action="store_true", help="with no registry (the offline profile)")
    first.add_argument("--online", action="store_true", help="with the Docker Hub stand-in as mirror")
    load = commands.add_parser("ratio", help="example 4's ratio, stock engine and opt-in")
    load.add_argument("seconds", type=int, nargs="?", default=8, help="seconds per load (default 8)")
    load.add_argument("rounds", type=int, nargs="?", default=3, help="rounds per engine turn (default 3)")
    options = parser.parse_args()
    if options.command == "first-command":
        for online in [flag for flag, wanted in ((False, options.offline), (True, options.online)) if wanted]:
            first_command(online)
    else:
        ratio(options.seconds, options.rounds)


if __name__ == "__main__":
    main()
