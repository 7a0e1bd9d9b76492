# SPDX-License-Identifier: Apache-2.0
"""runnerfleet-mcp on the wire, line by line: the exact replies to bad input, both protocol
eras, cancellation, progress, timeouts, --read-only, and a prompt exit on stdin EOF.
The daemon here is a fake socket, so slowness and silence are under the test's control."""

import json
import os
import time
import unittest

import harness
from mcp_process import MODERN_META, FakeDaemon, McpProcess

HEALTH = {"data": {"status": "ok", "version": "test", "uptime_s": 5, "generation": 9007199254740993,
                   "snapshot_built_at": "2026-11-22T10:00:00Z", "sources": []}, "meta": {}}


class McpProtocol(harness.FleetTestCase):
    def start(self, *args, daemon_body=HEALTH, delay=0.0):
        socket_path = os.path.join(self.workdir, "fake.sock")
        self.fake = FakeDaemon(socket_path, body=daemon_body, delay=delay)
        self.addCleanup(self.fake.close)
        self.mcp = McpProcess(socket_path, *args, log_path=os.path.join(self.workdir, "mcp.log"))
        self.addCleanup(self.mcp.stop)
        self.addCleanup(lambda: self.assertEqual(self.mcp.bad_lines, [], "stdout carried non-protocol lines"))
        return self.mcp

    def test_bad_lines_get_exact_errors_and_the_server_keeps_serving(self):
        mcp = self.start()
        mcp.send_raw("{not json")
        self.assertEqual(mcp.next(), {"jsonrpc": "2.0", "id": None, "error": {
            "code": -32700, "message": "parse error: the line is not valid JSON"}})
        mcp.send_raw('[{"jsonrpc":"2.0","id":1,"method":"ping"}]')
        self.assertEqual(mcp.next(), {"jsonrpc": "2.0", "id": None, "error": {
            "code": -32600,
            "message": "JSON-RPC batches are not supported (removed in MCP 2025-06-18); send one message per line"}})
        mcp.send_raw('{"jsonrpc":"2.0","id":2}')
        self.assertEqual(mcp.next(), {"jsonrpc": "2.0", "id": 2, "error": {"code": -32600, "message": "method missing"}})
        self.assertEqual(mcp.call(3, "bogus/method"), {"jsonrpc": "2.0", "id": 3, "error": {
            "code": -32601, "message": "method not found: bogus/method"}})
        mcp.send_raw("x" * (5 * 1024 * 1024))
        self.assertEqual(mcp.next(10), {"jsonrpc": "2.0", "id": None, "error": {
            "code": -32600, "message": "message longer than 4 MiB; it was skipped"}})
        mcp.send_raw("\r\n   \n")  # blank lines are skipped, not answered
        self.assertEqual(mcp.call(4, "ping"), {"jsonrpc": "2.0", "id": 4, "result": {}})

    def test_unknown_tool_is_a_protocol_error_and_a_bad_argument_is_a_tool_error(self):
        mcp = self.start()
        mcp.initialize()
        self.assertEqual(mcp.call(1, "tools/call", {"name": "nosuch", "arguments": {}}), {
            "jsonrpc": "2.0", "id": 1, "error": {
                "code": -32602,
                "message": "unknown tool 'nosuch' (tools: list_runners, get_runner, pause_runner, resume_runner, "
                           "list_pods, get_autoscaler_status, get_fleet_metrics, get_runner_metrics, get_drift, "
                           "get_runner_config, submit_config_change, get_health, list_events)"}})
        cases = {
            ("list_runners", json.dumps({"limit": "ten"})): "argument 'limit' must be an integer, got \"ten\"",
            ("list_runners", json.dumps({"limit": 0})): "argument 'limit' must be at least 1, got 0",
            ("list_runners", json.dumps({"status": "broken"})): "argument 'status' must be one of \"online\", ",
            ("get_runner", json.dumps({})): "argument 'name' is required",
            ("get_health", json.dumps({"verbose": True})): "unknown argument 'verbose' (this tool takes none)",
            ("list_pods", json.dumps({"reason": "OOMKilled", "problems": False})): "contradict",
            ("get_drift", json.dumps({"limit": 500})): "argument 'limit' must be at most 200, got 500",
            ("submit_config_change", json.dumps({"name": "docker-runner", "changes": "docker_hpa_max_replicas=12"})):
                "argument 'changes' must be an object, got \"docker_hpa_max_replicas=12\"",
            ("submit_config_change", json.dumps({"name": "docker-runner", "changes": {"docker_hpa_max_replicas": 12}})):
                "argument 'reason' is required unless dry_run is true",
        }
        for n, ((tool, args), expected) in enumerate(cases.items(), start=2):
            answer = mcp.call(n, "tools/call", {"name": tool, "arguments": json.loads(args)})["result"]
            self.assertTrue(answer["isError"], (tool, args))
            self.assertNotIn("structuredContent", answer)
            self.assertIn(expected, answer["content"][0]["text"], (tool, args))
        self.assertEqual(self.fake.requests, [], "a refused call must not reach the daemon")

    def test_discover_then_initialize_on_one_process(self):
        mcp = self.start()
        found = mcp.call(1, "server/discover")["result"]
        self.assertEqual(found["supportedVersions"], ["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"])
        self.assertEqual(found["resultType"], "complete")
        self.assertEqual(found["cacheScope"], "public")
        self.assertGreaterEqual(found["ttlMs"], 0)
        self.assertEqual(found["_meta"]["io.modelcontextprotocol/serverInfo"]["name"], "runnerfleet-mcp")
        self.assertEqual(set(found["capabilities"]), {"tools", "resources", "prompts", "completions"})
        self.assertNotIn("logging", found["capabilities"], "logging is deprecated in 2026-07-28")
        init = mcp.call(2, "initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                          "clientInfo": {"name": "t", "version": "1"}})["result"]
        self.assertEqual(init["protocolVersion"], "2025-06-18")
        self.assertLess(len(init["instructions"]), 2048)
        again = mcp.call(3, "initialize", {"protocolVersion": "1999-01-01", "capabilities": {},
                                           "clientInfo": {"name": "t", "version": "1"}})["result"]
        self.assertEqual(again["protocolVersion"], "2025-11-25")
        self.assertNotIn("resultType", mcp.call(4, "tools/list")["result"], "legacy results carry no resultType")

    def test_modern_requests_need_their_meta(self):
        mcp = self.start()
        self.assertEqual(mcp.call(1, "tools/list"), {"jsonrpc": "2.0", "id": 1, "error": {
            "code": -32602,
            "message": "no session: send initialize first, or use 2026-07-28 with _meta "
                       "\"io.modelcontextprotocol/protocolVersion\" and \"io.modelcontextprotocol/clientCapabilities\" "
                       "in every request"}})
        self.assertEqual(mcp.call(2, "tools/list", {"_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28"}}),
                         {"jsonrpc": "2.0", "id": 2, "error": {
                             "code": -32602,
                             "message": "_meta is missing \"io.modelcontextprotocol/clientCapabilities\" (an object)"}})
        wrong = mcp.call(3, "tools/list", {"_meta": dict(MODERN_META, **{
            "io.modelcontextprotocol/protocolVersion": "2030-01-01"})})["error"]
        self.assertEqual(wrong["code"], -32022)
        self.assertEqual(wrong["data"], {"supported": ["2026-07-28"], "requested": "2030-01-01"})
        self.assertEqual(mcp.call(4, "ping", {"_meta": MODERN_META})["error"]["code"], -32601)
        self.assertEqual(mcp.call(5, "resources/subscribe", {"_meta": MODERN_META, "uri": "runnerfleet://fleet"})["error"]["code"], -32601)
        self.assertEqual(mcp.call(8, "initialize", {"_meta": MODERN_META, "protocolVersion": "2026-07-28"})["error"]["code"],
                         -32601, "initialize does not exist in 2026-07-28")
        probe = mcp.call(9, "server/discover", {"_meta": {"io.modelcontextprotocol/protocolVersion": "v999"}})["error"]
        self.assertEqual((probe["code"], probe["data"]["requested"]), (-32022, "v999"))
        listed = mcp.call(6, "tools/list", {"_meta": MODERN_META})["result"]
        self.assertEqual(listed["resultType"], "complete")
        self.assertEqual(listed["cacheScope"], "public")
        self.assertEqual([t["name"] for t in listed["tools"]][:2], ["list_runners", "get_runner"])
        health = mcp.call(7, "tools/call", {"_meta": MODERN_META, "name": "get_health", "arguments": {}})["result"]
        self.assertEqual(health["resultType"], "complete")
        self.assertEqual(health["structuredContent"]["generation"], "9007199254740993", "64-bit values go out as strings")

    def test_cancelled_call_is_not_answered_and_progress_flows_while_waiting(self):
        mcp = self.start(daemon_body=None)  # the daemon never answers
        mcp.initialize()
        mcp.request(10, "tools/call", {"name": "get_health", "arguments": {}, "_meta": {"progressToken": "p1"}})
        progress = mcp.next(5)
        self.assertEqual(progress["method"], "notifications/progress")
        self.assertEqual(progress["params"]["progressToken"], "p1")
        self.assertEqual(progress["params"]["progress"], 1)
        self.assertEqual(mcp.next(5)["params"]["progress"], 2, "progress must increase")
        mcp.notify("notifications/cancelled", {"requestId": 10, "reason": "user gave up"})
        pong = mcp.call(11, "ping")
        self.assertEqual(pong["result"], {})
        time.sleep(1.5)
        while not mcp.messages.empty():
            late = mcp.messages.get()
            self.assertNotEqual(late.get("id"), 10, f"a cancelled request was answered: {late}")
            self.assertNotEqual(late.get("method"), "notifications/progress", "progress after cancellation")

    def test_a_silent_daemon_becomes_a_timeout_tool_error(self):
        mcp = self.start("--timeout", "0.5", daemon_body=None)
        mcp.initialize()
        answer = mcp.call(1, "tools/call", {"name": "list_runners", "arguments": {}}, timeout=5)["result"]
        self.assertTrue(answer["isError"])
        self.assertIn("did not answer list_runners in time", answer["content"][0]["text"])

    def test_read_only_lowers_the_role_on_every_daemon_call(self):
        mcp = self.start("--read-only")
        mcp.initialize()
        tools = mcp.call(1, "tools/list")["result"]["tools"]
        self.assertTrue(tools)
        self.assertTrue(all(t["annotations"]["readOnlyHint"] is True for t in tools))
        # The GitOps reads need an operator in the daemon: a viewer-only server does not offer them.
        self.assertFalse({"get_drift", "get_runner_config"} & {t["name"] for t in tools})
        mcp.call(2, "tools/call", {"name": "get_health", "arguments": {}})
        self.assertIn("x-runnerfleet-role: viewer", self.fake.requests[-1].lower())
        plain = McpProcess(self.fake.path)
        self.addCleanup(plain.stop)
        plain.initialize()
        plain.call(1, "tools/call", {"name": "get_health", "arguments": {}})
        self.assertNotIn("x-runnerfleet-role", self.fake.requests[-1].lower())

    def test_legacy_logging_reaches_a_client_that_asked_for_it(self):
        mcp = self.start()
        mcp.initialize()
        self.assertEqual(mcp.call(1, "logging/setLevel", {"level": "loud"})["error"]["code"], -32602)
        self.assertEqual(mcp.call(2, "logging/setLevel", {"level": "warning"})["result"], {})
        self.fake.close()  # the daemon goes away
        os.unlink(self.fake.path)
        answer = mcp.call(3, "tools/call", {"name": "get_health", "arguments": {}})
        self.assertTrue(answer["result"]["isError"])
        logs = [m for m in mcp.seen if m.get("method") == "notifications/message"]
        self.assertEqual(logs, [{"jsonrpc": "2.0", "method": "notifications/message", "params": {
            "level": "warning", "logger": "runnerfleet-mcp",
            "data": "the runnerfleet daemon is not reachable (is runnerfleetd running?)"}}])
        modern = mcp.call(4, "logging/setLevel", {"_meta": MODERN_META, "level": "info"})
        self.assertEqual(modern["error"]["code"], -32601)

    def test_completion_offers_names_from_the_daemon(self):
        mcp = self.start(daemon_body={"data": [{"name": "gh-nix"}, {"name": "docker-runner"}, {"name": "gh-docker"}],
                                      "meta": {}})
        mcp.initialize()
        done = mcp.call(1, "completion/complete", {"ref": {"type": "ref/prompt", "name": "triage_runner_incident"},
                                                   "argument": {"name": "runner", "value": "gh-"}})
        self.assertEqual(done["result"], {"completion": {"values": ["gh-docker", "gh-nix"], "total": 2, "hasMore": False}})
        self.assertIn("GET /v1/runners?limit=1000 ", self.fake.requests[-1])
        bad = mcp.call(2, "completion/complete", {"ref": {"type": "ref/prompt", "name": "nope"},
                                                  "argument": {"name": "runner", "value": ""}})
        self.assertEqual(bad["error"]["code"], -32602)

    def test_stdin_eof_ends_the_server_promptly_even_with_a_call_in_flight(self):
        mcp = self.start(daemon_body=None)
        mcp.initialize()
        mcp.request(1, "tools/call", {"name": "get_fleet_metrics", "arguments": {}})
        time.sleep(0.2)
        mcp.close_stdin()
        self.assertEqual(mcp.wait(2), 0)

    def test_stdin_eof_still_answers_what_was_asked(self):
        mcp = self.start()
        mcp.send_raw('{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",'
                     '"capabilities":{},"clientInfo":{"name":"t","version":"1"}}}\n'
                     '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_health"}}')
        mcp.close_stdin()
        self.assertEqual(mcp.wait(2), 0)
        answers = [mcp.next(1) for _ in range(2)]
        self.assertEqual([a["id"] for a in answers], [1, 2])
        self.assertEqual(answers[1]["result"]["structuredContent"]["status"], "ok")


if __name__ == "__main__":
    unittest.main(verbosity=2)
