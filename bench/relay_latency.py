#!/usr/bin/env python3
"""Relay-added latency of EdgeBox's RTSP fan-out: publisher -> EdgeBox -> reader, on loopback.

This script is both ends: an RTSP publisher (ANNOUNCE/RECORD, RTP over the TCP connection) sending the
1080p30 4 Mbit/s H.264 input of rtsp_fanout.py at its frame rate, and one latency reader (plus N
background readers that only add load). For every frame the time the publisher wrote its last packet
and the time that packet (the marker) arrived at the latency reader are taken from the same monotonic
clock, so the difference is what the relay adds (server scheduling, queueing, copying), plus two
loopback hops. Server pinned to one CPU, this script to the other.

    /usr/bin/python3 bench/relay_latency.py [--readers 0,50,200] [--seconds 15]

A benchmark, not a test: it prints a table and never fails on a number.
"""
import argparse
import asyncio
import base64
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rtsp_fanout as rf  # noqa: E402

FPS = 30
MAX_PAYLOAD = 1400


def annexb_units(path: Path) -> list[list[bytes]]:
    """Access units (lists of NAL units) of an Annex B stream; SPS/PPS go with the picture after them."""
    data = path.read_bytes()
    starts = [m.start() for m in re.finditer(b"\x00\x00\x01", data)]
    nals = []
    for i, s in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(data)
        nal = data[s + 3:end].rstrip(b"\x00")
        if nal:
            nals.append(nal)
    units: list[list[bytes]] = []
    current: list[bytes] = []
    has_slice = False
    for nal in nals:
        kind = nal[0] & 0x1F
        first_slice = kind in (1, 5) and len(nal) > 1 and nal[1] & 0x80  # first_mb_in_slice == 0
        if (kind == 9 or first_slice or kind in (7, 8)) and has_slice:
            units.append(current)
            current, has_slice = [], False
        if kind != 9:
            current.append(nal)
        has_slice = has_slice or kind in (1, 5)
    if current and has_slice:
        units.append(current)
    return units


def rtp_packets(unit: list[bytes], seq: int, ts: int) -> tuple[list[bytes], int]:
    """RFC 6184 packetization-mode 1: single NAL units, FU-A for the large ones; marker on the last."""
    payloads = []
    for nal in unit:
        if len(nal) <= MAX_PAYLOAD:
            payloads.append(nal)
            continue
        header, body = nal[0], nal[1:]
        for offset in range(0, len(body), MAX_PAYLOAD - 2):
            chunk = body[offset:offset + MAX_PAYLOAD - 2]
            start = 0x80 if offset == 0 else 0
            end = 0x40 if offset + len(chunk) >= len(body) else 0
            payloads.append(bytes([(header & 0xE0) | 28, start | end | (header & 0x1F)]) + chunk)
    packets = []
    for i, payload in enumerate(payloads):
        marker = 0x80 if i == len(payloads) - 1 else 0
        head = bytes([0x80, marker | 96]) + (seq & 0xFFFF).to_bytes(2, "big") + (ts & 0xFFFFFFFF).to_bytes(4, "big") + b"\x12\x34\x56\x78"
        packets.append(head + payload)
        seq += 1
    return packets, seq


class Publisher(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport = None
        self.buf = b""
        self.waiter: Optional[asyncio.Future] = None
        self.cseq = 0
        self.session = ""

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if b"\r\n\r\n" in self.buf and self.waiter and not self.waiter.done():
            head, _, self.buf = self.buf.partition(b"\r\n\r\n")
            self.waiter.set_result(head.decode("latin-1"))

    async def request(self, method: str, url: str, headers: dict[str, str], body: bytes = b"") -> str:
        self.cseq += 1
        lines = [f"{method} {url} RTSP/1.0", f"CSeq: {self.cseq}"] + [f"{k}: {v}" for k, v in headers.items()]
        if self.session:
            lines.append(f"Session: {self.session}")
        if body:
            lines.append(f"Content-Length: {len(body)}")
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = await asyncio.wait_for(self.waiter, 10)
        if not head.startswith("RTSP/1.0 200"):
            raise rf.BenchError(f"{method} -> {head.splitlines()[0]}")
        m = re.search(r"(?im)^session:\s*([^;\r\n]+)", head)
        if m:
            self.session = m.group(1).strip()
        return head


class LatencyReader(rf.RtspReader):
    """A reader that notes when each frame's marker packet arrived, by RTP timestamp."""

    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.arrivals: dict[int, float] = {}
        self.scan = bytearray()

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        buf = self.scan
        buf += data
        pos, n = 0, len(buf)
        while pos < n:
            if buf[pos] == 0x24:
                if pos + 4 > n:
                    break
                end = pos + 4 + ((buf[pos + 2] << 8) | buf[pos + 3])
                if end > n:
                    break
                if buf[pos + 1] == self.video_channel and end - pos >= 16 and buf[pos + 5] & 0x80:
                    self.arrivals[int.from_bytes(buf[pos + 8:pos + 12], "big")] = now
                pos = end
            else:  # an RTSP message: skip its head and body
                head_end = buf.find(b"\r\n\r\n", pos)
                if head_end < 0:
                    break
                m = re.search(rb"(?im)^content-length:\s*(\d+)", bytes(buf[pos:head_end]))
                end = head_end + 4 + (int(m.group(1)) if m else 0)
                if end > n:
                    break
                pos = end
        del buf[:pos]
        super().data_received(data)


async def run(binary: str, ffmpeg: str, cache: Path, readers: list[int], seconds: float, pin: rf.Pinning, tmp: str) -> list[tuple]:
    source, _ = rf.ensure_inputs(ffmpeg, cache, rf.INPUT_SECONDS)
    annexb = cache / "input-1080p30-4M.h264"
    if not annexb.is_file():
        subprocess.run([ffmpeg, "-nostdin", "-loglevel", "error", "-y", "-i", str(source), "-c", "copy", "-bsf:v", "h264_mp4toannexb",
                        "-f", "h264", str(annexb)], check=True)
    units = annexb_units(annexb)
    sps = next(n for u in units for n in u if n[0] & 0x1F == 7)
    pps = next(n for u in units for n in u if n[0] & 0x1F == 8)
    results = []
    for count in readers:
        http, rtsp = rf.free_port(), rf.free_port()
        env = dict(rf.EDGEBOX_ENV)
        env.update({"EDGEBOX_HTTP_ADDRESS": f"127.0.0.1:{http}", "EDGEBOX_RTSP_ADDRESS": f"127.0.0.1:{rtsp}",
                    "EDGEBOX_RTSP_RTPADDRESS": "127.0.0.1:0", "EDGEBOX_RTSP_RTCPADDRESS": "127.0.0.1:0"})
        server = rf.spawn([binary, "run", "--data", os.path.join(tmp, f"data{count}")], env, tmp, os.path.join(tmp, f"edgebox{count}.log"),
                          pin.server_cpu, pin.taskset)
        opened = []
        try:
            loop = asyncio.get_running_loop()
            for _ in range(200):
                try:
                    _, w = await asyncio.open_connection("127.0.0.1", rtsp)
                    w.close()
                    break
                except OSError:
                    await asyncio.sleep(0.05)
            url = f"rtsp://127.0.0.1:{rtsp}/live/bench"
            publisher = Publisher()
            await loop.create_connection(lambda: publisher, "127.0.0.1", rtsp)
            sdp = ("v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=bench\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
                   f"a=fmtp:96 packetization-mode=1;sprop-parameter-sets={base64.b64encode(sps).decode()},{base64.b64encode(pps).decode()}\r\n"
                   "a=control:trackID=0\r\n").encode()
            await publisher.request("ANNOUNCE", url, {"Content-Type": "application/sdp"}, sdp)
            await publisher.request("SETUP", url + "/trackID=0", {"Transport": "RTP/AVP/TCP;unicast;interleaved=0-1;mode=record"})
            await publisher.request("RECORD", url, {"Range": "npt=0.000-"})
            sent: dict[int, float] = {}
            stop = asyncio.Event()

            async def publish() -> None:
                seq, i, t0 = 0, 0, time.monotonic()
                while not stop.is_set():
                    delay = t0 + i / FPS - time.monotonic()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    ts = (i * 90000 // FPS) & 0xFFFFFFFF
                    packets, seq = rtp_packets(units[i % len(units)], seq, ts)
                    publisher.transport.write(b"".join(b"$\x00" + len(p).to_bytes(2, "big") + p for p in packets))
                    sent[ts] = time.monotonic()
                    i += 1

            task = asyncio.create_task(publish())
            await asyncio.sleep(1)
            latency = LatencyReader(0)
            await loop.create_connection(lambda: latency, "127.0.0.1", rtsp)
            await latency.handshake(url)
            for n in range(count):
                opened.append(await rf.open_reader(n + 1, url, rtsp))
            await asyncio.sleep(3)  # warm-up: readers at the live edge
            latency.arrivals.clear()
            await asyncio.sleep(seconds)
            samples = sorted((latency.arrivals[ts] - sent[ts]) * 1000 for ts in list(latency.arrivals) if ts in sent)
            stop.set()
            await task
            latency.close()
            if not samples:
                raise rf.BenchError("the latency reader matched no frame: " + rf.log_tail(os.path.join(tmp, f"edgebox{count}.log")))
            pick = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))]  # noqa: E731
            results.append((count, len(samples), pick(0.5), pick(0.99), samples[-1]))
        finally:
            for r in opened:
                r.close()
            rf.stop(server)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=rf.DEFAULT_BINARY)
    parser.add_argument("--ffmpeg", default="ffmpeg")
    parser.add_argument("--readers", default="0,50,200", help="background readers besides the latency reader")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--no-pin", action="store_true")
    parser.add_argument("--cache", default="/tmp/edgebox-bench-cache")
    args = parser.parse_args()
    binary = str((rf.REPO_ROOT / args.binary) if not os.path.isabs(args.binary) else Path(args.binary))
    pin = rf.setup_pinning(not args.no_pin)
    with tempfile.TemporaryDirectory(prefix="edgebox-latency-") as tmp:
        results = asyncio.run(run(binary, args.ffmpeg, Path(args.cache), [int(x) for x in args.readers.split(",")], args.seconds, pin, tmp))
    print(f"\nRelay-added latency, publisher -> EdgeBox -> reader (1080p30 H.264 4 Mbit/s, RTP over TCP), {args.seconds:.0f} s; pinning: {pin.describe()}\n")
    print("| background readers | frames | p50 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|")
    for count, frames, p50, p99, worst in results:
        print(f"| {count} | {frames} | {p50:.2f} | {p99:.2f} | {worst:.2f} |")
    print("\nTarget: p99 <= 5 ms. Includes two loopback hops and this script's own event loop (on the other CPU).")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except rf.BenchError as e:
        print(f"relay_latency.py: {e}", file=sys.stderr)
        sys.exit(1)
