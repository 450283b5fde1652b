#!/usr/bin/python3
"""Recording benchmark for the EdgeBox Native-AOT binary, with `ffmpeg -c copy -f segment` as a reference.

N streams (1080p30 H.264 at 2 Mbit/s, GOP 2 s, no B-frames, plus AAC-LC 48 kHz mono at 64 kbit/s) are
pushed to EdgeBox as rec/s1..rec/sN by N light RTSP publishers in this process (ANNOUNCE/SETUP/RECORD,
RTP interleaved over TCP, at real time, looping a cached 20 s input).  For each N, one EdgeBox process
runs with the publishers while the script:

  1. alternates windows with recording off and on (`record:` of the path `~^rec/.+$` in the config
     file, applied live with SIGHUP): the recording cost is EdgeBox's CPU with recording on minus its
     CPU in the window just before with recording off, divided by N (% of one core per stream);
  2. then, with recording off, starts N reference recorders pinned to the server's CPU,
        ffmpeg -rtsp_transport tcp -i rtsp://127.0.0.1:PORT/rec/sK -c copy -f segment
               -segment_time 600 -reset_timestamps 1 -segment_format mp4 out%03d.mp4
     reading the same streams from EdgeBox, and measures their CPU (sum of the N processes / N).

Server CPU is utime+stime from /proc/PID/stat over fixed windows after a warm-up; RSS is VmRSS from
/proc/PID/status.  The bytes written (EdgeBox's recordings folder, ffmpeg's output files) and
GET /api/v1/recordings (every path recording, size growing) show that the recordings are real.

This is a benchmark, not a test: it prints a table and never fails because of a number.  Exit status:
0 when the measurements ran, 1 when something could not run (a server did not start or exited, a
publisher was refused, recording never started), 2 when the EdgeBox binary or ffmpeg is missing or
the arguments are wrong, 130 when interrupted.

Run with Debian's python (standard library only), from anywhere:

    /usr/bin/python3 bench/record.py [--streams 1,10,40] [--windows 3] [--window-seconds 10]
                                     [--quick] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional

from benchlib import STOP_TIMEOUT, child_env, free_port, host_busy_seconds, log_tail, proc_cpu_seconds, progress, stop

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BINARY = "artifacts/publish/EdgeBox/release_linux-x64/edgebox"
PATH_PREFIX = "rec/s"

# The input: encoded once into the cache directory.
INPUT_SECONDS = 20
FPS = 30
GOP = 60
VIDEO_BITRATE = "2M"
AUDIO_BITRATE = "64k"
AUDIO_RATE = 48000
AAC_FRAME_SAMPLES = 1024
MAX_PAYLOAD = 1400
VIDEO_PT, AUDIO_PT = 96, 97
SR_INTERVAL = 5.0  # RTCP sender report per track (also keeps the RTSP session alive)

# Time limits (seconds).  Every step is bounded.
SERVER_START_TIMEOUT = 20.0
HANDSHAKE_TIMEOUT = 10.0
READY_TIMEOUT = 20.0
TOGGLE_TIMEOUT = 20.0
REF_START_TIMEOUT = 40.0
ENCODE_TIMEOUT = 600.0
PROBE_TIMEOUT = 30.0
SETTLE_SECONDS = 1.0  # after a toggle took effect, before the window
API_TIMEOUT = 5.0

EDGEBOX_ENV = {
    "EDGEBOX_RTMP_ENABLED": "false",
    "EDGEBOX_SRT_ENABLED": "false",
    "EDGEBOX_WEBRTC_ENABLED": "false",
    "EDGEBOX_LOG_FILE": "false",
    "EDGEBOX_RTSP_RTPADDRESS": "127.0.0.1:0",
    "EDGEBOX_RTSP_RTCPADDRESS": "127.0.0.1:0",
}

CONFIG_TEMPLATE = """\
# written by bench/record.py; `record` is switched between windows
paths:
  "~^rec/.+$": {{ source: publisher, record: {record}, recordSegmentDuration: 10m, recordPartDuration: 1s }}
"""


class BenchError(Exception):
    """A run could not be completed."""


class Interrupted(Exception):
    """SIGTERM/SIGINT: stop, clean up, exit."""


# --------------------------------------------------------------------------- process helpers (as in rtsp_fanout.py)


@dataclass
class Pinning:
    server_cpu: Optional[int]
    client_cpu: Optional[int]
    taskset: Optional[str]

    def describe(self) -> str:
        if self.server_cpu is None:
            return "off"
        how = "taskset" if self.taskset else "sched_setaffinity"
        return f"EdgeBox and the ffmpeg recorders on CPU {self.server_cpu} ({how}), publishers on CPU {self.client_cpu}"


def setup_pinning(enabled: bool) -> Pinning:
    """Pin this process (the publishers) to the second allowed CPU."""
    if not enabled or not hasattr(os, "sched_getaffinity"):
        return Pinning(None, None, None)
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) < 2:
        return Pinning(None, None, None)
    os.sched_setaffinity(0, {allowed[1]})
    return Pinning(allowed[0], allowed[1], shutil.which("taskset"))


def spawn(argv: list[str], env: dict[str, str], cwd: str, log_path: str, pin_cpu: Optional[int],
          taskset: Optional[str]) -> subprocess.Popen:
    """Start a process with its stdout+stderr in `log_path`, optionally pinned to one CPU."""
    preexec = None
    if pin_cpu is not None:
        if taskset:
            argv = [taskset, "-c", str(pin_cpu)] + argv  # taskset execs: same PID
        else:
            preexec = lambda: os.sched_setaffinity(0, {pin_cpu})  # noqa: E731
    with open(log_path, "wb") as log:
        return subprocess.Popen(argv, env=child_env(env), cwd=cwd, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, preexec_fn=preexec, start_new_session=True)


def stop_many(procs: list[subprocess.Popen]) -> list[Optional[int]]:
    """One SIGTERM to each (they finish in parallel), SIGKILL to those still running after STOP_TIMEOUT.

    Only one SIGTERM: a second one makes ffmpeg abort its I/O, and the MP4 it is closing never gets its moov."""
    for p in procs:
        if p.poll() is None:
            try:
                p.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + STOP_TIMEOUT
    codes: list[Optional[int]] = []
    for p in procs:
        try:
            codes.append(p.wait(timeout=max(0.1, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            try:
                p.kill()
                p.wait(timeout=STOP_TIMEOUT)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
            codes.append(None)
    return codes


def rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def self_cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


def tree_bytes(root: str) -> int:
    total = 0
    for dirpath, _, files in os.walk(root):
        for name in files:
            try:
                total += os.stat(os.path.join(dirpath, name)).st_size
            except OSError:
                pass
    return total


# --------------------------------------------------------------------------- input


@dataclass
class Media:
    video_units: list[list[bytes]]  # per access unit: RTP payloads (single NAL units or FU-A), in order
    audio_frames: list[bytes]  # per AAC frame: the RTP payload (AU-headers + raw AAC frame)
    sps: bytes
    pps: bytes
    audio_config: int  # AudioSpecificConfig (2 bytes)
    audio_channels: int
    video_bytes: int
    audio_bytes: int


def run_ffmpeg(argv: list[str]) -> None:
    try:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=ENCODE_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise BenchError(f"ffmpeg did not finish within {ENCODE_TIMEOUT:.0f} s") from None
    if r.returncode != 0:
        raise BenchError(f"ffmpeg failed ({r.returncode}): {r.stderr.strip()[-500:]}")


def ensure_input(ffmpeg: str, cache_dir: Path) -> tuple[Path, Path]:
    """The H.264 (Annex B) and AAC (ADTS) elementary streams, encoded once."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    video = cache_dir / f"record-1080p30-{VIDEO_BITRATE}-gop{GOP}-nobf-{INPUT_SECONDS}s.h264"
    audio = cache_dir / f"record-aac-{AUDIO_RATE // 1000}k-mono-{AUDIO_BITRATE}-{INPUT_SECONDS}s.aac"
    if video.is_file() and audio.is_file():
        return video, audio
    progress(f"encoding {video.name} and {audio.name} into {cache_dir} (once) ...")
    tv, ta = video.with_suffix(f".part{os.getpid()}"), audio.with_suffix(f".part{os.getpid()}")
    try:
        run_ffmpeg([ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
                    "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate={FPS}",
                    "-f", "lavfi", "-i", f"sine=frequency=1000:sample_rate={AUDIO_RATE}",
                    "-map", "0:v", "-frames:v", str(INPUT_SECONDS * FPS), "-c:v", "libx264", "-preset", "veryfast",
                    "-b:v", VIDEO_BITRATE, "-maxrate", VIDEO_BITRATE, "-bufsize", "4M", "-g", str(GOP),
                    "-keyint_min", str(GOP), "-sc_threshold", "0", "-bf", "0", "-pix_fmt", "yuv420p", "-f", "h264", str(tv),
                    "-map", "1:a", "-t", str(INPUT_SECONDS), "-c:a", "aac", "-b:a", AUDIO_BITRATE, "-ac", "1",
                    "-f", "adts", str(ta)])
        os.replace(tv, video)
        os.replace(ta, audio)
    finally:
        for p in (tv, ta):
            if p.exists():
                p.unlink()
    return video, audio


def annexb_units(data: bytes) -> list[list[bytes]]:
    """Access units (lists of NAL units) of an Annex B stream; SPS/PPS go with the picture after them."""
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


def h264_payloads(unit: list[bytes]) -> list[bytes]:
    """RFC 6184 packetization-mode 1: single NAL units, FU-A for the large ones."""
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
    return payloads


def adts_frames(data: bytes) -> tuple[list[bytes], int, int]:
    """Raw AAC frames of an ADTS stream, its AudioSpecificConfig and channel count."""
    frames, pos = [], 0
    config = channels = None
    while pos + 7 <= len(data):
        if data[pos] != 0xFF or data[pos + 1] & 0xF0 != 0xF0:
            raise BenchError(f"bad ADTS header at byte {pos}")
        length = ((data[pos + 3] & 3) << 11) | (data[pos + 4] << 3) | (data[pos + 5] >> 5)
        header = 7 if data[pos + 1] & 1 else 9
        if config is None:
            profile, rate_index = (data[pos + 2] >> 6) + 1, (data[pos + 2] >> 2) & 0xF
            channels = ((data[pos + 2] & 1) << 2) | (data[pos + 3] >> 6)
            config = (profile << 11) | (rate_index << 7) | (channels << 3)
        frames.append(data[pos + header:pos + length])
        pos += length
    if not frames:
        raise BenchError("no AAC frame in the input")
    return frames, config, channels


def load_media(video: Path, audio: Path) -> Media:
    vdata, adata = video.read_bytes(), audio.read_bytes()
    units = annexb_units(vdata)
    sps = next(n for u in units for n in u if n[0] & 0x1F == 7)
    pps = next(n for u in units for n in u if n[0] & 0x1F == 8)
    frames, config, channels = adts_frames(adata)
    # RFC 3640 AAC-hbr: AU-headers-length (16 bits: one header), AU-header = size (13 bits) + index (3 bits).
    audio_payloads = [struct.pack("!HH", 16, len(f) << 3) + f for f in frames]
    return Media([h264_payloads(u) for u in units], audio_payloads, sps, pps, config, channels,
                 sum(len(n) for u in units for n in u), sum(len(f) for f in frames))


def sdp(media: Media) -> bytes:
    sprop = f"{base64.b64encode(media.sps).decode()},{base64.b64encode(media.pps).decode()}"
    return ("v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=edgebox-bench record\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            f"m=video 0 RTP/AVP {VIDEO_PT}\r\na=rtpmap:{VIDEO_PT} H264/90000\r\n"
            f"a=fmtp:{VIDEO_PT} packetization-mode=1;profile-level-id={media.sps[1:4].hex()};sprop-parameter-sets={sprop}\r\n"
            "a=control:trackID=0\r\n"
            f"m=audio 0 RTP/AVP {AUDIO_PT}\r\na=rtpmap:{AUDIO_PT} mpeg4-generic/{AUDIO_RATE}/{media.audio_channels}\r\n"
            f"a=fmtp:{AUDIO_PT} streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;"
            f"indexdeltalength=3;config={media.audio_config:04x}\r\n"
            "a=control:trackID=1\r\n").encode()


# --------------------------------------------------------------------------- light RTSP publisher


class Publisher(asyncio.Protocol):
    """ANNOUNCE, SETUP (video 0-1, audio 2-3, TCP interleaved), RECORD; then RTP + RTCP SR at real time."""

    def __init__(self, index: int, media: Media) -> None:
        self.index = index
        self.media = media
        self.transport: Optional[asyncio.Transport] = None
        self.buf = b""
        self.waiter: Optional[asyncio.Future] = None
        self.cseq = 0
        self.session = ""
        self.recording = False
        self.closed = False
        self.error: Optional[str] = None
        self.bytes_sent = 0
        self.max_late = 0.0  # the latest a frame went out after its time, seconds
        self.max_backlog = 0  # bytes queued in the transport (EdgeBox not reading)
        self.task: Optional[asyncio.Task] = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def connection_lost(self, exc) -> None:
        self.closed = True
        if self.error is None:
            self.error = f"connection lost: {exc}" if exc else "EdgeBox closed the connection"
        if self.waiter and not self.waiter.done():
            self.waiter.set_exception(BenchError(self.error))

    def data_received(self, data: bytes) -> None:
        if self.recording:
            return  # RTCP receiver reports (and keep-alive answers): dropped
        self.buf += data
        if b"\r\n\r\n" in self.buf and self.waiter and not self.waiter.done():
            head, _, self.buf = self.buf.partition(b"\r\n\r\n")
            self.waiter.set_result(head.decode("latin-1"))

    async def request(self, method: str, url: str, headers: dict[str, str], body: bytes = b"") -> str:
        self.cseq += 1
        lines = [f"{method} {url} RTSP/1.0", f"CSeq: {self.cseq}", "User-Agent: edgebox-bench/record"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if self.session:
            lines.append(f"Session: {self.session}")
        if body:
            lines.append(f"Content-Length: {len(body)}")
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = await self.waiter
        if not head.startswith("RTSP/1.0 200"):
            raise BenchError(f"{method} -> {head.splitlines()[0] if head else '?'}")
        m = re.search(r"(?im)^session:\s*([^;\r\n]+)", head)
        if m:
            self.session = m.group(1).strip()
        return head

    async def handshake(self, url: str, port: int) -> None:
        loop = asyncio.get_running_loop()
        await loop.create_connection(lambda: self, "127.0.0.1", port)
        await self.request("ANNOUNCE", url, {"Content-Type": "application/sdp"}, sdp(self.media))
        await self.request("SETUP", url + "/trackID=0", {"Transport": "RTP/AVP/TCP;unicast;interleaved=0-1;mode=record"})
        await self.request("SETUP", url + "/trackID=1", {"Transport": "RTP/AVP/TCP;unicast;interleaved=2-3;mode=record"})
        await self.request("RECORD", url, {"Range": "npt=0.000-"})
        self.recording = True
        self.buf = b""

    def start(self) -> None:
        self.task = asyncio.ensure_future(self._send_loop())

    async def _send_loop(self) -> None:
        media = self.media
        vssrc, assrc = random.getrandbits(32), random.getrandbits(32)
        vseq, aseq = random.getrandbits(16), random.getrandbits(16)
        vts0, ats0 = random.getrandbits(32), random.getrandbits(32)
        vpk = vbytes = apk = abytes = 0
        vi = ai = 0
        t0 = time.monotonic()
        next_sr = t0
        audio_step = AAC_FRAME_SAMPLES / AUDIO_RATE
        pack = struct.Struct("!BBHBBHII").pack
        while not self.closed:
            now = time.monotonic()
            out: list[bytes] = []
            while t0 + vi / FPS <= now:
                late = now - (t0 + vi / FPS)
                if late > self.max_late:
                    self.max_late = late
                ts = (vts0 + vi * (90000 // FPS)) & 0xFFFFFFFF
                payloads = media.video_units[vi % len(media.video_units)]
                last = len(payloads) - 1
                for k, p in enumerate(payloads):
                    out.append(pack(0x24, 0, 12 + len(p), 0x80, (0x80 if k == last else 0) | VIDEO_PT, vseq, ts, vssrc))
                    out.append(p)
                    vseq = (vseq + 1) & 0xFFFF
                    vbytes += len(p)
                vpk += len(payloads)
                vi += 1
            while t0 + ai * audio_step <= now:
                ts = (ats0 + ai * AAC_FRAME_SAMPLES) & 0xFFFFFFFF
                p = media.audio_frames[ai % len(media.audio_frames)]
                out.append(pack(0x24, 2, 12 + len(p), 0x80, 0x80 | AUDIO_PT, aseq, ts, assrc))
                out.append(p)
                aseq = (aseq + 1) & 0xFFFF
                abytes += len(p)
                apk += 1
                ai += 1
            if now >= next_sr:
                ntp = time.time() + 2208988800
                ntp_hi, ntp_lo = int(ntp), int((ntp % 1) * (1 << 32)) & 0xFFFFFFFF
                elapsed = now - t0
                for ch, ssrc, rtp, pk, octets in ((1, vssrc, vts0 + int(elapsed * 90000), vpk, vbytes),
                                                  (3, assrc, ats0 + int(elapsed * AUDIO_RATE), apk, abytes)):
                    sr = struct.pack("!BBHIIIIII", 0x80, 200, 6, ssrc, ntp_hi, ntp_lo, rtp & 0xFFFFFFFF,
                                     pk & 0xFFFFFFFF, octets & 0xFFFFFFFF)
                    out.append(struct.pack("!BBH", 0x24, ch, len(sr)) + sr)
                next_sr = now + SR_INTERVAL
            if out and not self.closed:
                data = b"".join(out)
                self.transport.write(data)
                self.bytes_sent += len(data)
                backlog = self.transport.get_write_buffer_size()
                if backlog > self.max_backlog:
                    self.max_backlog = backlog
            wake = min(t0 + vi / FPS, t0 + ai * audio_step, next_sr)
            await asyncio.sleep(max(0.0, wake - time.monotonic()))

    def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
        if self.transport is not None and not self.closed:
            self.transport.abort()


# --------------------------------------------------------------------------- results


@dataclass
class Window:
    mode: str  # "idle" (no publisher), "off" (recording off), "on" (recording on), "ref" (off + N ffmpeg recorders),
    # "hold" (recording on for --hold-seconds, one window after the other)
    seconds: float
    edgebox_cpu_s: float
    ref_cpu_s: Optional[float]  # the N ffmpeg processes together (ref windows only)
    client_cpu_share: float  # this process (all publishers) / wall time
    other_cpu_share: float  # every other process on the host / wall time (noise)
    edgebox_rss: int
    written_bytes: int  # EdgeBox's recordings folder (on) or ffmpeg's output files (ref)
    paths_growing: Optional[int]  # on: paths whose size in GET /api/v1/recordings grew during the window

    def pct(self, cpu_s: float) -> float:
        return cpu_s / self.seconds * 100


@dataclass
class RunResult:
    streams: int
    windows: list[Window] = field(default_factory=list)
    publishers_ok: int = 0
    publisher_max_late_ms: float = 0.0
    publisher_max_backlog_kb: float = 0.0
    input_mbit_s: Optional[float] = None  # bytesIn of the paths (EdgeBox's API) over the off/on windows, per path
    edgebox_probe: Optional[str] = None  # the largest segment: codecs, duration, size
    ref_probe: Optional[str] = None
    edgebox_file_mbit_s: Optional[float] = None  # size x 8 / duration of the largest segment
    ref_file_mbit_s: Optional[float] = None
    ref_streams: int = 0  # ffmpeg recorders that wrote data
    ref_exit_codes: list[Optional[int]] = field(default_factory=list)
    edgebox_exit_code: Optional[int] = None
    edgebox_recorded_mb: float = 0.0
    ref_recorded_mb: float = 0.0
    api_failures: int = 0  # GET /api/v1/recordings calls that got no answer within API_TIMEOUT
    api_max_ms: float = 0.0  # slowest answer of the API (health polls excluded)
    error: Optional[str] = None
    log_tail: Optional[str] = None

    def by(self, mode: str) -> list[Window]:
        return [w for w in self.windows if w.mode == mode]

    def recording_per_stream(self) -> list[float]:
        """(on - off) / N per pair of adjacent windows, % of one core."""
        out, prev_off = [], None
        for w in self.windows:
            if w.mode == "off":
                prev_off = w
            elif w.mode == "on" and prev_off is not None:
                out.append((w.pct(w.edgebox_cpu_s) - prev_off.pct(prev_off.edgebox_cpu_s)) / self.streams)
                prev_off = None
        return out

    def ref_per_stream(self) -> list[float]:
        return [w.pct(w.ref_cpu_s) / self.streams for w in self.by("ref") if w.ref_cpu_s is not None]

    def edgebox_pct(self, mode: str) -> list[float]:
        return [w.pct(w.edgebox_cpu_s) for w in self.by(mode)]

    def written_mbit_per_stream(self, mode: str) -> list[float]:
        return [w.written_bytes * 8 / w.seconds / 1e6 / self.streams for w in self.by(mode)]


@dataclass
class Settings:
    streams: list[int]
    windows: int
    window_seconds: float
    warmup_seconds: float
    reference: bool
    reference_max: int
    hold_seconds: float
    verbose: bool


# --------------------------------------------------------------------------- one run


class Run:
    def __init__(self, binary: Path, ffmpeg: str, ffprobe: Optional[str], media: Media, n: int, settings: Settings,
                 pinning: Pinning, result: RunResult) -> None:
        self.binary, self.ffmpeg, self.ffprobe, self.media, self.n = binary, ffmpeg, ffprobe, media, n
        self.settings, self.pinning, self.result = settings, pinning, result
        self.proc: Optional[subprocess.Popen] = None
        self.publishers: list[Publisher] = []
        self.refs: list[subprocess.Popen] = []
        self.tmp = ""

    # -- EdgeBox

    def api(self, path: str, timeout: float = API_TIMEOUT) -> Optional[dict]:
        t0 = time.monotonic()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}{path}", timeout=timeout) as r:
                return json.loads(r.read().decode())
        except (OSError, ValueError, urllib.error.URLError):
            return None
        finally:
            if path != "/api/v1/health":
                self.result.api_max_ms = max(self.result.api_max_ms, (time.monotonic() - t0) * 1000)

    async def api_async(self, path: str) -> Optional[dict]:
        return await asyncio.to_thread(self.api, path)

    def check_alive(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            raise BenchError(f"edgebox exited with code {self.proc.returncode}")
        for p in self.publishers:
            if p.closed:
                raise BenchError(f"publisher {PATH_PREFIX}{p.index}: {p.error}")

    def write_config(self, record: bool) -> None:
        tmp = self.config + ".new"
        with open(tmp, "w") as f:
            f.write(CONFIG_TEMPLATE.format(record="true" if record else "false"))
        os.replace(tmp, self.config)

    def start_edgebox(self) -> None:
        self.http_port, self.rtsp_port = free_port(), free_port()
        while self.rtsp_port == self.http_port:
            self.rtsp_port = free_port()
        self.data = os.path.join(self.tmp, "data")
        os.mkdir(self.data)
        self.config = os.path.join(self.tmp, "edgebox.yml")
        self.write_config(False)
        self.server_log = os.path.join(self.tmp, "edgebox.log")
        env = dict(EDGEBOX_ENV, EDGEBOX_HTTP_ADDRESS=f"127.0.0.1:{self.http_port}",
                   EDGEBOX_RTSP_ADDRESS=f"127.0.0.1:{self.rtsp_port}",
                   EDGEBOX_LOG_LEVEL="info" if self.settings.verbose else "warn")
        self.proc = spawn([str(self.binary), "run", "--config", self.config, "--data", self.data], env, self.tmp,
                          self.server_log, self.pinning.server_cpu, self.pinning.taskset)

    async def wait_healthy(self) -> None:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while await self.api_async("/api/v1/health") is None:
            self.check_alive()
            if time.monotonic() > deadline:
                raise BenchError(f"edgebox: no answer on /api/v1/health within {SERVER_START_TIMEOUT:.0f} s")
            await asyncio.sleep(0.05)

    def url(self, k: int) -> str:
        return f"rtsp://127.0.0.1:{self.rtsp_port}/{PATH_PREFIX}{k}"

    async def start_publishers(self) -> None:
        """One after the other, spread over one GOP so the streams' keyframes do not coincide."""
        spacing = GOP / FPS / self.n
        for k in range(1, self.n + 1):
            t = time.monotonic()
            p = Publisher(k, self.media)
            self.publishers.append(p)
            try:
                await asyncio.wait_for(p.handshake(self.url(k), self.rtsp_port), HANDSHAKE_TIMEOUT)
            except asyncio.TimeoutError:
                raise BenchError(f"publisher {PATH_PREFIX}{k}: handshake timed out after {HANDSHAKE_TIMEOUT:.0f} s") from None
            except OSError as e:
                raise BenchError(f"publisher {PATH_PREFIX}{k}: {e}") from None
            p.start()
            await asyncio.sleep(max(0.0, spacing - (time.monotonic() - t)))
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            self.check_alive()
            doc = await self.api_async("/api/v1/paths") or {}
            ready = {i["name"]: i for i in doc.get("items", [])
                     if i.get("name", "").startswith(PATH_PREFIX) and i.get("state") == "ready" and (i.get("framesIn") or 0) > 0}
            if len(ready) >= self.n:
                self.result.publishers_ok = len(ready)
                return
            if time.monotonic() > deadline:
                raise BenchError(f"only {len(ready)}/{self.n} paths ready with frames within {READY_TIMEOUT:.0f} s")
            await asyncio.sleep(0.2)

    async def bytes_in(self) -> int:
        doc = await self.api_async("/api/v1/paths") or {}
        return sum(i.get("bytesIn") or 0 for i in doc.get("items", []) if i.get("name", "").startswith(PATH_PREFIX))

    async def recordings(self) -> Optional[dict[str, dict]]:
        """GET /api/v1/recordings by path; None when EdgeBox did not answer within API_TIMEOUT."""
        doc = await self.api_async("/api/v1/recordings")
        if doc is None:
            self.result.api_failures += 1
            return None
        return {i["path"]: i for i in doc.get("items", []) if i.get("path", "").startswith(PATH_PREFIX)}

    async def set_recording(self, on: bool) -> None:
        """Switch `record` in the config file, SIGHUP, and wait until every path records (or none does)."""
        before = (await self.recordings() or {}) if on else {}
        self.write_config(on)
        self.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + TOGGLE_TIMEOUT
        silent = 0
        while True:
            self.check_alive()
            recs = await self.recordings()
            if recs is None:
                silent += 1
                recs, done = {}, -1
            elif on:
                done = sum(1 for name, r in recs.items() if r.get("recorder") == "recording"
                           and (r.get("size") or 0) > (before.get(name, {}).get("size") or 0))
            else:
                done = self.n - sum(1 for r in recs.values() if r.get("recorder"))
            if done >= self.n:
                break
            if time.monotonic() > deadline:
                states = sorted({str(r.get("recorder")) for r in recs.values()})
                raise BenchError(f"recording {'on' if on else 'off'}: {max(done, 0)}/{self.n} paths switched within "
                                 f"{TOGGLE_TIMEOUT:.0f} s (recorder states: {', '.join(states) or 'none'}"
                                 + (f"; GET /api/v1/recordings did not answer within {API_TIMEOUT:.0f} s {silent} time(s)"
                                    if silent else "") + ")")
            await asyncio.sleep(0.2)
        await asyncio.sleep(SETTLE_SECONDS)

    # -- reference

    async def start_refs(self) -> None:
        self.ref_dirs = []
        for k in range(1, self.n + 1):
            out = os.path.join(self.tmp, "ref", f"s{k}")
            os.makedirs(out)
            self.ref_dirs.append(out)
            argv = [self.ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-nostats",
                    "-rtsp_transport", "tcp", "-i", self.url(k), "-c", "copy", "-f", "segment", "-segment_time", "600",
                    "-reset_timestamps", "1", "-segment_format", "mp4", os.path.join(out, "out%03d.mp4")]
            self.refs.append(spawn(argv, {}, out, os.path.join(self.tmp, f"ffmpeg-s{k}.log"),
                                   self.pinning.server_cpu, self.pinning.taskset))
            await asyncio.sleep(0.05)
        deadline = time.monotonic() + REF_START_TIMEOUT
        while True:
            self.check_alive()
            dead = [k for k, p in enumerate(self.refs, 1) if p.poll() is not None]
            if dead:
                k = dead[0]
                raise BenchError(f"ffmpeg recorder of {PATH_PREFIX}{k} exited with code {self.refs[k - 1].returncode}: "
                                 f"{log_tail(os.path.join(self.tmp, f'ffmpeg-s{k}.log'), 3)}")
            writing = sum(1 for d in self.ref_dirs if tree_bytes(d) > 0)
            if writing >= self.n:
                return
            if time.monotonic() > deadline:
                raise BenchError(f"only {writing}/{self.n} ffmpeg recorders wrote data within {REF_START_TIMEOUT:.0f} s")
            await asyncio.sleep(0.5)

    # -- measuring

    async def window(self, mode: str) -> Window:
        self.check_alive()
        pid = self.proc.pid
        refs = [p.pid for p in self.refs] if mode == "ref" else []
        folder = [os.path.join(self.data, "recordings")] if mode in ("on", "hold") else (self.ref_dirs if mode == "ref" else [])
        sizes0 = (await self.recordings() or {}) if mode in ("on", "hold") else {}
        d0 = sum(tree_bytes(f) for f in folder)
        t0, c0, k0, h0 = time.monotonic(), proc_cpu_seconds(pid), self_cpu_seconds(), host_busy_seconds()
        r0 = sum(proc_cpu_seconds(p) for p in refs)
        await asyncio.sleep(self.settings.window_seconds)
        t1, c1, k1, h1 = time.monotonic(), proc_cpu_seconds(pid), self_cpu_seconds(), host_busy_seconds()
        r1 = sum(proc_cpu_seconds(p) for p in refs)
        self.check_alive()
        rss = rss_bytes(pid)
        d1 = sum(tree_bytes(f) for f in folder)
        growing = None
        if mode in ("on", "hold"):
            sizes1 = await self.recordings() or {}
            growing = sum(1 for name, r in sizes1.items() if r.get("recorder") == "recording"
                          and (r.get("size") or 0) > (sizes0.get(name, {}).get("size") or 0))
        dt = t1 - t0
        w = Window(mode, dt, c1 - c0, (r1 - r0) if mode == "ref" else None, (k1 - k0) / dt,
                   max(0.0, (h1 - h0) - (c1 - c0) - (r1 - r0) - (k1 - k0)) / dt, rss, d1 - d0, growing)
        self.result.windows.append(w)
        extra = ""
        if mode in ("on", "hold"):
            extra = f", {w.written_bytes / 1e6:.1f} MB written, {growing}/{self.n} paths growing"
        elif mode == "ref":
            extra = (f", ffmpeg x{self.n} {w.pct(w.ref_cpu_s):.1f} % ({w.pct(w.ref_cpu_s) / self.n:.2f} %/stream), "
                     f"{w.written_bytes / 1e6:.1f} MB written")
        progress(f"    {mode:>3}: edgebox {w.pct(w.edgebox_cpu_s):.1f} % of a core{extra}; "
                 f"publishers {w.client_cpu_share * 100:.0f} %, other load {w.other_cpu_share * 100:.0f} %")
        return w

    def probe(self, folder: str) -> tuple[str, Optional[float]]:
        """ffprobe of the largest .mp4 under folder: (codecs, duration and size, or why not; its Mbit/s)."""
        files = [os.path.join(d, f) for d, _, fs in os.walk(folder) for f in fs if f.endswith(".mp4")]
        if not files:
            return "no .mp4 file", None
        if not self.ffprobe:
            return f"{len(files)} file(s) (ffprobe not found)", None
        path = max(files, key=lambda p: os.path.getsize(p))
        size = os.path.getsize(path)
        try:
            r = subprocess.run([self.ffprobe, "-v", "error", "-show_entries", "format=duration:stream=codec_name",
                                "-of", "json", path], capture_output=True, text=True, timeout=PROBE_TIMEOUT)
            doc = json.loads(r.stdout or "{}")
            codecs = "+".join(s.get("codec_name", "?") for s in doc.get("streams", []))
            duration = float(doc.get("format", {}).get("duration", "nan"))
            mbit = size * 8 / duration / 1e6 if duration > 0 else None
            return (f"{codecs}, {duration:.1f} s, {size / 1e6:.1f} MB" + (f", {mbit:.2f} Mbit/s" if mbit else "")
                    + (f" ({r.stderr.strip().splitlines()[0]})" if r.stderr.strip() else "")), mbit
        except (OSError, ValueError, subprocess.TimeoutExpired) as e:
            return f"ffprobe failed: {e}", None

    async def run(self) -> None:
        s = self.settings
        self.tmp = tempfile.mkdtemp(prefix=f"bench-record-{self.n}-")
        try:
            self.start_edgebox()
            await self.wait_healthy()
            await asyncio.sleep(SETTLE_SECONDS)
            await self.window("idle")
            await self.start_publishers()
            progress(f"    {self.n} publishers on; warm-up {s.warmup_seconds:g} s")
            await asyncio.sleep(s.warmup_seconds)
            for p in self.publishers:
                p.max_late = 0.0
            t0, in0 = time.monotonic(), await self.bytes_in()
            for _ in range(s.windows):
                await self.window("off")
                await self.set_recording(True)
                await self.window("on")
                await self.set_recording(False)
            if s.hold_seconds > 0:
                progress(f"    recording held on for {s.hold_seconds:g} s")
                await self.set_recording(True)
                end = time.monotonic() + s.hold_seconds
                while time.monotonic() + s.window_seconds / 2 < end:
                    await self.window("hold")
                await self.set_recording(False)
            in1 = await self.bytes_in()
            self.result.input_mbit_s = (in1 - in0) * 8 / (time.monotonic() - t0) / 1e6 / self.n
            self.result.edgebox_recorded_mb = tree_bytes(os.path.join(self.data, "recordings")) / 1e6
            self.result.edgebox_probe, self.result.edgebox_file_mbit_s = await asyncio.to_thread(
                self.probe, os.path.join(self.data, "recordings"))
            if s.reference and self.n <= s.reference_max:
                progress(f"    starting {self.n} ffmpeg recorders")
                await self.start_refs()
                await asyncio.sleep(s.warmup_seconds)
                for _ in range(s.windows):
                    await self.window("ref")
                self.result.ref_streams = sum(1 for d in self.ref_dirs if tree_bytes(d) > 0)
                self.result.ref_exit_codes = await asyncio.to_thread(stop_many, self.refs)
                self.result.ref_recorded_mb = sum(tree_bytes(d) for d in self.ref_dirs) / 1e6
                self.result.ref_probe, self.result.ref_file_mbit_s = await asyncio.to_thread(self.probe, self.ref_dirs[0])
            self.check_alive()
            self.result.publisher_max_late_ms = max(p.max_late for p in self.publishers) * 1000
            self.result.publisher_max_backlog_kb = max(p.max_backlog for p in self.publishers) / 1024
        except BenchError as e:
            self.result.error = str(e)
        finally:
            for p in self.publishers:
                p.close()
            await asyncio.sleep(0)
            await asyncio.to_thread(stop_many, self.refs)
            self.result.edgebox_exit_code = stop(self.proc)
            if self.result.error or s.verbose:
                tails = [f"[edgebox log]\n{log_tail(self.server_log)}"] if getattr(self, "server_log", None) else []
                self.result.log_tail = "\n".join(tails)
            shutil.rmtree(self.tmp, ignore_errors=True)


async def run_bounded(run: Run, budget: float) -> None:
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(run.run())
    loop.add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        done, _ = await asyncio.wait([task], timeout=budget)
        if done:
            task.result()
            return
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        run.result.error = f"the run exceeded its time budget of {budget:.0f} s"
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


# --------------------------------------------------------------------------- output


def fmt(value: Optional[float], digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def cell(values: list[float], digits: int = 2) -> str:
    if not values:
        return "n/a"
    return f"{statistics.median(values):.{digits}f} [{min(values):.{digits}f}-{max(values):.{digits}f}]"


def print_table(results: list[RunResult], settings: Settings, label: str, media: Media) -> None:
    print(f"\nRecording cost, {label}: 1080p30 H.264 {media.video_bytes * 8 / INPUT_SECONDS / 1e6:.2f} Mbit/s "
          f"(GOP {GOP // FPS} s) + AAC {media.audio_bytes * 8 / INPUT_SECONDS / 1e3:.0f} kbit/s per stream, "
          f"RTSP/TCP publishers; {settings.windows} x {settings.window_seconds:g} s windows per mode. "
          f"CPU in % of one core, median [min-max] over the windows.\n")
    head = ["streams", "EdgeBox recording CPU %/stream", "ffmpeg -c copy -f segment CPU %/stream", "ratio",
            "ratio incl. ingest", "EdgeBox total CPU % (rec on)", "EdgeBox CPU % (rec off)", "RSS MB (on)",
            "file Mbit/s (EB / ffmpeg)", "recording", "publishers CPU %"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in results:
        if r.error and not r.windows:
            print(f"| {r.streams} | FAILED | | | | | | | | | |")
            continue
        rec, ref = r.recording_per_stream(), r.ref_per_stream()
        ratio = f"{statistics.median(rec) / statistics.median(ref):.2f}" if rec and ref and statistics.median(ref) > 0 else "n/a"
        on_pct, idle = r.edgebox_pct("on"), r.edgebox_pct("idle")
        ratio_total = (f"{(statistics.median(on_pct) - (idle[0] if idle else 0)) / r.streams / statistics.median(ref):.2f}"
                       if on_pct and ref and statistics.median(ref) > 0 else "n/a")
        on = r.by("on")
        rss = f"{on[-1].edgebox_rss / 2 ** 20:.1f}" if on else "n/a"
        written = f"{fmt(r.edgebox_file_mbit_s)} / {fmt(r.ref_file_mbit_s)}"
        growing = min((w.paths_growing or 0) for w in on) if on else 0
        client = [w.client_cpu_share * 100 for w in r.windows if w.mode != "idle"]
        print(f"| {r.streams} | {cell(rec)} | {cell(ref)} | {ratio} | {ratio_total} | {cell(on_pct, 1)} | "
              f"{cell(r.edgebox_pct('off'), 1)} | {rss} | {written} | {growing}/{r.streams} | {cell(client, 0)} |")

    # Streams under one core.
    ok = [r for r in results if r.by("on") and not r.error and statistics.median(r.edgebox_pct("on")) < 100
          and all(w.paths_growing == r.streams for w in r.by("on") + r.by("hold"))]
    print()
    if ok:
        best = max(ok, key=lambda r: r.streams)
        print(f"Streams recorded at once under one core (measured): {best.streams} "
              f"(EdgeBox {statistics.median(best.edgebox_pct('on')):.1f} % of a core with recording on, "
              f"every stream growing in every window).")
    measured = [r for r in results if r.by("on") and r.recording_per_stream()]
    if measured:
        top = max(measured, key=lambda r: r.streams)
        idle = top.edgebox_pct("idle")[0] if top.edgebox_pct("idle") else 0.0
        total = (statistics.median(top.edgebox_pct("on")) - idle) / top.streams
        rec = statistics.median(top.recording_per_stream())
        client = statistics.median([w.client_cpu_share for w in top.windows if w.mode != "idle"]) * 100
        if total > 0:
            print(f"Extrapolated from N={top.streams} (not measured): {int((100 - idle) // total)} streams ingested and "
                  f"recorded per core at {total:.2f} %/stream (ingest {total - rec:.2f} + recording {rec:.2f}) over "
                  f"{idle:.1f} % idle; the publishers used {client:.0f} % of their CPU at N={top.streams}, "
                  f"so they would need about {client * (100 - idle) / total / top.streams:.0f} % there.")

    held = [r for r in results if r.by("hold")]
    for r in held:
        hold, off, idle = r.edgebox_pct("hold"), r.edgebox_pct("off"), r.edgebox_pct("idle")
        base = statistics.median(off) if off else 0.0
        idle0 = idle[0] if idle else 0.0
        span = sum(w.seconds for w in r.by("hold"))
        peak = max(range(len(hold)), key=lambda i: hold[i])
        at = sum(w.seconds for w in r.by("hold")[:peak + 1])
        mean = statistics.mean(hold)
        short = [i for i, w in enumerate(r.by("hold")) if w.paths_growing != r.streams]
        first_short = (f"ending at {sum(w.seconds for w in r.by('hold')[:short[0] + 1]):.0f} s "
                       f"({r.by('hold')[short[0]].paths_growing}/{r.streams} growing)") if short else "none"
        print(f"Recording held on at N={r.streams} for {span:.0f} s ({len(hold)} windows, recordSegmentDuration 10m): EdgeBox "
              f"{hold[0]:.1f} % of a core in the first window, {hold[peak]:.1f} % at most (window ending at {at:.0f} s), "
              f"{hold[-1]:.1f} % in the last, {mean:.1f} % on average. Recording cost per stream, (window - median off "
              f"{base:.1f} %) / N: first {(hold[0] - base) / r.streams:.2f}, peak {(hold[peak] - base) / r.streams:.2f}, "
              f"average {(mean - base) / r.streams:.2f} %; with ingest, (average - idle) / N = "
              f"{(mean - idle0) / r.streams:.2f} %/stream. Every path growing in "
              f"{sum(1 for w in r.by('hold') if w.paths_growing == r.streams)} of the {len(hold)} windows; "
              f"first window without: {first_short}.")
    if held:
        print()

    notes = ["recording CPU/stream = (EdgeBox CPU in a window with recording on - in the window just before with it off) / N;"
             " ffmpeg CPU/stream = the N ffmpeg processes' CPU / N; ratio = EdgeBox / ffmpeg medians; ratio incl. ingest ="
             " (EdgeBox's CPU with recording on - idle, before the publishers) / N, i.e. receiving the RTSP stream too as"
             " ffmpeg does, / ffmpeg's; file Mbit/s = size x 8 / duration of the largest file (ffprobe)",
             "the ffmpeg recorders read the streams from EdgeBox (recording off), so EdgeBox's CPU in those windows "
             "includes serving them; EdgeBox fsyncs every fragment (recordPartDuration 1s), ffmpeg never fsyncs"]
    for r in results:
        tag = f"N={r.streams}"
        if r.error:
            notes.append(f"{tag}: FAILED: {r.error}")
        if r.log_tail:
            notes += ["    " + line for line in r.log_tail.splitlines()]
        if r.input_mbit_s is not None:
            notes.append(f"{tag}: EdgeBox received {r.input_mbit_s:.2f} Mbit/s per path (bytesIn in its API); "
                         f"while measuring, a publisher sent a frame at most {r.publisher_max_late_ms:.0f} ms late; "
                         f"at most {r.publisher_max_backlog_kb:.0f} KB queued in a publisher's socket")
        if r.by("on"):
            idle = r.edgebox_pct("idle")
            notes.append(f"{tag}: EdgeBox idle (no publisher) {fmt(idle[0] if idle else None, 1)} % of a core; "
                         f"wrote {r.edgebox_recorded_mb:.1f} MB; largest segment: {r.edgebox_probe}")
        if r.by("ref"):
            codes = sorted({str(c) for c in r.ref_exit_codes})
            notes.append(f"{tag}: ffmpeg x{r.streams} wrote {r.ref_recorded_mb:.1f} MB ({r.ref_streams}/{r.streams} writing), "
                         f"exit codes {', '.join(codes)} (255: ffmpeg's code after SIGTERM); largest file of s1: {r.ref_probe}")
        if r.api_failures or r.api_max_ms > 1000:
            notes.append(f"{tag}: EdgeBox's API answered in up to {r.api_max_ms:.0f} ms; {r.api_failures} call(s) to "
                         f"GET /api/v1/recordings got no answer within {API_TIMEOUT:.0f} s")
        other = [w.other_cpu_share * 100 for w in r.windows]
        if other and max(other) > 10:
            notes.append(f"{tag}: other processes (and interrupts) on the host used {cell(other, 0)} % of a core "
                         f"during the windows: expect noise")
        if r.edgebox_exit_code not in (None, 0):
            notes.append(f"{tag}: edgebox exit code on SIGTERM: {r.edgebox_exit_code}")
    print()
    for n in notes:
        print("note: " + n)


def write_json(path: str, args: argparse.Namespace, settings: Settings, pinning: Pinning, results: list[RunResult],
               inputs: list[str]) -> None:
    doc = {
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "host": {"kernel": platform.release(), "machine": platform.machine(), "cpus": os.cpu_count(),
                 "python": platform.python_version()},
        "settings": dict(asdict(settings), pinning=pinning.describe(), binary=args.binary, inputs=inputs),
        "runs": [dict(asdict(r), recording_cpu_pct_per_stream=r.recording_per_stream(),
                      ref_cpu_pct_per_stream=r.ref_per_stream(),
                      written_mbit_s_per_stream_on=r.written_mbit_per_stream("on"),
                      written_mbit_s_per_stream_ref=r.written_mbit_per_stream("ref")) for r in results],
    }
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


# --------------------------------------------------------------------------- main


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Measure EdgeBox's CPU per recorded stream beside ffmpeg -c copy -f segment, "
                                            "and how many 2 Mbit/s streams it records under one core.")
    p.add_argument("--binary", default=DEFAULT_BINARY,
                   help=f"EdgeBox executable; relative paths are taken from the repo root (default: {DEFAULT_BINARY})")
    p.add_argument("--streams", default="1,10,40", help="comma-separated stream counts (default: 1,10,40)")
    p.add_argument("--windows", type=int, default=3, help="windows per mode (off, on, ffmpeg) and stream count (default: 3)")
    p.add_argument("--window-seconds", type=float, default=8.0, help="length of one window (default: 8)")
    p.add_argument("--warmup-seconds", type=float, default=5.0,
                   help="wait after the publishers (and again after the ffmpeg recorders) start (default: 5)")
    p.add_argument("--quick", action="store_true", help="smoke run: 2 streams, 1 window of 4 s per mode, 2 s warm-up")
    p.add_argument("--cache-dir", default=os.path.join(tempfile.gettempdir(), "edgebox-bench-cache"),
                   help="where the encoded input is kept between runs (default: %(default)s)")
    p.add_argument("--json", metavar="FILE", help="also write the raw numbers to FILE")
    p.add_argument("--no-reference", action="store_true", help="skip the ffmpeg recorders")
    p.add_argument("--reference-max", type=int, default=100, metavar="N",
                   help="run the ffmpeg recorders only for stream counts up to N (default: 100)")
    p.add_argument("--hold-seconds", type=float, default=0.0, metavar="S",
                   help="after the off/on windows, keep recording on for S seconds (one window after the other) to see "
                        "how the cost changes as the segments grow (default: 0, off)")
    p.add_argument("--no-pin", action="store_true", help="do not pin EdgeBox and the publishers to CPUs")
    p.add_argument("--verbose", action="store_true", help="EdgeBox logs at info level; show its log tail for every run")
    args = p.parse_args(argv)
    if args.quick:
        args.streams, args.windows, args.window_seconds, args.warmup_seconds = "2", 1, 4.0, 2.0
    try:
        args.stream_counts = [int(x) for x in args.streams.split(",") if x.strip()]
    except ValueError:
        p.error("--streams must be a comma-separated list of integers")
    if not args.stream_counts or any(n < 1 for n in args.stream_counts):
        p.error("--streams: every count must be at least 1")
    if args.windows < 1 or args.window_seconds <= 0 or args.warmup_seconds < 0 or args.hold_seconds < 0:
        p.error("--windows must be >= 1, --window-seconds > 0, --warmup-seconds and --hold-seconds >= 0")
    return args


def raise_interrupted(signum, frame):
    raise Interrupted()


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    binary = Path(args.binary)
    if not binary.is_absolute():
        binary = REPO_ROOT / binary
    if not binary.is_file() or not os.access(binary, os.X_OK):
        print(f"record.py: EdgeBox binary not found (or not executable): {binary}\n"
              f"Build it first with ./build.sh publish, or point --binary at an existing build.", file=sys.stderr)
        return 2
    ffmpeg = shutil.which("ffmpeg")
    if not ffmpeg:
        print("record.py: ffmpeg not found (Debian package ffmpeg)", file=sys.stderr)
        return 2
    ffprobe = shutil.which("ffprobe")

    signal.signal(signal.SIGTERM, raise_interrupted)
    settings = Settings(args.stream_counts, args.windows, args.window_seconds, args.warmup_seconds,
                        not args.no_reference, args.reference_max, args.hold_seconds, args.verbose)
    pinning = setup_pinning(not args.no_pin)
    try:
        video, audio = ensure_input(ffmpeg, Path(args.cache_dir))
        media = load_media(video, audio)
    except (BenchError, OSError, StopIteration) as e:
        print(f"record.py: could not make or read the input: {e}", file=sys.stderr)
        return 1
    kind = "JIT" if (binary.parent / (binary.name + ".runtimeconfig.json")).exists() else "AOT"
    label = f"EdgeBox ({kind}) beside ffmpeg {ffmpeg_version(ffmpeg)}"
    progress(f"binary:  {binary}")
    progress(f"input:   {video.name} + {audio.name} ({len(media.video_units)} frames, looped)")
    progress(f"streams: {', '.join(map(str, settings.streams))}; {settings.windows} x {settings.window_seconds:g} s per mode "
             f"after {settings.warmup_seconds:g} s warm-up; pinning: {pinning.describe()}")

    results: list[RunResult] = []
    try:
        for n in settings.streams:
            progress(f"  {n} stream(s) ...")
            result = RunResult(n)
            results.append(result)
            run = Run(binary, ffmpeg, ffprobe, media, n, settings, pinning, result)
            budget = (settings.hold_seconds + 2 * TOGGLE_TIMEOUT + SERVER_START_TIMEOUT + n * (HANDSHAKE_TIMEOUT / 4 + GOP / FPS / n) + READY_TIMEOUT
                      + 2 * settings.warmup_seconds + settings.windows * (3 * (settings.window_seconds + 5) + 2 * TOGGLE_TIMEOUT)
                      + REF_START_TIMEOUT + n * 0.05 + 3 * STOP_TIMEOUT + 2 * PROBE_TIMEOUT + 30)
            asyncio.run(run_bounded(run, budget))
            if result.error:
                progress(f"    FAILED: {result.error}")
    except (KeyboardInterrupt, Interrupted, asyncio.CancelledError):
        progress("interrupted")
        return 130

    print_table(results, settings, label, media)
    if args.json:
        write_json(args.json, args, settings, pinning, results, [str(video), str(audio)])
        progress(f"raw numbers written to {args.json}")
    return 1 if any(r.error for r in results) else 0


def ffmpeg_version(ffmpeg: str) -> str:
    try:
        r = subprocess.run([ffmpeg, "-hide_banner", "-version"], capture_output=True, text=True, timeout=10)
        m = re.match(r"ffmpeg version (\S+)", r.stdout)
        return m.group(1).split("-")[0] if m else "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


if __name__ == "__main__":
    sys.exit(main())
