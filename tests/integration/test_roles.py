# SPDX-License-Identifier: Apache-2.0
"""Roles from SO_PEERCRED mapped by config; X-Runnerfleet-Role lowers but never raises."""

import os
import pwd
import unittest

import harness

ME = pwd.getpwuid(os.getuid()).pw_name


class Roles(harness.FleetTestCase):
    def setUp(self):
        super().setUp()
        self.sim = self.start_sim(tls=True)

    def test_viewer_mapping_reads_but_cannot_raise(self):
        daemon = self.start_daemon(self.sim, access={"default_role": "none", "users": {ME: "viewer"}})
        who = daemon.data("/v1/whoami")
        self.assertEqual(who["user"], ME)
        self.assertEqual(who["uid"], os.getuid())
        self.assertEqual(who["role"], "viewer")
        self.assertEqual(who["granted_role"], "viewer")
        status, _ = daemon.get("/v1/runners")
        self.assertEqual(status, 200)
        status, body = daemon.get("/v1/runners", headers={"X-Runnerfleet-Role": "operator"})
        self.assertEqual(status, 403)
        self.assertEqual(body["error"]["code"], "permission_denied")
        self.assertIn("can only lower", body["error"]["message"])
        self.assertIn("you have viewer, asked for operator", body["error"]["message"])

    def test_no_role_is_refused_with_a_clear_message(self):
        daemon = self.start_daemon(self.sim, access={"default_role": "none"})
        status, body = daemon.get("/v1/runners")
        self.assertEqual(status, 403)
        self.assertEqual(body["error"]["code"], "permission_denied")
        self.assertEqual(body["error"]["details"]["required_role"], "viewer")
        self.assertIn(f"GET /v1/runners needs the viewer role; user '{ME}' has no role", body["error"]["message"])
        # health and metrics need no role
        self.assertEqual(daemon.get("/v1/health")[0], 200)
        self.assertEqual(daemon.get("/metrics")[0], 200)
        result = harness.run_cli(daemon.socket, "runners")
        self.assertEqual(result.returncode, 4, result.stderr)
        self.assertIn("needs the viewer role", result.stderr)

    def test_group_mapping_and_lowering(self):
        group = __import__("grp").getgrgid(os.getgid()).gr_name
        daemon = self.start_daemon(self.sim, access={"default_role": "none", "groups": {group: "admin"}})
        self.assertEqual(daemon.data("/v1/whoami")["role"], "admin")
        lowered = daemon.data("/v1/whoami", headers={"X-Runnerfleet-Role": "viewer"})
        self.assertEqual(lowered["role"], "viewer")
        self.assertEqual(lowered["granted_role"], "admin")
        self.assertTrue(lowered["lowered"])
        status, body = daemon.get("/v1/whoami", headers={"X-Runnerfleet-Role": "root"})
        self.assertEqual(status, 400)
        self.assertIn("'root' is not a role", body["error"]["message"])
        cli = self.cli_json(daemon, "--role", "viewer", "whoami")
        self.assertEqual(cli["data"]["role"], "viewer")

    def test_settings_show_the_access_map(self):
        daemon = self.start_daemon(self.sim, access={"default_role": "viewer", "users": {"alice": "operator"}})
        settings = daemon.data("/v1/settings")
        self.assertEqual(settings["access"]["default_role"], "viewer")
        self.assertEqual(settings["access"]["users"], {"alice": "operator"})
        self.assertEqual(settings["clusters"][0]["name"], "sim")
        self.assertTrue(settings["clusters"][0]["tls_verify"])
        self.assertEqual(settings["clusters"][0]["namespaces"], harness.NAMESPACES)
        token = open(self.sim.info["token_file"]).read().strip()
        self.assertNotIn(token, str(settings))
        # The cluster token reaches no answer and no log line (the daemon logs at debug here).
        for target in ("/v1/health", "/v1/whoami", "/v1/fleet", "/v1/runners", "/v1/pods?limit=1000", "/metrics",
                       "/v1/events?limit=1000", "/v1/autoscalers"):
            self.assertNotIn(token, str(daemon.get(target)[1]), target)
        daemon.stop()
        self.assertNotIn(token, daemon.log_text())


if __name__ == "__main__":
    unittest.main()
