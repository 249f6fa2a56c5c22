"""A scripted language model server on 127.0.0.1 for tests: it speaks the OpenAI
chat-completions protocol (``POST /v1/chat/completions``) and Ollama's chat protocol
(``POST /api/chat``), streaming included, so the real ``ChatOpenAI`` and ``ChatOllama``
clients run against it. It answers with queued `Reply`s and records every request."""

from __future__ import annotations

import json
import re
import socket
import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    """One scripted answer."""

    text: str = ""
    status: int = 200
    error: str = ""
    """The error message sent with a non-200 status."""
    delay: float = 0.0
    """Seconds to wait before answering at all (for timeouts)."""
    stall: float = 0.0
    """Seconds to wait after the first streamed piece (for a stream that stops mid-way)."""
    pace: float = 0.0
    """Seconds between streamed pieces (to watch an answer being written)."""


class ScriptedLLMServer:
    """Start with ``with ScriptedLLMServer() as server:``; it stops when the block ends."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[dict[str, Any]] = []
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:40123`` (Ollama's base URL)."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def openai_url(self) -> str:
        """Base URL for OpenAI clients."""
        return self.url + "/v1"

    def script(self, *replies: Reply | str) -> None:
        """Queue replies, answered in order (a string is a plain successful reply)."""
        self.replies.extend(Reply(r) if isinstance(r, str) else r for r in replies)

    def prompts(self) -> list[str]:
        """Return the text of every message of every request, one string per request."""
        return [
            "\n".join(str(m.get("content", "")) for m in r["body"].get("messages", [])) for r in self.requests
        ]

    def __enter__(self) -> ScriptedLLMServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def free_port_url() -> str:
    """Return a loopback URL nothing listens on (for the 'server down' case)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _pieces(text: str) -> list[str]:
    return re.findall(r"\S+\s*|\s+", text) or [""]


def _handler(server: ScriptedLLMServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            record: dict[str, Any] = {
                "path": self.path,
                "body": body,
                "headers": {k.lower(): v for k, v in self.headers.items()},
            }
            server.requests.append(record)
            self.record = record
            reply = (
                server.replies.popleft() if server.replies else Reply(status=500, error="no reply scripted")
            )
            if reply.delay and server._stopping.wait(reply.delay):
                return
            ollama = self.path.startswith("/api/")
            if reply.status != 200:
                error: Any = reply.error if ollama else {"message": reply.error, "type": "error"}
                return self._send(reply.status, "application/json", [json.dumps({"error": error})])
            model = body.get("model", "")
            stream = body.get("stream", ollama)
            if ollama:
                lines = [_ollama(model, p, done=False) for p in _pieces(reply.text)] + [
                    _ollama(model, "", True)
                ]
                if not stream:
                    lines = [_ollama(model, reply.text, done=True)]
                return self._send(200, "application/x-ndjson", [line + "\n" for line in lines], reply)
            if not stream:
                return self._send(200, "application/json", [json.dumps(_openai(model, reply.text))])
            events = [_openai_chunk(model, p, None) for p in _pieces(reply.text)]
            events.append(_openai_chunk(model, "", "stop"))
            payloads = [f"data: {json.dumps(e)}\n\n" for e in events] + ["data: [DONE]\n\n"]
            return self._send(200, "text/event-stream", payloads, reply)

        def _send(self, status: int, kind: str, parts: list[str], reply: Reply | None = None) -> None:
            # The record says how far the reply got: "sent" parts of "parts", and "gone" when the
            # client closed the connection before the end.
            self.record.update(parts=len(parts), sent=0, gone=False)
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.end_headers()
            try:
                for i, part in enumerate(parts):
                    self.wfile.write(part.encode("utf-8"))
                    self.wfile.flush()
                    self.record["sent"] = i + 1
                    wait = (reply.stall if i == 0 else reply.pace) if reply else 0.0
                    if wait and server._stopping.wait(wait):
                        return
            except (BrokenPipeError, ConnectionResetError):
                self.record["gone"] = True  # the client gave up (a timeout, a closed stream)

    return Handler


def _ollama(model: str, text: str, done: bool) -> str:
    line: dict[str, Any] = {
        "model": model,
        "created_at": "2024-01-01T00:00:00Z",
        "message": {"role": "assistant", "content": text},
        "done": done,
    }
    if done:
        line |= {"done_reason": "stop", "prompt_eval_count": 1, "eval_count": 1, "total_duration": 1}
    return json.dumps(line)


def _openai(model: str, text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _openai_chunk(model: str, text: str, finish: str | None) -> dict[str, Any]:
    delta = {"role": "assistant", "content": text} if finish is None else {}
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
