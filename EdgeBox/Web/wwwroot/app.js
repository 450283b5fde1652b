// EdgeBox web console. Vanilla ES2020, no dependencies. All API data reaches the DOM via textContent.
const REFRESH_MS = 5000;
const TIMEOUT_MS = 4000;

const $ = (id) => document.getElementById(id);

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function badge(status) {
  const value = status || "unknown";
  return el("span", `badge ${value}`, value);
}

function setBadge(node, status) {
  const value = status || "unknown";
  node.className = `badge ${value}`;
  node.textContent = value;
}

function bytes(n) {
  if (typeof n !== "number" || !Number.isFinite(n) || n < 0) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

function duration(seconds) {
  if (typeof seconds !== "number" || !Number.isFinite(seconds)) return "–";
  let s = Math.floor(seconds);
  const d = Math.floor(s / 86400); s %= 86400;
  const h = Math.floor(s / 3600); s %= 3600;
  const m = Math.floor(s / 60); s %= 60;
  if (d) return `${d}d ${h}h ${m}m`;
  if (h) return `${h}h ${m}m ${s}s`;
  if (m) return `${m}m ${s}s`;
  return `${s}s`;
}

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

function emptyRow(columns, text) {
  const td = el("td", "empty", text);
  td.colSpan = columns;
  const tr = el("tr");
  tr.append(td);
  return tr;
}

async function getJson(url, okStatuses = [200]) {
  const response = await fetch(url, {
    headers: { Accept: "application/json" },
    cache: "no-store",
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (!okStatuses.includes(response.status)) {
    throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
  }
  try {
    return await response.json();
  } catch {
    throw new Error("invalid JSON response");
  }
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
    img.src = `/api/v1/paths/${p.name.split("/").map(encodeURIComponent).join("/")}/snapshot.jpg?width=160&t=${thumbStamp}`;
    td.append(img);
  } else {
    td.textContent = "–";
  }
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
        const state = el("td");
        const badge = el("span", "badge", p.state || "idle");
        badge.classList.add(p.state === "ready" ? "ok" : "unknown");
        state.append(badge);
        const tracks = Array.isArray(p.tracks) && p.tracks.length
          ? p.tracks.map((t) => (t.width ? `${t.codec} ${t.width}×${t.height}` : t.codec)).join(", ")
          : "–";
        tr.append(thumbnail(p), name, state, el("td", null, p.regex ? "regex" : "exact"), el("td", null, p.source || "–"),
          el("td", null, tracks), el("td", null, String(p.readers ?? 0)), el("td", null, p.record ? "yes" : "no"));
        return tr;
      })
    : [emptyRow(8, "No paths configured")]));
}

function showErrors(errors) {
  const banner = $("error");
  if (!errors.length) { banner.hidden = true; banner.replaceChildren(); return; }
  banner.replaceChildren(el("strong", null, "API request failed"),
    ...errors.map((e) => el("div", null, e)));
  banner.hidden = false;
}

function describe(reason) {
  if (reason?.name === "TimeoutError") return "request timed out";
  return reason?.message || String(reason);
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
  { url: "/api/v1/paths", ok: [200], render: renderPaths, cards: ["card-paths"], loaded: false,
    fail: () => $("paths-rows").replaceChildren(emptyRow(8, "Unavailable")) },
];

async function refresh() {
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
  showErrors(errors);
  $("updated").textContent = `last update ${new Date().toLocaleTimeString()}`;
}

async function loop() {
  try { await refresh(); } finally { setTimeout(loop, REFRESH_MS); }
}

loop();
