# SPDX-License-Identifier: Apache-2.0
"""runnerfleet-mcp as a subprocess spoken to line by line, and a fake daemon socket that
records requests and answers slowly or not at all (for cancellation, progress, timeouts)."""

import json
import os
import queue
import socket
import subprocess
import threading
import time

import harness

MCP = os.environ.get("RUNNERFLEET_MCP", os.path.join(harness.BUILD_DIR, "mcp", "runnerfleet-mcp"))
MODERN_META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
               "io.modelcontextprotocol/clientCapabilities": {}}


class McpProcess:
    """runnerfleet-mcp with pipes; every stdout line must be one JSON-RPC message."""

    def __init__(self, socket_path, *args, log_path=None):
        self.stderr = open(log_path or os.devnull, "w")
        self.proc = subprocess.Popen([MCP, "--socket", socket_path, "--log-level", "debug", *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr)
        self.messages = queue.Queue()
        self.bad_lines = []
        self.seen = []  # notifications and other replies passed over by reply()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.proc.stdout:
            try:
                self.messages.put(json.loads(raw))
            except ValueError:
                self.bad_lines.append(raw)

    def send_raw(self, line):
        self.proc.stdin.write(line if isinstance(line, bytes) else line.encode())
        if not line.endswith(b"\n" if isinstance(line, bytes) else "\n"):
            self.proc.stdin.write(b"\n")
        self.proc.stdin.flush()

    def send(self, message):
        self.send_raw(json.dumps(message))

    def request(self, id_, method, params=None):
        message = {"jsonrpc": "2.0", "id": id_, "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)

    def notify(self, method, params=None):
        message = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)

    def next(self, timeout=5):
        """The next message on stdout."""
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no message from runnerfleet-mcp within {timeout}s") from None

    def reply(self, id_, timeout=5):
        """The response with this id; notifications met on the way are kept in `seen`."""
        deadline = time.monotonic() + timeout
        while True:
            message = self.next(max(0.01, deadline - time.monotonic()))
            if message.get("id") == id_ and "method" not in message:
                return message
            self.seen.append(message)

    def call(self, id_, method, params=None, timeout=5):
        self.request(id_, method, params)
        return self.reply(id_, timeout)

    def initialize(self, version="2025-11-25"):
        answer = self.call(0, "initialize", {"protocolVersion": version, "capabilities": {},
                                             "clientInfo": {"name": "test", "version": "1"}})
        self.notify("notifications/initialized")
        return answer

    def close_stdin(self):
        self.proc.stdin.close()

    def wait(self, timeout):
        return self.proc.wait(timeout)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(5)
        for pipe in (self.proc.stdin, self.proc.stdout, self.stderr):
            try:
                pipe.close()
            except (OSError, ValueError):
                pass


class FakeDaemon:
    """A Unix socket that records each HTTP request head and answers after `delay` seconds
    with `body` (None: never answers, keeps the connection open)."""

    def __init__(self, path, body=None, delay=0.0):
        self.path, self.body, self.delay = path, body, delay
        self.requests = []
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(path)
        self.server.listen(16)
        self.open = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.open.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = conn.recv(4096)
            if not chunk:
                return
            head += chunk
        self.requests.append(head.decode(errors="replace"))
        if self.body is None:
            return  # silent: the connection stays open, nothing is answered
        time.sleep(self.delay)
        payload = json.dumps(self.body).encode()
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                     str(len(payload)).encode() + b"\r\nConnection: close\r\n\r\n" + payload)
        conn.close()

    def close(self):
        self.server.close()
        for conn in self.open:
            try:
                conn.close()
            except OSError:
                pass
