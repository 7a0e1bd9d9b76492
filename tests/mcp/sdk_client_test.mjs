// SPDX-License-Identifier: Apache-2.0
// Drives runnerfleet-mcp with the official MCP TypeScript SDK client (legacy handshake), calls
// every listed tool against a simulator-backed daemon (with GitOps: the simulator's ci/flywheel
// tfvars), checks the answers against the scenario's hand-written `expect` block, and validates
// every structuredContent against the tool's outputSchema with ajv (JSON Schema 2020-12).
//
//   node sdk_client_test.mjs --mcp BIN --socket SOCK --scenario default.json --mode up|down
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import Ajv2020 from "ajv/dist/2020.js";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

const { values: opts } = parseArgs({
  options: { mcp: { type: "string" }, socket: { type: "string" }, scenario: { type: "string" }, mode: { type: "string" } },
});
const expect = JSON.parse(readFileSync(opts.scenario, "utf8")).expect;
const ajv = new Ajv2020({ strict: true, allErrors: true });
const failures = [];

async function check(name, fn) {
  try {
    await fn();
    console.log(`ok   ${name}`);
  } catch (e) {
    failures.push(name);
    console.log(`FAIL ${name}: ${e.stack || e}`);
  }
}

const transport = new StdioClientTransport({
  command: opts.mcp,
  args: ["--socket", opts.socket],
  env: { PATH: process.env.PATH ?? "" },
  stderr: "inherit",
});
const client = new Client({ name: "runnerfleet-sdk-test", version: "1.0.0" });
await client.connect(transport);

const { tools } = await client.listTools();
const validators = new Map();
for (const tool of tools) validators.set(tool.name, ajv.compile(tool.outputSchema));

/** Calls a tool; on success checks structuredContent against the outputSchema. */
async function call(name, args = {}) {
  const result = await client.callTool({ name, arguments: args });
  assert.equal(result.content[0].type, "text", `${name}: first content block is text`);
  if (!result.isError) {
    const validate = validators.get(name);
    assert.ok(validate(result.structuredContent), `${name}: structuredContent breaks its outputSchema: ${ajv.errorsText(validate.errors)}`);
  }
  return result;
}

// One call per tool for the sweep: a tool added without an entry here fails the test.
const sweep = {
  list_runners: { limit: 200 },
  get_runner: { name: "docker-runner" },
  pause_runner: { name: "nix-runner", reason: "SDK sweep" },
  resume_runner: { name: "nix-runner", reason: "SDK sweep done" },
  list_pods: { problems: true },
  get_autoscaler_status: {},
  get_fleet_metrics: { window: "6h" },
  get_runner_metrics: { name: "docker-runner", window: "6h" },
  get_drift: { severity: "error" },
  get_runner_config: { name: "docker-runner" },
  submit_config_change: { name: "docker-runner", changes: { docker_hpa_max_replicas: 12 }, dry_run: true },
  get_health: {},
  list_events: { limit: 20 },
};

if (opts.mode === "down") {
  for (const tool of tools)
    await check(`${tool.name} with the daemon stopped is an isError result`, async () => {
      assert.ok(tool.name in sweep, `no test call for ${tool.name}`);
      const r = await call(tool.name, sweep[tool.name]);
      assert.equal(r.isError, true);
      assert.match(r.content[0].text, /not reachable/);
      assert.doesNotMatch(r.content[0].text, /\.sock/, "socket paths stay out of tool results");
    });
} else {
  await check("server identifies itself", async () => {
    assert.equal(client.getServerVersion().name, "runnerfleet-mcp");
    assert.ok(client.getInstructions().length < 2048);
  });

  await check("every tool is fully annotated with schemas", async () => {
    assert.deepEqual(tools.map((t) => t.name), Object.keys(sweep));
    for (const t of tools) {
      assert.ok(t.title, `${t.name} has a title`);
      for (const hint of ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"])
        assert.equal(typeof t.annotations[hint], "boolean", `${t.name}.${hint}`);
      assert.equal(t.inputSchema.type, "object");
      assert.equal(t.outputSchema.$schema, undefined, "no $schema key");
      ajv.compile(t.inputSchema);
    }
  });

  await check("every listed tool answers", async () => {
    for (const t of tools) {
      assert.ok(t.name in sweep, `no test call for ${t.name}`);
      const r = await call(t.name, sweep[t.name]);
      assert.notEqual(r.isError, true, `${t.name}: ${r.content[0].text}`);
    }
  });

  await check("list_runners matches the scenario", async () => {
    const r = (await call("list_runners", { limit: 200 })).structuredContent;
    const names = r.runners.map((x) => x.name).sort();
    assert.deepEqual(names, Object.keys(expect.runners).sort());
    assert.equal(r.total, expect.totals.runners);
    assert.match(r.generation, /^[0-9]+$/);
    for (const row of r.runners) {
      const want = expect.runners[row.name];
      assert.equal(row.forge, want.forge, row.name);
      assert.equal(row.type, want.type, row.name);
      assert.equal(row.namespace, want.namespace, row.name);
      assert.equal(row.pods.total, want.pods.total, row.name);
      assert.equal(row.pods.problems, want.problem_pods.length, row.name);
      assert.equal(row.scaling.model, want.scaling.model, row.name);
      for (const k of ["min", "max", "current", "desired"])
        if (k in want.scaling) assert.equal(row.scaling[k], want.scaling[k], `${row.name} scaling.${k}`);
    }
  });

  await check("list_runners pages with a cursor and says so", async () => {
    const seen = [];
    let args = { limit: 3 };
    for (let page = 0; page < 5; page++) {
      const r = await call("list_runners", args);
      seen.push(...r.structuredContent.runners.map((x) => x.name));
      if (page === 0) assert.match(r.content[0].text, /showing 3 of 7 runners; call list_runners again with cursor="/);
      if (!r.structuredContent.next_cursor) break;
      args = { limit: 3, cursor: r.structuredContent.next_cursor };
    }
    assert.deepEqual(seen.sort(), Object.keys(expect.runners).sort());
  });

  await check("get_runner explains a degraded GitLab runner", async () => {
    const r = await call("get_runner", { name: "docker-runner" });
    const runner = r.structuredContent.runner;
    const want = expect.runners["docker-runner"];
    assert.equal(runner.status, "degraded");
    assert.equal(runner.pods_total, want.pods.total);
    assert.equal(runner.scaling.autoscaler, want.scaling.hpa);
    const bad = runner.pods.filter((p) => p.problems.length > 0);
    assert.deepEqual(bad.map((p) => p.name), want.problem_pods.map((p) => p.name));
    assert.equal(bad[0].problems[0].reason, want.problem_pods[0].reason);
    assert.equal(runner.pods[0].name, want.problem_pods[0].name, "problem pods come first");
    assert.match(r.content[0].text, /docker-runner \(gitlab, gitlab-runners in cluster sim\): degraded/);
    assert.match(r.content[0].text, /CrashLoopBackOff/);
  });

  await check("get_runner shows an ARC scale set's busy runners and listener", async () => {
    const runner = (await call("get_runner", { name: "gh-nix" })).structuredContent.runner;
    const want = expect.runners["gh-nix"];
    assert.equal(runner.ephemeral_runners.busy, want.jobs.running);
    assert.equal(runner.listener.name, want.listener.name);
    assert.equal(runner.scaling.model, "arc");
  });

  await check("get_runner of an unknown name is an isError result", async () => {
    const r = await call("get_runner", { name: "no-such-runner" });
    assert.equal(r.isError, true);
    assert.match(r.content[0].text, /no runner named 'no-such-runner'/);
  });

  await check("list_pods problems=true lists exactly the scenario's problem pods", async () => {
    const r = (await call("list_pods", { problems: true, limit: 200 })).structuredContent;
    const want = Object.values(expect.runners).flatMap((x) => x.problem_pods.map((p) => [p.name, p.reason]));
    const got = r.pods.map((p) => [p.name, p.problems[0].reason]);
    assert.deepEqual(got.sort(), want.sort());
    assert.equal(r.total, expect.totals.problem_pods);
  });

  await check("list_pods reason= picks one problem", async () => {
    const r = (await call("list_pods", { reason: "ImagePullBackOff" })).structuredContent;
    assert.deepEqual(r.pods.map((p) => p.runner), ["rocky9-runner"]);
  });

  await check("get_autoscaler_status matches every HPA and scale set", async () => {
    const r = (await call("get_autoscaler_status")).structuredContent;
    const scaled = Object.entries(expect.runners).filter(([, x]) => x.scaling.model !== "none");
    assert.equal(r.total, scaled.length);
    for (const [name, want] of scaled) {
      const a = r.autoscalers.find((x) => x.runner === name);
      assert.ok(a, `autoscaler of ${name}`);
      assert.equal(a.kind, want.scaling.model === "hpa" ? "HorizontalPodAutoscaler" : "AutoscalingRunnerSet");
      for (const k of ["min", "max", "current"]) assert.equal(a[k], want.scaling[k], `${name}.${k}`);
    }
  });

  await check("get_fleet_metrics counts the fleet", async () => {
    const r = (await call("get_fleet_metrics")).structuredContent;
    assert.equal(r.runners.total, expect.totals.runners);
    assert.equal(r.runners.by_forge.gitlab.total, expect.totals.gitlab);
    assert.equal(r.runners.by_forge.github.total, expect.totals.github);
    assert.equal(r.pods.with_problems, expect.totals.problem_pods);
    assert.ok(r.attention.some((a) => a.runner === "docker-runner"));
  });

  await check("get_runner_metrics answers without Prometheus, and says so", async () => {
    const r = (await call("get_runner_metrics", { name: "gh-nix", window: "24h" })).structuredContent;
    assert.equal(r.runner, "gh-nix");
    assert.equal(r.window, "24h");
    assert.equal(r.prometheus.state, "not_configured");
    assert.deepEqual(r.series, []);
    const missing = await client.callTool({ name: "get_runner_metrics", arguments: { name: "no-such-runner" } });
    assert.equal(missing.isError, true);
    assert.match(missing.content[0].text, /no-such-runner/);
  });

  await check("get_health reports the cluster source", async () => {
    const r = (await call("get_health")).structuredContent;
    assert.equal(r.status, "ok");
    assert.deepEqual(r.sources.map((s) => [s.name, s.state]).sort(),
                     [["gitlab", "ok"], ["gitops", "ok"], ["kubernetes/sim", "ok"], ["prometheus", "not_configured"]]);
  });

  await check("pause_runner and resume_runner change GitLab, idempotently, and get_runner shows it", async () => {
    const paused = (await call("pause_runner", { name: "dind-runner", reason: "SDK test: flaky cache" })).structuredContent;
    assert.equal(paused.outcome, "succeeded");
    assert.match(paused.status, /^(draining|paused)$/);
    assert.match(paused.request_id, /^rf-[0-9a-f]{16}$/);
    const again = (await call("pause_runner", { name: "dind-runner", reason: "again" })).structuredContent;
    assert.equal(again.outcome, "no_change");
    assert.match(again.message, /already paused/);
    const runner = (await call("get_runner", { name: "dind-runner" })).structuredContent.runner;
    assert.ok(runner.registrations.length >= 1);
    assert.ok(runner.registrations.every((g) => g.paused === true));
    const resumed = (await call("resume_runner", { name: "dind-runner" })).structuredContent;
    assert.equal(resumed.outcome, "succeeded");
    assert.doesNotMatch(resumed.status, /^(draining|paused)$/);
    const noReason = await client.callTool({ name: "pause_runner", arguments: { name: "dind-runner" } });
    assert.equal(noReason.isError, true);
    assert.match(noReason.content[0].text, /reason/);
  });

  await check("get_drift shows rocky9-runner as an undeclared error, bounded by limit", async () => {
    const r = await call("get_drift", { severity: "error" });
    const item = r.structuredContent.items.find((i) => i.runner === "rocky9-runner");
    assert.ok(item, `rocky9-runner in ${r.content[0].text}`);
    assert.equal(item.kind, "undeclared");
    assert.equal(item.severity, "error");
    assert.ok(r.structuredContent.items.every((i) => i.severity === "error"));
    assert.ok(r.structuredContent.counts.error >= 1);
    assert.match(r.content[0].text, /^\d+ errors?, \d+ warnings?, \d+ info in the tfvars \(GitLab project ci\/flywheel main@[0-9a-f]{12}, read /);
    assert.match(r.content[0].text, /\n- error rocky9-runner undeclared: /);
    const all = (await call("get_drift")).structuredContent;
    const total = all.counts.error + all.counts.warning + all.counts.info;
    assert.equal(all.total, total);
    const one = await call("get_drift", { limit: 1 });
    assert.equal(one.structuredContent.items.length, 1);
    assert.equal(one.structuredContent.items[0].severity, "error", "errors come first");
    if (total > 1) assert.match(one.content[0].text, new RegExp(`showing 1 of ${total} items; raise limit`));
  });

  await check("get_runner_config shows docker-runner's desired settings", async () => {
    const r = await call("get_runner_config", { name: "docker-runner" });
    const c = r.structuredContent;
    assert.equal(c.runner, "docker-runner");
    assert.equal(c.file, "tofu/stacks/gitlab-runners/dev.tfvars");
    assert.equal(c.deployed, true);
    const max = c.settings.find((s) => s.key === "docker_hpa_max_replicas");
    assert.equal(max.value, 10);
    assert.equal(max.default, false);
    assert.match(r.content[0].text, /\ndocker_hpa_max_replicas = 10  # /);
    assert.match(r.content[0].text, /submit_config_change name="docker-runner"/);
    const undeclared = await call("get_runner_config", { name: "rocky9-runner" });
    assert.equal(undeclared.isError, true);
    assert.match(undeclared.content[0].text, /rocky9-runner' is not declared.*get_drift/);
  });

  await check("submit_config_change dry_run returns the diff and pushes nothing", async () => {
    const r = await call("submit_config_change",
                         { name: "docker-runner", changes: { docker_hpa_max_replicas: 12 }, dry_run: true });
    const p = r.structuredContent;
    assert.equal(p.dry_run, true);
    assert.equal(p.merge_request, null);
    assert.ok(p.diff.includes("+docker_hpa_max_replicas   = 12"), p.diff);
    assert.deepEqual(p.changes, [{ key: "docker_hpa_max_replicas", from: 10, from_default: false, to: 12 }]);
    assert.match(r.content[0].text, /^Dry run: nothing was pushed\./);
    assert.ok(r.content[0].text.includes("+docker_hpa_max_replicas   = 12"));
    const typo = await call("submit_config_change",
                            { name: "docker-runner", changes: { docker_hpa_max_replica: 12 }, dry_run: true });
    assert.equal(typo.isError, true);
    assert.match(typo.content[0].text, /docker_hpa_max_replica/);
    const noReason = await call("submit_config_change", { name: "docker-runner", changes: { docker_hpa_max_replicas: 12 } });
    assert.equal(noReason.isError, true);
    assert.match(noReason.content[0].text, /'reason' is required unless dry_run/);
  });

  await check("submit_config_change opens one merge request; a retry with its key returns it", async () => {
    const args = { name: "docker-runner", changes: { docker_hpa_max_replicas: 12 }, reason: "SDK test: queue time",
                   idempotency_key: "sdk-test-1" };
    const first = await call("submit_config_change", args);
    assert.notEqual(first.isError, true, first.content[0].text);
    const mr = first.structuredContent.merge_request;
    assert.equal(mr.state, "opened");
    assert.equal(first.structuredContent.existing, false);
    assert.match(first.content[0].text, new RegExp(`^Opened merge request !${mr.iid}: ${mr.web_url}\n`));
    assert.ok(first.content[0].text.includes("+docker_hpa_max_replicas   = 12"));
    const again = await call("submit_config_change", args);
    assert.notEqual(again.isError, true, again.content[0].text);
    assert.equal(again.structuredContent.existing, true);
    assert.equal(again.structuredContent.merge_request.iid, mr.iid);
    assert.match(again.content[0].text, /already proposes this change/);
  });

  await check("list_events answers with string ids", async () => {
    const r = (await call("list_events", { limit: 5 })).structuredContent;
    assert.equal(typeof r.last_event_id, "string");
    for (const e of r.events) assert.equal(typeof e.id, "string");
  });

  await check("invalid arguments are isError results naming the argument", async () => {
    const r = await call("list_pods", { phase: "Sleeping" });
    assert.equal(r.isError, true);
    assert.match(r.content[0].text, /argument 'phase' must be one of/);
  });

  await check("resources: fleet, runners, templates, reads", async () => {
    const { resources } = await client.listResources();
    const uris = resources.map((r) => r.uri);
    assert.ok(uris.includes("runnerfleet://fleet"));
    for (const name of Object.keys(expect.runners)) assert.ok(uris.includes(`runnerfleet://runners/${name}`), name);
    const { resourceTemplates } = await client.listResourceTemplates();
    assert.deepEqual(resourceTemplates.map((t) => t.uriTemplate),
                     ["runnerfleet://runners/{name}", "runnerfleet://pods/{namespace}/{name}/log"]);
    const fleet = await client.readResource({ uri: "runnerfleet://fleet" });
    assert.equal(JSON.parse(fleet.contents[0].text).runners.total, expect.totals.runners);
    const runner = await client.readResource({ uri: "runnerfleet://runners/gh-nix" });
    assert.equal(JSON.parse(runner.contents[0].text).name, "gh-nix");
    const pod = expect.runners["docker-runner"].problem_pods[0].name;
    const log = await client.readResource({ uri: `runnerfleet://pods/gitlab-runners/${pod}/log` });
    assert.equal(log.contents[0].mimeType, "text/plain");
    assert.ok(log.contents[0].text.length > 0, "the pod log has lines");
    await assert.rejects(client.readResource({ uri: "runnerfleet://runners/no-such-runner" }), /-32002/);
  });

  await check("prompts: triage and capacity", async () => {
    const { prompts } = await client.listPrompts();
    assert.deepEqual(prompts.map((p) => p.name), ["triage_runner_incident", "review_runner_capacity"]);
    const triage = await client.getPrompt({ name: "triage_runner_incident", arguments: { runner: "gh-docker" } });
    assert.match(triage.messages[0].content.text, /get_runner with name="gh-docker"/);
    await assert.rejects(client.getPrompt({ name: "nope" }), /-32602/);
  });
}

await client.close();
console.log(failures.length ? `${failures.length} check(s) failed` : "all checks passed");
process.exit(failures.length ? 1 : 0);
