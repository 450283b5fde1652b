// The recordings page: the paths with recordings; per path, one day's timeline of recorded spans and a
// player. The API speaks UTC (ISO 8601); the page shows the browser's local time, with UTC in tooltips.
// The player loads the download URL (one fragmented MP4) rather than the HLS playlist: every browser plays
// MP4 natively, and Chromium has no native HLS.
import { $, el, badge, bytes, duration, emptyRow, encodePath, getJson, errorText, describe, TIMEOUT_MS } from "./util.js";

const MINUTE = 60e3;
const HOUR = 60 * MINUTE;
const WINDOW_MS = HOUR;      // what one play loads: an hour from the chosen time, or up to the end of its span
const SNAP_PX = 8;           // a click this close to a span plays it: a short span is a sliver of a 24-hour bar
const TAIL_MS = 30e3;        // a click just after a span plays the span's last 30 s
const SPANS_LISTED = 100;

const state = {
  items: null,        // GET /api/v1/recordings, once loaded
  path: null,         // the chosen path
  day: null,          // the chosen local day, "YYYY-MM-DD"
  spans: [],          // that day's recorded spans, { start, end } in ms
  clips: [],          // that day's event clips, { id, start, end, reason, locked }
  marks: [],          // that day's detection events, { id, t, label }: markers on the bars
  cursor: null,       // the time the timeline points at (ms)
  playing: null,      // { path, from, to, start } (ms): the loaded window; start is its first frame's time
  pending: null,      // a time from the URL (#/recordings/cam1?t=...) to load once its day is shown
  loads: 0,           // the newest load; an older one that answers late is dropped
  drawn: "",          // what the day bar shows, to redraw it only when that changes
  zoom: null,         // the hour the hour bar shows (ms)
};

const pad = (n) => String(n).padStart(2, "0");
const iso = (ms) => new Date(ms).toISOString();
const clock = (ms) => new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
const hm = (ms) => { const d = new Date(ms); return `${pad(d.getHours())}:${pad(d.getMinutes())}`; };
const hms = (ms) => { const d = new Date(ms); return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`; };
const stamp = (ms) => new Date(ms).toLocaleString([], { dateStyle: "medium", timeStyle: "medium", hourCycle: "h23" });

function dayKey(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

// A local day's first and last instant (ms): 23 or 25 hours long when the clocks change.
function dayBounds(key, offsetDays = 0) {
  const [y, m, d] = key.split("-").map(Number);
  return [new Date(y, m - 1, d + offsetDays).getTime(), new Date(y, m - 1, d + offsetDays + 1).getTime()];
}

function zoneLabel(ms) {
  const minutes = -new Date(ms).getTimezoneOffset();
  const abs = Math.abs(minutes);
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "local time";
  return `Times in ${zone} (UTC${minutes < 0 ? "−" : "+"}${pad(Math.floor(abs / 60))}:${pad(abs % 60)})`;
}

function timeEl(ms, text) {
  const node = el("time", null, text);
  node.dateTime = iso(ms);
  node.title = `${iso(ms)} (UTC)`;
  return node;
}

function note(text) {
  $("rec-note").textContent = text;
}

// Called when the URL's hash names the recordings page.
export function showRecordings(route) {
  const pending = route.t ? Date.parse(route.t) : NaN;
  if (route.path !== state.path) {
    stopPlayer();
    state.path = route.path;
    state.day = null;
    state.spans = [];
    state.clips = [];
    state.marks = [];
    state.cursor = null;
    state.drawn = "";
    state.zoom = null;
    $("rec-title").textContent = route.path ? `Recording of ${route.path}` : "Recording";
    for (const id of ["rec-track", "rec-ticks", "rec-zoom-track", "rec-zoom-ticks"]) {
      $(id).replaceChildren();
      delete $(id).dataset.from;
    }
    $("rec-spans").replaceChildren();
    $("rec-clips").replaceChildren();
    $("rec-clips-box").hidden = true;
    $("rec-summary").textContent = "Loading…";
    note("");
  }
  if (Number.isFinite(pending)) {
    state.pending = pending;
    state.day = dayKey(pending);
  }
  $("card-recording").hidden = !route.path;
  renderRows();
}

// Leaving the page (or the path) stops what plays there.
export function stopPlayer() {
  const video = $("rec-video");
  state.loads++;
  state.playing = null;
  if (video.getAttribute("src")) {
    video.pause();
    video.removeAttribute("src");
    video.load();
  }
  $("rec-links").hidden = true;
  $("rec-clock").textContent = "nothing yet";
}

// The page's periodic refresh: the list, and the chosen day (a recording in progress grows).
export async function refreshRecordings() {
  const errors = [];
  try {
    const list = await getJson("/api/v1/recordings");
    state.items = Array.isArray(list.items) ? list.items : [];
  } catch (e) {
    errors.push(`GET /api/v1/recordings: ${describe(e)}`);
    if (!state.items) $("rec-rows").replaceChildren(emptyRow(6, "Unavailable"));
  }
  renderRows();
  if (state.path) {
    try { await loadDay(); } catch (e) { errors.push(`recordings of ${state.path}: ${describe(e)}`); }
  }
  return errors;
}

function recorderBadge(recorder) {
  if (!recorder) return el("span", "muted", "not recording");
  const node = badge(recorder);
  if (recorder === "recording") node.classList.add("ok");
  if (recorder === "diskfull") node.classList.add("failed");
  return node;
}

function renderRows() {
  if (!state.items) return; // "Loading…" until the first answer
  const items = state.items;
  $("rec-count").textContent = `${items.length} path${items.length === 1 ? "" : "s"}`;
  $("rec-rows").replaceChildren(...(items.length
    ? items.map((item) => {
        const tr = el("tr");
        const name = el("td");
        const link = el("a", null, item.path);
        link.href = `#/recordings/${encodePath(item.path)}`;
        if (item.path === state.path) { link.setAttribute("aria-current", "true"); tr.className = "selected"; }
        name.append(link);
        const recorder = el("td");
        recorder.append(recorderBadge(item.recorder));
        const first = el("td");
        const last = el("td");
        if (item.first) first.append(timeEl(Date.parse(item.first), stamp(Date.parse(item.first)))); else first.textContent = "–";
        if (item.last) last.append(timeEl(Date.parse(item.last), stamp(Date.parse(item.last)))); else last.textContent = "–";
        tr.append(name, recorder, first, last, el("td", null, bytes(item.size)), el("td", null, String(item.segments ?? 0)));
        return tr;
      })
    : [emptyRow(6, "Nothing recorded yet: set record: true on a path")]));
}

async function loadDay() {
  const path = state.path;
  const item = state.items?.find((i) => i.path === path);
  if (!state.day) state.day = dayKey(item?.last ? Date.parse(item.last) : Date.now());
  const day = state.day;
  const [from, to] = dayBounds(day);
  const [detail, events] = await Promise.all([
    getJson(`/api/v1/recordings/${encodePath(path)}?from=${iso(from)}&to=${iso(to)}`, [200, 404]),
    getJson(`/api/v1/events?type=detection&path=${encodeURIComponent(path)}&from=${iso(from)}&to=${iso(to)}&limit=1000`).catch(() => ({ items: [] })),
  ]);
  if (path !== state.path || day !== state.day) return; // the user moved on meanwhile
  state.marks = (Array.isArray(events.items) ? events.items : [])
    .map((e) => ({ id: e.id, t: Date.parse(e.detection?.start ?? e.time), label: e.detection?.label ?? e.type }))
    .filter((m) => Number.isFinite(m.t));
  state.spans = (Array.isArray(detail.spans) ? detail.spans : [])
    .map((s) => ({ start: Date.parse(s.start), end: Date.parse(s.end) }))
    .filter((s) => s.end > s.start);
  state.clips = (Array.isArray(detail.clips) ? detail.clips : [])
    .map((c) => ({ id: c.id, start: Date.parse(c.start), end: Date.parse(c.end), reason: String(c.reason ?? ""), locked: Boolean(c.locked) }))
    .sort((a, b) => a.start - b.start);
  renderDay(item, from, to, detail.error);
  if (state.pending !== null) {
    const t = state.pending;
    state.pending = null;
    play(t);
  }
}

function renderDay(item, from, to, error) {
  const input = $("rec-day");
  input.value = state.day;
  input.min = item?.first ? dayKey(Date.parse(item.first)) : "";
  input.max = item?.last ? dayKey(Date.parse(item.last)) : "";
  $("rec-prev").disabled = Boolean(input.min) && state.day <= input.min;
  $("rec-next").disabled = Boolean(input.max) && state.day >= input.max;
  $("rec-zone").textContent = zoneLabel(from);

  const spans = state.spans;
  const drawn = JSON.stringify([state.day, spans, state.clips, state.marks, error, Math.floor(Date.now() / MINUTE)]);
  if (drawn === state.drawn) return; // a refresh that changed nothing keeps focus and hover where they are
  state.drawn = drawn;
  const total = spans.reduce((sum, s) => sum + (s.end - s.start), 0);
  $("rec-summary").textContent = error || (spans.length
    ? `${duration(total / 1000)} recorded in ${spans.length} span${spans.length === 1 ? "" : "s"} on this day`
    : "nothing recorded on this day");

  const [y, m, d] = state.day.split("-").map(Number);
  const hours = [];
  for (let h = 0; h <= 24; h++) {
    const t = new Date(y, m - 1, d, h).getTime();
    if (t > to) break;
    hours.push({ t, label: pad(new Date(t).getHours() || (h ? 24 : 0)), minor: h % 3 !== 0 });
  }
  drawBar($("rec-track"), $("rec-ticks"), from, to, hours);
  if (state.cursor === null || state.cursor < from || state.cursor >= to) {
    state.cursor = spans.length ? spans[spans.length - 1].start : from;
  }
  state.zoom = null;
  setCursor(state.cursor);

  $("rec-spans-title").textContent = `${spans.length} recorded span${spans.length === 1 ? "" : "s"} on this day`;
  $("rec-spans").replaceChildren(...spans.slice(0, SPANS_LISTED).map((s) => {
    const li = el("li");
    const button = el("button", null, `${clock(s.start)} – ${clock(s.end)}`);
    button.type = "button";
    button.title = `Play from ${iso(s.start)} (UTC), ${duration((s.end - s.start) / 1000)} recorded`;
    button.addEventListener("click", () => play(s.start));
    li.append(button);
    return li;
  }), ...(spans.length > SPANS_LISTED ? [el("li", "muted", `and ${spans.length - SPANS_LISTED} more`)] : []));
  renderClips();
}

// The day's event clips (POST /api/v1/paths/{name}/record): each plays from its start; "kept" while retention may not delete it.
function renderClips() {
  const clips = state.clips;
  $("rec-clips-box").hidden = clips.length === 0;
  $("rec-clips-title").textContent = `${clips.length} event clip${clips.length === 1 ? "" : "s"} on this day`;
  $("rec-clips").replaceChildren(...clips.slice(0, SPANS_LISTED).map((c) => {
    const li = el("li");
    const button = el("button", null, `${clock(c.start)} – ${clock(c.end)}${c.reason ? ` · ${c.reason}` : ""}${c.locked ? " · kept" : ""}`);
    button.type = "button";
    button.title = `Clip ${c.id}: play from ${iso(c.start)} (UTC)${c.locked ? "; kept from retention" : ""}`;
    button.addEventListener("click", () => play(c.start));
    li.append(button);
    return li;
  }));
}

// One bar from `from` to `to` (ms): grid lines with labels below, the recorded spans in it, "now", a playhead.
function drawBar(track, ticks, from, to, grid) {
  const pct = (t) => `${(((t - from) / (to - from)) * 100).toFixed(4)}%`;
  const parts = [];
  const labels = [];
  for (const { t, label, minor } of grid) {
    const line = el("div", "grid");
    line.style.left = pct(t);
    parts.push(line);
    const text = el("span", minor ? "minor" : null, label);
    text.style.left = pct(t);
    labels.push(text);
  }
  for (const s of state.spans) {
    if (s.end <= from || s.start >= to) continue;
    const start = Math.max(s.start, from);
    const end = Math.min(s.end, to);
    const bar = el("div", "span");
    bar.style.left = pct(start);
    bar.style.width = `${(((end - start) / (to - from)) * 100).toFixed(4)}%`;
    bar.title = `Recorded ${clock(s.start)} – ${clock(s.end)} (${duration((s.end - s.start) / 1000)})`;
    bar.dataset.start = iso(start);
    bar.dataset.end = iso(end);
    parts.push(bar);
  }
  // Event markers: detections and the starts of event clips; a click on the bar there plays that moment.
  const marks = [...state.marks.map((m) => ({ t: m.t, text: `${m.label} at ${clock(m.t)}` })),
    ...state.clips.map((c) => ({ t: c.start, text: `clip${c.reason ? ` (${c.reason})` : ""} at ${clock(c.start)}` }))];
  for (const m of marks) {
    if (m.t < from || m.t >= to) continue;
    const marker = el("div", "mark");
    marker.style.left = pct(m.t);
    marker.title = m.text;
    parts.push(marker);
  }
  const now = Date.now();
  if (now > from && now < to) {
    const mark = el("div", "now");
    mark.style.left = pct(now);
    parts.push(mark);
  }
  parts.push(el("div", "playhead"));
  track.replaceChildren(...parts);
  ticks.replaceChildren(...labels);
  track.dataset.from = String(from);
  track.dataset.to = String(to);
}

// The hour bar: the local hour around the cursor, at a scale where a minute is a few dozen pixels.
function drawZoom() {
  const start = new Date(state.cursor);
  start.setMinutes(0, 0, 0);
  const from = start.getTime();
  const to = from + HOUR;
  if (state.zoom === from) return;
  state.zoom = from;
  const grid = [];
  for (let minute = 0; minute <= 60; minute += 5) {
    const t = from + minute * MINUTE;
    grid.push({ t, label: minute === 60 ? hm(to) : minute ? `:${pad(minute)}` : hm(from), minor: minute % 15 !== 0 });
  }
  drawBar($("rec-zoom-track"), $("rec-zoom-ticks"), from, to, grid);
  $("rec-zoom-label").textContent = `The hour of the chosen time, ${hm(from)} – ${hm(to)}:`;
}

// The cursor (the chosen time) and the playhead (the time being watched) on both bars.
function place() {
  const t = watched();
  for (const id of ["rec-track", "rec-zoom-track"]) {
    const track = $(id);
    const from = Number(track.dataset.from);
    const to = Number(track.dataset.to);
    if (!(to > from)) continue;
    const at = (ms) => `${(((ms - from) / (to - from)) * 100).toFixed(4)}%`;
    const cursor = track.parentElement.querySelector(".cursor");
    cursor.hidden = state.cursor === null || state.cursor < from || state.cursor >= to;
    if (!cursor.hidden) cursor.style.left = at(state.cursor);
    const playhead = track.querySelector(".playhead");
    if (!playhead) continue;
    playhead.hidden = t === null || t < from || t >= to || state.playing.path !== state.path;
    if (!playhead.hidden) playhead.style.left = at(t);
  }
}

function setCursor(t) {
  const [from, to] = dayBounds(state.day);
  state.cursor = Math.min(Math.max(t, from), to - 1000);
  const recorded = state.spans.some((s) => state.cursor >= s.start && state.cursor < s.end);
  const timeline = $("rec-timeline");
  timeline.setAttribute("aria-valuenow", String(Math.floor((state.cursor - from) / MINUTE)));
  timeline.setAttribute("aria-valuemax", String(Math.round((to - from) / MINUTE)));
  timeline.setAttribute("aria-valuetext", `${clock(state.cursor)}, ${recorded ? "recorded" : "not recorded"}`);
  const input = $("rec-time");
  if (document.activeElement !== input) input.value = hms(state.cursor); // not while someone types in it
  drawZoom();
  place();
}

// Where to play for a chosen time: in a span, that time; near a span (within snapMs), that span;
// in a gap, the next span's start.
function resolve(t, snapMs) {
  const spans = state.spans;
  const inside = spans.find((s) => t >= s.start && t < s.end);
  // A click is as precise as a pixel (snapMs / SNAP_PX): within one of the span's start, play it from its start.
  // On the 24-hour bar a pixel is over a minute, so a click on a short span would land anywhere in it, even
  // in its last second.
  if (inside) return { t: snapMs > 0 && t - inside.start <= snapMs / SNAP_PX ? inside.start : t, span: inside };
  let near = null;
  let best = snapMs;
  for (const s of spans) {
    const distance = t < s.start ? s.start - t : t - s.end;
    if (snapMs > 0 && distance <= best) { best = distance; near = s; }
  }
  if (near) return { t: Math.max(near.start, Math.min(t, near.end - TAIL_MS)), span: near };
  const next = spans.find((s) => s.start > t);
  if (next) return { t: next.start, span: next, note: `Nothing recorded at ${clock(t)}: playing the next recording, from ${clock(next.start)}.` };
  return { note: `Nothing recorded at ${clock(t)} or later on this day.` };
}

function play(t, snapMs = 0) {
  const target = resolve(t, snapMs);
  setCursor(target.t ?? t);
  note(target.note || "");
  if (target.t === undefined) return;
  load(state.path, target.t, Math.min(target.t + WINDOW_MS, target.span.end));
}

async function load(path, from, to) {
  const token = ++state.loads;
  const base = `/api/v1/recordings/${encodePath(path)}`;
  const query = `from=${encodeURIComponent(iso(from))}&to=${encodeURIComponent(iso(to))}`;
  const src = `${base}/download?${query}&inline=1`;
  // One byte first: its headers say when the file's first frame is (the keyframe at or before from),
  // and a failure comes with the API's reason, which a <video> element would not show.
  let start = from;
  try {
    const probe = await fetch(src, { headers: { Range: "bytes=0-0" }, cache: "no-store", signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!probe.ok) {
      if (token === state.loads) note(`Cannot play ${clock(from)}: ${await errorText(probe)}`);
      return;
    }
    await probe.body?.cancel();
    start = Date.parse(probe.headers.get("X-EdgeBox-Start") || "") || from;
  } catch (e) {
    if (token === state.loads) note(`Cannot play ${clock(from)}: ${describe(e)}`);
    return;
  }
  if (token !== state.loads) return;

  state.playing = { path, from, to, start };
  const video = $("rec-video");
  video.src = src;
  $("rec-download").href = `${base}/download?${query}`;
  $("rec-hls").href = `${base}/index.m3u8?${query}`;
  $("rec-links").hidden = false;
  $("rec-clock").textContent = stamp(from);
  history.replaceState(null, "", `#/recordings/${encodePath(path)}?t=${iso(from)}`);
  try {
    await video.play();
  } catch (e) {
    // NotAllowedError: the browser wants a click first (a link opened with ?t=). AbortError: a newer load.
    if (e.name === "NotAllowedError" && token === state.loads) note(`Loaded ${clock(from)}: press play to start.`);
  }
}

// The wall-clock time being watched: the file's first frame time plus the position in the file.
function watched() {
  const video = $("rec-video");
  return state.playing ? state.playing.start + video.currentTime * 1000 : null;
}

function setUp() {
  const video = $("rec-video");
  video.addEventListener("loadedmetadata", () => {
    const p = state.playing;
    const offset = p ? (p.from - p.start) / 1000 : 0;
    if (offset > 0.25 && offset < video.duration) video.currentTime = offset; // from the chosen time, not its keyframe
  });
  video.addEventListener("timeupdate", () => {
    const t = watched();
    if (t === null) return;
    const clockEl = $("rec-clock");
    clockEl.textContent = stamp(t);
    clockEl.title = `${iso(t)} (UTC)`;
    clockEl.dataset.utc = iso(t);
    place();
  });
  // The window ended (an hour, or its span): go on with what follows on the same day.
  video.addEventListener("ended", () => {
    const p = state.playing;
    const next = p && p.path === state.path && dayKey(p.to) === state.day && state.spans.find((s) => s.end > p.to + 1000);
    if (next) play(Math.max(p.to, next.start));
  });
  video.addEventListener("error", () => {
    const error = video.error;
    if (error) note(`The browser cannot play this recording: ${error.message || `media error ${error.code}`}`);
  });

  for (const [bar, track] of [["rec-timeline", "rec-track"], ["rec-zoom", "rec-zoom-track"]]) {
    $(bar).addEventListener("click", (e) => {
      const rect = $(track).getBoundingClientRect();
      const from = Number($(track).dataset.from);
      const to = Number($(track).dataset.to);
      if (!state.day || !(to > from) || !rect.width) return;
      const x = Math.min(Math.max(e.clientX - rect.left, 0), rect.width);
      play(from + (x / rect.width) * (to - from), (SNAP_PX / rect.width) * (to - from));
    });
  }
  const timeline = $("rec-timeline");
  timeline.addEventListener("keydown", (e) => {
    if (!state.day) return;
    const steps = { ArrowLeft: -MINUTE, ArrowDown: -MINUTE, ArrowRight: MINUTE, ArrowUp: MINUTE, PageDown: -HOUR, PageUp: HOUR };
    const [from, to] = dayBounds(state.day);
    if (e.key === "Enter" || e.key === " ") play(state.cursor);
    else if (e.key in steps) setCursor(state.cursor + steps[e.key] * (e.shiftKey ? 10 : 1));
    else if (e.key === "Home") setCursor(from);
    else if (e.key === "End") setCursor(to);
    else return;
    e.preventDefault();
  });

  const changeDay = (day) => {
    if (!day || !state.path) return;
    state.day = day;
    state.cursor = null;
    loadDay().catch((e) => note(`Cannot load ${day}: ${describe(e)}`));
  };
  $("rec-prev").addEventListener("click", () => changeDay(dayKey(dayBounds(state.day, -1)[0])));
  $("rec-next").addEventListener("click", () => changeDay(dayKey(dayBounds(state.day, 1)[0])));
  $("rec-day").addEventListener("change", (e) => changeDay(e.target.value));
  $("rec-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const [h, m, s = 0] = $("rec-time").value.split(":").map(Number);
    const [y, mo, d] = state.day.split("-").map(Number);
    if (Number.isFinite(h) && Number.isFinite(m)) play(new Date(y, mo - 1, d, h, m, s).getTime());
  });
}

setUp();
