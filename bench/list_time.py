"""How long does `invoke --list` (and so every shell completion) take here, against invoke
itself on an empty tasks.py?

Three cases: as usual (bytecode and the saved listing of the collection, workshop.listing,
both current); the first run after a source file changed (bytecode cached, the listing stale:
the collection is assembled and saved again); and no cache at all (no bytecode, no listing).

"Empty" is one task and nothing else (`invoke --list` ends in an error on a tasks.py with no
task at all): invoke's own start-up, its parser and its listing.

Runs both alternately (so both see the same machine state), ROUNDS times each, in fresh
Python processes, and prints the medians of their CPU time (user + system) and their ratio.
The target is a ratio of at most 1.3.
Also prints the modules that cost the most to import here (``-X importtime``, cumulative).

    python bench/list_time.py [ROUNDS] [CHECKOUT]

CHECKOUT (default: this one) is the checkout to measure: another clone or worktree, to compare
an earlier commit with the same script.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LISTING = [sys.executable, "-m", "invoke", "--list"]
TARGET = 1.3
EMPTY = 'from invoke import task\n\n\n@task\ndef hello(c):\n    """Say nothing."""\n'


def environment(cached: bool, nowhere: Path | None = None) -> dict[str, str]:
    """The children's environment: bytecode written and read beside the sources (``__pycache__``,
    ignored by git), as on a user's machine, or, with ``cached`` False, never: bytecode looked
    for only in the empty folder ``nowhere`` and never written, so every module is compiled
    from source on every run."""
    env = {
        key: value for key, value in os.environ.items() if key not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")
    }
    if not cached:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONPYCACHEPREFIX"] = str(nowhere)
    return env


def timed(folder: Path, env: dict[str, str], touch: bool = False) -> float:
    """CPU seconds (user + system) one `invoke --list` takes in ``folder``; it must succeed.

    CPU time, not wall time: on a shared machine the wall clock mostly measures the others'
    load, while the CPU a process spends on its start-up barely moves with it. With ``touch``,
    tasks.py's modification time is set to now first: a source changed, the saved listing of
    the collection is stale, and this run assembles it (and saves it again).
    """
    if touch:
        os.utime(folder / "tasks.py")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    completed = subprocess.run(LISTING, cwd=folder, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode != 0:
        raise SystemExit(f"`invoke --list` failed in {folder}: {completed.stderr.strip()}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def costliest(env: dict[str, str], checkout: Path, count: int = 12) -> list[tuple[int, str]]:
    """The ``count`` top-level imports of `invoke --list` here with the largest cumulative time (µs)."""
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", *LISTING[1:]],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = []
    for line in completed.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line or "cumulative" in line:
            continue
        _, cumulative, name = line.split("|")
        if not name.startswith("  "):  # a direct import of the program, not one nested inside another
            rows.append((int(cumulative), name.strip()))
    return sorted(rows, reverse=True)[:count]


def compare(rounds: int, env: dict[str, str], bare: Path, checkout: Path, touch: bool) -> tuple[float, float]:
    """Medians of `invoke --list` in an empty-tasks folder and here, alternating."""
    timed(checkout, env), timed(bare, env)  # warm the file cache (and the bytecode cache)
    ours, invoke = [], []
    for _ in range(rounds):
        ours.append(timed(checkout, env, touch))
        invoke.append(timed(bare, env))
    return statistics.median(invoke), statistics.median(ours)


def main(rounds: int, checkout: Path) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        bare = Path(scratch) / "empty"
        bare.mkdir()
        (bare / "tasks.py").write_text(EMPTY)
        print(f"rounds: {rounds} each, alternating; medians of the CPU time of `invoke --list`:")
        for label, env, touch in (
            ("bytecode cached (as usual)", environment(True), False),
            ("a source just changed", environment(True), True),
            ("no bytecode cache", environment(False, Path(scratch) / "nowhere"), False),
        ):
            baseline, here = compare(rounds, env, bare, checkout, touch)
            ratio = here / baseline
            verdict = (
                "once after a change" if touch else f"target <= {TARGET}: " + ("met" if ratio <= TARGET else "NOT met")
            )
            print(f"  {label:<28} empty tasks.py {baseline:.3f} s, here {here:.3f} s, ratio {ratio:.2f} ({verdict})")
        print("costliest imports of `invoke --list` here (one run, bytecode cached, cumulative):")
        for micros, name in costliest(environment(True), checkout):
            print(f"  {micros / 1000:8.1f} ms  {name}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15, Path(sys.argv[2]).resolve() if len(sys.argv) > 2 else ROOT)
