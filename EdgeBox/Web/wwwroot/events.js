// The events page: detection events newest first, each with its picture, filtered by path and label.
// The first page and "older" pages are read backwards (before=<id>); new events are polled with since=<newest id>.
// An event is stored when its object appears and updated (same id) when it leaves or its snapshot is written,
// so the newest rows still ongoing or without a picture are read again on each poll.
import { $, el, duration, emptyRow, encodePath, getJson, describe } from "./util.js";

const PAGE = 50;            // events per page ("Older events" loads the next one)
const REREAD = 10;          // unfinished rows read again per poll, newest first
const COLUMNS = 9;

const state = {
  path: "",           // filters ("" = all)
  label: "",
  rows: [],           // events shown, newest first
  nodes: new Map(),   // id -> { key, tr }: a row is rebuilt only when its event changed (no image reloads)
  loaded: false,      // the first page was read for these filters
  done: false,        // no older events
  token: 0,           // bumped when the filters change: answers for older filters are dropped
  clips: new Map(),   // clip id -> its start (ms), or null when unknown
  labels: [],         // the models' labels, for the label filter
  paths: [],          // configured paths, for the path filter
};

const stamp = (ms) => new Date(ms).toLocaleString([], { dateStyle: "medium", timeStyle: "medium", hourCycle: "h23" });
const iso = (ms) => new Date(ms).toISOString();

function query(extra) {
  const params = new URLSearchParams({ type: "detection" });
  if (state.path) params.set("path", state.path);
  if (state.label) params.set("label", state.label);
  for (const [key, value] of Object.entries(extra)) params.set(key, String(value));
  return `/api/v1/events?${params}`;
}

function detections(items) {
  return (Array.isArray(items) ? items : []).filter((e) => e && e.detection);
}

// "#/events?path=cam1&label=face": the filters come from the URL, so a filtered list can be linked to.
export function showEvents(route) {
  const path = route.params?.get("path") || "";
  const label = route.params?.get("label") || "";
  if (path !== state.path || label !== state.label || !state.loaded) {
    state.path = path;
    state.label = label;
    reset();
  }
  fillSelect($("ev-path"), "All paths", state.paths, state.path);
  fillSelect($("ev-label"), "All labels", state.labels, state.label);
}

function reset() {
  state.token++;
  state.rows = [];
  state.nodes.clear();
  state.loaded = false;
  state.done = false;
  $("ev-rows").replaceChildren(emptyRow(COLUMNS, "Loading…"));
  $("ev-older").hidden = true;
  note("");
}

export async function refreshEvents() {
  const errors = [];
  const token = state.token;
  const [paths, models] = await Promise.allSettled([getJson("/api/v1/paths"), getJson("/api/v1/models")]);
  if (paths.status === "fulfilled") {
    state.paths = (paths.value.items || []).filter((p) => !p.regex).map((p) => p.name);
  }
  if (models.status === "fulfilled") {
    state.labels = [...new Set((models.value.items || []).flatMap((m) => (Array.isArray(m.labels) ? m.labels : [])))];
  }
  try {
    if (!state.loaded) {
      const page = detections((await getJson(query({ order: "desc", limit: PAGE }))).items);
      if (token !== state.token) return errors;
      state.rows = page;
      state.done = page.length < PAGE;
      state.loaded = true;
    } else {
      await poll(token);
    }
    await resolveClips();
  } catch (e) {
    errors.push(`GET /api/v1/events: ${describe(e)}`);
    if (!state.loaded) $("ev-rows").replaceChildren(emptyRow(COLUMNS, "Unavailable"));
  }
  if (token === state.token && state.loaded) render();
  return errors;
}

async function poll(token) {
  const newest = state.rows.length ? state.rows[0].id : 0;
  const fresh = detections((await getJson(query({ since: newest, limit: 100 }))).items);
  if (token !== state.token) return;
  if (fresh.length) state.rows = [...fresh.reverse(), ...state.rows];

  const unfinished = state.rows.filter((e) => !e.detection.end || !e.detection.snapshot).slice(0, REREAD);
  const reread = await Promise.allSettled(unfinished.map((e) => getJson(`/api/v1/events/${e.id}`)));
  if (token !== state.token) return;
  const byId = new Map();
  reread.forEach((r) => { if (r.status === "fulfilled" && r.value?.detection) byId.set(r.value.id, r.value); });
  if (byId.size) state.rows = state.rows.map((e) => byId.get(e.id) || e);
}

async function older() {
  const token = state.token;
  if (!state.rows.length) return;
  const oldest = state.rows[state.rows.length - 1].id;
  const button = $("ev-older");
  button.disabled = true;
  try {
    const page = detections((await getJson(query({ before: oldest, limit: PAGE }))).items);
    if (token !== state.token) return;
    const known = new Set(state.rows.map((e) => e.id));
    state.rows = [...state.rows, ...page.filter((e) => !known.has(e.id))];
    state.done = page.length < PAGE;
    await resolveClips();
    if (token === state.token) render();
  } catch (e) {
    note(`Cannot load older events: ${describe(e)}`);
  } finally {
    button.disabled = false;
  }
}

// A clip starts before its event (the path's pre-roll): its recording link opens the clip's start.
async function resolveClips() {
  const wanted = [...new Set(state.rows.map((e) => e.detection.clipId).filter((id) => id && !state.clips.has(id)))];
  const answers = await Promise.allSettled(wanted.map((id) => getJson(`/api/v1/clips/${encodeURIComponent(id)}`)));
  answers.forEach((a, i) => {
    const start = a.status === "fulfilled" ? Date.parse(a.value.start) : NaN;
    state.clips.set(wanted[i], Number.isFinite(start) ? start : null);
  });
}

function fillSelect(select, all, values, chosen) {
  const options = [...new Set([...values, ...(chosen ? [chosen] : [])])].sort();
  const key = JSON.stringify(options);
  if (select.dataset.key !== key) {
    select.dataset.key = key;
    select.replaceChildren(el("option", null, all), ...options.map((v) => el("option", null, v)));
    select.options[0].value = "";
  }
  select.value = chosen;
}

function render() {
  const seenPaths = state.rows.map((e) => e.path).filter(Boolean);
  const seenLabels = state.rows.map((e) => e.detection.label);
  fillSelect($("ev-path"), "All paths", [...state.paths, ...seenPaths], state.path);
  fillSelect($("ev-label"), "All labels", [...state.labels, ...seenLabels], state.label);

  const shown = new Set();
  const rows = state.rows.map((e) => {
    shown.add(e.id);
    const clipStart = e.detection.clipId ? state.clips.get(e.detection.clipId) ?? null : null;
    const key = JSON.stringify([e, clipStart]);
    let node = state.nodes.get(e.id);
    if (!node || node.key !== key) {
      node = { key, tr: row(e, clipStart) };
      state.nodes.set(e.id, node);
    }
    return node.tr;
  });
  for (const id of state.nodes.keys()) if (!shown.has(id)) state.nodes.delete(id);

  const filtered = state.path || state.label ? " matching the filters" : "";
  $("ev-rows").replaceChildren(...(rows.length ? rows : [emptyRow(COLUMNS, `No detection events${filtered} yet`)]));
  $("ev-count").textContent = `${state.rows.length} event${state.rows.length === 1 ? "" : "s"}${state.done ? "" : " (more below)"}`;
  $("ev-older").hidden = state.done;
  $("ev-zone").textContent = `Times in ${Intl.DateTimeFormat().resolvedOptions().timeZone || "local time"}`;
}

function timeCell(value) {
  const td = el("td");
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) { td.textContent = "–"; return td; }
  const time = el("time", null, stamp(ms));
  time.dateTime = iso(ms);
  time.title = `${iso(ms)} (UTC)`;
  td.append(time);
  return td;
}

function row(e, clipStart) {
  const d = e.detection;
  const tr = el("tr");
  tr.dataset.id = String(e.id);
  tr.dataset.label = d.label;

  const picture = el("td", "thumb-cell");
  if (d.snapshot) {
    const button = el("button", "thumb-button");
    button.type = "button";
    button.title = "Open the snapshot";
    const img = el("img", "thumb");
    img.alt = `${d.label} on ${e.path}`;
    // The picture is replaced while a better one of the object comes (a higher score): the score keys the cache.
    img.src = `/api/v1/events/${e.id}/crop.jpg?v=${Math.round(d.score * 1000)}`;
    button.append(img);
    button.addEventListener("click", () => openSnapshot(e));
    picture.append(button);
  } else {
    picture.append(el("span", "muted", "no picture yet"));
  }

  const label = el("td");
  label.append(el("strong", null, d.label));
  if (d.model) label.append(el("div", "muted", d.model));
  const start = Date.parse(d.start);
  const end = d.end ? Date.parse(d.end) : null;
  const length = el("td");
  if (end === null) length.append(el("span", "badge ok", "ongoing"));
  else length.textContent = duration((end - start) / 1000);

  const clip = el("td");
  if (d.clipId && e.path) {
    const link = el("a", null, "Play clip");
    link.href = `#/recordings/${encodePath(e.path)}?t=${iso(clipStart ?? start)}`;
    link.title = `Clip ${d.clipId} in the recordings of ${e.path}`;
    clip.append(link);
  } else {
    clip.textContent = "–";
  }

  const path = el("td");
  path.append(el("code", null, e.path || "–"));
  tr.append(picture, label, el("td", null, `${Math.round(d.score * 100)}%`), path, el("td", null, d.zone || "–"),
    timeCell(d.start), d.end ? timeCell(d.end) : el("td", "muted", "–"), length, clip);
  return tr;
}

function openSnapshot(e) {
  const d = e.detection;
  const dialog = $("ev-dialog");
  const img = $("ev-full");
  img.alt = `${d.label} on ${e.path}, with its box`;
  img.src = `/api/v1/events/${e.id}/snapshot.jpg?v=${Math.round(d.score * 1000)}`;
  $("ev-dialog-title").textContent = `${d.label} · ${Math.round(d.score * 100)}% · ${e.path}`;
  $("ev-dialog-caption").textContent = `Event ${e.id}, ${stamp(Date.parse(d.start))}${d.zone ? `, zone ${d.zone}` : ""}`;
  if (!dialog.open) dialog.showModal();
}

function note(text) {
  $("ev-note").textContent = text;
}

// Filters change the URL (#/events?path=...), which shows the page again with them.
function applyFilters() {
  const params = new URLSearchParams();
  if ($("ev-path").value) params.set("path", $("ev-path").value);
  if ($("ev-label").value) params.set("label", $("ev-label").value);
  const query = params.toString();
  location.hash = `#/events${query ? `?${query}` : ""}`;
}

function setUp() {
  $("ev-path").addEventListener("change", applyFilters);
  $("ev-label").addEventListener("change", applyFilters);
  $("ev-filters").addEventListener("submit", (e) => e.preventDefault());
  $("ev-older").addEventListener("click", older);
  const dialog = $("ev-dialog");
  $("ev-dialog-close").addEventListener("click", () => dialog.close());
  // A click on the backdrop (outside the dialog's box) closes it too.
  dialog.addEventListener("click", (e) => {
    if (e.target !== dialog) return;
    const r = dialog.getBoundingClientRect();
    if (e.clientX < r.left || e.clientX > r.right || e.clientY < r.top || e.clientY > r.bottom) dialog.close();
  });
  dialog.addEventListener("close", () => $("ev-full").removeAttribute("src"));
}

setUp();
