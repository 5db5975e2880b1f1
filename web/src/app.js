// The chokepoint dashboard: a single page over the server's JSON API. Hand-written, with no
// framework: it is a handful of views (hash routes) that fetch, draw with ECharts (bundled into
// the binary) and tabulate; a framework would add a build step for little gain here.
//
// Every number shown comes from an API answer; tables keep the raw value in `data-value` so the
// browser tests can compare what is shown with what the API says.
"use strict";

const $ = (sel, root = document) => root.querySelector(sel);
const main = () => $("#main");
const charts = [];

// ------------------------------------------------------------------ API access

// A token given once as `?token=...` is kept for the session (a server bound beyond loopback
// needs it on every /api request).
(function takeToken() {
  const u = new URL(location.href);
  const t = u.searchParams.get("token");
  if (t) {
    sessionStorage.setItem("chokepoint-token", t);
    u.searchParams.delete("token");
    history.replaceState(null, "", u.pathname + u.search + u.hash);
  }
})();

function authHeaders() {
  const t = sessionStorage.getItem("chokepoint-token");
  return t ? { Authorization: "Bearer " + t } : {};
}

async function api(path, opts = {}) {
  const headers = Object.assign({}, authHeaders(), opts.headers || {});
  const r = await fetch(path, Object.assign({}, opts, { headers }));
  const text = await r.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch (_) { body = null; }
  if (!r.ok) {
    const e = body && body.error ? body.error : { code: String(r.status), message: text };
    const err = new Error(`${e.code}: ${e.message}`);
    err.status = r.status;
    throw err;
  }
  return body;
}

const postJson = (path, value) =>
  api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(value) });

// Server-sent events over fetch (EventSource cannot send the Authorization header).
async function events(path, onEvent) {
  const r = await fetch(path, { headers: authHeaders() });
  if (!r.ok || !r.body) throw new Error(`events: HTTP ${r.status}`);
  const reader = r.body.getReader();
  const dec = new TextDecoder();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += dec.decode(value, { stream: true });
    let i;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      let name = "message", data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data += line.slice(5).trim();
      }
      if (data && onEvent(name, JSON.parse(data)) === false) { reader.cancel(); return; }
    }
  }
}

// ------------------------------------------------------------------ helpers

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c.nodeType ? c : String(c));
  return e;
}

function fmt(x, digits = 0) {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  return Number(x).toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}
const pct = (x, digits = 1) => (x === null || x === undefined ? "–" : fmt(100 * x, digits) + "%");

function addDays(iso, days) {
  const d = new Date(iso + "T00:00:00Z");
  d.setUTCDate(d.getUTCDate() + Math.round(days));
  return d.toISOString().slice(0, 10);
}

function download(name, blob) {
  const a = el("a", { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

function csvCell(v) {
  const s = v === null || v === undefined ? "" : String(v);
  return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

// A table: columns are {key, label, num?, digits?, get?(row), show?(value,row)}; a CSV button
// downloads the raw values.
function table(name, columns, rows, opts = {}) {
  const raw = (c, r) => (c.get ? c.get(r) : r[c.key]);
  const head = el("tr", {}, columns.map((c) => el("th", { class: c.num ? "num" : "" }, c.label)));
  const body = rows.map((r) =>
    el("tr", {}, columns.map((c) => {
      const v = raw(c, r);
      const shown = c.show ? c.show(v, r) : c.num ? fmt(v, c.digits ?? 0) : v ?? "–";
      return el("td", { class: c.num ? "num" : "", "data-key": c.key, "data-value": typeof v === "number" ? String(v) : null },
        shown && shown.nodeType ? shown : String(shown));
    })));
  const csv = () => {
    const lines = [columns.map((c) => csvCell(c.label)).join(",")];
    for (const r of rows) lines.push(columns.map((c) => csvCell(raw(c, r))).join(","));
    download(name + ".csv", new Blob([lines.join("\n") + "\n"], { type: "text/csv" }));
  };
  return el("div", { class: "card", "data-table": name },
    el("div", { class: "tools" }, opts.title ? el("strong", { style: "margin-right:auto" }, opts.title) : null,
      el("button", { onclick: csv, "data-download": "csv" }, "CSV")),
    rows.length ? el("div", { class: "table-wrap" }, el("table", {}, el("thead", {}, head), el("tbody", {}, body)))
      : el("p", { class: "muted" }, opts.empty || "Nothing to show."));
}

const chartsAvailable = () => typeof window.echarts !== "undefined" && !window.CHOKEPOINT_NO_CHARTS;

// A chart card with PNG and SVG downloads. The SVG is drawn by a second, off-screen instance
// with the SVG renderer, so the on-screen chart stays on canvas.
function chart(name, option, opts = {}) {
  const box = el("div", { class: "chart" + (opts.tall ? " tall" : ""), "data-chart": name });
  const card = el("div", { class: "card" });
  if (!chartsAvailable()) {
    card.append(el("p", { class: "notice" }, "Charts are not bundled in this build (run `npm ci --prefix web` before `cargo build`); the tables below carry the same numbers."));
    return card;
  }
  const png = () => {
    const c = echarts.getInstanceByDom(box);
    if (!c) return;
    // A data URL decoded by hand: fetching it would need `connect-src data:` in the page's policy.
    const url = c.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#fff" });
    const bytes = atob(url.slice(url.indexOf(",") + 1));
    const buf = new Uint8Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) buf[i] = bytes.charCodeAt(i);
    download(name + ".png", new Blob([buf], { type: "image/png" }));
  };
  const svg = () => {
    const off = el("div", { style: `position:absolute;left:-10000px;width:${box.clientWidth}px;height:${box.clientHeight}px` });
    document.body.append(off);
    const c = echarts.init(off, null, { renderer: "svg" });
    c.setOption(Object.assign({}, option, { animation: false }));
    download(name + ".svg", new Blob([c.renderToSVGString()], { type: "image/svg+xml" }));
    c.dispose();
    off.remove();
  };
  card.append(el("div", { class: "tools" }, opts.title ? el("strong", { style: "margin-right:auto" }, opts.title) : null,
    el("button", { onclick: png, "data-download": "png" }, "PNG"), el("button", { onclick: svg, "data-download": "svg" }, "SVG")), box);
  // Drawn once the card is in the document (ECharts needs the box's size).
  requestAnimationFrame(() => {
    const c = echarts.init(box);
    c.setOption(Object.assign({ animation: false }, option));
    charts.push(c);
  });
  return card;
}

window.addEventListener("resize", () => charts.forEach((c) => c.resize()));

function fail(e) {
  main().replaceChildren(el("h1", {}, "Something went wrong"), el("p", { class: "error", "data-error": "" }, String(e.message || e)));
}

// ------------------------------------------------------------------ views

// The world map's outlines and each country's reference point, bundled in the binary (the
// server's build.rs); registered with ECharts once. Null when they were not bundled.
let worldMap;
async function loadWorldMap() {
  if (worldMap !== undefined) return worldMap;
  worldMap = null;
  if (!chartsAvailable() || !window.topojson) return worldMap;
  const [topo, points] = await Promise.all([
    fetch("/assets/world-110m.json").then((r) => r.json()),
    fetch("/assets/country-points.json").then((r) => r.json()),
  ]);
  if (!topo || !Object.keys(points).length) return worldMap;
  const geo = window.topojson.feature(topo, topo.objects.countries);
  // Antarctica (010) and Fiji (242) cross the antimeridian and would draw as bands across the
  // map; no facility is there.
  geo.features = geo.features.filter((f) => f.id !== "010" && f.id !== "242");
  // ECharts names regions by `properties.name`; the ISO 3166 numeric code joins them to the data.
  for (const f of geo.features) f.properties = { name: String(f.id), label: f.properties.name };
  echarts.registerMap("world", geo);
  worldMap = { points };
  return worldMap;
}

const STATUS_SYMBOL = { operating: "circle", aggregate: "roundRect", "under-construction": "triangle", construction: "triangle", planned: "diamond", closed: "pin" };

// Facilities at their country's reference point, spread on a small spiral so that a country's
// plants do not hide each other (the data has countries, not coordinates).
function facilityMapOption(facilities, points, stages) {
  const perCountry = {};
  const placed = [];
  const unplaced = [];
  for (const f of facilities) {
    const p = points[f.country];
    if (!p) { unplaced.push(f); continue; }
    const k = (perCountry[f.country] = (perCountry[f.country] || 0) + 1) - 1;
    const r = k === 0 ? 0 : 1.2 * Math.sqrt(k);
    const a = k * 2.4;
    placed.push({ f, value: [p.at[1] + r * Math.cos(a), p.at[0] + r * Math.sin(a)] });
  }
  const option = {
    tooltip: { trigger: "item", formatter: (x) => x.data ? `${x.data.name}<br>${x.data.country} · ${x.data.stage} · ${x.data.status}` : "" },
    legend: { top: 0, data: stages },
    geo: { map: "world", roam: true, top: 30, bottom: 10, itemStyle: { areaColor: "#eef1f5", borderColor: "#b8c0cc" },
      emphasis: { disabled: true }, tooltip: { show: false } },
    series: stages.map((s) => ({
      name: s, type: "scatter", coordinateSystem: "geo", symbolSize: 9,
      data: placed.filter((x) => x.f.stage === s).map((x) => ({
        name: x.f.name, value: x.value, country: x.f.country, stage: x.f.stage, status: x.f.status,
        symbol: STATUS_SYMBOL[x.f.status] || "circle",
        itemStyle: x.f.status === "operating" || x.f.status === "aggregate" ? {} : { opacity: 0.55 },
      })),
    })),
  };
  return { option, placed: placed.length, unplaced };
}

async function viewWorld() {
  const d = await api("/api/dataset");
  const stages = ["mining", "separation", "metal", "magnet", "component", "assembly"];
  const present = stages.filter((s) => d.facilities.some((f) => f.stage === s))
    .concat([...new Set(d.facilities.map((f) => f.stage))].filter((s) => !stages.includes(s)));
  const byCountry = {};
  for (const f of d.facilities) {
    byCountry[f.country] ??= {};
    byCountry[f.country][f.stage] = (byCountry[f.country][f.stage] || 0) + 1;
  }
  const countries = Object.keys(byCountry).sort((a, b) =>
    Object.values(byCountry[b]).reduce((x, y) => x + y, 0) - Object.values(byCountry[a]).reduce((x, y) => x + y, 0));
  const option = {
    tooltip: { trigger: "axis" }, legend: { top: 0 },
    grid: { left: 50, right: 20, top: 40, bottom: 60 },
    xAxis: { type: "category", data: countries, axisLabel: { rotate: 45 } },
    yAxis: { type: "value", name: "facilities" },
    series: present.map((s) => ({ name: s, type: "bar", stack: "all", data: countries.map((c) => byCountry[c][s] || 0) })),
  };
  const statusCount = {};
  for (const f of d.facilities) statusCount[f.status] = (statusCount[f.status] || 0) + 1;
  const map = await loadWorldMap();
  let mapCard = null;
  if (map) {
    const m = facilityMapOption(d.facilities, map.points, present);
    mapCard = el("div", { id: "facility-map", "data-placed": m.placed, "data-unplaced": m.unplaced.length },
      chart("facility-map", m.option, { title: "Facilities by stage (symbol: status; placed at their country, not their site)", tall: true }),
      m.unplaced.length ? el("p", { class: "muted" }, "Not on the map (aggregates of several countries): ",
        [...new Set(m.unplaced.map((f) => f.country))].sort().join(", "), ".") : null);
  }
  main().replaceChildren(
    el("h1", {}, "The bundled world"),
    el("p", { class: "muted" }, `${d.facilities.length} facilities and ${d.lanes.length} lanes; dataset ${d.dataset} (${d.dataset_hash.slice(0, 12)}…). Status: `,
      Object.entries(statusCount).map(([k, v]) => `${k} ${v}`).join(", "), "."),
    mapCard || "",
    chart("facilities-by-country-and-stage", option, { title: "Facilities by country and stage" }),
    table("facilities", [
      { key: "id", label: "id" }, { key: "name", label: "name" }, { key: "country", label: "country" },
      { key: "stage", label: "stage" }, { key: "status", label: "status" }], d.facilities, { title: "Facilities" }),
    table("lanes", [
      { key: "id", label: "id" }, { key: "from", label: "from" }, { key: "to", label: "to" }, { key: "material", label: "material" },
      { key: "lead_time_days", label: "lead time (days)", num: true },
      { key: "contracted_share", label: "contracted share", num: true, show: (v) => pct(v, 0) }], d.lanes, { title: "Lanes" }),
  );
}

async function viewRun() {
  const list = await api("/api/scenarios");
  const label = (s) => `${s.id} — ${s.title}` + (s.origin === "saved" ? " (saved)" : "");
  const sel = el("select", { id: "scenario" }, list.map((s) => el("option", { value: s.id }, label(s))));
  const text = el("textarea", { id: "toml", spellcheck: "false" });
  const runs = el("input", { id: "runs", type: "number", min: 1, max: 100000, value: 200 });
  const seed = el("input", { id: "seed", type: "number", min: 0, placeholder: "scenario's" });
  const fixed = el("input", { id: "fixed", type: "checkbox" });
  const msg = el("div", { id: "message" });
  const bar = el("progress", { id: "progress", max: 1, value: 0, hidden: true });
  let original = "";
  const load = async () => {
    const s = await api("/api/scenarios/" + encodeURIComponent(sel.value));
    original = s.toml;
    text.value = s.toml;
    msg.replaceChildren();
  };
  const validate = async () => {
    try {
      const r = await api("/api/scenarios/validate", { method: "POST", headers: { "Content-Type": "application/toml" }, body: text.value });
      msg.replaceChildren(el("p", {}, "Valid."), el("ul", {}, (r.notes || []).map((n) => el("li", { class: "muted" }, n))));
    } catch (e) { msg.replaceChildren(el("p", { class: "error" }, e.message)); }
  };
  const run = async () => {
    const req = { runs: Number(runs.value), fixed_inputs: fixed.checked };
    if (seed.value !== "") req.seed = Number(seed.value);
    if (text.value === original) req.scenario = sel.value; else req.toml = text.value;
    go.disabled = true;
    try {
      const acc = await postJson("/api/runs", req);
      bar.hidden = false;
      stop.hidden = false;
      stop.disabled = false;
      stop.onclick = async () => {
        stop.disabled = true;
        try { await api(`/api/runs/${acc.id}`, { method: "DELETE" }); } catch (e) { msg.append(el("p", { class: "error" }, e.message)); }
      };
      msg.replaceChildren(el("p", { "data-run-id": acc.id }, `Run ${acc.id} queued…`));
      let final = "done";
      await events(acc.events_url, (name, p) => {
        bar.max = Math.max(1, p.total);
        bar.value = p.done;
        msg.replaceChildren(el("p", { "data-run-id": acc.id }, `Run ${acc.id}: ${name} — ${fmt(p.done)} of ${fmt(p.total)} replications`));
        if (name !== "progress") { final = name; return false; }
        return true;
      });
      if (final === "done") location.hash = "#/runs/" + acc.id;
      else msg.append(el("p", { class: "error" }, `Run ${acc.id} ${final}; its record: #/runs`));
    } catch (e) {
      msg.replaceChildren(el("p", { class: "error" }, e.message));
    } finally { go.disabled = false; stop.hidden = true; }
  };
  // Saved under the id in its text; saved scenarios are immutable, so a new version needs a new id.
  const save = async () => {
    try {
      const r = await api("/api/scenarios", { method: "POST", headers: { "Content-Type": "application/toml" }, body: text.value });
      sel.append(el("option", { value: r.id }, label({ id: r.id, title: r.title, origin: "saved" })));
      sel.value = r.id;
      original = text.value;
      msg.replaceChildren(el("p", { "data-saved": r.id }, `Saved as ${r.id}; it is listed with the bundled scenarios from now on.`));
    } catch (e) { msg.replaceChildren(el("p", { class: "error" }, e.message)); }
  };
  const go = el("button", { class: "primary", id: "start", onclick: run }, "Run");
  const stop = el("button", { id: "cancel", hidden: true }, "Cancel");
  sel.addEventListener("change", load);
  main().replaceChildren(
    el("h1", {}, "Run a scenario"),
    el("div", { class: "card" },
      el("p", {}, el("label", {}, "Scenario ", sel)),
      el("p", {}, el("label", {}, "Replications ", runs), el("label", {}, "Seed ", seed),
        el("label", {}, fixed, " fixed inputs (central values, no draws)")),
      el("p", { class: "muted" }, "Edit the scenario's parameters below; an edited text runs as a new scenario (validated first)."),
      text,
      el("p", {}, el("button", { onclick: validate }, "Validate"), " ", el("button", { id: "save", onclick: save }, "Save as a scenario"), " ", go, " ", stop),
      bar, msg));
  await load();
}

async function viewRuns() {
  const rows = await api("/api/runs");
  const picked = new Set();
  const cmp = el("button", { class: "primary", disabled: true, id: "compare",
    onclick: () => { const [a, b] = [...picked]; location.hash = `#/compare/${a}/${b}`; } }, "Compare the two ticked runs");
  const tick = (r) => el("input", { type: "checkbox", disabled: r.kind !== "simulate" || r.status !== "done",
    onchange: (e) => { if (e.target.checked) picked.add(r.id); else picked.delete(r.id); cmp.disabled = picked.size !== 2; } });
  main().replaceChildren(
    el("h1", {}, "Recorded runs"),
    el("p", { class: "muted" }, "The run store: every run from the CLI or this server. Tick two simulations to compare them."),
    el("p", {}, cmp),
    table("runs", [
      { key: "pick", label: "", get: () => "", show: (_, r) => tick(r) },
      { key: "id", label: "id", num: true, show: (v, r) => r.kind === "simulate" && r.status === "done" ? el("a", { href: "#/runs/" + v }, String(v)) : String(v) },
      { key: "kind", label: "kind" }, { key: "label", label: "label" }, { key: "status", label: "status" },
      { key: "runs", label: "replications", num: true }, { key: "seed", label: "seed", num: true, show: (v) => v ?? "–" },
      { key: "started_at", label: "started" }, { key: "finished_at", label: "finished" }], rows, { empty: "No runs recorded yet." }));
}

function lostChart(name, sectors, title) {
  const rows = sectors.filter((s) => s.lost_share.p95 > 0).sort((a, b) => b.lost_share.mean - a.lost_share.mean);
  const labels = rows.map((s) => `${s.sector} · ${s.country}`);
  const option = {
    tooltip: { trigger: "axis" },
    grid: { left: 220, right: 30, top: 20, bottom: 40 },
    yAxis: { type: "category", data: labels, inverse: true },
    xAxis: { type: "value", name: "output lost (% of demand)", nameLocation: "middle", nameGap: 28 },
    series: [
      { name: "mean", type: "bar", data: rows.map((s) => 100 * s.lost_share.mean) },
      { name: "P5–P95", type: "custom", itemStyle: { color: "#222" },
        renderItem: (params, api) => {
          const lo = api.coord([api.value(1), api.value(0)]), hi = api.coord([api.value(2), api.value(0)]);
          const h = api.size([0, 1])[1] * 0.3;
          const style = { stroke: "#222", lineWidth: 1.5 };
          return { type: "group", children: [
            { type: "line", shape: { x1: lo[0], y1: lo[1], x2: hi[0], y2: hi[1] }, style },
            { type: "line", shape: { x1: lo[0], y1: lo[1] - h, x2: lo[0], y2: lo[1] + h }, style },
            { type: "line", shape: { x1: hi[0], y1: hi[1] - h, x2: hi[0], y2: hi[1] + h }, style }] };
        },
        encode: { x: [1, 2], y: 0 },
        data: rows.map((s, i) => [i, 100 * s.lost_share.p5, 100 * s.lost_share.p95]) }],
  };
  if (!rows.length) return el("p", { class: "card muted" }, "No sector loses output in any replication.");
  return chart(name, option, { title, tall: rows.length > 12 });
}

function sectorTable(name, r) {
  return table(name, [
    { key: "sector", label: "sector" }, { key: "country", label: "country" },
    { key: "demand_units", label: "demand (units)", num: true },
    { key: "lost_mean", label: "lost, mean", num: true, get: (s) => s.lost_units.mean },
    { key: "lost_p5", label: "lost, P5", num: true, get: (s) => s.lost_units.p5 },
    { key: "lost_p95", label: "lost, P95", num: true, get: (s) => s.lost_units.p95 },
    { key: "share_mean", label: "lost share, mean", num: true, get: (s) => s.lost_share.mean, show: (v) => pct(v) },
    { key: "share_p5", label: "P5", num: true, get: (s) => s.lost_share.p5, show: (v) => pct(v) },
    { key: "share_p95", label: "P95", num: true, get: (s) => s.lost_share.p95, show: (v) => pct(v) },
    { key: "unmade_mean", label: "not made by the end, mean", num: true, get: (s) => s.unmade_share.mean, show: (v) => pct(v) },
    { key: "probability_short", label: "P(short)", num: true, show: (v) => pct(v, 0) }], r.sectors, { title: "Lost output by sector and producing country" });
}

function plantsTimeline(r) {
  const rows = r.plants.filter((p) => p.probability_short > 0 && p.first_short_day)
    .sort((a, b) => a.first_short_day.p50 - b.first_short_day.p50);
  if (!rows.length) return el("p", { class: "card muted" }, "No plant ran short in any replication.");
  const option = {
    tooltip: { formatter: (p) => { const x = rows[p.dataIndex];
      return `${x.facility}<br>first short ${addDays(r.start, x.first_short_day.p50)} (day ${fmt(x.first_short_day.p50)}, P5 ${fmt(x.first_short_day.p5)}, P95 ${fmt(x.first_short_day.p95)})<br>days short, median ${fmt(x.days_short.p50)}`; } },
    grid: { left: 260, right: 30, top: 20, bottom: 40 },
    yAxis: { type: "category", data: rows.map((p) => p.facility), inverse: true },
    xAxis: { type: "value", min: 0, max: r.horizon_days, name: `days after ${r.start}`, nameLocation: "middle", nameGap: 28 },
    series: [
      { type: "bar", stack: "t", itemStyle: { color: "transparent" }, data: rows.map((p) => p.first_short_day.p50), tooltip: { show: false } },
      { name: "short (median days)", type: "bar", stack: "t", itemStyle: { color: "#b3261e" },
        data: rows.map((p) => Math.min(p.days_short.p50, r.horizon_days - p.first_short_day.p50)) }],
  };
  return chart("plants-timeline", option, { title: "Plants that ran short: median first short day and days short", tall: rows.length > 12 });
}

async function viewRunResult(id) {
  const [status, r] = await Promise.all([api("/api/runs/" + id), api(`/api/runs/${id}/result`)]);
  const run = status.run;
  main().replaceChildren(
    el("h1", {}, `Run ${id}: ${r.scenario}`),
    el("p", { class: "muted" }, `${r.title} — start ${r.start}, ${r.horizon_days} days, ${fmt(r.runs)} replications, seed ${r.seed}; recorded ${run.started_at}. `,
      el("a", { href: `#/flows/${id}` }, "Flows (Sankey)"), " · ", el("a", { href: "#/runs" }, "compare with another run")),
    lostChart("lost-output", r.sectors, "Output lost by sector and producing country: mean and P5–P95"),
    sectorTable("lost-output", r),
    plantsTimeline(r),
    table("plants", [
      { key: "facility", label: "facility" }, { key: "country", label: "country" }, { key: "stage", label: "stage" },
      { key: "probability_short", label: "P(short)", num: true, show: (v) => pct(v, 0) },
      { key: "first_p50", label: "first short day, median", num: true, get: (p) => p.first_short_day?.p50 },
      { key: "first_date", label: "date", get: (p) => (p.first_short_day ? addDays(r.start, p.first_short_day.p50) : null) },
      { key: "first_p5", label: "P5", num: true, get: (p) => p.first_short_day?.p5 },
      { key: "first_p95", label: "P95", num: true, get: (p) => p.first_short_day?.p95 },
      { key: "days_short", label: "days short, median", num: true, get: (p) => p.days_short?.p50 }], r.plants, { title: "Plants that ran short" }),
    r.inputs && r.inputs.length ? table("inputs", [
      { key: "name", label: "drawn input" },
      { key: "dist", label: "distribution", get: (i) => JSON.stringify(i.value) },
      { key: "mean", label: "drawn, mean", num: true, digits: 2, get: (i) => i.drawn?.mean }], r.inputs, { title: "Uncertain inputs" }) : null,
  );
}

async function viewCompare(a, b) {
  const [ra, rb] = await Promise.all([api(`/api/runs/${a}/result`), api(`/api/runs/${b}/result`)]);
  const key = (s) => `${s.sector} · ${s.country}`;
  const mb = new Map(rb.sectors.map((s) => [key(s), s]));
  const keys = [...new Set(ra.sectors.map(key).concat(rb.sectors.map(key)))];
  const ma = new Map(ra.sectors.map((s) => [key(s), s]));
  const rows = keys.map((k) => ({ key: k, a: ma.get(k)?.lost_share.mean ?? 0, b: mb.get(k)?.lost_share.mean ?? 0 }))
    .map((x) => Object.assign(x, { diff: x.b - x.a }))
    .filter((x) => x.a > 0 || x.b > 0)
    .sort((x, y) => Math.abs(y.diff) - Math.abs(x.diff));
  const option = {
    tooltip: { trigger: "axis" }, legend: { top: 0 },
    grid: { left: 220, right: 30, top: 30, bottom: 40 },
    yAxis: { type: "category", data: rows.map((x) => x.key), inverse: true },
    xAxis: { type: "value", name: "output lost, mean (% of demand)", nameLocation: "middle", nameGap: 28 },
    series: [
      { name: `run ${a} (${ra.scenario})`, type: "bar", data: rows.map((x) => 100 * x.a) },
      { name: `run ${b} (${rb.scenario})`, type: "bar", data: rows.map((x) => 100 * x.b) }],
  };
  main().replaceChildren(
    el("h1", {}, `Run ${a} against run ${b}`),
    el("div", { class: "grid2" },
      el("div", { class: "card" }, el("strong", {}, `Run ${a}: ${ra.scenario}`), el("p", { class: "muted" }, `${ra.title}; ${fmt(ra.runs)} replications, seed ${ra.seed}`)),
      el("div", { class: "card" }, el("strong", {}, `Run ${b}: ${rb.scenario}`), el("p", { class: "muted" }, `${rb.title}; ${fmt(rb.runs)} replications, seed ${rb.seed}`))),
    rows.length ? chart("compare-lost-output", option, { title: "Output lost, mean", tall: rows.length > 12 }) : el("p", { class: "card muted" }, "Neither run loses output."),
    table("compare", [
      { key: "key", label: "sector · country" },
      { key: "a", label: `run ${a}`, num: true, show: (v) => pct(v) },
      { key: "b", label: `run ${b}`, num: true, show: (v) => pct(v) },
      { key: "diff", label: `run ${b} − run ${a} (points)`, num: true, show: (v) => fmt(100 * v, 1) }], rows, { title: "Output lost, mean share of demand" }));
}

async function viewFlows(id) {
  const r = await api(`/api/runs/${id}/result`);
  const materials = [...new Set(r.flows.map((f) => f.material))].sort();
  const which = el("select", { id: "flow-basis" }, el("option", { value: "baseline" }, "baseline (policy-free twin)"), el("option", { value: "scenario" }, "scenario"));
  const mat = el("select", { id: "flow-material" }, materials.map((m) => el("option", { value: m }, m)));
  const first = materials.find((m) => m.includes("magnet")) || materials[0];
  if (first) mat.value = first;
  const out = el("div");
  const draw = () => {
    const totals = new Map();
    for (const f of r.flows.filter((f) => f.material === mat.value)) {
      const k = f.from + ">" + f.to;
      totals.set(k, (totals.get(k) || 0) + f[which.value].mean);
    }
    const links = [...totals].filter(([, v]) => v > 0).map(([k, v]) => {
      const [from, to] = k.split(">");
      return { source: `${from} (exports)`, target: `${to} (imports)`, value: v, from, to };
    });
    const names = [...new Set(links.flatMap((l) => [l.source, l.target]))];
    const option = {
      tooltip: { trigger: "item" },
      series: [{ type: "sankey", left: 20, right: 120, data: names.map((name) => ({ name })), links, emphasis: { focus: "adjacency" } }],
    };
    out.replaceChildren(
      links.length ? chart("flows-sankey", option, { title: `Cross-border flows of ${mat.value} over the horizon (${which.value}, mean of replications)`, tall: true })
        : el("p", { class: "card muted" }, "No cross-border flow of this material."),
      table("flows", [{ key: "from", label: "from" }, { key: "to", label: "to" }, { key: "value", label: "total over the horizon", num: true, digits: 1 }],
        links.sort((x, y) => y.value - x.value), { title: "Flows" }));
  };
  which.addEventListener("change", draw);
  mat.addEventListener("change", draw);
  main().replaceChildren(
    el("h1", {}, `Flows of run ${id}: ${r.scenario}`),
    el("p", { class: "muted" }, "Cross-border shipments by country pair, summed over the months of the horizon (in the material's unit: t, or units for components and products). ",
      el("a", { href: `#/runs/${id}` }, "Back to the run")),
    el("div", { class: "card" }, el("label", {}, "Material ", mat), el("label", {}, "Basis ", which)), out);
  draw();
}

const EXAMPLE_BOM = `# A Japanese EV traction motor with a Dy-bearing NdFeB magnet, exported to the US
# (examples/bom/jp_ev_motor.toml has the sources of its figures).
[[product]]
id = "jp-ev-motor"
name = "EV traction motor (Japan)"
form = "component"
tariff_class = "auto-part"
made_in = "JPN"
exporter = "JPN"
destination = "USA"
end_user = "civil"
end_use = "automotive"
tech_origin = "JPN"
value_usd = 1000.0

[[product.material]]
name = "sintered NdFeB magnet (standard Dy grade)"
form = "magnet"
mass_kg = 1.5
value_usd = 43.79
content = { Nd = 0.2325, Pr = 0.0775, Dy = 0.009 }
re_origin = { CHN = 1.0 }
`;

async function viewLicence() {
  const bom = el("textarea", { id: "bom", spellcheck: "false" });
  bom.value = EXAMPLE_BOM;
  const file = el("input", { type: "file", accept: ".toml,.csv,text/plain" });
  file.addEventListener("change", async () => { if (file.files[0]) bom.value = await file.files[0].text(); });
  const date = el("input", { id: "date", type: "date" });
  const to = el("input", { id: "to", placeholder: "ISO3, e.g. DEU", size: 8 });
  const trace = el("input", { id: "trace", type: "checkbox" });
  const general = el("input", { id: "general", type: "checkbox" });
  const out = el("div", { id: "verdicts" });
  const check = async () => {
    const req = { bom: bom.value, trace: trace.checked, general_licence: general.checked };
    if (date.value) req.date = date.value;
    if (to.value.trim()) req.to = to.value.trim().toUpperCase();
    try {
      const answer = await postJson("/api/licence/check", req);
      const products = answer.map((x) => Object.assign({}, x.verdict, { name: x.name, origin: x.origin }));
      out.replaceChildren(...products.map((p) => el("div", { class: "card", "data-product": p.product },
        el("h2", {}, `${p.name} (${p.product}) `, el("span", { class: "verdict " + p.licence, "data-verdict": p.licence }, p.licence)),
        el("p", { class: "muted" }, `${p.exporter} → ${p.destination} on ${p.date}; end use ${p.end_use}, end user ${p.end_user}`),
        ...(p.jurisdictions || []).map((j) => el("div", {},
          el("strong", {}, `${j.jurisdiction}: `), el("span", { class: "verdict " + j.licence }, j.licence),
          j.tariff ? el("span", { class: "muted" }, ` — duty ${pct(j.tariff.rate, 1)} (USD ${fmt(j.tariff.duty_usd, 2)})`) : null,
          el("ul", { class: "chain" }, (j.explanation || []).map((x) => el("li", {}, el("code", {}, x.measure), ` (${x.kind}): ${x.text}`)),
            (j.gaps || []).map((g) => el("li", { class: "error" }, "missing fact: " + (typeof g === "string" ? g : JSON.stringify(g))))))),
        (p.origin || []).length ? el("p", { class: "muted" }, "Origin: " + p.origin.join("; ")) : null,
        (p.notes || []).length ? el("ul", { class: "chain muted" }, p.notes.map((n) => el("li", {}, n))) : null,
        (p.warnings || []).length ? el("ul", { class: "chain" }, p.warnings.map((n) => el("li", { class: "error" }, "warning: " + n))) : null)));
    } catch (e) { out.replaceChildren(el("p", { class: "error" }, e.message)); }
  };
  main().replaceChildren(
    el("h1", {}, "Does this product need a licence?"),
    el("div", { class: "card" },
      el("p", { class: "muted" }, "Paste or upload a bill of materials (TOML or CSV, as `chokepoint licence check` reads); each product gets a verdict per jurisdiction with the measures that decide it."),
      el("p", {}, file), bom,
      el("p", {}, el("label", {}, "Date ", date), el("label", {}, "Destination ", to),
        el("label", {}, trace, " trace origins through the bundled network"), el("label", {}, general, " exporter holds a general licence")),
      el("button", { class: "primary", id: "check", onclick: check }, "Check")),
    out);
}

async function viewChokepoints() {
  const f = {
    sector: el("input", { id: "cp-sector", value: "nev", size: 14 }),
    region: el("input", { id: "cp-region", value: "JPN", size: 6 }),
    duration: el("input", { id: "cp-duration", type: "number", value: 90, min: 1 }),
    runs: el("input", { id: "cp-runs", type: "number", value: 50, min: 1 }),
    runner: el("select", { id: "cp-runner" }, el("option", { value: "flow" }, "flow (long run, fast)"), el("option", { value: "sim" }, "sim (simulator, with stocks)")),
    kinds: el("select", { id: "cp-kinds" }, ["facility", "country-stage", "lane"].map((k) => el("option", { value: k }, k))),
    top: el("input", { id: "cp-top", type: "number", value: 10, min: 1 }),
  };
  const out = el("div", { id: "ranking" });
  const go = async () => {
    const q = new URLSearchParams(Object.fromEntries(Object.entries(f).map(([k, e]) => [k, e.value])));
    out.replaceChildren(el("p", { class: "muted" }, "Knocking out each candidate…"));
    try {
      const answer = await api("/api/chokepoints?" + q);
      const r = answer.ranking;
      const top = r.top || [];
      const option = {
        tooltip: { trigger: "axis" },
        grid: { left: 320, right: 30, top: 20, bottom: 40 },
        yAxis: { type: "category", data: top.map((x) => x.label), inverse: true },
        xAxis: { type: "value", name: `lost ${r.unit}`, nameLocation: "middle", nameGap: 28 },
        series: [{ type: "bar", data: top.map((x) => x.lost.mean) }],
      };
      out.replaceChildren(
        el("p", { class: "muted" }, `Recorded as run ${answer.run ?? "–"}. Runner: ${r.runner}`), el("ul", { class: "chain muted" }, (r.notes || []).map((n) => el("li", {}, n))),
        top.length ? chart("chokepoints", option, { title: `Knock-outs of ${r.duration_days} days: lost ${r.sector} output in ${r.region}` }) : null,
        table("chokepoints", [
          { key: "label", label: "knocked out" },
          { key: "lost", label: "lost, mean", num: true, get: (x) => x.lost.mean },
          { key: "ci_low", label: "95% CI low", num: true, get: (x) => x.lost.ci_low },
          { key: "ci_high", label: "high", num: true, get: (x) => x.lost.ci_high },
          { key: "lost_share", label: "share of demand", num: true, show: (v) => pct(v) },
          { key: "ttr_days", label: "time to recover (d)", num: true },
          { key: "tts_days", label: "time to survive (d)", num: true },
          { key: "reasons", label: "why", get: (x) => (x.reasons || []).join("; ") }], top, { title: "Ranking", empty: "No knock-out loses output." }));
    } catch (e) { out.replaceChildren(el("p", { class: "error" }, e.message)); }
  };
  main().replaceChildren(
    el("h1", {}, "Chokepoints: what to knock out to stop a sector"),
    el("div", { class: "card" },
      Object.entries(f).map(([k, e]) => el("label", {}, k + " ", e)),
      el("button", { class: "primary", id: "rank", onclick: go }, "Rank")),
    out);
}

// ------------------------------------------------------------------ routing

async function route() {
  charts.splice(0).forEach((c) => c.dispose());
  const h = location.hash.replace(/^#\/?/, "");
  const parts = h.split("/").filter(Boolean);
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", a.getAttribute("href") === "#/" + (parts[0] || ""));
  try {
    if (!parts.length) await viewWorld();
    else if (parts[0] === "run") await viewRun();
    else if (parts[0] === "runs" && parts[1]) await viewRunResult(Number(parts[1]));
    else if (parts[0] === "runs") await viewRuns();
    else if (parts[0] === "compare" && parts[2]) await viewCompare(Number(parts[1]), Number(parts[2]));
    else if (parts[0] === "flows" && parts[1]) await viewFlows(Number(parts[1]));
    else if (parts[0] === "licence") await viewLicence();
    else if (parts[0] === "chokepoints") await viewChokepoints();
    else main().replaceChildren(el("h1", {}, "No such page"), el("p", {}, el("a", { href: "#/" }, "Start again")));
    document.body.dataset.ready = h || "world";
  } catch (e) { fail(e); document.body.dataset.ready = "error"; }
}

window.addEventListener("hashchange", route);
window.addEventListener("DOMContentLoaded", () => {
  api("/api/dataset").then((d) => { $("#dataset").textContent = `dataset ${d.dataset}`; }).catch(() => {});
  route();
});
