"""A plain JSON-RPC client for `celint server` over its standard input and output, for the
soak test (tests/lsp/soak.py) and the latency benchmark (bench/lsp_latency.py): no framework
between the measurement and the server. Every wait is bounded.

The server command is `CELINT_SERVER` (default `celint server`).
"""

from __future__ import annotations

import json
import os
import queue
import shlex
import subprocess
import threading
import time
from pathlib import Path

DEFAULT_SERVER = "celint server"


def server_command() -> list[str]:
    return shlex.split(os.environ.get("CELINT_SERVER", DEFAULT_SERVER))


class Client:
    def __init__(self, cwd: Path | None = None):
        self.proc = subprocess.Popen(
            server_command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=cwd,
        )
        self.incoming: queue.Queue = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        out = self.proc.stdout
        while True:
            headers = {}
            while True:
                line = out.readline()
                if not line:
                    self.incoming.put(None)
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.decode().partition(":")
                headers[name.strip().lower()] = value.strip()
            body = out.read(int(headers["content-length"]))
            self.incoming.put((time.perf_counter(), json.loads(body)))

    def send(self, message: dict):
        message["jsonrpc"] = "2.0"
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method: str, params):
        self.send({"method": method, "params": params})

    def request(self, method: str, params, timeout: float = 60.0):
        """Sends a request and returns its response (answering the server's own requests and
        keeping its notifications in `self.seen` meanwhile)."""
        self.next_id += 1
        rid = self.next_id
        self.send({"id": rid, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == rid and "method" not in m, timeout)[1]

    def wait(self, match, timeout: float = 60.0):
        """The next message `match` accepts, with the time it was read."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no matching message from the server")
            try:
                item = self.incoming.get(timeout=left)
            except queue.Empty:
                raise TimeoutError("no matching message from the server") from None
            if item is None:
                raise EOFError("the server closed its output")
            at, msg = item
            if "method" in msg and "id" in msg:
                # A request from the server (registerCapability, refresh): accept it.
                self.send({"id": msg["id"], "result": None})
            if match(msg):
                return at, msg

    def initialize(self, folders: list[Path]):
        result = self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": folders[0].as_uri() if folders else None,
                "capabilities": {
                    "general": {"positionEncodings": ["utf-16"]},
                    "workspace": {
                        "workspaceFolders": True,
                        "didChangeWatchedFiles": {"dynamicRegistration": True},
                    },
                    "textDocument": {"publishDiagnostics": {"relatedInformation": True}},
                },
                "workspaceFolders": [{"uri": f.as_uri(), "name": f.name} for f in folders],
            },
        )
        self.notify("initialized", {})
        return result

    def open(self, path: Path, text: str, version: int = 1) -> str:
        uri = path.as_uri()
        self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": version, "text": text}},
        )
        return uri

    def change_line(self, uri: str, version: int, line: int, old: str, new: str):
        """Replaces line `line` (whose text is `old`, ASCII) by `new`."""
        self.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [
                    {
                        "range": {
                            "start": {"line": line, "character": 0},
                            "end": {"line": line, "character": len(old)},
                        },
                        "text": new,
                    }
                ],
            },
        )

    def change_full(self, uri: str, version: int, text: str):
        """Replaces the whole text (a change without a range)."""
        self.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]},
        )

    def published(self, uri: str, version: int | None = None, timeout: float = 60.0):
        """The next diagnostics published for `uri` (at `version`, when given)."""

        def match(m):
            if m.get("method") != "textDocument/publishDiagnostics":
                return False
            p = m["params"]
            return p["uri"] == uri and (version is None or p.get("version") == version)

        at, msg = self.wait(match, timeout)
        return at, msg["params"]["diagnostics"]

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def close(self, timeout: float = 10.0) -> int:
        """shutdown, exit; the server's exit status."""
        try:
            self.request("shutdown", None, timeout)
            self.notify("exit", None)
            return self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
