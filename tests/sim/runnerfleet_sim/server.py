# SPDX-License-Identifier: Apache-2.0
"""HTTP/1.1 server plumbing: threaded server with connection tracking, optional TLS
per connection, and a listener that can go down (outage) and come back on the same
port."""

import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .util import dumps


class TrackingServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, handler, app, ssl_ctx=None, verbose=False):
        self.app = app
        self.ssl_ctx = ssl_ctx
        self.verbose = verbose
        self.closing = False
        self._conns = set()
        self._conns_lock = threading.Lock()
        super().__init__(addr, handler)

    def track(self, sock, add: bool):
        with self._conns_lock:
            (self._conns.add if add else self._conns.discard)(sock)

    def drop_all(self):
        with self._conns_lock:
            conns = list(self._conns)
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, socket.timeout, TimeoutError,
                            OSError)):
            return
        if self.verbose or not self.closing:
            super().handle_error(request, client_address)


class BaseHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "runnerfleet-sim"
    sys_version = ""
    timeout = 60  # every socket read and write on a connection has a deadline

    def version_string(self):
        return self.server_version

    def setup(self):
        self.raw_sock = self.request
        self.server.track(self.raw_sock, True)
        try:  # small header and body writes must not wait for delayed ACKs
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        if self.server.ssl_ctx is not None:
            self.request.settimeout(10)
            self.request = self.server.ssl_ctx.wrap_socket(self.request, server_side=True)
        super().setup()

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.track(self.raw_sock, False)

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("%s - %s\n" % (self.address_string(), fmt % args))

    def read_body(self, limit=16 << 20) -> bytes:
        n = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
                if len(out) > limit:
                    raise ValueError("body too large")
        if not n:
            return b""
        n = int(n)
        if n < 0 or n > limit:
            raise ValueError("body too large")
        return self.rfile.read(n)

    def send_bytes(self, code: int, body: bytes, ctype="application/json", headers=None):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache, private")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        # One write for headers and body.
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD":
            self._headers_buffer.append(body)
        self.flush_headers()

    def send_parts(self, code: int, parts, length: int, ctype="application/json"):
        """A Content-Length body written piece by piece."""
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(length))
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        for p in parts:
            self.wfile.write(p)

    def send_json(self, code: int, obj, headers=None, ctype="application/json"):
        self.send_bytes(code, dumps(obj), ctype, headers)

    def discard_body(self):
        try:
            self.read_body()
        except (ValueError, OSError):
            self.close_connection = True


class Listener:
    """Owns a TrackingServer on a fixed port; can be taken down and brought back."""

    def __init__(self, host, port, handler, app, ssl_ctx=None, verbose=False):
        self.host, self.port = host, port
        self.handler, self.app = handler, app
        self.ssl_ctx, self.verbose = ssl_ctx, verbose
        self.httpd = None
        self.thread = None
        self._lock = threading.Lock()

    @property
    def up(self) -> bool:
        return self.httpd is not None

    def start(self):
        with self._lock:
            if self.httpd:
                return
            last = None
            for _ in range(50):
                try:
                    self.httpd = TrackingServer((self.host, self.port), self.handler,
                                                self.app, self.ssl_ctx, self.verbose)
                    break
                except OSError as e:
                    last = e
                    time.sleep(0.1)
            else:
                raise last
            self.port = self.httpd.server_address[1]
            self.thread = threading.Thread(target=self.httpd.serve_forever,
                                           kwargs={"poll_interval": 0.1}, daemon=True,
                                           name=f"listener-{self.port}")
            self.thread.start()

    def stop(self):
        """Close the listening socket and drop every open connection."""
        with self._lock:
            httpd, self.httpd = self.httpd, None
            if not httpd:
                return
            httpd.closing = True
            httpd.shutdown()
            httpd.server_close()
            httpd.drop_all()
