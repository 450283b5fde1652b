// The link to the fleet in the console: the dashboard's Uplink card (operators and admins: GET /api/v1/uplink names the
// broker) and, on every page and for every role, a banner while fleet layers manage the configuration (the `fleet` of
// GET /api/v1/info). The card is read with the dashboard (every 5 s); the banner with it on the dashboard, else at
// most every 15 s with the page's own refresh.
import { $, el, fillKv, getJson, describe } from "./util.js";

const FLEET_EVERY = 15000;

const stamp = (iso) => (iso ? new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "medium", hourCycle: "h23" }) : "never");
const names = (items) => (Array.isArray(items) && items.length ? items.join(", ") : "none");
const code = (text) => el("code", null, text);

function items(texts, className) {
  const ul = el("ul", className);
  ul.append(...texts.map((text) => el("li", null, text)));
  return ul;
}

// What the badge says: not configured, connected, disconnected (MQTT), or for HTTPS pull alone whether it synced.
function status(u) {
  if (!u.enabled) return ["not configured", "unknown"];
  if (u.connected) return ["connected", "ok"];
  if ((u.modes || []).includes("mqtt")) return ["disconnected", "failed"];
  return u.lastError ? ["sync failing", "degraded"] : u.lastSync ? ["synced", "ok"] : ["not synced yet", "unknown"];
}

function connection(u) {
  if (u.connected) return `connected since ${stamp(u.connectedSince)}`;
  if ((u.modes || []).includes("mqtt")) return u.lastError ? `disconnected: ${u.lastError}` : "disconnected";
  return "HTTPS pull (no broker)";
}

function outbox(o = {}) {
  const text = `${o.queued ?? 0} queued · ${o.dropped ?? 0} dropped · acknowledged up to #${o.acknowledged ?? 0}`;
  return o.dropped ? el("span", "bad", text) : text;
}

function layers(fleet) {
  const list = Array.isArray(fleet.layers) ? fleet.layers : [];
  if (!list.length) return "none";
  return items(list.map((l) => `${l.name} @${l.version}${l.allowLocal?.length ? ` · the box may set: ${l.allowLocal.join(", ")}` : ""}`), "uplink-list");
}

function report(r) {
  if (!r) return [["Last report", "none yet"]];
  const pairs = [["Last report", el("span", r.result === "applied" ? null : "bad", `${r.result} at ${stamp(r.time)}`)]];
  pairs.push(["Report errors", r.errors?.length ? items(r.errors, "uplink-list bad") : "none"]);
  if (r.restartRequired?.length) pairs.push(["Restart required for", names(r.restartRequired)]);
  return pairs;
}

let drawn = "";

export function renderUplink(u) {
  const key = JSON.stringify(u);
  if (key === drawn) return; // unchanged: nothing redrawn, nothing announced again
  drawn = key;
  const [text, kind] = status(u);
  const badge = $("uplink-status");
  badge.className = `badge ${kind}`;
  badge.textContent = text;
  const note = $("uplink-note");
  const fleet = u.fleet || {};
  if (!u.enabled) {
    note.textContent = "Not configured: this box runs stand-alone. Set uplink.mqtt.url (an MQTT broker) or uplink.http.configUrl "
      + "(HTTPS pull) in the configuration to join a fleet.";
    note.hidden = false;
    fillKv($("uplink-link"), [["Device ID", code(u.deviceId)]]);
    fillKv($("uplink-fleet"), [["Fleet layers", fleet.managed ? code(fleet.version) : "none (local configuration only)"]]);
    return;
  }
  note.hidden = true;
  fillKv($("uplink-link"), [
    ["Status", connection(u)],
    ["Modes", names(u.modes)],
    ["Broker", u.broker ? code(u.broker) : "none"],
    ["Config URL", u.configUrl ? code(u.configUrl) : "none"],
    ["Device ID", code(u.deviceId)],
    ["Groups", names(u.groups)],
    ["Last sync", stamp(u.lastSync)],
    ["Last telemetry", stamp(u.lastTelemetry)],
    ["Events sent", String(u.eventsSent ?? 0)],
    ["Outbox", outbox(u.outbox)],
    ["Last error", u.lastError ? el("span", "bad", u.lastError) : "none"],
  ]);
  fillKv($("uplink-fleet"), [
    ["Applied fleet version", fleet.managed ? code(fleet.version) : "none (local configuration only)"],
    ["Layers", layers(fleet)],
    ["Local settings overridden", names(fleet.overridden)],
    ...report(u.lastReported),
  ]);
}

export function uplinkUnavailable() {
  drawn = "";
  const badge = $("uplink-status");
  badge.className = "badge unknown";
  badge.textContent = "unknown";
  fillKv($("uplink-link"), [["Status", "Unavailable"]]);
  $("uplink-fleet").replaceChildren();
}

// The banner

let fleetAt = 0;

// "group/a@3,device/b@7" and the keys left to the box -> the banner's sentence; "" for a stand-alone box.
function fleetText(fleet) {
  if (!fleet?.managed) return "";
  const layers = String(fleet.version || "").split(",").filter(Boolean).join(", ");
  const allowed = Array.isArray(fleet.allowLocal) ? fleet.allowLocal : [];
  return `This box's configuration is managed by the fleet (${layers}). `
    + (allowed.length
      ? `Local edits apply only to keys the fleet allows: ${allowed.join(", ")}, and to keys it does not set.`
      : "Local edits apply only to keys the fleet does not set.");
}

// Shows (or hides) the banner at the top of every page and the one beside the path editor.
export function showFleet(fleet) {
  fleetAt = Date.now();
  const text = fleetText(fleet);
  for (const id of ["fleet-banner", "pathedit-fleet"]) {
    const node = $(id);
    if (node.textContent !== text) node.textContent = text;
    node.hidden = !text;
  }
}

// Reads GET /api/v1/info for the banner, unless it was read in the last 15 s. Returns the errors, as page refreshes do.
export async function refreshFleet() {
  if (Date.now() - fleetAt < FLEET_EVERY) return [];
  try {
    showFleet((await getJson("/api/v1/info")).fleet);
    return [];
  } catch (e) {
    return [`GET /api/v1/info: ${describe(e)}`];
  }
}

// Logged out: no banner, and the next login reads it at once.
export function hideFleet() {
  showFleet(null);
  fleetAt = 0;
}
