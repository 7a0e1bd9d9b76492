# SPDX-License-Identifier: Apache-2.0
"""Bad input gets a clear 4xx or a closed connection within the deadline, and the daemon
keeps serving everyone else."""

import socket
import threading
import time
import unittest

import harness


class BadInput(harness.FleetTestCase):
    def setUp(self):
        super().setUp()
        self.start_synced_fleet()

    def raw(self, payload, timeout=15):
        """Sends raw bytes, returns everything the daemon answers before closing."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(self.daemon.socket)
        s.sendall(payload)
        chunks = []
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            s.close()
        return b"".join(chunks).decode(errors="replace")

    def assert_error(self, target, status, code, fragment):
        got, body = self.daemon.get(target)
        self.assertEqual(got, status, body)
        self.assertEqual(body["error"]["code"], code)
        self.assertIn(fragment, body["error"]["message"])

    def test_unknown_routes_and_methods(self):
        self.assert_error("/v1/nope", 404, "not_found", "no route /v1/nope")
        self.assert_error("/", 404, "not_found", "no route /")
        status, body = self.daemon.request("DELETE", "/v1/runners")
        self.assertEqual(status, 400)
        self.assertIn("method DELETE is not allowed", body["error"]["message"])

    def test_bad_query_values_name_the_field(self):
        self.assert_error("/v1/runners?status=sleepy", 400, "invalid_argument", "status 'sleepy'")
        self.assert_error("/v1/runners?forge=bitbucket", 400, "invalid_argument", "forge 'bitbucket'")
        self.assert_error("/v1/pods?limit=0", 400, "invalid_argument", "limit must be an integer from 1 to 1000")
        self.assert_error("/v1/pods?limit=99999999999999999999", 400, "invalid_argument", "limit")
        self.assert_error("/v1/pods?cursor=%25%25", 400, "invalid_argument", "cursor is not valid")
        self.assert_error("/v1/events?since=tuesday", 400, "invalid_argument", "since must be")
        self.assert_error("/v1/runners?nmae=x", 400, "invalid_argument", "unknown query parameter 'nmae'")
        self.assert_error("/v1/runners?q=%zz", 400, "invalid_argument", "malformed %-escape")
        self.assert_error("/v1/pods/gitlab-runners/nothing-here/log", 404, "not_found", "no pod gitlab-runners/nothing-here")
        self.assert_error("/v1/pods/gitlab-runners/x/log?tail=-1", 400, "invalid_argument", "tail must be")
        self.assert_error("/v1/runners/no-such-runner", 404, "not_found", "no runner named 'no-such-runner'")
        status, body = self.daemon.get("/v1/events/stream", headers={"Last-Event-ID": "abc"})
        self.assertEqual(status, 400)
        self.assertIn("Last-Event-ID", body["error"]["message"])

    def test_oversized_header_and_body(self):
        answer = self.raw(b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
        self.assertIn("400", answer.split("\r\n", 1)[0])
        self.assertIn("request header exceeds 8 KiB", answer)
        answer = self.raw(b"POST /v1/runners HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\n\r\n" + b"x" * 70000)
        self.assertIn("request body exceeds 64 KiB", answer)

    def test_garbage_is_answered_and_closed(self):
        answer = self.raw(b"\x16\x03\x01\x02\x00 definitely not http\r\n\r\n")
        self.assertTrue(answer.startswith("HTTP/1.1 400"), answer[:200])
        self.assertIn("malformed HTTP request", answer)

    def test_half_sent_requests_are_closed_while_others_are_served(self):
        stalled = []
        for _ in range(20):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(self.daemon.socket)
            s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n")  # never finished
            stalled.append(s)
        started = time.monotonic()
        for _ in range(20):  # others are served promptly meanwhile
            t0 = time.monotonic()
            self.assertEqual(self.daemon.get("/v1/fleet")[0], 200)
            self.assertLess(time.monotonic() - t0, 1.0)
        closed_after = []

        def wait_closed(sock):
            sock.settimeout(30)
            try:
                while sock.recv(4096):
                    pass
            except OSError:
                pass
            closed_after.append(time.monotonic() - started)

        threads = [threading.Thread(target=wait_closed, args=(s,)) for s in stalled]
        for t in threads:
            t.start()
        for t in threads:
            t.join(40)
        for s in stalled:
            s.close()
        self.assertEqual(len(closed_after), 20)
        self.assertLess(max(closed_after), 15, "stalled connections must be closed by the 10 s read deadline")
        self.assertEqual(self.daemon.get("/v1/health")[0], 200)

    def test_keep_alive_serves_many_requests_on_one_connection(self):
        conn = harness.UnixHTTPConnection(self.daemon.socket)
        for _ in range(50):
            conn.request("GET", "/v1/runners?limit=2")
            resp = conn.getresponse()
            resp.read()
            self.assertEqual(resp.status, 200)
        conn.close()


if __name__ == "__main__":
    unittest.main()
