"""workshop.locks.host_lock: one holder at a time, and no lock file left behind."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import workshop.locks as locks  # noqa: E402


def test_the_lock_file_is_there_while_held_and_gone_after(tmp_path, monkeypatch):
    monkeypatch.setattr(locks, "state_dir", lambda: tmp_path)
    with locks.host_lock("nginx-test"):
        assert [p.name for p in tmp_path.iterdir()] == ["nginx-test.lock"]
    assert list(tmp_path.iterdir()) == []


def test_many_holders_one_at_a_time_and_nothing_left(tmp_path, monkeypatch):
    monkeypatch.setattr(locks, "state_dir", lambda: tmp_path)
    inside, most, lock = [0], [0], threading.Lock()
    everyone_waits = threading.Barrier(16)

    def hold() -> None:
        everyone_waits.wait()
        for _ in range(20):
            with locks.host_lock("daemon-test"):
                with lock:
                    inside[0] += 1
                    most[0] = max(most[0], inside[0])
                time.sleep(0.001)  # room for a second holder, were the lock to let one in
                with lock:
                    inside[0] -= 1

    threads = [threading.Thread(target=hold) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 1
    assert list(tmp_path.iterdir()) == []


def test_a_waiter_whose_file_was_removed_locks_the_new_one(tmp_path, monkeypatch):
    monkeypatch.setattr(locks, "state_dir", lambda: tmp_path)
    holding, waiter_has_it = threading.Event(), threading.Event()
    seen: list[bool] = []

    def wait_then_hold() -> None:
        holding.wait()
        with locks.host_lock("network-test"):
            seen.append((tmp_path / "network-test.lock").exists())
            waiter_has_it.set()

    waiter = threading.Thread(target=wait_then_hold)
    waiter.start()
    with locks.host_lock("network-test"):
        holding.set()
        assert not waiter_has_it.is_set()
    waiter.join()
    assert seen == [True]  # it holds the file that is at the path, not the removed one
    assert list(tmp_path.iterdir()) == []
