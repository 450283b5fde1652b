// Helpers shared by the console's pages. All API data reaches the DOM via textContent.
// A loaded 2-core box can take seconds to answer while it transcodes; the console waits rather than flags an error.
export const TIMEOUT_MS = 10000;

export const $ = (id) => document.getElementById(id);

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

export function badge(status) {
  const value = status || "unknown";
  return el("span", `badge ${value}`, value);
}

export function setBadge(node, status) {
  const value = status || "unknown";
  node.className = `badge ${value}`;
  node.textContent = value;
}

export function bytes(n) {
  if (typeof n !== "number" || !Number.isFinite(n) || n < 0) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

export function duration(seconds) {
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

// Fills a <dl> with [label, value] pairs; value may be text or a Node.
export function fillKv(dl, pairs) {
  dl.replaceChildren(...pairs.flatMap(([label, value]) => {
    const dd = el("dd");
    if (value instanceof Node) dd.append(value); else dd.textContent = value ?? "–";
    return [el("dt", null, label), dd];
  }));
}

export function emptyRow(columns, text) {
  const td = el("td", "empty", text);
  td.colSpan = columns;
  const tr = el("tr");
  tr.append(td);
  return tr;
}

// A path name in a URL: each segment encoded, the slashes kept (paths like live/cam1).
export function encodePath(name) {
  return name.split("/").map(encodeURIComponent).join("/");
}

export async function getJson(url, okStatuses = [200]) {
  const response = await fetch(url, {
    headers: { Accept: "application/json" },
    cache: "no-store",
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (response.status === 401) window.dispatchEvent(new Event("edgebox:unauthorized"));
  if (!okStatuses.includes(response.status)) {
    throw new Error(await errorText(response));
  }
  try {
    return await response.json();
  } catch {
    throw new Error("invalid JSON response");
  }
}

// "HTTP 404 Not Found: no recordings of 'x'" from an API error response ({ error: "..." }).
export async function errorText(response) {
  let detail = "";
  try { detail = (await response.json())?.error || ""; } catch { /* not JSON */ }
  const status = `HTTP ${response.status} ${response.statusText}`.trim();
  return detail ? `${status}: ${detail}` : status;
}

export function describe(reason) {
  if (reason?.name === "TimeoutError") return "request timed out";
  return reason?.message || String(reason);
}

export function showErrors(errors) {
  const banner = $("error");
  if (!errors.length) { banner.hidden = true; banner.replaceChildren(); return; }
  banner.replaceChildren(el("strong", null, "API request failed"),
    ...errors.map((e) => el("div", null, e)));
  banner.hidden = false;
}
