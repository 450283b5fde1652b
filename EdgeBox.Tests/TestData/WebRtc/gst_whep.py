#!/usr/bin/python3
"""A WHEP viewer on GStreamer's webrtcbin (Debian 12: GStreamer 1.22, libnice), for EdgeBox's interop tests.

  gst_whep.py URL SECONDS   plays H.264 + Opus; prints JSON with the decoded video frames and audio buffers

GStreamer 1.22 has no WHEP element, so this does the HTTP exchange itself. libnice skips the loopback
interface when it gathers; the tests run on loopback only, so 127.0.0.1 is added to its agent.
"""
import json
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstWebRTC", "1.0")
from gi.repository import GLib, Gst, GstWebRTC  # noqa: E402

from gst_webrtc_http import HttpSignalling  # noqa: E402

Gst.init(None)
url, seconds = sys.argv[1], float(sys.argv[2])
counts = {"video_frames": 0, "audio_buffers": 0, "width": 0, "height": 0, "error": None, "deleted": None}
loop = GLib.MainLoop()
pipe = Gst.Pipeline.new("whep")
webrtc = Gst.ElementFactory.make("webrtcbin", "webrtc")
webrtc.set_property("bundle-policy", GstWebRTC.WebRTCBundlePolicy.MAX_BUNDLE)
pipe.add(webrtc)

ice = webrtc.get_property("ice-agent")
ice.emit("add-local-ip-address", "127.0.0.1")  # keep `ice` referenced: see gst_whip.py

for caps in ("application/x-rtp,media=video,encoding-name=H264,payload=102,clock-rate=90000,packetization-mode=(string)1,profile-level-id=(string)42e01f",
             "application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000"):
    webrtc.emit("add-transceiver", GstWebRTC.WebRTCRTPTransceiverDirection.RECVONLY, Gst.Caps.from_string(caps))


def on_decoded_pad(_, pad):
    caps = pad.get_current_caps() or pad.query_caps(None)
    name = caps.get_structure(0).get_name()
    sink = Gst.ElementFactory.make("fakesink")
    sink.set_property("sync", False)
    pipe.add(sink)
    sink.sync_state_with_parent()
    pad.link(sink.get_static_pad("sink"))

    def probe(p, info):
        if name.startswith("video"):
            counts["video_frames"] += 1
            structure = p.get_current_caps().get_structure(0)
            counts["width"] = structure.get_value("width")
            counts["height"] = structure.get_value("height")
        else:
            counts["audio_buffers"] += 1
        return Gst.PadProbeReturn.OK

    pad.add_probe(Gst.PadProbeType.BUFFER, probe)


def on_incoming(_, pad):
    if pad.direction != Gst.PadDirection.SRC:
        return
    decode = Gst.ElementFactory.make("decodebin")
    decode.connect("pad-added", on_decoded_pad)
    pipe.add(decode)
    decode.sync_state_with_parent()
    pad.link(decode.get_static_pad("sink"))


signalling = HttpSignalling(webrtc, url, loop, counts)
webrtc.connect("pad-added", on_incoming)
pipe.set_state(Gst.State.PLAYING)
GLib.timeout_add(int(seconds * 1000), signalling.stop)
loop.run()
pipe.set_state(Gst.State.NULL)
print(json.dumps(counts))
