// The live page: plays paths over WebRTC with WHEP (POST /<path>/whep with an SDP offer, 201 with the answer
// and the session's URL, DELETE to leave). EdgeBox is ICE-lite, so the offer needs no candidates: the browser
// checks EdgeBox's host candidates from the answer. #/live/<path> plays one path with the browser's statistics
// (getStats: frames decoded, size, bit rate, packets lost); #/live?paths=a,b,c plays several in a grid; #/live
// lets you pick. Each player has an audio toggle (players start muted, as browsers require for autoplay) and
// full screen. Where WebRTC cannot connect, LL-HLS is the fallback (it comes with the HLS capability: the
// seam is fallback() below).
import { $, el, bytes, describe } from "./util.js";

const players = new Map(); // path -> { pc, session, tile, video, stat, lastBytes, lastAt, error }
let shown = "";

export function showLive(route, paths) {
  const wanted = route.paths || [];
  updateLiveChoices(paths, wanted);
  const key = wanted.join(",");
  if (key === shown && players.size === wanted.length) return;
  stopLive();
  shown = key;
  const single = wanted.length === 1;
  $("card-live").hidden = wanted.length === 0;
  $("live-stats").hidden = !single;
  $("live-grid").classList.toggle("single", single);
  $("live-title").textContent = single ? `Live: ${wanted[0]}` : `Live: ${wanted.length} paths`;
  $("live-status").textContent = "";
  for (const path of wanted) start(path);
}

export function stopLive() {
  for (const player of players.values()) stop(player);
  players.clear();
  shown = "";
  const grid = $("live-grid");
  if (grid) grid.replaceChildren();
}

function stop(player) {
  if (player.pc) player.pc.close();
  if (player.session) fetch(player.session, { method: "DELETE" }).catch(() => {});
  player.pc = null;
  player.session = null;
  player.video.srcObject = null;
}

// The picker: a checkbox per live path; Watch opens the grid (or the single view for one).
let choicesKey = "";
export function updateLiveChoices(paths, checked) {
  const box = $("live-choices");
  if (!box) return;
  const names = (paths?.items || []).filter((p) => p.state === "ready" && !p.regex).map((p) => p.name);
  const selected = checked ?? [...box.querySelectorAll("input:checked")].map((i) => i.value);
  const key = JSON.stringify([names, selected]);
  if (key === choicesKey) return;
  choicesKey = key;
  const legend = box.querySelector("legend");
  box.replaceChildren(legend, ...(names.length ? names.map((name) => {
    const label = el("label");
    const input = el("input");
    input.type = "checkbox";
    input.value = name;
    input.checked = selected.includes(name);
    label.append(input, " ", name);
    return label;
  }) : [el("span", "muted", "No path is live right now.")]));
}

$("live-pick").addEventListener("submit", (event) => {
  event.preventDefault();
  const picked = [...$("live-choices").querySelectorAll("input:checked")].map((i) => i.value);
  if (picked.length === 1) location.hash = `#/live/${picked[0].split("/").map(encodeURIComponent).join("/")}`;
  else if (picked.length > 1) location.hash = `#/live?paths=${picked.map(encodeURIComponent).join(",")}`;
});

function tile(path) {
  const box = el("figure", "player-tile");
  box.style.margin = "0";
  const video = el("video", "live-video");
  video.autoplay = true;
  video.muted = true;
  video.playsInline = true;
  video.setAttribute("aria-label", `Live video of ${path}`);
  if (players.size === 0) video.id = "live-video";
  const bar = el("figcaption", "bar");
  const title = el("span", "title", path);
  const stat = el("span", "stat", "connecting…");
  const audio = el("button", null, "Sound off");
  audio.type = "button";
  audio.setAttribute("aria-pressed", "false");
  audio.title = `Turn the sound of ${path} on or off`;
  audio.addEventListener("click", () => {
    video.muted = !video.muted;
    audio.textContent = video.muted ? "Sound off" : "Sound on";
    audio.setAttribute("aria-pressed", String(!video.muted));
  });
  const full = el("button", null, "Full screen");
  full.type = "button";
  full.title = `Show ${path} full screen`;
  full.addEventListener("click", () => (document.fullscreenElement ? document.exitFullscreen() : box.requestFullscreen()).catch(() => {}));
  bar.append(title, stat, audio, full);
  box.append(video, bar);
  $("live-grid").append(box);
  return { box, video, stat };
}

async function start(path) {
  const { box, video, stat } = tile(path);
  const pc = new RTCPeerConnection();
  const player = { pc, session: null, tile: box, video, stat, lastBytes: 0, lastAt: 0, error: "" };
  players.set(path, player);
  pc.addTransceiver("video", { direction: "recvonly" });
  pc.addTransceiver("audio", { direction: "recvonly" });
  const stream = new MediaStream();
  video.srcObject = stream;
  pc.ontrack = (event) => stream.addTrack(event.track);
  pc.onconnectionstatechange = () => {
    if (players.size === 1) $("live-state").textContent = pc.connectionState;
    if (pc.connectionState === "failed") fallback(player, path, "WebRTC could not connect");
  };
  try {
    await pc.setLocalDescription(await pc.createOffer());
    const url = `/${path.split("/").map(encodeURIComponent).join("/")}/whep`;
    const response = await fetch(url, { method: "POST", headers: { "Content-Type": "application/sdp" }, body: pc.localDescription.sdp });
    const text = await response.text();
    if (response.status !== 201) throw new Error(`${response.status}: ${text.trim()}`);
    if (player.pc !== pc) return; // left the page meanwhile
    player.session = new URL(response.headers.get("Location"), location.href).href;
    await pc.setRemoteDescription({ type: "answer", sdp: text });
  } catch (e) {
    fallback(player, path, describe(e));
  }
}

// Where LL-HLS will take over when WebRTC cannot play (the HLS capability); until then, say why.
function fallback(player, path, reason) {
  player.error = reason;
  player.stat.textContent = `cannot play: ${reason}`;
  if (players.size === 1) $("live-status").textContent = `Cannot play ${path}: ${reason}`;
}

export async function refreshLive() {
  const errors = [];
  for (const [path, player] of players) {
    if (!player.pc) continue;
    const report = await player.pc.getStats();
    let video = null;
    let audio = null;
    report.forEach((s) => {
      if (s.type === "inbound-rtp" && s.kind === "video") video = s;
      if (s.type === "inbound-rtp" && s.kind === "audio") audio = s;
    });
    const now = performance.now();
    const received = (video?.bytesReceived ?? 0) + (audio?.bytesReceived ?? 0);
    const rate = player.lastAt ? ((received - player.lastBytes) * 8) / ((now - player.lastAt) / 1000) : 0;
    player.lastBytes = received;
    player.lastAt = now;
    const size = video?.frameWidth ? `${video.frameWidth}×${video.frameHeight} ${video.framesPerSecond ?? 0} fps` : "–";
    const mbits = rate > 0 ? `${(rate / 1e6).toFixed(2)} Mbit/s` : "–";
    if (!player.error) player.stat.textContent = `${size} · ${mbits}`;
    player.tile.dataset.frames = String(video?.framesDecoded ?? 0);
    if (players.size === 1) {
      $("live-frames").textContent = String(video?.framesDecoded ?? 0);
      $("live-size").textContent = size;
      $("live-rate").textContent = mbits;
      $("live-audio").textContent = audio ? `${audio.packetsReceived ?? 0} packets` : "none";
      $("live-lost").textContent = String((video?.packetsLost ?? 0) + (audio?.packetsLost ?? 0));
      $("live-freezes").textContent = String(video?.freezeCount ?? 0);
      $("live-received").textContent = bytes(received);
    }
    if (player.error) errors.push(`${path}: ${player.error}`);
  }
  return errors;
}

// A link to a path's live page, for the dashboard.
export function liveLink(name, encoded) {
  const link = el("a", null, "watch");
  link.href = `#/live/${encoded}`;
  link.title = `Play ${name} live over WebRTC`;
  return link;
}
