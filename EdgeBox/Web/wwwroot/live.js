// The live page (#/live/<path>): plays a path over WebRTC with WHEP (POST /<path>/whep with an SDP offer,
// 201 with the answer and the session's URL, DELETE to leave). EdgeBox is ICE-lite, so the offer needs no
// candidates: the browser checks EdgeBox's host candidates from the answer. The page shows what the
// browser reports (getStats): frames decoded, size, bit rate, packets lost.
import { $, el, bytes, describe } from "./util.js";

const state = { pc: null, session: null, path: null, lastBytes: 0, lastAt: 0, error: "" };

export function showLive(route) {
  if (state.path === route.path && state.pc) return;
  stopLive();
  state.path = route.path;
  $("live-title").textContent = route.path ? `Live: ${route.path}` : "Live";
  $("live-status").textContent = "";
  if (route.path) start(route.path);
}

export function stopLive() {
  const { pc, session } = state;
  state.pc = null;
  state.session = null;
  state.path = null;
  if (pc) pc.close();
  if (session) fetch(session, { method: "DELETE" }).catch(() => {});
  const video = $("live-video");
  if (video) video.srcObject = null;
}

async function start(path) {
  const pc = new RTCPeerConnection();
  state.pc = pc;
  state.error = "";
  pc.addTransceiver("video", { direction: "recvonly" });
  pc.addTransceiver("audio", { direction: "recvonly" });
  const stream = new MediaStream();
  $("live-video").srcObject = stream;
  pc.ontrack = (event) => stream.addTrack(event.track);
  pc.onconnectionstatechange = () => { $("live-state").textContent = pc.connectionState; };
  try {
    await pc.setLocalDescription(await pc.createOffer());
    const url = `/${path.split("/").map(encodeURIComponent).join("/")}/whep`;
    const response = await fetch(url, { method: "POST", headers: { "Content-Type": "application/sdp" }, body: pc.localDescription.sdp });
    const text = await response.text();
    if (response.status !== 201) throw new Error(`${response.status}: ${text.trim()}`);
    if (state.pc !== pc) return; // left the page meanwhile
    state.session = new URL(response.headers.get("Location"), location.href).href;
    await pc.setRemoteDescription({ type: "answer", sdp: text });
  } catch (e) {
    state.error = describe(e);
    $("live-status").textContent = `Cannot play: ${state.error}`;
  }
}

export async function refreshLive() {
  const pc = state.pc;
  if (!pc) return [];
  const report = await pc.getStats();
  let video = null;
  let audio = null;
  report.forEach((s) => {
    if (s.type === "inbound-rtp" && s.kind === "video") video = s;
    if (s.type === "inbound-rtp" && s.kind === "audio") audio = s;
  });
  const now = performance.now();
  const received = (video?.bytesReceived ?? 0) + (audio?.bytesReceived ?? 0);
  const rate = state.lastAt ? ((received - state.lastBytes) * 8) / ((now - state.lastAt) / 1000) : 0;
  state.lastBytes = received;
  state.lastAt = now;
  $("live-frames").textContent = String(video?.framesDecoded ?? 0);
  $("live-size").textContent = video?.frameWidth ? `${video.frameWidth}×${video.frameHeight} ${video.framesPerSecond ?? 0} fps` : "–";
  $("live-rate").textContent = rate > 0 ? `${(rate / 1e6).toFixed(2)} Mbit/s` : "–";
  $("live-audio").textContent = audio ? `${audio.packetsReceived ?? 0} packets` : "none";
  $("live-lost").textContent = String((video?.packetsLost ?? 0) + (audio?.packetsLost ?? 0));
  $("live-freezes").textContent = String(video?.freezeCount ?? 0);
  $("live-received").textContent = bytes(received);
  return state.error ? [state.error] : [];
}

// A link to a path's live page, for the overview.
export function liveLink(name, encoded) {
  const link = el("a", null, "watch");
  link.href = `#/live/${encoded}`;
  link.title = `Play ${name} live over WebRTC`;
  return link;
}
