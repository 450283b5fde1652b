#!/usr/bin/python3
"""A non-browser WHIP/WHEP peer on Debian's python3-aiortc, for EdgeBox's interop tests.

  aiortc_peer.py whep URL SECONDS   plays a path; prints JSON with the frames and audio frames decoded
  aiortc_peer.py whip URL SECONDS   publishes a synthetic 320x240 picture and a tone, then DELETEs

aioice leaves loopback addresses out of its host candidates; the tests run on loopback only, so the
gatherer is told to use 127.0.0.1 (shared/TESTING.md).
"""
import asyncio
import fractions
import json
import math
import sys
import urllib.parse
import urllib.request

import aioice.ice
import av
import numpy
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription

aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]


def post(url, sdp):
    request = urllib.request.Request(url, data=sdp.encode(), method="POST", headers={"Content-Type": "application/sdp"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read().decode(), response.headers["Location"]


def delete(url, location):
    target = urllib.parse.urljoin(url, location)
    with urllib.request.urlopen(urllib.request.Request(target, method="DELETE"), timeout=10) as response:
        return response.status


class Picture(MediaStreamTrack):
    """30 fps of a moving gradient."""
    kind = "video"

    def __init__(self):
        super().__init__()
        self.count = 0

    async def recv(self):
        await asyncio.sleep(1 / 30)
        self.count += 1
        y = numpy.full((240, 320), (self.count * 4) % 256, dtype=numpy.uint8)
        frame = av.VideoFrame.from_ndarray(numpy.dstack([y, y, y]), format="rgb24")
        frame.pts = self.count * 3000
        frame.time_base = fractions.Fraction(1, 90000)
        return frame


class Tone(MediaStreamTrack):
    """A 440 Hz tone, 20 ms frames at 48 kHz mono."""
    kind = "audio"

    def __init__(self):
        super().__init__()
        self.samples = 0

    async def recv(self):
        await asyncio.sleep(0.02)
        t = (numpy.arange(960) + self.samples) / 48000
        data = (numpy.sin(2 * math.pi * 440 * t) * 8000).astype(numpy.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(data, format="s16", layout="mono")
        frame.sample_rate = 48000
        frame.pts = self.samples
        frame.time_base = fractions.Fraction(1, 48000)
        self.samples += 960
        return frame


async def whep(url, seconds):
    pc = RTCPeerConnection()
    counts = {"video_frames": 0, "audio_frames": 0, "width": 0, "height": 0, "connection": ""}

    async def consume(track):
        while True:
            try:
                frame = await track.recv()
            except Exception:
                return
            if track.kind == "video":
                counts["video_frames"] += 1
                counts["width"], counts["height"] = frame.width, frame.height
            else:
                counts["audio_frames"] += 1

    pc.on("track", lambda track: asyncio.ensure_future(consume(track)))
    pc.addTransceiver("video", direction="recvonly")
    pc.addTransceiver("audio", direction="recvonly")
    await pc.setLocalDescription(await pc.createOffer())
    status, answer, location = post(url, pc.localDescription.sdp)
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    await asyncio.sleep(seconds)
    counts["connection"] = pc.connectionState
    counts["deleted"] = delete(url, location)
    await pc.close()
    print(json.dumps(counts))


async def whip(url, seconds):
    pc = RTCPeerConnection()
    pc.addTransceiver(Picture(), direction="sendonly")
    pc.addTransceiver(Tone(), direction="sendonly")
    await pc.setLocalDescription(await pc.createOffer())
    status, answer, location = post(url, pc.localDescription.sdp)
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    await asyncio.sleep(seconds)
    result = {"connection": pc.connectionState, "deleted": delete(url, location)}
    await pc.close()
    print(json.dumps(result))


if __name__ == "__main__":
    mode, url, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    asyncio.run(whep(url, seconds) if mode == "whep" else whip(url, seconds))
