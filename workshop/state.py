"""The workshop's own state on this machine: the folder for its logs, locks and record of
changes, usable by the clone's owner whoever runs the task (``sudo invoke setup`` included).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: the workshop's own ignored state: dockerd and debootstrap logs, locks, build trees
STATE_DIR = ROOT / ".workshop"


def hand_over(path: Path) -> None:
    """As root in a clone someone else owns (``sudo invoke setup``): give ``path`` to the clone's
    owner, so their own tasks can use what root made. Anyone else: nothing to do."""
    if os.geteuid() != 0:
        return
    owner = ROOT.stat()
    if owner.st_uid != 0 and path.stat().st_uid != owner.st_uid:
        os.chown(path, owner.st_uid, owner.st_gid)


def state_dir() -> Path:
    """The workshop's state folder (logs, locks, setup's record of its changes), usable by
    the clone's owner whoever runs the task: ``.workshop/`` in the clone (made as the clone's
    owner when root makes it), or, when that one is not ours to write (made by root before
    it was handed over), a per-user folder under ``$XDG_STATE_HOME``."""
    try:
        STATE_DIR.mkdir(exist_ok=True)
        hand_over(STATE_DIR)
    except OSError:
        pass
    if os.access(STATE_DIR, os.W_OK | os.X_OK):
        return STATE_DIR
    home = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    mine = Path(home) / "docker-workshop" / str(ROOT).strip("/").replace("/", "-")
    mine.mkdir(parents=True, exist_ok=True)
    return mine
