"""``python -m ui``: the chat listens where the settings say, whatever folder it starts in."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import ui.__main__ as launcher
from assistant import Settings
from tests.conftest import REPO


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def listening(port: int) -> list[str]:
    """Return the local addresses listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.append(address)
    return found


@pytest.mark.slow
def test_started_from_another_folder_it_serves_this_machine_only(tmp_path: Path) -> None:
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("NEWSQA_")}
    env.update(NEWSQA_PORT=str(port), NEWSQA_STORE_DIR=str(tmp_path / "store"), PYTHONPATH=str(REPO))
    process = subprocess.Popen(
        [sys.executable, "-m", "ui"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().startswith(f"newsqa chat: http://127.0.0.1:{port}")
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as reply:
                    if reply.read() == b"ok":
                        break
            except OSError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "the chat did not start"
                time.sleep(0.3)
        assert listening(port) == ["0100007F"]  # 127.0.0.1, and nothing else
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_every_server_option_is_passed_and_an_open_unlocked_chat_is_warned_about(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    started: list[list[str]] = []
    monkeypatch.setattr(launcher.os, "execv", lambda program, args: started.append(args))
    monkeypatch.delenv("NEWSQA_EDITOR_PASSWORD", raising=False)
    monkeypatch.setenv("NEWSQA_HOST", "0.0.0.0")
    monkeypatch.setenv("NEWSQA_PORT", "8600")
    launcher.main([])
    flags = started[0][started[0].index(str(launcher.APP)) + 1 :]
    assert "--server.address=0.0.0.0" in flags and "--server.port=8600" in flags
    assert "--server.maxUploadSize=50" in flags and "--client.showErrorDetails=none" in flags
    out, err = capsys.readouterr()
    assert out.startswith("newsqa chat: http://") and ":8600" in out
    assert "warning: the chat listens on 0.0.0.0" in err and "NEWSQA_EDITOR_PASSWORD" in err
    monkeypatch.setenv("NEWSQA_EDITOR_PASSWORD", "s3cret")
    launcher.main([])
    assert "warning" not in capsys.readouterr().err
    monkeypatch.setenv("NEWSQA_HOST", "127.0.0.1")
    monkeypatch.delenv("NEWSQA_EDITOR_PASSWORD")
    launcher.main([])
    assert "warning" not in capsys.readouterr().err
    assert launcher.exposed(Settings(host="localhost")) is False
    assert launcher.exposed(Settings(host="newsroom.example")) is True
