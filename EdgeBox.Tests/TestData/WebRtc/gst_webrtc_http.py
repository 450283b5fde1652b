"""The WHIP/WHEP HTTP exchange for the webrtcbin scripts (GStreamer 1.22 has no WHIP or WHEP element):
POST the offer webrtcbin makes, give it the answer, DELETE the session at the end."""
import urllib.parse
import urllib.request

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstWebRTC", "1.0")
gi.require_version("GstSdp", "1.0")
from gi.repository import Gst, GstSdp, GstWebRTC  # noqa: E402


class HttpSignalling:
    """Answers webrtcbin's on-negotiation-needed with one POST of its offer to `url`."""

    def __init__(self, webrtc, url, loop, result):
        self.webrtc, self.url, self.loop, self.result = webrtc, url, loop, result
        self.location = None
        self.posted = False
        webrtc.connect("on-negotiation-needed", self._on_negotiation_needed)

    def _on_negotiation_needed(self, element):
        element.emit("create-offer", None, Gst.Promise.new_with_change_func(self._on_offer, None))

    def _on_offer(self, promise, _):
        promise.wait()
        reply = promise.get_reply()
        offer = reply.get_value("offer") if reply else None
        if offer is None or self.posted:
            return  # negotiation-needed fires once per stream; the first offers may come back empty
        self.posted = True
        self.webrtc.emit("set-local-description", offer, Gst.Promise.new())
        request = urllib.request.Request(self.url, data=offer.sdp.as_text().encode(), method="POST",
                                         headers={"Content-Type": "application/sdp"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                text = response.read().decode()
                self.location = response.headers["Location"]
        except Exception as e:  # an HTTP error is the test's answer: report it
            self.result["error"] = str(e)
            self.loop.quit()
            return
        _, sdp = GstSdp.SDPMessage.new_from_text(text)
        answer = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.ANSWER, sdp)
        self.webrtc.emit("set-remote-description", answer, Gst.Promise.new())

    def stop(self):
        """DELETEs the session (when one was made) and ends the main loop; a GLib timeout callback."""
        self.result["state"] = self.webrtc.get_property("connection-state").value_nick
        if self.location:
            target = urllib.parse.urljoin(self.url, self.location)
            with urllib.request.urlopen(urllib.request.Request(target, method="DELETE"), timeout=10) as response:
                self.result["deleted"] = response.status
        self.loop.quit()
        return False
