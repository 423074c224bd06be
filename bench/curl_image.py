"""Example 3's image: how many bytes it adds over its base, and how cheap a no-op rebuild is.

    python bench/curl_image.py

Builds under its own image name (bench-curl) and removes it afterwards. Targets for the
README: at most 15 MB added over BASE_IMAGE; a no-op rebuild at most 0.05 of a cold build.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.update(CURL_IMAGE="bench-curl", CURL_VERSION="bench", WORKSHOP_PROJECT="docker-workshop-bench")

from invoke import Config  # noqa: E402

from tasks import shop  # noqa: E402
from workshop.cli import Ctx  # noqa: E402

CONTEXT = Ctx(config=Config(overrides={"workshop": {"shop": shop}}))


def build(cache: bool) -> float:
    """Seconds one `docker compose build curl` takes (its log is swallowed)."""
    client = CONTEXT.compose("examples/curl/compose.yml")
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        for _ in client.compose.build(["curl"], cache=cache, stream_logs=True):
            pass
    return time.perf_counter() - start


def main() -> None:
    settings, client = CONTEXT.settings, CONTEXT.docker
    base = client.image.inspect(settings.image("BASE_IMAGE"))
    cold = build(cache=False)
    noop = min(build(cache=True) for _ in range(3))
    image = client.image.inspect("bench-curl:bench")
    added = image.size - base.size
    try:
        print(f"base {settings.image('BASE_IMAGE')}: {base.size / 1e6:.1f} MB")
        print(f"curl image: {image.size / 1e6:.1f} MB, adds {added / 1e6:.1f} MB (target <= 15 MB)")
        print(f"cold build (--no-cache): {cold:.2f} s")
        print(f"no-op rebuild (best of 3): {noop:.2f} s")
        print(f"ratio: {noop / cold:.3f} (target <= 0.05)")
    finally:
        client.image.remove("bench-curl:bench", force=True)


if __name__ == "__main__":
    main()
