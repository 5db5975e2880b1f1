// Load and abuse test of `chokepoint serve` over loopback (issue 15 item 5).
//
//   1. reads: 10,000 GETs of the read endpoints at 50 in flight; every answer must be 200;
//      latency percentiles are reported;
//   2. jobs: 200 run submissions at 20 in flight against a queue of 8 places; every answer must
//      be 202 or the intended 429 with Retry-After, and every accepted run must finish;
//   3. a kill: the server is killed (SIGKILL) while a long run is running, then restarted on the
//      same store: the run must be marked failed ("interrupted"), every other run and its
//      results must still be there.
// The malformed-request cases (oversized bodies, bad JSON/TOML, traversal in ids, unknown
// fields) are tested through the router in crates/chokepoint-server/tests/api.rs.
//
//   node web/tests/load.mjs     (CHOKEPOINT_BIN: the binary, default target/release/chokepoint;
//                                the report also goes to $ARTIFACTS/load.json)
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const bin = process.env.CHOKEPOINT_BIN || join(root, "target/release/chokepoint");
const artifacts = process.env.ARTIFACTS || join(root, "target/browser-artifacts");
mkdirSync(artifacts, { recursive: true });
const tmp = mkdtempSync(join(tmpdir(), "chokepoint-load-"));
const store = join(tmp, "runs.sqlite");

function startServer() {
  return new Promise((ok, fail) => {
    const p = spawn(bin, ["serve", "--bind", "127.0.0.1:0", "--store", store, "--queue", "8"], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    const timer = setTimeout(() => fail(new Error("server did not start in 60 s: " + err)), 60000);
    p.stderr.on("data", (d) => {
      err += d;
      const m = /http:\/\/(127\.0\.0\.1:\d+)\//.exec(err);
      if (m) {
        clearTimeout(timer);
        ok({ proc: p, base: "http://" + m[1], log: () => err });
      }
    });
    p.on("exit", (code, signal) => { if (!/http:/.test(err)) fail(new Error(`server exited ${code ?? signal}: ${err}`)); });
  });
}

function percentile(sorted, q) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

// Runs `total` calls of `one(i)` with at most `width` in flight.
async function pool(total, width, one) {
  let next = 0;
  const workers = Array.from({ length: width }, async () => {
    while (next < total) {
      const i = next++;
      await one(i);
    }
  });
  await Promise.all(workers);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const report = {};
let server = await startServer();
try {
  // ---- 1. reads
  const reads = [
    "/api/health", "/api/dataset", "/api/scenarios", "/api/scenarios/licensing-2025-04",
    "/api/runs", "/api/policy/at?date=2025-05-01", "/api/concentration?element=Dy", "/openapi.json",
  ];
  const statuses = new Map();
  const latencies = [];
  const t0 = performance.now();
  await pool(10000, 50, async (i) => {
    const a = performance.now();
    let status;
    try {
      const r = await fetch(server.base + reads[i % reads.length]);
      await r.arrayBuffer();
      status = r.status;
    } catch (e) {
      status = "network: " + e.cause?.code;
    }
    latencies.push(performance.now() - a);
    statuses.set(status, (statuses.get(status) || 0) + 1);
  });
  const wall = (performance.now() - t0) / 1000;
  latencies.sort((x, y) => x - y);
  report.reads = {
    requests: 10000, in_flight: 50, statuses: Object.fromEntries(statuses),
    seconds: +wall.toFixed(2), per_second: Math.round(10000 / wall),
    p50_ms: +percentile(latencies, 0.5).toFixed(2), p95_ms: +percentile(latencies, 0.95).toFixed(2),
    p99_ms: +percentile(latencies, 0.99).toFixed(2), max_ms: +latencies[latencies.length - 1].toFixed(2),
  };
  console.log("reads:", JSON.stringify(report.reads));
  assert.deepEqual([...statuses.keys()], [200], "every read answers 200");

  // ---- 2. job submissions
  const jobStatuses = new Map();
  const accepted = [];
  let retryAfterMissing = 0;
  const jobLat = [];
  await pool(200, 20, async () => {
    const a = performance.now();
    const r = await fetch(server.base + "/api/runs", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ scenario: "baseline", runs: 2, seed: 1 }),
    });
    const body = await r.json();
    jobLat.push(performance.now() - a);
    jobStatuses.set(r.status, (jobStatuses.get(r.status) || 0) + 1);
    if (r.status === 202) accepted.push(body.id);
    if (r.status === 429 && !r.headers.get("retry-after")) retryAfterMissing++;
  });
  jobLat.sort((x, y) => x - y);
  // Every accepted run finishes.
  const deadline = Date.now() + 300000;
  const states = new Map();
  for (const id of accepted) {
    for (;;) {
      const s = await (await fetch(`${server.base}/api/runs/${id}`)).json();
      if (["done", "failed", "cancelled"].includes(s.state)) { states.set(s.state, (states.get(s.state) || 0) + 1); break; }
      assert.ok(Date.now() < deadline, `run ${id} did not finish in 300 s`);
      await sleep(50);
    }
  }
  report.jobs = {
    submissions: 200, in_flight: 20, queue: 8, statuses: Object.fromEntries(jobStatuses),
    finished: Object.fromEntries(states), p99_ms: +percentile(jobLat, 0.99).toFixed(2),
  };
  console.log("jobs:", JSON.stringify(report.jobs));
  assert.ok([...jobStatuses.keys()].every((s) => s === 202 || s === 429), "only 202 and 429");
  assert.ok(accepted.length > 0, "some runs accepted");
  assert.equal(retryAfterMissing, 0, "every 429 carries Retry-After");
  assert.deepEqual([...states.keys()], ["done"], "every accepted run is done");

  // ---- 3. kill mid-run, restart on the same store
  const before = await (await fetch(server.base + "/api/runs")).json();
  const doneBefore = before.filter((r) => r.status === "done").map((r) => r.id).sort((a, b) => a - b);
  const summaryBefore = await (await fetch(`${server.base}/api/runs/${doneBefore[0]}/result`)).text();
  const long = await (await fetch(server.base + "/api/runs", {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ scenario: "licensing-2025-04", runs: 20000, seed: 3 }),
  })).json();
  for (;;) {
    const s = await (await fetch(`${server.base}/api/runs/${long.id}`)).json();
    if (s.state === "running" && s.progress && s.progress.done > 0) break;
    assert.ok(s.state === "queued" || s.state === "running", `long run ended early: ${s.state}`);
    await sleep(100);
  }
  server.proc.kill("SIGKILL");
  await new Promise((r) => server.proc.once("exit", r));
  server = await startServer();
  const after = await (await fetch(`${server.base}/api/runs/${long.id}`)).json();
  const list = await (await fetch(server.base + "/api/runs")).json();
  const doneAfter = list.filter((r) => r.status === "done").map((r) => r.id).sort((a, b) => a - b);
  const summaryAfter = await (await fetch(`${server.base}/api/runs/${doneBefore[0]}/result`)).text();
  report.kill = { run: long.id, state_after_restart: after.state, message: after.run?.message ?? after.message,
    done_before: doneBefore.length, done_after: doneAfter.length };
  console.log("kill:", JSON.stringify(report.kill));
  assert.equal(after.state, "failed", "the killed run is marked failed on restart");
  assert.match(JSON.stringify(after), /interrupted/);
  assert.deepEqual(doneAfter, doneBefore, "every finished run is still there");
  assert.equal(summaryAfter, summaryBefore, "and its results are unchanged");
  assert.match(server.log(), new RegExp(`run ${long.id}: its process ended`));

  // The API's description, for the OpenAPI validator that .ci/run runs on it.
  writeFileSync(join(artifacts, "openapi.json"), await (await fetch(server.base + "/openapi.json")).text());
  writeFileSync(join(artifacts, "load.json"), JSON.stringify(report, null, 2) + "\n");
  console.log("load test passed; report in " + join(artifacts, "load.json"));
} finally {
  server.proc.kill("SIGTERM");
  rmSync(tmp, { recursive: true, force: true });
}
