"""Files checked out with CRLF line ends (a Windows clone without .gitattributes) still work."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from workshop.config import Settings  # noqa: E402


def test_env_files_with_crlf_give_the_same_values(tmp_path):
    (tmp_path / "envs").mkdir()
    text = (ROOT / "envs" / "defaults.env").read_text()
    (tmp_path / "envs" / "defaults.env").write_bytes(text.replace("\n", "\r\n").encode())
    (tmp_path / ".env").write_bytes(b"HELLO_MESSAGE=from a CRLF file\r\nDAEMON_INTERVAL=2\r\n")
    crlf = Settings.load(root=tmp_path, environ={})
    assert crlf.text("HELLO_MESSAGE") == "from a CRLF file"
    assert crlf.number("DAEMON_INTERVAL", 0.1, 3600) == 2
    assert crlf.image("BASE_IMAGE") == "ubuntu:24.04"


def test_the_repository_forces_lf_checkouts():
    attributes = (ROOT / ".gitattributes").read_text()
    assert "* text=auto eol=lf" in attributes


def test_no_committed_text_file_has_crlf():
    suspects = [
        *ROOT.glob("envs/*.env"),
        ROOT / ".ci" / "run",
        *ROOT.glob("examples/**/Dockerfile"),
        ROOT / "docker-compose.yml",
    ]
    assert [p for p in suspects if b"\r\n" in p.read_bytes()] == []


def test_workshop_env_file_replaces_the_root_env_file(tmp_path):
    (tmp_path / "envs").mkdir()
    (tmp_path / "envs" / "defaults.env").write_text("HELLO_MESSAGE=default\nWORKSHOP_PROFILE=\n")
    (tmp_path / ".env").write_text("HELLO_MESSAGE=from the root .env\n")
    other = tmp_path / "elsewhere.env"
    other.write_text("HELLO_MESSAGE=from elsewhere\n")
    chosen = Settings.load(root=tmp_path, environ={"WORKSHOP_ENV_FILE": str(other)})
    assert chosen.raw("HELLO_MESSAGE").value == "from elsewhere"
    assert chosen.env_files[-1] == other
    assert Settings.load(root=tmp_path, environ={}).raw("HELLO_MESSAGE").value == "from the root .env"
