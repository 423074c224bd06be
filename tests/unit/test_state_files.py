"""The workshop's state files (locks, logs, setup's record) work for the user who owns the clone,
whoever ran setup: after `sudo invoke setup` made `.workshop/`, the user's own tasks take their
locks without a traceback. Reproduced on a copy of the clone owned by `nobody`, with runuser."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: a Python every user may run (the test's own may live under root's home)
PYTHON = "/usr/bin/python3"

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("runuser") is None or not Path(PYTHON).exists(),
    reason=f"needs root, runuser and {PYTHON} to act as another user",
)

#: take a host lock, as nginx.up and the network's creation do, and say so
TAKE_A_LOCK = "from workshop.locks import host_lock\nwith host_lock('network-wstest-lock'):\n    print('locked')\n"


@pytest.fixture
def clone():
    """A copy of the workshop's code, owned by nobody, in a folder nobody can reach."""
    folder = Path(tempfile.mkdtemp(prefix="wstest-clone-"))
    folder.chmod(0o755)
    copy = folder / "workshop-clone"
    copy.mkdir()
    shutil.copytree(ROOT / "workshop", copy / "workshop", ignore=shutil.ignore_patterns("__pycache__"))
    nobody = pwd.getpwnam("nobody")
    for path in [copy, *copy.rglob("*")]:
        os.chown(path, nobody.pw_uid, nobody.pw_gid)
    yield copy
    shutil.rmtree(folder)


def run_as(user: str | None, clone: Path, code: str) -> subprocess.CompletedProcess:
    """Python ``code`` in the clone, as ``user`` (None: as root)."""
    command = [PYTHON, "-c", code]
    if user:
        command = ["runuser", "-u", user, "--", *command]
    environment = {"PATH": os.environ["PATH"], "HOME": "/nonexistent" if user else os.environ.get("HOME", "/root")}
    return subprocess.run(command, cwd=clone, capture_output=True, text=True, env=environment, timeout=60)


def test_after_root_made_the_state_folder_the_clones_owner_takes_a_lock(clone):
    as_root = run_as(None, clone, TAKE_A_LOCK)  # `sudo invoke setup`, then a task, as root
    assert as_root.returncode == 0, as_root.stderr
    state = clone / ".workshop"
    assert state.stat().st_uid == pwd.getpwnam("nobody").pw_uid  # made as the clone's owner
    as_user = run_as("nobody", clone, TAKE_A_LOCK)
    assert (as_user.returncode, as_user.stdout.strip()) == (0, "locked"), as_user.stderr
    assert "Traceback" not in as_user.stderr


def test_a_state_folder_and_lock_root_made_before_still_let_the_user_lock(clone):
    """What older versions left behind: `.workshop/` and its lock files owned by root, 0755/0644."""
    state = clone / ".workshop"
    state.mkdir(mode=0o755)
    (state / "network-wstest-lock.lock").touch(mode=0o644)
    as_user = run_as("nobody", clone, TAKE_A_LOCK)
    assert (as_user.returncode, as_user.stdout.strip()) == (0, "locked"), as_user.stderr
    assert "Traceback" not in as_user.stderr
    assert sorted(path.name for path in state.iterdir()) == ["network-wstest-lock.lock"]  # nothing else written
