"""How much does `invoke hello.run` add over the raw `docker run --rm IMAGE /bin/echo`?

Runs both alternately (so both see the same machine state), ROUNDS times each, and prints
the medians and their ratio. The target for the README is a ratio of at most 1.25.

    python bench/hello_overhead.py [ROUNDS]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workshop.config import Settings  # noqa: E402


def timed(command: list[str]) -> float:
    """Seconds one run of ``command`` takes; it must succeed and print the message."""
    start = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    if completed.returncode != 0 or "Hello" not in completed.stdout:
        raise SystemExit(f"{command} failed: {completed.stderr.strip()}")
    return elapsed


def main(rounds: int) -> None:
    settings = Settings.load()
    image = settings.image("HELLO_IMAGE")
    ours = [sys.executable, "-m", "invoke", "hello.run"]
    raw = ["docker", "run", "--rm", image, "/bin/echo", settings.text("HELLO_MESSAGE")]
    listing = [sys.executable, "-m", "invoke", "--list"]
    importing = [sys.executable, "-c", "import python_on_whales; print('Hello')"]
    samples: dict[str, list[float]] = {"raw": [], "ours": [], "import": []}
    timed(ours), timed(raw)  # warm caches
    for _ in range(rounds):
        samples["raw"].append(timed(raw))
        samples["ours"].append(timed(ours))
        samples["import"].append(timed(importing))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    listing_times = []
    for _ in range(rounds):
        start = time.perf_counter()
        subprocess.run(listing, cwd=ROOT, capture_output=True, check=True)
        listing_times.append(time.perf_counter() - start)
    print(f"image: {image}; rounds: {rounds} each, alternating; medians:")
    print(f"  docker run --rm {image} /bin/echo ...   {medians['raw']:.3f} s")
    print(f"  invoke hello.run                        {medians['ours']:.3f} s")
    print(f"  ratio                                   {medians['ours'] / medians['raw']:.2f}  (target <= 1.25)")
    print("where the difference goes:")
    print(f"  invoke --list (start-up, no python-on-whales)  {statistics.median(listing_times):.3f} s")
    print(f"  python -c 'import python_on_whales'           {medians['import']:.3f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
