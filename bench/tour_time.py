"""How long does `invoke tour` take, here and in another checkout (an earlier commit)?

Runs the tour of this checkout and, given ``--before DIR`` (a clone at an earlier commit with
the same .env), the tour of that one, alternately, ROUNDS times each, and prints the medians
and their ratio. Both use the engine as configured (the tour cleans up after itself).

    python bench/tour_time.py [--rounds N] [--before DIR]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(folder: Path) -> float:
    """Seconds one `invoke tour` in ``folder`` takes; it must succeed."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "invoke", "tour"], cwd=folder, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"the tour in {folder} failed: {done.stderr.strip()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="runs of each (default 5)")
    parser.add_argument("--before", type=Path, help="a checkout of an earlier commit to compare with")
    options = parser.parse_args()
    folders = {"this checkout": ROOT} | ({"before": options.before.resolve()} if options.before else {})
    samples: dict[str, list[float]] = {name: [] for name in folders}
    for _ in range(options.rounds):
        for name, folder in folders.items():
            samples[name].append(timed(folder))
    for name, values in samples.items():
        print(f"{name:<14} median {statistics.median(values):6.2f} s  (runs: {', '.join(f'{v:.2f}' for v in values)})")
    if options.before:
        ratio = statistics.median(samples["this checkout"]) / statistics.median(samples["before"])
        print(f"ratio this/before: {ratio:.2f} (target <= 0.5)")


if __name__ == "__main__":
    main()
