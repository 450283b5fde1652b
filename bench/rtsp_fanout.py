#!/usr/bin/python3
"""RTSP fan-out benchmark for the EdgeBox Native-AOT binary, with GstRtspServer as a reference.

One stream (1080p30 H.264, about 4 Mbit/s, video only) is served to N RTSP readers over TCP
interleaved transport, and the script measures what the server pays for it:

  1. server CPU-seconds per delivered GB (10^9 bytes), from utime+stime in /proc/PID/stat and the
     bytes all readers received, over --windows windows of --window-seconds each after a warm-up:
     median, min and max over the windows;
  2. RSS per reader: (VmRSS with N readers - VmRSS with no reader) / N, in KB;
  3. how many readers received at least 99 % of the source frame rate (30 fps) in the last window.

EdgeBox gets the stream from a publisher,
    ffmpeg -re -stream_loop -1 -i input.mp4 -c copy -f rtsp -rtsp_transport tcp rtsp://.../live/bench
The reference is GstRtspServer (Python + gi, run with /usr/bin/python3) serving the same
encoded video from a file with one shared pipeline
    ( filesrc ! qtdemux ! h264parse config-interval=-1 ! rtph264pay name=pay0 pt=96 ).
The readers are a small asyncio RTSP client in this script (OPTIONS, DESCRIBE, SETUP per track
with RTP/AVP/TCP interleaved, PLAY on one connection; then every interleaved frame is counted and
dropped).  All readers and the publisher run in this process's CPU (the second allowed CPU);
the server is pinned to the first one with `taskset -c`.  EdgeBox and the reference run
alternately: for each N, EdgeBox first, then the reference, each with a fresh process.

This is a benchmark, not a test: it prints a table and never fails because a number is over its
target.  Exit status: 0 when the measurements ran, 1 when something could not run (a server did
not start, crashed, or no reader could play), 2 when the EdgeBox binary or ffmpeg is missing or
the arguments are wrong.

Run with Debian's python (standard library only; the reference needs python3-gi and
gir1.2-gst-rtsp-server-1.0), from anywhere:

    /usr/bin/python3 bench/rtsp_fanout.py [--readers 50,200] [--windows 3] [--window-seconds 10]
                                          [--quick] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional

from benchlib import STOP_TIMEOUT, child_env, free_port, log_tail, progress, stop

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BINARY = "artifacts/publish/EdgeBox/release_linux-x64/edgebox"
GST_PYTHON = "/usr/bin/python3"
STREAM_PATH = "live/bench"

SOURCE_FPS = 30.0
FPS_FRACTION = 0.99
INPUT_SECONDS = 20
GB = 1e9
KB = 1024

# Time limits (seconds).  Every step of a run is bounded.
SERVER_START_TIMEOUT = 20.0
PUBLISH_TIMEOUT = 20.0
FIRST_READER_TIMEOUT = 15.0
HANDSHAKE_TIMEOUT = 10.0
CONNECT_PHASE_TIMEOUT = 60.0
ENCODE_TIMEOUT = 600.0
SETTLE_SECONDS = 2.0  # after the stream is up (or after the first reader) before RSS is read
HANDSHAKE_CONCURRENCY = 20  # readers that may be in OPTIONS..PLAY at the same time
KEEPALIVE_MIN_SECONDS = 5.0
KEEPALIVE_MAX_SECONDS = 20.0

# Targets for EdgeBox, printed beside the numbers for reference only (never enforced).
TARGET_CPU_RATIO = 0.5  # EdgeBox CPU-s/GB <= 0.5 x GstRtspServer's
TARGET_RSS_PER_READER_KB = 100

EDGEBOX_ENV = {
    "EDGEBOX_RTMP_ENABLED": "false",
    "EDGEBOX_SRT_ENABLED": "false",
    "EDGEBOX_WEBRTC_ENABLED": "false",
    "EDGEBOX_LOG_FILE": "false",
    "EDGEBOX_LOG_LEVEL": "warn",
}

# The reference server, written to the run's temporary directory and run with /usr/bin/python3.
GST_SERVER = """\
import sys
import gi
gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer
Gst.init(None)
port, path, mount = sys.argv[1], sys.argv[2], sys.argv[3]
server = GstRtspServer.RTSPServer()
server.set_address("127.0.0.1")
server.set_service(port)
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch('( filesrc location="%s" ! qtdemux ! h264parse config-interval=-1 '
                   '! rtph264pay name=pay0 pt=96 )' % path)
factory.set_shared(True)
server.get_mount_points().add_factory(mount, factory)
if server.attach(None) == 0:
    sys.exit("cannot listen on 127.0.0.1:" + port)
print("ready", flush=True)
GLib.MainLoop().run()
"""


class BenchError(Exception):
    """A run could not be completed (server exited, stream never came up, no reader could play)."""


class Interrupted(Exception):
    """SIGTERM/SIGINT: stop, clean up, exit."""


# --------------------------------------------------------------------------- process helpers


@dataclass
class Pinning:
    server_cpu: Optional[int]
    client_cpu: Optional[int]
    taskset: Optional[str]

    def describe(self) -> str:
        if self.server_cpu is None:
            return "off"
        how = "taskset" if self.taskset else "sched_setaffinity"
        return f"server on CPU {self.server_cpu} ({how}), readers + publisher on CPU {self.client_cpu}"


def setup_pinning(enabled: bool) -> Pinning:
    """Pin this process (readers; the publisher inherits it) to the second allowed CPU."""
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


def process_tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(children.get(p, []))
    return tree


CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime+stime of `pid` and its descendants, in seconds."""
    ticks = 0
    for p in process_tree(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # fields 14 and 15 of stat(5)
        except (OSError, IndexError, ValueError):
            pass
    return ticks / CLK_TCK


def rss_bytes(pid: int) -> int:
    total = 0
    for p in process_tree(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
        except OSError:
            pass
    return total


def self_cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


# --------------------------------------------------------------------------- input files


def ensure_inputs(ffmpeg: str, cache_dir: Path, long_seconds: int) -> tuple[Path, Path]:
    """The 20 s input (made once) and a longer copy of it (-c copy, looped) for the reference."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    short = cache_dir / f"input-1080p30-4M-{INPUT_SECONDS}s.mp4"
    if not short.is_file():
        progress(f"encoding {short} (1080p30 H.264 4 Mbit/s, {INPUT_SECONDS} s; once) ...")
        run_ffmpeg([ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
                    "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30", "-t", str(INPUT_SECONDS),
                    "-c:v", "libx264", "-preset", "veryfast", "-b:v", "4M", "-maxrate", "4M", "-bufsize", "8M",
                    "-g", "60", "-pix_fmt", "yuv420p", "-an", "-movflags", "+faststart"], short)
    loops = max(1, math.ceil(long_seconds / INPUT_SECONDS))
    long = cache_dir / f"input-1080p30-4M-{loops * INPUT_SECONDS}s.mp4"
    if not long.is_file():
        progress(f"making {long} ({loops} x the input, -c copy) ...")
        run_ffmpeg([ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
                    "-stream_loop", str(loops - 1), "-i", str(short), "-c", "copy", "-movflags", "+faststart"], long)
    return short, long


def run_ffmpeg(argv: list[str], out: Path) -> None:
    tmp = out.with_name(out.stem + f".part{os.getpid()}.mp4")
    try:
        r = subprocess.run(argv + [str(tmp)], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=ENCODE_TIMEOUT)
        if r.returncode != 0:
            raise BenchError(f"ffmpeg failed ({r.returncode}): {r.stderr.strip()[-500:]}")
        os.replace(tmp, out)
    except subprocess.TimeoutExpired:
        raise BenchError(f"ffmpeg did not finish within {ENCODE_TIMEOUT:.0f} s") from None
    finally:
        if tmp.exists():
            tmp.unlink()


# --------------------------------------------------------------------------- RTSP reader


class ReaderError(Exception):
    pass


@dataclass
class RtspResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def parse_sdp(text: str) -> tuple[Optional[str], list[tuple[str, Optional[str]]]]:
    """(session-level a=control, [(media kind, a=control)]) from an SDP."""
    session_control = None
    tracks: list[list] = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("m="):
            tracks.append([line[2:].split(" ", 1)[0], None])
        elif line.startswith("a=control:"):
            value = line[len("a=control:"):].strip()
            if tracks:
                tracks[-1][1] = value
            else:
                session_control = value
    return session_control, [(kind, control) for kind, control in tracks]


def resolve_control(base: str, control: Optional[str]) -> str:
    if not control or control == "*":
        return base
    if re.match(r"(?i)rtsps?://", control):
        return control
    return base.rstrip("/") + "/" + control.lstrip("/")


class RtspReader(asyncio.Protocol):
    """One RTSP client: handshake over request/response, then counts interleaved frames and drops them."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.transport: Optional[asyncio.Transport] = None
        self.buf = bytearray()
        self.cseq = 0
        self.pending: Optional[asyncio.Future] = None
        self.session: Optional[str] = None
        self.session_timeout: Optional[int] = None
        self.aggregate_url: Optional[str] = None
        self.video_channel = -1
        self.playing = False
        self.closed = False
        self.error: Optional[str] = None
        self.bytes = 0
        self.rtp_packets = 0
        self.rtcp_packets = 0
        self.frames = 0
        self.first_frame_at: Optional[float] = None
        self.last_data_at: Optional[float] = None

    # -- asyncio.Protocol

    def connection_made(self, transport) -> None:
        self.transport = transport

    def connection_lost(self, exc) -> None:
        self.closed = True
        if self.error is None:
            self.error = f"connection lost: {exc}" if exc else "server closed the connection"
        self._fail(ReaderError(self.error))

    def data_received(self, data: bytes) -> None:
        self.bytes += len(data)
        self.last_data_at = time.monotonic()
        buf = self.buf
        buf += data
        n = len(buf)
        pos = 0
        video = self.video_channel
        frames = self.frames
        while pos < n:
            if buf[pos] == 0x24:  # '$' channel len16 payload
                if pos + 4 > n:
                    break
                end = pos + 4 + ((buf[pos + 2] << 8) | buf[pos + 3])
                if end > n:
                    break
                ch = buf[pos + 1]
                if ch & 1:
                    self.rtcp_packets += 1
                else:
                    self.rtp_packets += 1
                    if ch == video and end - pos > 5 and buf[pos + 5] & 0x80:
                        frames += 1
                pos = end
            else:  # an RTSP message (a response, or a request from the server)
                head_end = buf.find(b"\r\n\r\n", pos)
                if head_end < 0:
                    if n - pos > 65536:
                        self._protocol_error("garbage on the connection")
                        return
                    break
                head = bytes(buf[pos:head_end]).decode("latin-1")
                m = re.search(r"(?im)^content-length:\s*(\d+)", head)
                end = head_end + 4 + (int(m.group(1)) if m else 0)
                if end > n:
                    break
                body = bytes(buf[head_end + 4:end])
                pos = end
                self._on_message(head, body)
        if frames != self.frames:
            if self.first_frame_at is None:
                self.first_frame_at = self.last_data_at
            self.frames = frames
        if pos:
            del buf[:pos]

    def _on_message(self, head: str, body: bytes) -> None:
        lines = head.split("\r\n")
        m = re.match(r"RTSP/\d\.\d (\d{3})", lines[0])
        if not m:
            return  # a request from the server (rare); ignored
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        fut, self.pending = self.pending, None
        if fut is not None and not fut.done():
            fut.set_result(RtspResponse(int(m.group(1)), headers, body))

    def _protocol_error(self, msg: str) -> None:
        self.error = msg
        self._fail(ReaderError(msg))
        if self.transport is not None:
            self.transport.abort()

    def _fail(self, exc: Exception) -> None:
        fut, self.pending = self.pending, None
        if fut is not None and not fut.done():
            fut.set_exception(exc)

    # -- requests

    def send(self, method: str, url: str, headers: Optional[dict[str, str]] = None,
             want_response: bool = True) -> Optional[asyncio.Future]:
        if self.transport is None or self.closed:
            raise ReaderError(self.error or "not connected")
        self.cseq += 1
        lines = [f"{method} {url} RTSP/1.0", f"CSeq: {self.cseq}", "User-Agent: edgebox-bench/rtsp_fanout"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        fut = None
        if want_response:
            fut = asyncio.get_running_loop().create_future()
            self.pending = fut
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        return fut

    async def request(self, method: str, url: str, headers: Optional[dict[str, str]] = None) -> RtspResponse:
        resp = await self.send(method, url, headers)
        if resp.status != 200:
            raise ReaderError(f"{method} -> {resp.status}")
        return resp

    async def handshake(self, url: str) -> None:
        await self.request("OPTIONS", url)
        desc = await self.request("DESCRIBE", url, {"Accept": "application/sdp"})
        base = desc.headers.get("content-base") or desc.headers.get("content-location") or url
        session_control, tracks = parse_sdp(desc.body.decode("utf-8", "replace"))
        if not tracks:
            raise ReaderError("DESCRIBE: SDP without media")
        for i, (kind, control) in enumerate(tracks):
            headers = {"Transport": f"RTP/AVP/TCP;unicast;interleaved={2 * i}-{2 * i + 1}"}
            if self.session:
                headers["Session"] = self.session
            resp = await self.request("SETUP", resolve_control(base, control), headers)
            if not self.session:
                sess = resp.headers.get("session", "")
                if not sess:
                    raise ReaderError("SETUP: no Session header")
                parts = [p.strip() for p in sess.split(";")]
                self.session = parts[0]
                for p in parts[1:]:
                    if p.lower().startswith("timeout="):
                        try:
                            self.session_timeout = int(p.split("=", 1)[1])
                        except ValueError:
                            pass
            m = re.search(r"interleaved=(\d+)", resp.headers.get("transport", ""))
            channel = int(m.group(1)) if m else 2 * i
            if kind == "video" and self.video_channel < 0:
                self.video_channel = channel
        self.aggregate_url = resolve_control(base, session_control)
        # No Range header: GstRtspServer would seek its shared (file) pipeline to that position for
        # every new reader, which restarts the stream for everyone and can dead-lock it.
        await self.request("PLAY", self.aggregate_url, {"Session": self.session})
        self.playing = True

    def keepalive(self) -> None:
        if self.playing and not self.closed and self.aggregate_url:
            try:
                self.send("GET_PARAMETER", self.aggregate_url, {"Session": self.session}, want_response=False)
            except ReaderError:
                pass

    def close(self) -> None:
        if self.transport is not None and not self.closed:
            self.transport.abort()


async def open_reader(index: int, url: str, port: int) -> RtspReader:
    loop = asyncio.get_running_loop()
    reader = RtspReader(index)

    async def connect_and_play() -> None:
        await loop.create_connection(lambda: reader, "127.0.0.1", port)
        await reader.handshake(url)

    try:
        await asyncio.wait_for(connect_and_play(), HANDSHAKE_TIMEOUT)
    except asyncio.TimeoutError:
        reader.error = reader.error or f"handshake timed out after {HANDSHAKE_TIMEOUT:.0f} s"
    except (OSError, ReaderError) as e:
        reader.error = reader.error or f"{type(e).__name__}: {e}"
    if reader.error:
        reader.close()
    return reader


# --------------------------------------------------------------------------- servers


@dataclass
class Window:
    seconds: float
    server_cpu_s: float
    bytes: int
    cpu_s_per_gb: Optional[float]
    mbit_s: float
    client_cpu_share: float  # (this process + publisher) CPU / wall time, on the client CPU
    readers_full_fps: int
    min_fps: Optional[float]
    median_fps: Optional[float]


@dataclass
class RunResult:
    server: str
    readers: int
    playing: int = 0
    failed_readers: int = 0
    reader_errors: list[str] = field(default_factory=list)
    rss0_bytes: Optional[int] = None
    rss1_bytes: Optional[int] = None
    rssn_bytes: Optional[int] = None
    rss_per_reader_kb: Optional[float] = None
    windows: list[Window] = field(default_factory=list)
    readers_full_fps_last: Optional[int] = None
    stalled_readers_last: Optional[int] = None
    server_exit_code: Optional[int] = None
    path_state: Optional[dict] = None
    error: Optional[str] = None
    log_tail: Optional[str] = None

    def cpu_per_gb(self) -> list[float]:
        return [w.cpu_s_per_gb for w in self.windows if w.cpu_s_per_gb is not None]


class ServerUnderTest:
    name = "?"
    label = "?"

    def rss_baseline_readers(self) -> int:
        """Readers connected when the 'empty' RSS is taken: 0, or 1 when the stream only exists with a reader."""
        return 0

    def start(self, tmp: str, pinning: Pinning) -> None: ...
    async def wait_ready(self) -> None: ...
    def url(self) -> str: ...
    def pid(self) -> int: ...
    def client_pids(self) -> list[int]:
        return []
    def check_alive(self) -> None: ...
    def path_state(self) -> Optional[dict]:
        return None
    def stop_all(self) -> Optional[int]: ...
    def log_tail(self) -> str:
        return ""


class EdgeBoxServer(ServerUnderTest):
    name = "edgebox"

    def __init__(self, binary: Path, ffmpeg: str, input_file: Path) -> None:
        kind = "JIT" if (binary.parent / (binary.name + ".runtimeconfig.json")).exists() else "AOT"
        self.label = f"edgebox ({kind})"
        self.binary, self.ffmpeg, self.input = binary, ffmpeg, input_file
        self.proc: Optional[subprocess.Popen] = None
        self.publisher: Optional[subprocess.Popen] = None

    def start(self, tmp: str, pinning: Pinning) -> None:
        self.http_port, self.rtsp_port = free_port(), free_port()
        while self.rtsp_port == self.http_port:
            self.rtsp_port = free_port()
        self.server_log, self.pub_log = os.path.join(tmp, "edgebox.log"), os.path.join(tmp, "publisher.log")
        data = os.path.join(tmp, "data")
        os.mkdir(data)
        env = dict(EDGEBOX_ENV, EDGEBOX_HTTP_ADDRESS=f"127.0.0.1:{self.http_port}",
                   EDGEBOX_RTSP_ADDRESS=f"127.0.0.1:{self.rtsp_port}")
        self.proc = spawn([str(self.binary), "run", "--data", data], env, tmp, self.server_log,
                          pinning.server_cpu, pinning.taskset)
        self.tmp = tmp

    def _api(self, path: str, timeout: float = 2.0) -> Optional[dict]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}{path}", timeout=timeout) as r:
                return json.loads(r.read().decode())
        except (OSError, ValueError, urllib.error.URLError):
            return None

    async def wait_ready(self) -> None:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while self._api("/api/v1/health", 1.0) is None:
            self.check_alive()
            if time.monotonic() > deadline:
                raise BenchError(f"edgebox: no answer on /api/v1/health within {SERVER_START_TIMEOUT:.0f} s")
            await asyncio.sleep(0.05)
        # The publisher inherits this process's CPU (the client CPU).
        self.publisher = spawn([self.ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "warning", "-re",
                                "-stream_loop", "-1", "-i", str(self.input), "-c", "copy", "-f", "rtsp",
                                "-rtsp_transport", "tcp", self.url()], {}, self.tmp, self.pub_log, None, None)
        deadline = time.monotonic() + PUBLISH_TIMEOUT
        while True:
            state = self.path_state()
            if state and state.get("state") == "ready" and (state.get("framesIn") or 0) > 0:
                return
            self.check_alive()
            if time.monotonic() > deadline:
                raise BenchError(f"edgebox: {STREAM_PATH} not ready with frames within {PUBLISH_TIMEOUT:.0f} s "
                                 f"(last state: {json.dumps(state) if state else 'none'})")
            await asyncio.sleep(0.1)

    def path_state(self) -> Optional[dict]:
        return self._api(f"/api/v1/paths/{STREAM_PATH}")

    def url(self) -> str:
        return f"rtsp://127.0.0.1:{self.rtsp_port}/{STREAM_PATH}"

    def pid(self) -> int:
        return self.proc.pid

    def client_pids(self) -> list[int]:
        return [self.publisher.pid] if self.publisher else []

    def check_alive(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            raise BenchError(f"edgebox exited with code {self.proc.returncode}")
        if self.publisher is not None and self.publisher.poll() is not None:
            raise BenchError(f"publisher (ffmpeg) exited with code {self.publisher.returncode}: "
                             f"{log_tail(self.pub_log, 3)}")

    def stop_all(self) -> Optional[int]:
        stop(self.publisher)
        self.publisher = None
        code = stop(self.proc) if self.proc is not None else None
        return code

    def log_tail(self) -> str:
        parts = []
        for label, path in (("edgebox", getattr(self, "server_log", "")), ("publisher", getattr(self, "pub_log", ""))):
            tail = log_tail(path) if path else ""
            if tail:
                parts.append(f"[{label} log]\n{tail}")
        return "\n".join(parts)


class GstServer(ServerUnderTest):
    name = "gst"

    def __init__(self, input_file: Path, version: str) -> None:
        self.label = f"GstRtspServer {version} (ref)"
        self.input = input_file
        self.proc: Optional[subprocess.Popen] = None

    def rss_baseline_readers(self) -> int:
        return 1  # the shared pipeline is only built for the first reader

    def start(self, tmp: str, pinning: Pinning) -> None:
        self.port = free_port()
        script = os.path.join(tmp, "gst_rtsp_server.py")
        with open(script, "w") as f:
            f.write(GST_SERVER)
        self.server_log = os.path.join(tmp, "gst.log")
        self.proc = spawn([GST_PYTHON, script, str(self.port), str(self.input), "/" + STREAM_PATH], {}, tmp,
                          self.server_log, pinning.server_cpu, pinning.taskset)

    async def wait_ready(self) -> None:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            self.check_alive()
            try:
                _, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", self.port), 1.0)
                w.close()
                return
            except (OSError, asyncio.TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise BenchError(f"GstRtspServer did not listen within {SERVER_START_TIMEOUT:.0f} s")
            await asyncio.sleep(0.05)

    def url(self) -> str:
        return f"rtsp://127.0.0.1:{self.port}/{STREAM_PATH}"

    def pid(self) -> int:
        return self.proc.pid

    def check_alive(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            raise BenchError(f"GstRtspServer exited with code {self.proc.returncode}: {log_tail(self.server_log, 3)}")

    def stop_all(self) -> Optional[int]:
        return stop(self.proc)

    def log_tail(self) -> str:
        tail = log_tail(self.server_log) if getattr(self, "server_log", None) else ""
        return f"[GstRtspServer log]\n{tail}" if tail else ""


def gst_version() -> Optional[str]:
    """The GStreamer version if /usr/bin/python3 can load GstRtspServer, else None."""
    code = ("import gi; gi.require_version('Gst','1.0'); gi.require_version('GstRtspServer','1.0'); "
            "from gi.repository import Gst, GstRtspServer; Gst.init(None); "
            "print('%d.%d.%d' % Gst.version()[:3])")
    try:
        r = subprocess.run([GST_PYTHON, "-c", code], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return r.stdout.strip() if r.returncode == 0 and r.stdout.strip() else None


# --------------------------------------------------------------------------- one run


@dataclass
class Settings:
    readers: list[int]
    windows: int
    window_seconds: float
    warmup_seconds: float


def fps_stats(fps: list[float]) -> tuple[int, Optional[float], Optional[float]]:
    need = SOURCE_FPS * FPS_FRACTION
    return sum(1 for f in fps if f >= need), (min(fps) if fps else None), (statistics.median(fps) if fps else None)


async def keepalive_loop(readers: list[RtspReader]) -> None:
    timeouts = [r.session_timeout for r in readers if r.session_timeout]
    interval = min([KEEPALIVE_MAX_SECONDS] + [t / 2 for t in timeouts])
    interval = max(KEEPALIVE_MIN_SECONDS, interval)
    while True:
        await asyncio.sleep(interval)
        for r in readers:
            r.keepalive()


async def run_one(server: ServerUnderTest, n: int, settings: Settings, pinning: Pinning) -> RunResult:
    result = RunResult(server.name, n)
    tmp = tempfile.mkdtemp(prefix=f"bench-rtsp-{server.name}-")
    readers: list[RtspReader] = []
    keepalive: Optional[asyncio.Task] = None
    try:
        server.start(tmp, pinning)
        await server.wait_ready()
        pid = server.pid()
        url, port = server.url(), int(server.url().split(":")[2].split("/")[0])
        await asyncio.sleep(SETTLE_SECONDS)
        server.check_alive()
        result.rss0_bytes = rss_bytes(pid)

        # The first reader alone, until frames flow.
        first = await open_reader(0, url, port)
        readers.append(first)
        if first.error:
            raise BenchError(f"the first reader could not play: {first.error}")
        deadline = time.monotonic() + FIRST_READER_TIMEOUT
        while first.frames < 15:
            server.check_alive()
            if first.error or time.monotonic() > deadline:
                raise BenchError(f"the first reader got {first.frames} frames in {FIRST_READER_TIMEOUT:.0f} s"
                                 + (f" ({first.error})" if first.error else ""))
            await asyncio.sleep(0.1)
        await asyncio.sleep(SETTLE_SECONDS)
        result.rss1_bytes = rss_bytes(pid)

        # The rest, HANDSHAKE_CONCURRENCY at a time.
        sem = asyncio.Semaphore(HANDSHAKE_CONCURRENCY)

        async def one(i: int) -> RtspReader:
            async with sem:
                return await open_reader(i, url, port)

        tasks = [asyncio.ensure_future(one(i)) for i in range(1, n)]
        if tasks:
            done, pending = await asyncio.wait(tasks, timeout=CONNECT_PHASE_TIMEOUT)
            for t in pending:
                t.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            readers += [t.result() for t in done]
        failed = [r for r in readers if r.error]
        result.failed_readers = len(failed) + (n - len(readers))
        result.reader_errors = sorted({r.error for r in failed})[:5]
        result.playing = sum(1 for r in readers if r.playing and not r.error)
        server.check_alive()
        progress(f"    {result.playing}/{n} readers playing; warm-up {settings.warmup_seconds:g} s")
        keepalive = asyncio.ensure_future(keepalive_loop(readers))
        await asyncio.sleep(settings.warmup_seconds)

        client_pids = server.client_pids()
        last_fps: list[float] = []
        for w in range(settings.windows):
            server.check_alive()
            t0, c0 = time.monotonic(), cpu_seconds(pid)
            k0 = self_cpu_seconds() + sum(cpu_seconds(p) for p in client_pids)
            b0 = sum(r.bytes for r in readers)
            f0 = [r.frames for r in readers]
            await asyncio.sleep(settings.window_seconds)
            t1, c1 = time.monotonic(), cpu_seconds(pid)
            k1 = self_cpu_seconds() + sum(cpu_seconds(p) for p in client_pids)
            b1 = sum(r.bytes for r in readers)
            dt = t1 - t0
            fps = [(r.frames - f) / dt for r, f in zip(readers, f0)] + [0.0] * (n - len(readers))
            full, fmin, fmed = fps_stats(fps)
            delivered = b1 - b0
            win = Window(dt, c1 - c0, delivered, (c1 - c0) / (delivered / GB) if delivered else None,
                         delivered * 8 / dt / 1e6, (k1 - k0) / dt, full, fmin, fmed)
            result.windows.append(win)
            last_fps = fps
            progress(f"    window {w + 1}/{settings.windows}: server {win.server_cpu_s:.2f} CPU-s, "
                     f"{win.mbit_s:.0f} Mbit/s delivered, "
                     f"{fmt(win.cpu_s_per_gb, 2)} CPU-s/GB, {full}/{n} readers >= {FPS_FRACTION * SOURCE_FPS:.1f} fps "
                     f"(min {fmt(fmin)} fps), client CPU {win.client_cpu_share * 100:.0f} %")
        server.check_alive()
        if not any(w.bytes for w in result.windows):
            result.error = "the readers received nothing in any window (the stream stalled)"
        result.rssn_bytes = rss_bytes(pid)
        result.readers_full_fps_last = result.windows[-1].readers_full_fps if result.windows else None
        result.stalled_readers_last = sum(1 for r, f in zip(readers, last_fps) if f == 0 and r.playing)
        base_readers = server.rss_baseline_readers()
        base = result.rss1_bytes if base_readers == 1 else result.rss0_bytes
        if n > base_readers and base is not None:
            result.rss_per_reader_kb = (result.rssn_bytes - base) / (n - base_readers) / KB
        result.path_state = server.path_state()
        errs = sorted({r.error for r in readers if r.error and r not in failed})
        if errs:
            result.reader_errors += ["during the run: " + e for e in errs[:5]]
    except BenchError as e:
        result.error = str(e)
    finally:
        if keepalive is not None:
            keepalive.cancel()
        for r in readers:
            r.close()
        await asyncio.sleep(0)
        result.server_exit_code = server.stop_all()
        if result.error:
            result.log_tail = server.log_tail()
        shutil.rmtree(tmp, ignore_errors=True)
    return result


# --------------------------------------------------------------------------- output


def fmt(value: Optional[float], digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def cpu_cell(r: Optional[RunResult]) -> str:
    vals = r.cpu_per_gb() if r else []
    if not vals:
        return "n/a"
    return f"{statistics.median(vals):.2f} [{min(vals):.2f}-{max(vals):.2f}]"


def print_table(results: list[RunResult], labels: dict[str, str], settings: Settings, have_ref: bool) -> None:
    rows = [("server", "readers", "CPU-s/GB median [min-max]", "RSS/reader KB", f">= {FPS_FRACTION:.0%} fps",
             "Mbit/s", "target")]
    for n in settings.readers:
        by = {r.server: r for r in results if r.readers == n}
        for name in ("edgebox", "gst"):
            r = by.get(name)
            if name == "gst" and not have_ref:
                rows.append((labels["gst"], str(n), "n/a", "n/a", "n/a", "n/a", ""))
                continue
            if r is None:
                continue
            full = "n/a" if r.readers_full_fps_last is None else \
                f"{r.readers_full_fps_last}/{n} ({r.readers_full_fps_last / n:.0%})"
            mbit = statistics.median([w.mbit_s for w in r.windows]) if r.windows else None
            target = f"<= {TARGET_CPU_RATIO:g}x ref, <= {TARGET_RSS_PER_READER_KB} KB" if name == "edgebox" else ""
            rows.append((labels[name], str(n), cpu_cell(r) if not r.error else "FAILED",
                         fmt(r.rss_per_reader_kb), full, fmt(mbit, 0), target))
        e, g = by.get("edgebox"), by.get("gst")
        if e and g and e.cpu_per_gb() and g.cpu_per_gb():
            ratio = statistics.median(e.cpu_per_gb()) / statistics.median(g.cpu_per_gb())
            rows.append(("  edgebox / ref", str(n), f"{ratio:.2f}x", "", "", "", f"<= {TARGET_CPU_RATIO:g}x"))
    widths = [max(len(row[i]) for row in rows) + 3 for i in range(len(rows[0]) - 1)]
    print()
    for row in rows:
        print(("".join(cell.ljust(w) for cell, w in zip(row, widths)) + row[-1]).rstrip())

    notes = [f"{settings.windows} window(s) of {settings.window_seconds:g} s after {settings.warmup_seconds:g} s "
             f"warm-up; GB = 10^9 bytes received by the readers; fps column = last window, "
             f"source {SOURCE_FPS:g} fps"]
    notes.append("RSS/reader: edgebox (RSS_N - RSS_0)/N with the publisher on; "
                 "reference (RSS_N - RSS_1)/(N-1), as its pipeline is built for the first reader")
    for r in results:
        label = f"{labels[r.server]} N={r.readers}"
        if r.error:
            notes.append(f"{label}: FAILED: {r.error}")
            if r.log_tail:
                notes += ["    " + line for line in r.log_tail.splitlines()]
        if r.failed_readers:
            notes.append(f"{label}: {r.failed_readers} reader(s) could not play: {'; '.join(r.reader_errors)}")
        elif r.reader_errors:
            notes.append(f"{label}: {'; '.join(r.reader_errors)}")
        if r.stalled_readers_last:
            notes.append(f"{label}: {r.stalled_readers_last} reader(s) got no frame in the last window")
        busy = [w.client_cpu_share for w in r.windows if w.client_cpu_share > 0.9]
        if busy:
            notes.append(f"{label}: the client CPU was {max(busy):.0%} busy in a window; "
                         f"fps may be limited by the readers, not the server")
        if r.server_exit_code not in (None, 0) and r.server_exit_code != -signal.SIGTERM:
            notes.append(f"{label}: server exit code on SIGTERM: {r.server_exit_code}")
    print()
    for n in notes:
        print("note: " + n)


def write_json(path: str, args: argparse.Namespace, settings: Settings, pinning: Pinning, labels: dict[str, str],
               results: list[RunResult], inputs: dict[str, str]) -> None:
    doc = {
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "host": {"kernel": platform.release(), "machine": platform.machine(), "cpus": os.cpu_count(),
                 "python": platform.python_version()},
        "settings": dict(asdict(settings), pinning=pinning.describe(), binary=args.binary, source_fps=SOURCE_FPS,
                         fps_fraction=FPS_FRACTION, gb_bytes=GB, inputs=inputs),
        "targets": {"cpu_ratio_vs_ref": TARGET_CPU_RATIO, "rss_per_reader_kb": TARGET_RSS_PER_READER_KB},
        "labels": labels,
        "runs": [dict(asdict(r), cpu_s_per_gb_median=(statistics.median(r.cpu_per_gb()) if r.cpu_per_gb() else None))
                 for r in results],
    }
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


# --------------------------------------------------------------------------- main


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Measure RTSP fan-out cost (CPU per delivered GB, RSS per reader, "
                                            "readers at full frame rate) of EdgeBox, with GstRtspServer as reference.")
    p.add_argument("--binary", default=DEFAULT_BINARY,
                   help=f"EdgeBox executable; relative paths are taken from the repo root (default: {DEFAULT_BINARY})")
    p.add_argument("--readers", default="50,200", help="comma-separated reader counts (default: 50,200)")
    p.add_argument("--windows", type=int, default=3, help="measurement windows per run (default: 3)")
    p.add_argument("--window-seconds", type=float, default=10.0, help="length of one window (default: 10)")
    p.add_argument("--warmup-seconds", type=float, default=5.0,
                   help="wait after all readers play, before the first window (default: 5)")
    p.add_argument("--quick", action="store_true", help="smoke run: 20 readers, 1 window of 5 s, 2 s warm-up")
    p.add_argument("--cache-dir", default=os.path.join(tempfile.gettempdir(), "edgebox-bench-cache"),
                   help="where the generated input files are kept between runs (default: %(default)s)")
    p.add_argument("--json", metavar="FILE", help="also write the raw numbers to FILE")
    p.add_argument("--no-reference", action="store_true", help="skip GstRtspServer")
    p.add_argument("--no-pin", action="store_true", help="do not pin the server and the readers to CPUs")
    args = p.parse_args(argv)
    if args.quick:
        args.readers, args.windows, args.window_seconds, args.warmup_seconds = "20", 1, 5.0, 2.0
    try:
        args.reader_counts = [int(x) for x in args.readers.split(",") if x.strip()]
    except ValueError:
        p.error("--readers must be a comma-separated list of integers")
    if not args.reader_counts or any(n < 1 for n in args.reader_counts):
        p.error("--readers: every count must be at least 1")
    if args.windows < 1 or args.window_seconds <= 0 or args.warmup_seconds < 0:
        p.error("--windows must be >= 1, --window-seconds > 0, --warmup-seconds >= 0")
    return args


async def run_bounded(server: ServerUnderTest, n: int, settings: Settings, pinning: Pinning,
                      budget: float) -> RunResult:
    """run_one with an overall time limit; SIGTERM cancels it (its finally still stops the processes)."""
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(run_one(server, n, settings, pinning))
    loop.add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        done, _ = await asyncio.wait([task], timeout=budget)
        if done:
            return task.result()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return RunResult(server.name, n, error=f"the run exceeded its time budget of {budget:.0f} s")
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


def raise_interrupted(signum, frame):
    raise Interrupted()


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    binary = Path(args.binary)
    if not binary.is_absolute():
        binary = REPO_ROOT / binary
    if not binary.is_file() or not os.access(binary, os.X_OK):
        print(f"rtsp_fanout.py: EdgeBox binary not found (or not executable): {binary}\n"
              f"Build it first with ./build.sh publish, or point --binary at an existing build.", file=sys.stderr)
        return 2
    ffmpeg = shutil.which("ffmpeg")
    if not ffmpeg:
        print("rtsp_fanout.py: ffmpeg not found (Debian package ffmpeg)", file=sys.stderr)
        return 2

    signal.signal(signal.SIGTERM, raise_interrupted)
    settings = Settings(args.reader_counts, args.windows, args.window_seconds, args.warmup_seconds)
    pinning = setup_pinning(not args.no_pin)
    version = None if args.no_reference else gst_version()
    have_ref = version is not None
    labels = {"gst": f"GstRtspServer {version or ''} (ref)".replace("  ", " ")}

    # The reference plays a file: it must last from its first reader to the end of the last window.
    need = (FIRST_READER_TIMEOUT + 2 * SETTLE_SECONDS + CONNECT_PHASE_TIMEOUT + settings.warmup_seconds
            + settings.windows * (settings.window_seconds + 1) + 30)
    try:
        short, long = ensure_inputs(ffmpeg, Path(args.cache_dir), int(max(120, need)))
    except BenchError as e:
        print(f"rtsp_fanout.py: could not make the input file: {e}", file=sys.stderr)
        return 1

    edge = EdgeBoxServer(binary, ffmpeg, short)
    labels["edgebox"] = edge.label
    progress(f"binary:  {binary}")
    progress(f"input:   {short} (edgebox, looped by the publisher); {long} (reference)")
    progress(f"readers: {', '.join(map(str, settings.readers))}; {settings.windows} x {settings.window_seconds:g} s "
             f"after {settings.warmup_seconds:g} s warm-up; pinning: {pinning.describe()}")
    if not have_ref:
        progress("reference: " + ("skipped (--no-reference)" if args.no_reference else
                                  f"{GST_PYTHON} cannot load GstRtspServer (python3-gi, gir1.2-gst-rtsp-server-1.0); n/a"))

    results: list[RunResult] = []
    try:
        for n in settings.readers:
            servers: list[ServerUnderTest] = [edge] + ([GstServer(long, version)] if have_ref else [])
            for srv in servers:
                progress(f"  {labels[srv.name]}, {n} readers ...")
                budget = (SERVER_START_TIMEOUT + PUBLISH_TIMEOUT + FIRST_READER_TIMEOUT + 2 * SETTLE_SECONDS
                          + CONNECT_PHASE_TIMEOUT + settings.warmup_seconds
                          + settings.windows * (settings.window_seconds + 5) + 4 * STOP_TIMEOUT + 30)
                r = asyncio.run(run_bounded(srv, n, settings, pinning, budget))
                results.append(r)
                if r.error:
                    progress(f"    FAILED: {r.error}")
    except (KeyboardInterrupt, Interrupted, asyncio.CancelledError):
        progress("interrupted")
        return 130

    print_table(results, labels, settings, have_ref)
    if args.json:
        write_json(args.json, args, settings, pinning, labels, results,
                   {"edgebox": str(short), "reference": str(long)})
        progress(f"raw numbers written to {args.json}")
    broken = [r for r in results if r.error or not r.windows]
    if broken:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
