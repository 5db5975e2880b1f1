// Browser tests of the dashboard in real Chromium (Debian's `chromium`, driven by playwright-core).
//
// Starts `chokepoint serve` on a free loopback port with a temporary run store, loads every page,
// runs a small scenario from the UI to completion, and checks that the charts rendered (a canvas
// with non-background pixels) and that the numbers shown equal the API's. Screenshots go to
// $ARTIFACTS (default target/browser-artifacts).
//
//   node web/tests/browser.mjs            (CHOKEPOINT_BIN: the binary, default target/release/chokepoint)
import { chromium } from "playwright-core";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const bin = process.env.CHOKEPOINT_BIN || join(root, "target/release/chokepoint");
const artifacts = process.env.ARTIFACTS || join(root, "target/browser-artifacts");
const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";
mkdirSync(artifacts, { recursive: true });
const tmp = mkdtempSync(join(tmpdir(), "chokepoint-browser-"));

function startServer() {
  return new Promise((ok, fail) => {
    const p = spawn(bin, ["serve", "--bind", "127.0.0.1:0", "--store", join(tmp, "runs.sqlite")], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    const timer = setTimeout(() => fail(new Error("server did not start in 60 s: " + err)), 60000);
    p.stderr.on("data", (d) => {
      err += d;
      const m = /http:\/\/(127\.0\.0\.1:\d+)\//.exec(err);
      if (m) { clearTimeout(timer); ok({ proc: p, base: "http://" + m[1] }); }
    });
    p.on("exit", (code) => fail(new Error(`server exited ${code}: ${err}`)));
  });
}

const results = [];
async function check(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name}: ${e.stack || e}`);
    const slug = name.replace(/[^a-z0-9]+/gi, "-").slice(0, 40);
    await page.screenshot({ path: join(artifacts, `FAILED-${slug}.png`), fullPage: true }).catch(() => {});
    console.log("     page text: " + (await page.textContent("#main").catch(() => "")).slice(0, 600));
  }
}

// Non-background pixels on a chart's canvas: zero means the chart drew nothing.
async function inkOf(page, chartName) {
  await page.waitForSelector(`[data-chart="${chartName}"] canvas`, { timeout: 30000 });
  return page.$eval(`[data-chart="${chartName}"] canvas`, (c) => {
    const ctx = c.getContext("2d");
    const { data } = ctx.getImageData(0, 0, c.width, c.height);
    let ink = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && (data[i] < 240 || data[i + 1] < 240 || data[i + 2] < 240)) ink++;
    return ink;
  });
}

async function ready(page, hash) {
  await page.waitForFunction((h) => document.body.dataset.ready === h || document.body.dataset.ready === "error", hash, { timeout: 120000 });
  const state = await page.evaluate(() => document.body.dataset.ready);
  if (state === "error") throw new Error("page error: " + (await page.textContent("[data-error]")));
}

const api = async (base, path, opts) => {
  const r = await fetch(base + path, opts);
  assert.ok(r.ok, `${path}: HTTP ${r.status}`);
  return r.json();
};

const { proc, base } = await startServer();
const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
const consoleErrors = [];
page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
page.on("pageerror", (e) => consoleErrors.push(String(e)));
// Nothing may be fetched from anywhere but the server itself.
const foreign = [];
page.on("request", (r) => { if (!r.url().startsWith(base) && !r.url().startsWith("blob:") && !r.url().startsWith("data:")) foreign.push(r.url()); });

let runId = null;
try {
  await check("world page: facilities chart and table match the dataset", async () => {
    await page.goto(base + "/#/");
    await ready(page, "world");
    assert.ok((await inkOf(page, "facilities-by-country-and-stage")) > 500, "the facilities chart is blank");
    const d = await api(base, "/api/dataset");
    const rows = await page.$$eval('[data-table="facilities"] tbody tr', (r) => r.length);
    assert.equal(rows, d.facilities.length);
    await page.screenshot({ path: join(artifacts, "world.png"), fullPage: false });
  });

  await check("world map: every facility of a real country is on the map, coloured by stage", async () => {
    await page.goto(base + "/#/");
    await ready(page, "world");
    await page.waitForSelector("#facility-map", { timeout: 30000 });
    assert.ok((await inkOf(page, "facility-map")) > 5000, "the map is blank");
    const d = await api(base, "/api/dataset");
    const placed = Number(await page.getAttribute("#facility-map", "data-placed"));
    const unplaced = Number(await page.getAttribute("#facility-map", "data-unplaced"));
    // Only the dataset's aggregates of several countries (ISO 3166 user-assigned ZZ codes) have
    // no place on a map.
    const aggregates = d.facilities.filter((f) => /^ZZ/.test(f.country)).length;
    assert.equal(unplaced, aggregates, "facilities left off the map");
    assert.equal(placed + unplaced, d.facilities.length);
    await page.$eval('[data-chart="facility-map"]', (e) => e.scrollIntoView());
    await page.screenshot({ path: join(artifacts, "world-map.png"), fullPage: false });
  });

  await check("run page: a scenario runs from the UI to completion with progress", async () => {
    await page.goto(base + "/#/run");
    await ready(page, "run");
    await page.selectOption("#scenario", "licensing-2025-04");
    await page.waitForFunction(() => document.querySelector("#toml").value.includes("licensing"));
    await page.fill("#runs", "32");
    await page.fill("#seed", "7");
    await page.click("#start");
    await page.waitForSelector("#progress:not([hidden])", { timeout: 30000 });
    await page.waitForFunction(() => /^#\/runs\/\d+$/.test(location.hash), null, { timeout: 300000 });
    runId = Number((await page.evaluate(() => location.hash)).split("/")[2]);
    await ready(page, `runs/${runId}`);
    await page.screenshot({ path: join(artifacts, "run-result.png"), fullPage: true });
  });

  await check("run result: charts drawn; the numbers shown are the API's", async () => {
    assert.ok(runId, "no run");
    const r = await api(base, `/api/runs/${runId}/result`);
    assert.equal(r.runs, 32);
    assert.equal(r.seed, 7);
    assert.ok((await inkOf(page, "lost-output")) > 500, "the lost-output chart is blank");
    assert.ok((await inkOf(page, "plants-timeline")) > 500, "the plants timeline is blank");
    const shown = await page.$$eval('[data-table="lost-output"] tbody tr', (rows) => rows.map((tr) => {
      const cell = (k) => tr.querySelector(`td[data-key="${k}"]`);
      return { sector: cell("sector").textContent, country: cell("country").textContent,
        lost: Number(cell("lost_mean").dataset.value), text: cell("lost_mean").textContent,
        p95: Number(cell("share_p95").dataset.value) };
    }));
    assert.equal(shown.length, r.sectors.length);
    for (const s of r.sectors) {
      const row = shown.find((x) => x.sector === s.sector && x.country === s.country);
      assert.ok(row, `${s.sector} ${s.country} not shown`);
      assert.equal(row.lost, s.lost_units.mean);
      assert.equal(row.p95, s.lost_share.p95);
      assert.equal(row.text, s.lost_units.mean.toLocaleString("en-US", { maximumFractionDigits: 0, minimumFractionDigits: 0 }));
    }
    const plants = await page.$$eval('[data-table="plants"] tbody tr', (rows) => rows.length);
    assert.equal(plants, r.plants.length);
  });

  await check("flows page: a Sankey of the run's flows", async () => {
    await page.goto(base + `/#/flows/${runId}`);
    await ready(page, `flows/${runId}`);
    assert.ok((await inkOf(page, "flows-sankey")) > 500, "the Sankey is blank");
    await page.screenshot({ path: join(artifacts, "flows.png") });
  });

  await check("run page: an edited scenario is saved and listed", async () => {
    await page.goto(base + "/#/run");
    await ready(page, "run");
    await page.selectOption("#scenario", "baseline");
    await page.waitForFunction(() => document.querySelector("#toml").value.includes('id = "baseline"'));
    const edited = (await page.inputValue("#toml")).replace('id = "baseline"', 'id = "saved-from-the-page"');
    await page.fill("#toml", edited);
    await page.click("#save");
    await page.waitForSelector('[data-saved="saved-from-the-page"]', { timeout: 30000 });
    const list = await api(base, "/api/scenarios");
    assert.ok(list.some((s) => s.id === "saved-from-the-page" && s.origin === "saved"), "not listed");
    assert.equal((await api(base, "/api/scenarios/saved-from-the-page")).toml, edited);
  });

  await check("run page: a running run is cancelled from the UI", async () => {
    await page.goto(base + "/#/run");
    await ready(page, "run");
    await page.selectOption("#scenario", "licensing-2025-04");
    await page.waitForFunction(() => document.querySelector("#toml").value.includes("licensing"));
    await page.fill("#runs", "100000");
    await page.click("#start");
    await page.waitForFunction(() => /progress — [1-9]/.test(document.querySelector("#message").textContent), null, { timeout: 60000 });
    const id = Number(await page.getAttribute("[data-run-id]", "data-run-id"));
    await page.click("#cancel");
    await page.waitForFunction(() => /cancelled/.test(document.querySelector("#message").textContent), null, { timeout: 60000 });
    const s = await api(base, `/api/runs/${id}`);
    assert.equal(s.state, "cancelled");
    assert.equal(s.run.status, "failed");
    assert.ok(s.progress.done < 100000, "it stopped early");
    await page.screenshot({ path: join(artifacts, "run-cancelled.png") });
  });

  await check("runs and compare pages: two runs side by side", async () => {
    const acc = await api(base, "/api/runs", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ scenario: "heavy-ban-12m", runs: 16, seed: 3 }) });
    for (let i = 0; i < 600; i++) {
      const s = await api(base, `/api/runs/${acc.id}`);
      if (s.state === "done") break;
      assert.notEqual(s.state, "failed");
      await new Promise((ok) => setTimeout(ok, 500));
    }
    await page.goto(base + "/#/runs");
    await ready(page, "runs");
    const listed = await page.$$eval('[data-table="runs"] tbody tr', (r) => r.length);
    const stored = await api(base, "/api/runs");
    assert.equal(listed, stored.length);
    await page.goto(base + `/#/compare/${runId}/${acc.id}`);
    await ready(page, `compare/${runId}/${acc.id}`);
    assert.ok((await inkOf(page, "compare-lost-output")) > 500, "the comparison chart is blank");
    await page.screenshot({ path: join(artifacts, "compare.png"), fullPage: true });
  });

  await check("licence page: the verdict shown is the API's", async () => {
    await page.goto(base + "/#/licence");
    await ready(page, "licence");
    await page.fill("#date", "2025-06-01");
    await page.click("#check");
    await page.waitForSelector("[data-verdict]", { timeout: 60000 });
    const shown = await page.$eval("[data-verdict]", (e) => e.dataset.verdict);
    const bom = await page.$eval("#bom", (e) => e.value);
    const r = await api(base, "/api/licence/check", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ bom, date: "2025-06-01", trace: false, general_licence: false }) });
    assert.equal(shown, r[0].verdict.licence);
    await page.screenshot({ path: join(artifacts, "licence.png"), fullPage: true });
  });

  await check("chokepoints page: the ranking shown is the API's", async () => {
    await page.goto(base + "/#/chokepoints");
    await ready(page, "chokepoints");
    await page.fill("#cp-runs", "8");
    await page.fill("#cp-top", "5");
    await page.click("#rank");
    await page.waitForSelector('[data-table="chokepoints"]', { timeout: 120000 });
    assert.ok((await inkOf(page, "chokepoints")) > 200, "the ranking chart is blank");
    const shown = await page.$$eval('[data-table="chokepoints"] tbody tr td[data-key="lost"]', (c) => c.map((x) => Number(x.dataset.value)));
    const r = await api(base, "/api/chokepoints?sector=nev&region=JPN&duration=90&runs=8&runner=flow&kinds=facility&top=5");
    assert.deepEqual(shown, r.ranking.top.map((x) => x.lost.mean));
    await page.screenshot({ path: join(artifacts, "chokepoints.png"), fullPage: true });
  });

  await check("downloads: a table as CSV and a chart as PNG", async () => {
    await page.goto(base + `/#/runs/${runId}`);
    await ready(page, `runs/${runId}`);
    await page.waitForSelector('[data-chart="lost-output"] canvas');
    const [csv] = await Promise.all([page.waitForEvent("download"), page.click('[data-table="lost-output"] [data-download="csv"]')]);
    assert.equal(csv.suggestedFilename(), "lost-output.csv");
    const [png] = await Promise.all([page.waitForEvent("download"), page.click('[data-download="png"]')]);
    assert.match(png.suggestedFilename(), /\.png$/);
    const [svg] = await Promise.all([page.waitForEvent("download"), page.click('[data-download="svg"]')]);
    assert.match(svg.suggestedFilename(), /\.svg$/);
  });

  await check("no console errors and nothing fetched from outside the server", async () => {
    assert.deepEqual(consoleErrors, []);
    assert.deepEqual(foreign, []);
  });
} finally {
  await browser.close();
  proc.kill();
  rmSync(tmp, { recursive: true, force: true });
}

const failed = results.filter((r) => !r.ok).length;
console.log(`${results.length - failed} passed, ${failed} failed; screenshots in ${artifacts}`);
process.exit(failed ? 1 : 0);
