// EdgeBox web console. Vanilla ES2020, no dependencies. All API data reaches the DOM via textContent.
// Pages, chosen by the URL's hash: the overview (#/), the recordings (#/recordings[/path]), the detection
// events (#/events), the models with each path's detection (#/models) and a path's live view (#/live/path).
import { $, el, badge, setBadge, bytes, duration, emptyRow, encodePath, getJson, describe, showErrors } from "./util.js";
import { showRecordings, refreshRecordings, stopPlayer } from "./recordings.js";
import { showEvents, refreshEvents } from "./events.js";
import { refreshModels } from "./models.js";
import { showLive, stopLive, refreshLive, liveLink } from "./live.js";

// How often each page reads the API: the models page shows live counters, the events page polls for new events.
const PAGES = {
  overview: { title: "EdgeBox", every: 5000, refresh: () => refreshOverview() },
  recordings: { title: "Recordings · EdgeBox", every: 5000, refresh: () => refreshRecordings() },
  events: { title: "Events · EdgeBox", every: 3000, refresh: () => refreshEvents() },
  models: { title: "Models · EdgeBox", every: 2000, refresh: () => refreshModels() },
  live: { title: "Live · EdgeBox", every: 1000, refresh: () => refreshLive() },
};

function usage(used, total) {
  if (typeof used !== "number" || typeof total !== "number" || total <= 0) return "–";
  return `${bytes(used)} / ${bytes(total)} (${Math.round((used / total) * 100)}%)`;
}

function list(items) {
  return Array.isArray(items) && items.length ? items.join(", ") : "none";
}

function count(items) {
  return Array.isArray(items) ? items.length : 0;
}

// Fills a <dl> with [label, value] pairs; value may be text or a Node.
function fillKv(dl, pairs) {
  dl.replaceChildren(...pairs.flatMap(([label, value]) => {
    const dd = el("dd");
    if (value instanceof Node) dd.append(value); else dd.textContent = value ?? "–";
    return [el("dt", null, label), dd];
  }));
}

function renderHealth(health) {
  setBadge($("health-status"), health.status);
  const components = Array.isArray(health.components) ? health.components : [];
  $("health-rows").replaceChildren(...(components.length
    ? components.map((c) => {
        const tr = el("tr");
        const name = el("td", null, c.name);
        if (c.required) name.append(el("span", "tag", "required"));
        const status = el("td");
        status.append(badge(c.status));
        tr.append(name, status, el("td", "muted", c.message || "–"));
        return tr;
      })
    : [emptyRow(3, "No components reported")]));
}

function renderInfo(info) {
  $("version").textContent = info.version ? `v${info.version}` : "";
  fillKv($("system"), [
    ["Version", info.version],
    ["Runtime", info.runtime],
    ["Platform", info.platform],
    ["Native AOT", info.nativeAot ? "yes" : "no"],
    ["Started", info.startedAt ? new Date(info.startedAt).toLocaleString() : "–"],
    ["Uptime", duration(info.uptimeSeconds)],
  ]);

  const host = info.host || {};
  const memUsed = host.memoryTotalBytes - host.memoryAvailableBytes;
  const diskUsed = host.diskTotalBytes - host.diskFreeBytes;
  fillKv($("host"), [
    ["Name", host.name],
    ["CPU", typeof host.cpuPercent === "number"
      ? `${host.cpuPercent.toFixed(1)}% of ${host.cpuCount ?? "?"} cores` : "–"],
    ["Memory used", usage(memUsed, host.memoryTotalBytes)],
    ["Process RSS", bytes(host.processRssBytes)],
    ["Disk used", usage(diskUsed, host.diskTotalBytes)],
    ["Disk free", `${bytes(host.diskFreeBytes)} of ${bytes(host.diskTotalBytes)}`],
    ["Data directory", el("code", null, host.dataDirectory ?? "–")],
  ]);

  const ff = info.ffmpeg || {};
  setBadge($("ffmpeg-status"), ff.available ? "ok" : "unavailable");
  fillKv($("ffmpeg"), ff.available
    ? [
        ["Version", ff.version],
        ["HW device types", list(ff.hardwareDeviceTypes)],
        ["HW codecs", list(ff.hardwareCodecs)],
        ["Video enc / dec", `${count(ff.videoEncoders)} / ${count(ff.videoDecoders)}`],
        ["Audio enc / dec", `${count(ff.audioEncoders)} / ${count(ff.audioDecoders)}`],
        ["libavcodec", ff.libraries?.libavcodec],
      ]
    : [["Error", ff.error || "not available"]]);

  const onnx = info.onnxRuntime || {};
  setBadge($("onnx-status"), onnx.available ? "ok" : "unavailable");
  fillKv($("onnx"), onnx.available
    ? [["Version", onnx.version], ["Execution providers", list(onnx.executionProviders)]]
    : [["Error", onnx.error || "not available"]]);
}

// Thumbnails come from the snapshot API; refreshed at most every 10 s so an open console costs
// one small JPEG per live path now and then (the path's decoder stays warm between them).
const thumbEvery = 10000;
let thumbStamp = 0;

function thumbnail(p) {
  const td = el("td", "thumb-cell");
  const hasVideo = Array.isArray(p.tracks) && p.tracks.some((t) => t.width);
  if (p.state === "ready" && hasVideo) {
    const img = el("img", "thumb");
    img.alt = `${p.name} snapshot`;
    img.loading = "lazy";
    img.src = `/api/v1/paths/${encodePath(p.name)}/snapshot.jpg?width=160&t=${thumbStamp}`;
    td.append(img);
  } else {
    td.textContent = "–";
  }
  return td;
}

// A recorded path links to its recordings (a regex path's recordings are under each matching name).
function recordCell(p) {
  const td = el("td");
  if (p.record && !p.regex) {
    const link = el("a", null, "yes");
    link.href = `#/recordings/${encodePath(p.name)}`;
    link.title = `Recordings of ${p.name}`;
    td.append(link);
  } else {
    td.textContent = p.record ? "yes" : "no";
  }
  return td;
}

// Live detection per path (GET /api/v1/detect), shown in the Paths table: the model and the objects in view now.
let detectors = new Map();

function renderDetectors(detect) {
  detectors = new Map((Array.isArray(detect.items) ? detect.items : []).map((d) => [d.path, d]));
}

function detectCell(p) {
  const td = el("td");
  const d = detectors.get(p.name);
  if (!d) { td.textContent = "–"; return td; }
  const link = el("a", null, d.state === "running" ? `${d.objects ?? 0} object${d.objects === 1 ? "" : "s"} now` : d.state);
  link.href = "#/models";
  link.title = `${d.model}: ${d.events ?? 0} events, ${d.inferences ?? 0} inferences`;
  td.append(link, el("div", "muted", d.model));
  return td;
}

function renderPaths(paths) {
  const now = Date.now();
  if (now - thumbStamp >= thumbEvery) {
    thumbStamp = now;
  }
  const items = Array.isArray(paths.items) ? paths.items : [];
  const ready = items.filter((p) => p.state === "ready").length;
  $("paths-count").textContent = `${items.length} paths, ${ready} live`;
  $("paths-rows").replaceChildren(...(items.length
    ? items.map((p) => {
        const tr = el("tr");
        const name = el("td");
        name.append(el("code", null, p.name));
        if (p.state === "ready" && !p.regex) name.append(" ", liveLink(p.name, encodePath(p.name)));
        const state = el("td");
        const badge = el("span", "badge", p.state || "idle");
        badge.classList.add(p.state === "ready" ? "ok" : "unknown");
        state.append(badge);
        const tracks = Array.isArray(p.tracks) && p.tracks.length
          ? p.tracks.map((t) => (t.width ? `${t.codec} ${t.width}×${t.height}` : t.codec)).join(", ")
          : "–";
        tr.append(thumbnail(p), name, state, el("td", null, p.regex ? "regex" : "exact"), el("td", null, p.source || "–"),
          el("td", null, tracks), el("td", null, String(p.readers ?? 0)), recordCell(p), detectCell(p));
        return tr;
      })
    : [emptyRow(9, "No paths configured")]));
}

// Each source feeds some cards; when a fetch fails its cards keep their last data but are dimmed.
const SOURCES = [
  { url: "/api/v1/health", ok: [200, 503], render: renderHealth, cards: ["card-health"], loaded: false,
    fail: () => { setBadge($("health-status"), "unknown"); $("health-rows").replaceChildren(emptyRow(3, "Unavailable")); } },
  { url: "/api/v1/info", ok: [200], render: renderInfo, cards: ["card-system", "card-host", "card-ffmpeg", "card-onnx"], loaded: false,
    fail: () => {
      ["ffmpeg-status", "onnx-status"].forEach((id) => setBadge($(id), "unknown"));
      ["system", "host", "ffmpeg", "onnx"].forEach((id) => fillKv($(id), [["Status", "Unavailable"]]));
    } },
  // Before the paths: their table shows what this one read.
  { url: "/api/v1/detect", ok: [200], render: renderDetectors, cards: ["card-paths"], loaded: false,
    fail: () => { detectors = new Map(); } },
  { url: "/api/v1/paths", ok: [200], render: renderPaths, cards: ["card-paths"], loaded: false,
    fail: () => $("paths-rows").replaceChildren(emptyRow(9, "Unavailable")) },
];

async function refreshOverview() {
  const results = await Promise.allSettled(SOURCES.map((s) => getJson(s.url, s.ok)));
  const errors = [];
  results.forEach((result, i) => {
    const source = SOURCES[i];
    let error = null;
    if (result.status === "rejected") {
      error = result.reason;
    } else {
      try { source.render(result.value); source.loaded = true; } catch (e) { error = e; }
    }
    if (error) {
      errors.push(`GET ${source.url}: ${describe(error)}`);
      if (!source.loaded) source.fail();
    }
    source.cards.forEach((id) => $(id).classList.toggle("stale", Boolean(error) && source.loaded));
  });
  return errors;
}

// "#/recordings/live/cam1?t=2026-12-05T10:00:00Z" -> { page: "recordings", path: "live/cam1", t: "2026-..." };
// "#/events?path=cam1&label=face" -> { page: "events", params }.
function parseRoute() {
  const hash = location.hash.replace(/^#/, "");
  const [route, query = ""] = hash.split("?");
  if (route === "/events" || route === "/models") return { page: route.slice(1), params: new URLSearchParams(query) };
  const live = route.match(/^\/live\/(.+)$/);
  if (live) {
    try { return { page: "live", path: live[1].split("/").map(decodeURIComponent).join("/") }; } catch { return { page: "overview" }; }
  }
  const match = route.match(/^\/recordings(?:\/(.+))?$/);
  if (!match) return { page: "overview" };
  let path = null;
  try { path = match[1] ? match[1].split("/").map(decodeURIComponent).join("/") : null; } catch { /* malformed: list only */ }
  return { page: "recordings", path, t: new URLSearchParams(query).get("t") };
}

let route = parseRoute();

function showPage() {
  route = parseRoute();
  for (const name of Object.keys(PAGES)) {
    $(`page-${name}`).hidden = route.page !== name;
    const link = $(`nav-${name}`);
    if (!link) continue;
    if (route.page === name) link.setAttribute("aria-current", "page"); else link.removeAttribute("aria-current");
  }
  const page = PAGES[route.page];
  document.title = page.title;
  $("refresh-every").textContent = `Refreshes every ${page.every / 1000} s`;
  if (route.page === "recordings") showRecordings(route); else stopPlayer();
  if (route.page === "events") showEvents(route);
  if (route.page === "live") showLive(route); else stopLive();
}

async function refresh() {
  const errors = await PAGES[route.page].refresh();
  showErrors(errors);
  $("updated").textContent = `last update ${new Date().toLocaleTimeString()}`;
}

// One refresh chain: a page change restarts it at once, and a refresh still in flight then schedules nothing.
let timer = 0;
let generation = 0;

async function loop() {
  clearTimeout(timer);
  const mine = ++generation;
  try { await refresh(); } finally { if (mine === generation) timer = setTimeout(loop, PAGES[route.page].every); }
}

window.addEventListener("hashchange", () => { showPage(); loop(); });
showPage();
loop();
