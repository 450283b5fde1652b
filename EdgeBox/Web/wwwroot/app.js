// EdgeBox web console. Vanilla ES2020, no dependencies, no build step. All API data reaches the DOM via textContent.
// Pages, chosen by the URL's hash: the dashboard (#/), live video (#/live, #/live/path, #/live?paths=a,b), the path
// editor (#/paths), the recordings (#/recordings[/path]), the detection events (#/events) and the models (#/models).
// Nothing shows until the caller is logged in (auth.js). Path state, events and alarms arrive over Server-Sent
// Events (GET /api/v1/stream); only system facts (health, versions, detection counters, the uplink) are read periodically.
import { $, el, badge, setBadge, bytes, duration, emptyRow, encodePath, fillKv, getJson, describe, showErrors } from "./util.js";
import { showRecordings, refreshRecordings, stopPlayer } from "./recordings.js";
import { showEvents, refreshEvents } from "./events.js";
import { refreshModels } from "./models.js";
import { showLive, stopLive, refreshLive, liveLink, updateLiveChoices } from "./live.js";
import { showPaths, refreshPaths } from "./paths.js";
import { whoAmI, gate, askPassword, logout, showUser, atLeast } from "./auth.js";
import { refreshSystem } from "./system.js";
import { renderUplink, uplinkUnavailable, showFleet, refreshFleet, hideFleet } from "./uplink.js";

// How often each page reads the API: the models page shows live counters, the live page the players' statistics.
const PAGES = {
  overview: { title: "EdgeBox", every: 5000, refresh: () => refreshOverview() },
  live: { title: "Live · EdgeBox", every: 1000, refresh: () => refreshLive() },
  paths: { title: "Paths · EdgeBox", every: 10000, refresh: () => refreshPaths(), role: "operator" },
  recordings: { title: "Recordings · EdgeBox", every: 5000, refresh: () => refreshRecordings() },
  events: { title: "Events · EdgeBox", every: 30000, refresh: () => refreshEvents() },
  models: { title: "Models · EdgeBox", every: 2000, refresh: () => refreshModels(), role: "operator" },
  system: { title: "System · EdgeBox", every: 3000, refresh: () => refreshSystem(route), role: "admin" },
};

let me = null;

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

// The last GET /api/v1/info, so the stream's host figures can be shown with it.
let lastInfo = null;

function renderInfo(info) {
  lastInfo = info;
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
    ["Hardware codecs", info.hardware ? `${info.hardware.selected}: ${info.hardware.reason}` : "–"],
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

// Snapshots come from the snapshot API; refreshed at most every 10 s so an open console costs one small
// JPEG per live path now and then (the path's decoder stays warm between them).
const thumbEvery = 10000;
let thumbStamp = 0;

// A pulled path that is idle (on demand) gets a picture too: the snapshot starts its source, as a viewer would.
function picture(p) {
  const box = el("div", "picture");
  const hasVideo = Array.isArray(p.tracks) && p.tracks.some((t) => t.width);
  const pulled = !p.regex && p.source && p.source !== "publisher";
  if ((p.state === "ready" && hasVideo) || (p.state !== "ready" && pulled)) {
    const img = el("img", "thumb");
    img.alt = `${p.name} snapshot`;
    img.loading = "lazy";
    img.addEventListener("error", () => { box.replaceChildren(p.state === "ready" ? "no picture yet" : "no picture (source not ready)"); });
    img.src = `/api/v1/paths/${encodePath(p.name)}/snapshot.jpg?width=320&t=${thumbStamp}`;
    box.append(img);
  } else {
    box.textContent = p.state === "ready" ? "no video" : "no picture (idle)";
  }
  return box;
}

// Live detection per path (GET /api/v1/detect, operators): the model and the objects in view now.
let detectors = new Map();

function renderDetectors(detect) {
  detectors = new Map((Array.isArray(detect.items) ? detect.items : []).map((d) => [d.path, d]));
}

function detecting(d) {
  if (!d) return null;
  const objects = d.state === "running" ? `${d.objects ?? 0} object${d.objects === 1 ? "" : "s"} now` : d.state;
  return `detecting ${d.model}: ${objects}`;
}

function bitrate(bits) {
  if (typeof bits !== "number" || bits <= 0) return null;
  return bits >= 1e6 ? `${(bits / 1e6).toFixed(1)} Mbit/s` : `${Math.round(bits / 1e3)} kbit/s`;
}

// One tile per path: picture, state, codec, bit rate, readers, recording and detection, and what to do with it.
function tile(p) {
  const li = el("li", "tile");
  li.dataset.path = p.name;
  const body = el("div", "body");
  const name = el("div", "name");
  const state = el("span", `badge ${p.state === "ready" ? "ok" : "unknown"}`, p.state || "idle");
  name.append(el("code", null, p.name), state);
  const video = (p.tracks || []).find((t) => t.width);
  const codecs = (p.tracks || []).map((t) => (t.width ? `${t.codec} ${t.width}×${t.height}` : t.codec)).join(", ");
  const facts = [codecs || "no tracks", bitrate(p.bitrate), `${p.readers ?? 0} reader${p.readers === 1 ? "" : "s"}`].filter(Boolean).join(" · ");
  const status = [p.record ? "● recording" : null, detecting(detectors.get(p.name)),
    p.pull?.lastError && p.state !== "ready" ? `error: ${p.pull.lastError}` : null].filter(Boolean).join(" · ");
  const links = el("div", "links");
  if (p.state === "ready" && !p.regex && video !== undefined) links.append(liveLink(p.name, encodePath(p.name)));
  if (p.record && !p.regex) {
    const rec = el("a", null, "recordings");
    rec.href = `#/recordings/${encodePath(p.name)}`;
    links.append(rec);
  }
  if (atLeast(me, "operator") && !p.regex) {
    const edit = el("a", null, "edit");
    edit.href = `#/paths?edit=${encodeURIComponent(p.name)}`;
    links.append(edit);
  }
  body.append(name, el("div", "facts", facts), el("div", "facts", status || (p.regex ? "pattern: matches many names" : p.source || "")), links);
  li.append(picture(p), body);
  return li;
}

let lastPaths = null;

function renderPaths(paths) {
  lastPaths = paths;
  const now = Date.now();
  if (now - thumbStamp >= thumbEvery) thumbStamp = now;
  const items = Array.isArray(paths.items) ? paths.items : [];
  const ready = items.filter((p) => p.state === "ready").length;
  $("paths-count").textContent = `${items.length} paths, ${ready} live`;
  const list = $("path-tiles");
  if (!items.length) { list.replaceChildren(el("li", "empty", "No paths configured")); return; }
  // Keep a tile whose content did not change, so its picture does not reload every second.
  const old = new Map([...list.children].map((node) => [node.dataset.path, node]));
  list.replaceChildren(...items.map((p) => {
    const key = JSON.stringify([p.state, p.tracks, p.readers, p.record, p.pull?.lastError, Math.round((p.bitrate ?? 0) / 1e5), thumbStamp, detecting(detectors.get(p.name))]);
    const previous = old.get(p.name);
    if (previous && previous.dataset.key === key) return previous;
    const node = tile(p);
    node.dataset.key = key;
    return node;
  }));
}

// Alarms: the events that need attention, newest first (the stream's "alarm" events, and the stored ones at start).
const ALARMS = new Set(["source.notready", "forward.notready", "hardware.fallback", "reader.dropped", "recording.diskfull",
  "detection.failed", "security.lockout", "publisher.refused"]);
const alarms = [];

function addAlarm(event) {
  if (alarms.some((a) => a.id === event.id)) return;
  alarms.push(event);
  alarms.sort((a, b) => b.id - a.id);
  alarms.length = Math.min(alarms.length, 50);
  renderAlarms();
}

function renderAlarms() {
  $("alarms-count").textContent = alarms.length ? `${alarms.length} recent` : "";
  $("alarms").replaceChildren(...(alarms.length
    ? alarms.map((a) => {
        const li = el("li");
        const time = el("time", null, new Date(a.time).toLocaleString());
        time.dateTime = a.time;
        li.append(time, el("span", "type", a.type), el("span", null, a.path ? `${a.path}: ${a.message}` : a.message));
        return li;
      })
    : [el("li", "empty", "No alarms")]));
}

async function loadAlarms() {
  try {
    const page = await getJson("/api/v1/events?order=desc&limit=500");
    (page.items || []).filter((e) => ALARMS.has(e.type)).slice(0, 50).forEach(addAlarm);
  } catch { /* the stream brings new ones */ }
}

// Each source feeds some cards; when a fetch fails its cards keep their last data but are dimmed.
const SOURCES = [
  { url: "/api/v1/health", ok: [200, 503], render: renderHealth, cards: ["card-health"], loaded: false,
    fail: () => { setBadge($("health-status"), "unknown"); $("health-rows").replaceChildren(emptyRow(3, "Unavailable")); } },
  { url: "/api/v1/info", ok: [200], render: (info) => { renderInfo(info); showFleet(info.fleet); }, cards: ["card-system", "card-host", "card-ffmpeg", "card-onnx"], loaded: false,
    fail: () => {
      ["ffmpeg-status", "onnx-status"].forEach((id) => setBadge($(id), "unknown"));
      ["system", "host", "ffmpeg", "onnx"].forEach((id) => fillKv($(id), [["Status", "Unavailable"]]));
    } },
  // Before the paths: their tiles show what this one read.
  { url: "/api/v1/detect", ok: [200], render: renderDetectors, cards: ["card-paths"], loaded: false, role: "operator",
    fail: () => { detectors = new Map(); } },
  { url: "/api/v1/uplink", ok: [200], render: renderUplink, cards: ["card-uplink"], loaded: false, role: "operator", fail: uplinkUnavailable },
  // The stream sends the paths as they change; this reads them once when it is not there yet.
  { url: "/api/v1/paths", ok: [200], render: renderPaths, cards: ["card-paths"], loaded: false, unless: () => stream.open,
    fail: () => $("path-tiles").replaceChildren(el("li", "empty", "Unavailable")) },
];

async function refreshOverview() {
  const sources = SOURCES.filter((s) => (!s.role || atLeast(me, s.role)) && !(s.unless && s.unless()));
  const results = await Promise.allSettled(sources.map((s) => getJson(s.url, s.ok)));
  const errors = [];
  results.forEach((result, i) => {
    const source = sources[i];
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
  if (lastPaths && detectors.size) renderPaths(lastPaths);
  return errors;
}

// "#/recordings/live/cam1?t=2026-12-05T10:00:00Z" -> { page: "recordings", path: "live/cam1", t: "2026-..." };
// "#/events?path=cam1&label=face" -> { page: "events", params }; "#/live?paths=a,b" -> { page: "live", paths: [a, b] }.
function decodePath(text) {
  try { return text.split("/").map(decodeURIComponent).join("/"); } catch { return null; }
}

function parseRoute() {
  const hash = location.hash.replace(/^#/, "");
  const [route, query = ""] = hash.split("?");
  const params = new URLSearchParams(query);
  if (route === "/events" || route === "/models" || route === "/paths") return { page: route.slice(1), params };
  if (route === "/live") return { page: "live", paths: (params.get("paths") || "").split(",").filter(Boolean) };
  const system = route.match(/^\/system(?:\/([a-z]+))?$/);
  if (system) return { page: "system", section: system[1] || null }; // #/system/logs: that section
  const live = route.match(/^\/live\/(.+)$/);
  if (live) {
    const path = decodePath(live[1]);
    return path ? { page: "live", paths: [path] } : { page: "overview" };
  }
  const match = route.match(/^\/recordings(?:\/(.+))?$/);
  if (!match) return { page: "overview" };
  return { page: "recordings", path: match[1] ? decodePath(match[1]) : null, t: params.get("t") };
}

let route = parseRoute();

function showPage() {
  route = parseRoute();
  if (PAGES[route.page].role && !atLeast(me, PAGES[route.page].role)) route = { page: "overview" };
  for (const name of Object.keys(PAGES)) {
    $(`page-${name}`).hidden = route.page !== name;
    const link = $(`nav-${name}`);
    if (!link) continue;
    if (route.page === name) link.setAttribute("aria-current", "page"); else link.removeAttribute("aria-current");
  }
  const page = PAGES[route.page];
  document.title = page.title;
  $("refresh-every").textContent = `Refreshes every ${page.every / 1000} s; paths and events live`;
  if (route.page === "recordings") showRecordings(route); else stopPlayer();
  if (route.page === "events") showEvents(route);
  if (route.page === "live") showLive(route, lastPaths); else stopLive();
  if (route.page === "paths") showPaths(route, me);
}

async function refresh() {
  // The fleet banner is on every page; the dashboard reads GET /api/v1/info (and so the banner) itself.
  const [errors, fleetErrors] = await Promise.all([PAGES[route.page].refresh(), route.page === "overview" ? [] : refreshFleet()]);
  showErrors([...errors, ...fleetErrors]);
  $("updated").textContent = `last update ${new Date().toLocaleTimeString()}`;
}

// One refresh chain: a page change restarts it at once, and a refresh still in flight then schedules nothing.
let timer = 0;
let generation = 0;

async function loop() {
  clearTimeout(timer);
  const mine = ++generation;
  try { await refresh(); } finally { if (mine === generation && me) timer = setTimeout(loop, PAGES[route.page].every); }
}

// The live stream (Server-Sent Events). EventSource reconnects by itself; when the session has ended the
// server answers 401 and the stream closes for good, so the console asks who we are and shows the login.
const stream = { source: null, open: false, eventsDue: 0 };

function connect() {
  const source = new EventSource("/api/v1/stream");
  stream.source = source;
  source.addEventListener("open", () => { stream.open = true; });
  source.addEventListener("paths", (e) => {
    const paths = JSON.parse(e.data);
    renderPaths(paths);
    updateLiveChoices(paths);
  });
  source.addEventListener("host", (e) => { if (lastInfo) renderInfo({ ...lastInfo, host: JSON.parse(e.data) }); });
  source.addEventListener("alarm", (e) => { addAlarm(JSON.parse(e.data)); eventArrived(); });
  source.addEventListener("event", eventArrived);
  source.addEventListener("error", () => {
    stream.open = false;
    if (source.readyState === EventSource.CLOSED) recheck();
  });
}

// A new event refreshes the events page at most twice a second.
function eventArrived() {
  if (route.page !== "events" || stream.eventsDue) return;
  stream.eventsDue = setTimeout(() => { stream.eventsDue = 0; refreshEvents().then(showErrors); }, 500);
}

function disconnect() {
  if (stream.source) stream.source.close();
  stream.source = null;
  stream.open = false;
}

// Signs in (set-up, login or password change as needed), then starts the console.
async function start() {
  let who;
  try {
    who = await whoAmI();
  } catch (e) {
    showErrors([`GET /api/v1/auth/me: ${describe(e)}`]);
    setTimeout(start, 3000);
    return;
  }
  me = await gate(who);
  showUser(me);
  showPage();
  connect();
  loadAlarms();
  loop();
}

// The session ended (logout, expiry, a password change elsewhere): stop everything and ask again.
async function recheck() {
  try {
    const who = await whoAmI();
    if (who.authenticated) return;
  } catch { return; }
  stopAll();
  start();
}

function stopAll() {
  me = null;
  hideFleet();
  clearTimeout(timer);
  generation++;
  disconnect();
  stopLive();
  stopPlayer();
  for (const name of Object.keys(PAGES)) $(`page-${name}`).hidden = true;
}

$("user-logout").addEventListener("click", async () => {
  await logout();
  stopAll();
  start();
});
$("user-password").addEventListener("click", () => {
  const was = me;
  stopAll();
  askPassword(was, (next) => { me = next; showUser(me); showPage(); connect(); loop(); }, false);
});
window.addEventListener("edgebox:unauthorized", recheck);
window.addEventListener("hashchange", () => { if (me) { showPage(); loop(); } });
start();
