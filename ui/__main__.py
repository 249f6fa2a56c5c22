"""``python -m ui``: start the chat where the settings say, from any folder.

Streamlit reads ``.streamlit/config.toml`` only from the folder it is started in, and
otherwise listens on every interface. This launcher passes the address, the port and every
other server option itself (`streamlit_options`), prints the address to open, and warns
when the chat is reachable from other machines with nothing locking its index panel.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from pathlib import Path

from assistant import Settings
from assistant.cli import run
from ingest.uploads import MAX_UPLOAD_MB

APP = Path(__file__).with_name("app.py")


def streamlit_options(settings: Settings) -> list[str]:
    """Return the ``streamlit run`` flags that serve the chat as configured, wherever it starts."""
    options = {
        "server.address": settings.host,
        "server.port": str(settings.port),
        "server.headless": "true",
        "server.maxUploadSize": str(MAX_UPLOAD_MB),
        "server.fileWatcherType": "none",
        "browser.gatherUsageStats": "false",
        "client.showErrorDetails": "none",
        "client.toolbarMode": "minimal",
        "theme.primaryColor": "#2563eb",
    }
    return [f"--{name}={value}" for name, value in options.items()]


def address(settings: Settings) -> str:
    """Return the URL people open: this machine's name when the chat listens on every interface."""
    host = settings.host
    if host in ("0.0.0.0", "::", ""):
        host = socket.gethostname()
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.port}"


def exposed(settings: Settings) -> bool:
    """Return True when the chat listens on an address other machines can reach."""
    if settings.host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(settings.host).is_loopback
    except ValueError:
        return True  # a host name: assume it is one others use


def main(argv: list[str] | None = None) -> int:
    """Print where the chat will be, warn if it is open to others unlocked, then become Streamlit."""
    if argv:
        print(
            "usage: python -m ui   (settings come from NEWSQA_* variables: NEWSQA_HOST, NEWSQA_PORT, ...)",
            file=sys.stderr,
        )
        return 2
    settings = Settings()
    print(f"newsqa chat: {address(settings)}  (index in {settings.store_dir})", flush=True)
    if exposed(settings) and settings.editor_password is None:
        print(
            f"warning: the chat listens on {settings.host}, which other machines can reach, and "
            "NEWSQA_EDITOR_PASSWORD is not set: anyone who opens it can add, upload and re-index "
            "articles. Set NEWSQA_EDITOR_PASSWORD (and NEWSQA_READER_PASSWORD to lock the whole "
            "page), or NEWSQA_HOST=127.0.0.1 to serve this machine only.",
            file=sys.stderr,
            flush=True,
        )
    command = [sys.executable, "-m", "streamlit", "run", str(APP), *streamlit_options(settings)]
    os.execv(sys.executable, command)
    return 0  # not reached: the process is Streamlit now


if __name__ == "__main__":
    run(lambda: main(sys.argv[1:]))
