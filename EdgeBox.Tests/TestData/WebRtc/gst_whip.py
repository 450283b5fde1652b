#!/usr/bin/python3
"""A WHIP publisher on GStreamer's webrtcbin (Debian 12: GStreamer 1.22, libnice), for EdgeBox's interop tests.

  gst_whip.py URL SECONDS   publishes a 320x240 test picture (H.264) and a tone (Opus), then DELETEs;
                            prints JSON with the connection state and the HTTP status of the DELETE

GStreamer 1.22 has no WHIP element, so this does the HTTP exchange itself; 127.0.0.1 is added to
libnice's agent, which skips the loopback interface when it gathers. The agent object must stay
referenced from Python: PyGObject drops a reference it does not own when a temporary wrapper of the
"ice-agent" property is collected, which frees the agent inside webrtcbin.
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
result = {"error": None, "deleted": None, "state": None}
loop = GLib.MainLoop()
pipe = Gst.Pipeline.new("whip")
webrtc = Gst.ElementFactory.make("webrtcbin", "webrtc")
webrtc.set_property("bundle-policy", GstWebRTC.WebRTCBundlePolicy.MAX_BUNDLE)
ice = webrtc.get_property("ice-agent")
ice.emit("add-local-ip-address", "127.0.0.1")
pipe.add(webrtc)
for description in (
        "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=15/1 ! videoconvert ! "
        "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 ! video/x-h264,profile=constrained-baseline ! "
        "rtph264pay config-interval=-1 pt=102 ! capsfilter caps=application/x-rtp,media=video,encoding-name=H264,payload=102",
        "audiotestsrc is-live=true wave=sine ! audioconvert ! audioresample ! opusenc ! rtpopuspay pt=111 ! "
        "capsfilter caps=application/x-rtp,media=audio,encoding-name=OPUS,payload=111"):
    source = Gst.parse_bin_from_description(description, True)
    pipe.add(source)
    source.link(webrtc)


signalling = HttpSignalling(webrtc, url, loop, result)
pipe.set_state(Gst.State.PLAYING)
GLib.timeout_add(int(seconds * 1000), signalling.stop)
loop.run()
pipe.set_state(Gst.State.NULL)
print(json.dumps(result))
