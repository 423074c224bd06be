"""`invoke setup --undo`: it reverses what setup recorded, newest first, one line each, and only
that: a file or line changed since is left alone, packages are named not removed, the process
stopped is the very one setup started; a second undo has nothing left. (The round trip against
a real engine runs in the test harness: tests/integration/test_machine.py.)"""

from __future__ import annotations

import io
import subprocess
import sys
import time

import pytest

from workshop import journal, undo
from workshop.errors import WorkshopError


@pytest.fixture(autouse=True)
def record(journal_file, monkeypatch):
    """The record lives in the test's folder, never the clone's; undo runs as root, without sudo."""
    monkeypatch.setattr(undo, "as_root", lambda: [])
    return journal_file


def lines(capsys) -> list[str]:
    return [line for line in capsys.readouterr().out.splitlines() if line.strip()]


def test_with_nothing_recorded_it_says_so(capsys):
    undo.undo(yes=True)
    assert lines(capsys) == ["setup --undo: nothing left to undo (no change of setup's is recorded here)"]


def test_newest_first_one_line_each_and_a_second_undo_has_nothing_left(capsys, tmp_path):
    env = tmp_path / ".env"
    env.write_text("APP_PORT=5001\n")
    plugin = tmp_path / "docker-compose"
    plugin.write_bytes(b"compose")
    journal.record(journal.PACKAGES, names="docker.io")
    journal.record(journal.PLUGIN, path=str(plugin), sha256=journal.checksum(plugin))
    env.write_text("APP_PORT=5001\nWORKSHOP_PROFILE=offline\n")
    journal.record(journal.ENV_LINE, file=str(env), name="WORKSHOP_PROFILE", value="offline", before="", had="no")
    undo.undo(yes=True)
    said = lines(capsys)
    assert said[0] == f"[undone] {env}: removed WORKSHOP_PROFILE=offline"
    assert said[1] == f"[undone] removed the compose plugin setup copied: {plugin}"
    assert said[2] == "[  told] Debian packages it installed: remove them with `sudo apt-get remove docker.io`"
    assert said[3].startswith("setup --undo: done") and len(said) == 4
    assert env.read_text() == "APP_PORT=5001\n" and not plugin.exists()
    undo.undo(yes=True)
    assert lines(capsys) == ["setup --undo: nothing left to undo (no change of setup's is recorded here)"]


def test_a_line_or_file_changed_since_setup_wrote_it_is_left_alone(capsys, tmp_path):
    env, plugin = tmp_path / ".env", tmp_path / "docker-compose"
    plugin.write_bytes(b"compose")
    journal.record(journal.PLUGIN, path=str(plugin), sha256=journal.checksum(plugin))
    journal.record(journal.ENV_LINE, file=str(env), name="WORKSHOP_PROFILE", value="offline", before="", had="no")
    plugin.write_bytes(b"someone's own compose")
    env.write_text("WORKSHOP_PROFILE=mine\n")
    undo.undo(yes=True)
    said = lines(capsys)
    assert said[0].startswith("[  kept]") and "WORKSHOP_PROFILE is 'mine' now" in said[0]
    assert said[1] == f"[  kept] compose plugin {plugin}: changed since setup copied it; left as it is"
    assert env.read_text() == "WORKSHOP_PROFILE=mine\n" and plugin.read_bytes() == b"someone's own compose"


def test_a_value_setup_replaced_comes_back(capsys, tmp_path):
    env = tmp_path / ".env"
    env.write_text("WORKSHOP_PROFILE=offline\n")
    journal.record(journal.ENV_LINE, file=str(env), name="WORKSHOP_PROFILE", value="offline", before="", had="yes")
    undo.undo(yes=True)
    assert env.read_text().strip() in ("WORKSHOP_PROFILE=''", "WORKSHOP_PROFILE=")


def test_it_stops_the_very_process_setup_started_and_no_other(capsys):
    started = subprocess.Popen(["sleep", "300"])
    other = subprocess.Popen(["sleep", "301"])
    try:
        for process, command in ((started, "sleep\x00300"), (other, "sleep\x00301")):
            deadline = time.monotonic() + 10
            while undo.running_command(process.pid) != command:  # until the child has exec'd sleep
                assert time.monotonic() < deadline
                time.sleep(0.01)
        journal.record(journal.DOCKERD, pid=str(started.pid), command="sleep\x00300")
        journal.record(journal.DOCKERD, pid=str(other.pid), command="dockerd")  # that pid runs something else now
        undo.undo(yes=True)
        said = lines(capsys)
        assert said[0] == f"[undone] the dockerd setup started (pid {other.pid}) is not running any more"
        assert said[1].startswith(f"[undone] stopped the dockerd setup started (pid {started.pid})")
        assert started.wait(timeout=10) == -15  # SIGTERM
        assert other.poll() is None
    finally:
        for process in (started, other):
            process.kill()
            process.wait()


def test_what_only_root_can_undo_is_kept_for_later_and_said_so(monkeypatch, capsys):
    monkeypatch.setattr(undo, "as_root", lambda: None)
    journal.record(journal.GUARD)
    with pytest.raises(WorkshopError, match="1 change\\(s\\) need root"):
        undo.undo(yes=True)
    assert "sudo iptables -t raw -D PREROUTING" in lines(capsys)[0]
    assert journal.changes() == [journal.Change(journal.GUARD)]


def test_on_a_terminal_it_asks_first_and_no_means_nothing_changes(monkeypatch, capsys, tmp_path):
    plugin = tmp_path / "docker-compose"
    plugin.write_bytes(b"compose")
    journal.record(journal.PLUGIN, path=str(plugin), sha256=journal.checksum(plugin))
    answer = io.StringIO("n\n")
    answer.isatty = lambda: True  # type: ignore[method-assign]
    monkeypatch.setattr(sys, "stdin", answer)
    with pytest.raises(WorkshopError, match="nothing changed"):
        undo.undo(yes=False)
    assert plugin.exists() and len(journal.changes()) == 1
    assert f"the compose plugin {plugin}" in capsys.readouterr().out
