"""A lock across our own tasks on this machine, for a check-then-create on the shared engine
(a file lock in the workshop's state folder)."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from workshop.state import hand_over, state_dir


@contextmanager
def host_lock(name: str):
    """Serialise a check-then-create across our own tasks on this machine (a file lock); the
    lock file is there only while someone holds or waits for it."""
    import fcntl

    try:
        path = state_dir() / f"{name}.lock"
    except OSError:  # no folder of ours to write anywhere (a read-only home)
        path = Path(tempfile.gettempdir()) / f"docker-workshop-{name}.lock"
    while True:
        # read-only: a lock file another user made (root's `sudo invoke setup`) still locks
        handle = os.open(path, os.O_RDONLY | os.O_CREAT, 0o644)
        if os.fstat(handle).st_uid == os.geteuid():
            hand_over(path)
        fcntl.flock(handle, fcntl.LOCK_EX)
        if same_file(handle, path):
            break
        os.close(handle)  # its holder removed it as we waited: lock the file now at ``path``
    try:
        yield
    finally:
        try:
            path.unlink(missing_ok=True)  # while still locked: a waiter on this file sees it went, and retries
        except OSError:
            pass  # a folder this user may not write in: the file stays, and still locks
        os.close(handle)  # closing releases the lock


def same_file(handle: int, path: Path) -> bool:
    """True if the open file descriptor ``handle`` is the file at ``path`` now (not one removed meanwhile)."""
    try:
        there = path.stat()
    except FileNotFoundError:
        return False
    mine = os.fstat(handle)
    return (there.st_dev, there.st_ino) == (mine.st_dev, mine.st_ino)
