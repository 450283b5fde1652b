#!/usr/bin/python3
"""WebRTC benchmark for the EdgeBox Native-AOT binary: WHEP fan-out cost beside RTSP, and WHIP -> WHEP latency.

1. Fan-out. One 2 Mbit/s stream (720p30 H.264, GOP 30, no audio) is published over RTSP to the path
   `bench`; N WHEP viewers play it (bench/WebRtcLoad `whep`: one process, each viewer a UDP socket that
   completes ICE, DTLS and SRTP with EdgeBox's own code and decrypts every packet), then, with a fresh
   server, N light RTSP readers (rtsp_fanout.py's asyncio reader) play the same stream. For each, the
   server's CPU seconds per delivered GB (utime+stime from /proc, bytes the clients received) over
   --windows windows of --seconds after a warm-up (median and range), the delivered rate, the viewers
   connected and at full frame rate, and the RSS per viewer.
2. Latency. A WHIP publisher and a WHEP viewer in one process (bench/WebRtcLoad `latency`): every
   access unit carries its send time in an SEI; the viewer notes when the unit's last packet arrived.
   p50/p95/p99 through EdgeBox on loopback, target p50 <= 50 ms. As a reference, relay_latency.py's
   RTSP publisher -> EdgeBox -> RTSP reader figure (its own 1080p30 4 Mbit/s clip), unless --no-rtsp-latency.

The server runs on the first allowed CPU (taskset); this script, the load generator and the ffmpeg
publisher on the second. A benchmark, not a test: it prints tables and never fails on a number.
Exit status: 0 when the measurements ran, 1 when something could not run (the server did not start, no
viewer connected, no latency sample), 2 when the binary, ffmpeg or dotnet is missing or the arguments
are wrong, 130 when interrupted.

    /usr/bin/python3 bench/webrtc.py [--viewers 10,40] [--windows 3] [--seconds 10] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional

import relay_latency
import rtsp_fanout as rf
from benchlib import Interrupted, edgebox_binary, free_port, log_tail, progress, raise_interrupted, required_tool

REPO_ROOT = rf.REPO_ROOT
DEFAULT_BINARY = rf.DEFAULT_BINARY
LOAD_PROJECT = REPO_ROOT / "bench" / "WebRtcLoad" / "WebRtcLoad.csproj"
LOAD_BINARY = REPO_ROOT / "artifacts" / "bin" / "WebRtcLoad" / "release" / "webrtcload"
FANOUT_PATH = "bench"
LATENCY_PATH = "latency"
CONFIG = f"paths:\n  {FANOUT_PATH}: {{}}\n  {LATENCY_PATH}: {{}}\n"

INPUT_SECONDS = 20
GB = 1e9
KB = 1024
TARGET_P50_MS = 50.0

# Time limits (seconds).
BUILD_TIMEOUT = 600.0
ENCODE_TIMEOUT = 300.0
CONNECT_PHASE_TIMEOUT = 120.0
STATS_TIMEOUT = 10.0
RESULT_TIMEOUT = 60.0
STOP_WAIT = 10.0

EDGEBOX_ENV = {
    "EDGEBOX_RTMP_ENABLED": "false",
    "EDGEBOX_SRT_ENABLED": "false",
    "EDGEBOX_LOG_FILE": "false",
    # info: one line per WebRTC session start, connect and end (with the reason), none per packet.
    "EDGEBOX_LOG_LEVEL": "info",
}


# --------------------------------------------------------------------------- the server


@dataclass
class LogSummary:
    """What EdgeBox's log says about a run: warnings and errors, and why WebRTC sessions ended."""
    warnings: int = 0
    errors: int = 0
    first_problems: list[str] = field(default_factory=list)
    sessions_ended: dict[str, int] = field(default_factory=dict)
    srtp_refused: int = 0

    @staticmethod
    def read(path: str) -> "LogSummary":
        summary = LogSummary()
        ended: Counter = Counter()
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                lines = f.readlines()
        except OSError:
            return summary
        for line in lines:
            if "[WRN]" in line or "[ERR]" in line or "[FTL]" in line:
                if "[WRN]" in line:
                    summary.warnings += 1
                else:
                    summary.errors += 1
                if len(summary.first_problems) < 5:
                    summary.first_problems.append(line.strip()[:300])
            m = re.search(r"WebRTC session \w+ on path \S+ ended \((.*?)\): .*?(\d+) SRTP packets refused", line)
            if m:
                ended[m.group(1)] += 1
                summary.srtp_refused += int(m.group(2))
        summary.sessions_ended = dict(ended)
        return summary


class EdgeBox(rf.EdgeBoxServer):
    """rtsp_fanout's EdgeBox with WebRTC on (one UDP port on loopback) and a config with the two paths."""

    def __init__(self, binary: Path, ffmpeg: str, input_file: Path) -> None:
        super().__init__(binary, ffmpeg, input_file)
        self.log_summary = LogSummary()

    def start(self, tmp: str, pinning: rf.Pinning) -> None:
        self.http_port, self.rtsp_port = free_port(), free_port()
        while self.rtsp_port == self.http_port:
            self.rtsp_port = free_port()
        self.tmp = tmp
        self.server_log, self.pub_log = os.path.join(tmp, "edgebox.log"), os.path.join(tmp, "publisher.log")
        config, data = os.path.join(tmp, "edgebox.yml"), os.path.join(tmp, "data")
        os.mkdir(data)
        with open(config, "w") as f:
            f.write(CONFIG)
        env = dict(EDGEBOX_ENV, EDGEBOX_HTTP_ADDRESS=f"127.0.0.1:{self.http_port}",
                   EDGEBOX_RTSP_ADDRESS=f"127.0.0.1:{self.rtsp_port}", EDGEBOX_RTSP_RTPADDRESS="127.0.0.1:0",
                   EDGEBOX_RTSP_RTCPADDRESS="127.0.0.1:0", EDGEBOX_WEBRTC_ADDRESS="127.0.0.1:0")
        self.proc = rf.spawn([str(self.binary), "run", "--config", config, "--data", data], env, tmp, self.server_log,
                             pinning.server_cpu, pinning.taskset)

    async def wait_healthy(self) -> None:
        """Up, without a publisher (the latency run publishes over WHIP itself)."""
        deadline = time.monotonic() + rf.SERVER_START_TIMEOUT
        while self._api("/api/v1/health", 1.0) is None:
            self.check_alive()
            if time.monotonic() > deadline:
                raise rf.BenchError(f"edgebox: no answer on /api/v1/health within {rf.SERVER_START_TIMEOUT:.0f} s")
            await asyncio.sleep(0.05)

    def url(self) -> str:
        return f"rtsp://127.0.0.1:{self.rtsp_port}/{FANOUT_PATH}"

    def http_url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.http_port}/{path}"

    def path_state(self) -> Optional[dict]:
        return self._api(f"/api/v1/paths/{FANOUT_PATH}")

    def stop_all(self) -> Optional[int]:
        code = super().stop_all()
        self.log_summary = LogSummary.read(self.server_log)  # after the shutdown lines, before the run removes tmp
        return code


# --------------------------------------------------------------------------- inputs and the load generator


def ensure_inputs(ffmpeg: str, cache_dir: Path) -> tuple[Path, Path]:
    """The 2 Mbit/s 720p30 clip (MP4 for the RTSP publisher) and its Annex-B copy (for the WHIP publisher), made once."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    mp4 = cache_dir / f"webrtc-720p30-2M-g30-{INPUT_SECONDS}s.mp4"
    annexb = mp4.with_suffix(".h264")
    if not mp4.is_file():
        progress(f"encoding {mp4} (720p30 H.264 baseline 2 Mbit/s, GOP 30, {INPUT_SECONDS} s; once) ...")
        run_tool([ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
                  "-i", "testsrc2=size=1280x720:rate=30", "-t", str(INPUT_SECONDS), "-c:v", "libx264", "-preset", "veryfast",
                  "-profile:v", "baseline", "-b:v", "2M", "-maxrate", "2M", "-bufsize", "1M", "-g", "30", "-pix_fmt", "yuv420p",
                  "-an", "-movflags", "+faststart", str(mp4) + ".part.mp4"], ENCODE_TIMEOUT, "ffmpeg (encode)")
        os.replace(str(mp4) + ".part.mp4", mp4)
    if not annexb.is_file():
        run_tool([ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", str(mp4), "-c", "copy",
                  "-bsf:v", "h264_mp4toannexb", "-f", "h264", str(annexb) + ".part"], ENCODE_TIMEOUT, "ffmpeg (Annex B)")
        os.replace(str(annexb) + ".part", annexb)
    return mp4, annexb


def run_tool(argv: list[str], timeout: float, what: str) -> None:
    try:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise rf.BenchError(f"{what} did not finish within {timeout:.0f} s") from None
    if r.returncode != 0:
        raise rf.BenchError(f"{what} failed ({r.returncode}): {(r.stderr or r.stdout).strip()[-800:]}")


def ensure_load_binary(given: Optional[str]) -> Path:
    if given:
        return Path(given).resolve()
    dotnet = shutil.which("dotnet")
    if not dotnet:
        raise rf.BenchError("dotnet not found: build bench/WebRtcLoad or pass --webrtcload")
    progress("building bench/WebRtcLoad (dotnet build -c Release) ...")
    run_tool([dotnet, "build", str(LOAD_PROJECT), "-c", "Release", "-nologo", "-v", "quiet"], BUILD_TIMEOUT,
             "dotnet build bench/WebRtcLoad")
    if not LOAD_BINARY.is_file():
        raise rf.BenchError(f"dotnet build did not produce {LOAD_BINARY}")
    return LOAD_BINARY


class LoadProcess:
    """bench/WebRtcLoad as a child on the client CPU: JSON lines on stdout, commands on stdin, progress in a log."""

    def __init__(self, proc: asyncio.subprocess.Process, log_path: str) -> None:
        self.proc, self.log_path = proc, log_path

    @staticmethod
    async def start(argv: list[str], log_path: str, commands: bool) -> "LoadProcess":
        with open(log_path, "wb") as log:
            proc = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.PIPE if commands else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE, stderr=log, start_new_session=True)
        return LoadProcess(proc, log_path)

    async def read(self, kind: str, timeout: float) -> dict:
        """The next JSON line of type `kind` (other lines are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                line = await asyncio.wait_for(self.proc.stdout.readline(), max(0.1, left))
            except asyncio.TimeoutError:
                raise rf.BenchError(f"webrtcload: no '{kind}' line within {timeout:.0f} s: {log_tail(self.log_path, 3)}") from None
            if not line:
                await self.proc.wait()
                raise rf.BenchError(f"webrtcload exited ({self.proc.returncode}) before its '{kind}' line: "
                                    f"{log_tail(self.log_path, 5)}")
            try:
                doc = json.loads(line)
            except ValueError:
                continue
            if doc.get("type") == kind:
                return doc

    async def command(self, text: str, reply: str, timeout: float) -> dict:
        self.proc.stdin.write((text + "\n").encode())
        await self.proc.stdin.drain()
        return await self.read(reply, timeout)

    async def close(self) -> None:
        """Waits for the process to end by itself (after `stop`, or a latency run), then kills it by PID."""
        try:
            await asyncio.wait_for(self.proc.wait(), STOP_WAIT)
        except asyncio.TimeoutError:
            pass
        if self.proc.returncode is None:
            try:
                self.proc.kill()  # by PID: the asyncio handle's own process
            except ProcessLookupError:
                pass
            await self.proc.wait()


# --------------------------------------------------------------------------- fan-out runs


@dataclass
class FanoutResult:
    protocol: str  # "whep" or "rtsp"
    viewers: int
    connected: int = 0
    windows: list[rf.Window] = field(default_factory=list)
    rss0_bytes: Optional[int] = None
    rssn_bytes: Optional[int] = None
    rss_per_viewer_kb: Optional[float] = None
    full_fps_last: Optional[int] = None
    errors: list[str] = field(default_factory=list)
    load: Optional[dict] = None  # webrtcload's result line
    server_log: Optional[LogSummary] = None
    server_exit_code: Optional[int] = None
    error: Optional[str] = None
    log_tail: Optional[str] = None

    def cpu_per_gb(self) -> list[float]:
        return [w.cpu_s_per_gb for w in self.windows if w.cpu_s_per_gb is not None]

    def viewers_per_core(self) -> Optional[float]:
        """N / the server's median share of one core: how many viewers a core would serve if the cost stayed linear
        (the publisher's ingest is in the share, so this errs low at small N)."""
        shares = [w.server_cpu_s / w.seconds for w in self.windows if w.server_cpu_s > 0]
        return self.connected / statistics.median(shares) if shares and self.connected else None


async def run_whep(edge: EdgeBox, n: int, settings: rf.Settings, pinning: rf.Pinning, load_binary: Path) -> FanoutResult:
    """EdgeBox with the RTSP publisher, N WHEP viewers from one webrtcload process; windows read through its `stats`."""
    result = FanoutResult("whep", n)
    tmp = tempfile.mkdtemp(prefix="bench-webrtc-whep-")
    load: Optional[LoadProcess] = None
    try:
        edge.start(tmp, pinning)
        await edge.wait_ready()
        pid = edge.pid()
        await asyncio.sleep(rf.SETTLE_SECONDS)
        edge.check_alive()
        result.rss0_bytes = rf.rss_bytes(pid)
        load = await LoadProcess.start([str(load_binary), "whep", "--url", edge.http_url(f"{FANOUT_PATH}/whep"), "--viewers", str(n),
                                        "--seconds", "0"], os.path.join(tmp, "webrtcload.log"), commands=True)
        connected = await load.read("connected", CONNECT_PHASE_TIMEOUT)
        result.connected = connected["connected"]
        result.errors = connected.get("errors", [])
        progress(f"    {result.connected}/{n} WHEP viewers connected in {connected['connect_s']:.1f} s "
                 f"(POST to SRTP keys p50 {connected.get('connect_ms_p50')} ms); warm-up {settings.warmup_seconds:g} s")
        if result.connected == 0:
            raise rf.BenchError("no WHEP viewer connected: " + "; ".join(result.errors))
        await asyncio.sleep(settings.warmup_seconds)
        client_pids = edge.client_pids() + [load.proc.pid]
        for w in range(settings.windows):
            edge.check_alive()
            t0, c0, k0 = time.monotonic(), rf.cpu_seconds(pid), client_cpu(client_pids)
            s0 = await load.command("stats", "stats", STATS_TIMEOUT)
            await asyncio.sleep(settings.window_seconds)
            t1, c1, k1 = time.monotonic(), rf.cpu_seconds(pid), client_cpu(client_pids)
            s1 = await load.command("stats", "stats", STATS_TIMEOUT)
            fps = [(b - a) / (t1 - t0) for a, b in zip(s0["frames"], s1["frames"])] + [0.0] * (n - result.connected)
            result.windows.append(window(t1 - t0, c1 - c0, s1["bytes"] - s0["bytes"], k1 - k0, fps))
            log_window(w, settings, result.windows[-1], n, f"{s1['receiving']}/{n} receiving, {s1['bad_packets']} bad packets")
        result.rssn_bytes = rf.rss_bytes(pid)
        result.load = await load.command("stop", "result", RESULT_TIMEOUT)
    except rf.BenchError as e:
        result.error = str(e)
    finally:
        if load is not None:
            await load.close()
        finish(edge, result, tmp)
    return result


async def run_rtsp(edge: EdgeBox, n: int, settings: rf.Settings, pinning: rf.Pinning) -> FanoutResult:
    """The same stream and server to N light RTSP readers: rtsp_fanout.py's run, as it is."""
    r = await rf.run_one(edge, n, settings, pinning)
    result = FanoutResult("rtsp", n, connected=r.playing, windows=r.windows, rss0_bytes=r.rss0_bytes, rssn_bytes=r.rssn_bytes,
                          rss_per_viewer_kb=r.rss_per_reader_kb, full_fps_last=r.readers_full_fps_last, errors=r.reader_errors,
                          server_log=edge.log_summary, server_exit_code=r.server_exit_code, error=r.error, log_tail=r.log_tail)
    return result


def client_cpu(pids: list[int]) -> float:
    return rf.self_cpu_seconds() + sum(rf.cpu_seconds(p) for p in pids)


def window(seconds: float, server_cpu: float, delivered: int, client: float, fps: list[float]) -> rf.Window:
    full, fmin, fmed = rf.fps_stats(fps)
    return rf.Window(seconds, server_cpu, delivered, server_cpu / (delivered / GB) if delivered else None,
                     delivered * 8 / seconds / 1e6, client / seconds, full, fmin, fmed)


def log_window(w: int, settings: rf.Settings, win: rf.Window, n: int, extra: str) -> None:
    progress(f"    window {w + 1}/{settings.windows}: server {win.server_cpu_s:.2f} CPU-s, {win.mbit_s:.1f} Mbit/s, "
             f"{rf.fmt(win.cpu_s_per_gb, 2)} CPU-s/GB, {win.readers_full_fps}/{n} >= {rf.FPS_FRACTION * rf.SOURCE_FPS:.1f} fps "
             f"(min {rf.fmt(win.min_fps)}), client CPU {win.client_cpu_share * 100:.0f} %; {extra}")


def finish(edge: EdgeBox, result: FanoutResult, tmp: str) -> None:
    result.server_exit_code = edge.stop_all()
    result.server_log = edge.log_summary
    if result.windows and result.rssn_bytes is not None and result.rss0_bytes is not None:
        result.rss_per_viewer_kb = (result.rssn_bytes - result.rss0_bytes) / result.viewers / KB
        result.full_fps_last = result.windows[-1].readers_full_fps
    if result.error:
        result.log_tail = edge.log_tail()
    shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------- latency


@dataclass
class LatencyResult:
    load: Optional[dict] = None
    server_log: Optional[LogSummary] = None
    error: Optional[str] = None
    reference: Optional[tuple] = None  # relay_latency.py: (readers, frames, p50, p99, max)
    reference_error: Optional[str] = None


async def run_latency(edge: EdgeBox, pinning: rf.Pinning, load_binary: Path, clip: Path, seconds: float, warmup: float) -> LatencyResult:
    result = LatencyResult()
    tmp = tempfile.mkdtemp(prefix="bench-webrtc-latency-")
    load: Optional[LoadProcess] = None
    try:
        edge.start(tmp, pinning)
        await edge.wait_healthy()
        load = await LoadProcess.start([str(load_binary), "latency", "--whip", edge.http_url(f"{LATENCY_PATH}/whip"),
                                        "--whep", edge.http_url(f"{LATENCY_PATH}/whep"), "--file", str(clip),
                                        "--seconds", f"{seconds:g}", "--warmup-seconds", f"{warmup:g}"],
                                       os.path.join(tmp, "webrtcload.log"), commands=False)
        result.load = await load.read("result", seconds + warmup + RESULT_TIMEOUT)
    except rf.BenchError as e:
        result.error = str(e)
    finally:
        if load is not None:
            await load.close()
        edge.stop_all()
        result.server_log = edge.log_summary
        if result.error:
            result.error += "\n" + edge.log_tail()
        shutil.rmtree(tmp, ignore_errors=True)
    return result


async def run_reference_latency(binary: Path, ffmpeg: str, cache: Path, seconds: float, pinning: rf.Pinning, result: LatencyResult) -> None:
    """relay_latency.py with no background reader: RTSP publisher -> EdgeBox -> RTSP reader, its own 1080p30 4 Mbit/s clip."""
    with tempfile.TemporaryDirectory(prefix="bench-webrtc-rtsp-latency-") as tmp:
        try:
            rows = await relay_latency.run(str(binary), ffmpeg, cache, [0], seconds, pinning, tmp)
            result.reference = rows[0] if rows else None
        except (rf.BenchError, OSError, subprocess.SubprocessError) as e:
            result.reference_error = str(e)


# --------------------------------------------------------------------------- output


def print_fanout(results: list[FanoutResult], settings: rf.Settings, pinning: rf.Pinning) -> None:
    print(f"\nWHEP fan-out beside RTSP: one 720p30 H.264 stream at 2 Mbit/s, {settings.windows} x {settings.window_seconds:g} s "
          f"after {settings.warmup_seconds:g} s; pinning: {pinning.describe()}\n")
    print("| viewers | protocol | server CPU-s per delivered GB, median [min-max] | delivered Mbit/s | viewers connected "
          f"| >= {rf.FPS_FRACTION:.0%} fps (last window) | RSS per viewer KB | viewers per core (extrapolated) |")
    print("|---|---|---|---|---|---|---|---|")
    names = {"whep": "WHEP (SRTP over UDP)", "rtsp": "RTSP (RTP over TCP)"}
    for n in settings.readers:
        by = {r.protocol: r for r in results if r.viewers == n}
        for proto in ("whep", "rtsp"):
            r = by.get(proto)
            if r is None:
                continue
            cpu = "FAILED" if r.error and not r.windows else cpu_cell(r.cpu_per_gb())
            mbit = statistics.median([w.mbit_s for w in r.windows]) if r.windows else None
            full = "n/a" if r.full_fps_last is None else f"{r.full_fps_last}/{n}"
            print(f"| {n} | {names[proto]} | {cpu} | {rf.fmt(mbit, 1)} | {r.connected}/{n} | {full} | {rf.fmt(r.rss_per_viewer_kb)} "
                  f"| {rf.fmt(r.viewers_per_core(), 0)} |")
        w, t = by.get("whep"), by.get("rtsp")
        if w and t and w.cpu_per_gb() and t.cpu_per_gb():
            print(f"| {n} | WHEP / RTSP | {statistics.median(w.cpu_per_gb()) / statistics.median(t.cpu_per_gb()):.2f}x | | | | | |")


def cpu_cell(values: list[float]) -> str:
    if not values:
        return "n/a"
    return f"{statistics.median(values):.2f} [{min(values):.2f}-{max(values):.2f}]"


def print_latency(lat: LatencyResult, seconds: float) -> None:
    print(f"\nAdded latency on loopback, send time (SEI) -> arrival of the unit's last packet, {seconds:g} s after the warm-up\n")
    print("| path | frames | p50 ms | p95 ms | p99 ms | max ms | target |")
    print("|---|---|---|---|---|---|---|")
    d = lat.load
    if d and d.get("count"):
        verdict = "met" if d["p50_ms"] <= TARGET_P50_MS else "NOT met"
        print(f"| WHIP -> EdgeBox -> WHEP (720p30 2 Mbit/s, SRTP/UDP) | {d['count']} | {d['p50_ms']:.2f} | {d['p95_ms']:.2f} "
              f"| {d['p99_ms']:.2f} | {d['max_ms']:.2f} | p50 <= {TARGET_P50_MS:g} ms: {verdict} |")
    else:
        print(f"| WHIP -> EdgeBox -> WHEP | FAILED | | | | | p50 <= {TARGET_P50_MS:g} ms |")
    if lat.reference:
        _, frames, p50, p99, worst = lat.reference
        print(f"| reference: RTSP -> EdgeBox -> RTSP (relay_latency.py, 1080p30 4 Mbit/s, TCP) | {frames} | {p50:.2f} | n/a "
              f"| {p99:.2f} | {worst:.2f} | |")
    elif lat.reference_error:
        print("| reference: RTSP -> EdgeBox -> RTSP (relay_latency.py) | FAILED | | | | | |")


def print_notes(results: list[FanoutResult], lat: Optional[LatencyResult]) -> None:
    notes = ["GB = 10^9 bytes received by the clients (WHEP: SRTP datagrams with their tags; RTSP: the TCP stream "
             "with its $ framing); RSS per viewer = (RSS_N - RSS_0) / N, RSS_0 with the publisher on and no viewer"]
    notes += marginal_rss_notes(results)
    for r in results:
        label = f"{r.protocol.upper()} N={r.viewers}"
        if r.error:
            notes.append(f"{label}: FAILED: {r.error}")
            if r.log_tail:
                notes += ["    " + line for line in r.log_tail.splitlines()]
        if r.errors:
            notes.append(f"{label}: viewers that could not connect: {'; '.join(r.errors)}")
        if r.load:
            d = r.load
            problems = [f"{k} {d[k]}" for k in ("closed_by_server", "bad_packets", "failed") if d.get(k)]
            problems += [f"{e}" for e in d.get("delete_errors", [])]
            if d.get("receiving_at_end", d["connected"]) != d["connected"]:
                problems.append(f"receiving at the end {d['receiving_at_end']}/{d['connected']}")
            notes.append(f"{label}: per-viewer Mbit/s {d['mbit_s_per_viewer_min']}-{d['mbit_s_per_viewer_max']} "
                         f"(p50 {d['mbit_s_per_viewer_p50']}), connect (POST to SRTP keys) p50 {d['connect_ms_p50']} ms / max {d['connect_ms_max']} ms"
                         + (f"; {', '.join(problems)}" if problems else "; no session dropped, no bad packet"))
        busy = [w.client_cpu_share for w in r.windows if w.client_cpu_share > 0.9]
        if busy:
            notes.append(f"{label}: the client CPU was {max(busy):.0%} busy in a window; fps may be limited by the clients")
        notes += log_notes(label, r.server_log)
    if lat is not None:
        if lat.error:
            notes.append(f"latency: FAILED: {lat.error}")
        if lat.load:
            d = lat.load
            notes.append(f"latency: {d['units_sent']} units sent, {d['units_received']} received ({d['units_with_timestamp']} with "
                         f"the timestamp SEI), {d['units_dropped_by_depacketizer']} dropped by the depacketizer; first unit "
                         f"{d['first_unit_ms']} ms after the viewer's DTLS; {d['keyframe_requests']} PLI/FIR from EdgeBox answered by "
                         f"jumping to the clip's next IDR ({d['idr_jumps']} jumps); {d['nacks']} NACKs; bad packets viewer "
                         f"{d['viewer_bad_packets']}, publisher {d['publisher_bad_packets']}")
        notes += log_notes("latency", lat.server_log)
        if lat.reference_error:
            notes.append(f"reference latency: FAILED: {lat.reference_error}")
    print()
    for n in notes:
        print("note: " + n)


def marginal_rss_notes(results: list[FanoutResult]) -> list[str]:
    """What one more viewer costs, between the smallest and the largest count (each a fresh process): the first
    viewer's one-time costs (for WHEP, the DTLS and SRTP code and state warming up) drop out."""
    notes = []
    for proto in ("whep", "rtsp"):
        runs = sorted((r for r in results if r.protocol == proto and r.rssn_bytes and not r.error), key=lambda r: r.viewers)
        if len(runs) >= 2 and runs[-1].viewers > runs[0].viewers:
            lo, hi = runs[0], runs[-1]
            kb = (hi.rssn_bytes - lo.rssn_bytes) / (hi.viewers - lo.viewers) / KB
            notes.append(f"{proto.upper()}: marginal RSS per viewer between N={lo.viewers} and N={hi.viewers}: {kb:.1f} KB "
                         f"(RSS_N {lo.rssn_bytes / KB / KB:.1f} -> {hi.rssn_bytes / KB / KB:.1f} MB)")
    return notes


def log_notes(label: str, log: Optional[LogSummary]) -> list[str]:
    if log is None:
        return []
    notes = []
    ended = {k: v for k, v in log.sessions_ended.items() if k != "the client sent DELETE"}
    if ended:
        notes.append(f"{label}: WebRTC sessions the server ended: " + ", ".join(f"{v} x {k}" for k, v in ended.items()))
    if log.srtp_refused:
        notes.append(f"{label}: the server refused {log.srtp_refused} SRTP packets")
    if log.warnings or log.errors:
        notes.append(f"{label}: server log: {log.warnings} warning(s), {log.errors} error(s); first:")
        notes += ["    " + line for line in log.first_problems]
    return notes


def write_json(path: str, args: argparse.Namespace, settings: rf.Settings, pinning: rf.Pinning, results: list[FanoutResult],
               lat: Optional[LatencyResult], inputs: dict[str, str]) -> None:
    doc = {
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "host": {"kernel": platform.release(), "machine": platform.machine(), "cpus": os.cpu_count(),
                 "python": platform.python_version()},
        "settings": dict(asdict(settings), pinning=pinning.describe(), binary=args.binary, inputs=inputs,
                         latency_seconds=args.latency_seconds, latency_warmup_seconds=args.latency_warmup_seconds),
        "targets": {"latency_p50_ms": TARGET_P50_MS},
        "fanout": [dict(asdict(r), cpu_s_per_gb_median=(statistics.median(r.cpu_per_gb()) if r.cpu_per_gb() else None),
                        viewers_per_core=r.viewers_per_core()) for r in results],
        "latency": asdict(lat) if lat else None,
    }
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


# --------------------------------------------------------------------------- main


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="WebRTC benchmark: WHEP fan-out CPU per delivered GB beside RTSP, and WHIP -> WHEP latency.")
    p.add_argument("--binary", default=DEFAULT_BINARY,
                   help=f"EdgeBox executable; relative paths are taken from the repo root (default: {DEFAULT_BINARY})")
    p.add_argument("--viewers", default="10,40", help="comma-separated viewer counts (default: 10,40)")
    p.add_argument("--windows", type=int, default=3, help="measurement windows per run (default: 3)")
    p.add_argument("--seconds", type=float, default=10.0, help="length of one measurement window (default: 10)")
    p.add_argument("--warmup-seconds", type=float, default=5.0, help="wait after the viewers connect (default: 5)")
    p.add_argument("--latency-seconds", type=float, default=20.0, help="latency samples taken for this long (default: 20)")
    p.add_argument("--latency-warmup-seconds", type=float, default=3.0, help="latency samples ignored after the viewer connects (default: 3)")
    p.add_argument("--no-rtsp", action="store_true", help="skip the RTSP rows")
    p.add_argument("--no-latency", action="store_true", help="skip the latency run")
    p.add_argument("--no-rtsp-latency", action="store_true", help="skip the relay_latency.py reference row")
    p.add_argument("--webrtcload", help="a built bench/WebRtcLoad binary (default: build it with dotnet)")
    p.add_argument("--cache-dir", default=os.path.join(tempfile.gettempdir(), "edgebox-bench-cache"),
                   help="where the generated input files are kept between runs (default: %(default)s)")
    p.add_argument("--json", metavar="FILE", help="also write the raw numbers to FILE")
    p.add_argument("--no-pin", action="store_true", help="do not pin the server and the clients to CPUs")
    args = p.parse_args(argv)
    try:
        args.viewer_counts = [int(x) for x in args.viewers.split(",") if x.strip()]
    except ValueError:
        p.error("--viewers must be a comma-separated list of integers")
    if not args.viewer_counts or any(n < 1 for n in args.viewer_counts):
        p.error("--viewers: every count must be at least 1")
    if args.windows < 1 or args.seconds <= 0 or args.warmup_seconds < 0 or args.latency_seconds <= 0:
        p.error("--windows must be >= 1, --seconds and --latency-seconds > 0, --warmup-seconds >= 0")
    return args


async def run_all(args: argparse.Namespace, binary: Path, ffmpeg: str, load_binary: Path, mp4: Path, annexb: Path,
                  settings: rf.Settings, pinning: rf.Pinning) -> tuple[list[FanoutResult], Optional[LatencyResult]]:
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, lambda: [t.cancel() for t in asyncio.all_tasks(loop)])
    results: list[FanoutResult] = []
    for n in settings.readers:
        progress(f"  WHEP, {n} viewers ...")
        results.append(await run_whep(EdgeBox(binary, ffmpeg, mp4), n, settings, pinning, load_binary))
        if not args.no_rtsp:
            progress(f"  RTSP, {n} readers ...")
            results.append(await run_rtsp(EdgeBox(binary, ffmpeg, mp4), n, settings, pinning))
        for r in results[-2:]:
            if r.error:
                progress(f"    {r.protocol} FAILED: {r.error}")
    lat = None
    if not args.no_latency:
        progress(f"  latency: WHIP -> WHEP, {args.latency_seconds:g} s ...")
        lat = await run_latency(EdgeBox(binary, ffmpeg, mp4), pinning, load_binary, annexb, args.latency_seconds,
                                args.latency_warmup_seconds)
        if not args.no_rtsp_latency:
            progress(f"  reference latency: relay_latency.py, 0 background readers, {args.latency_seconds:g} s ...")
            await run_reference_latency(binary, ffmpeg, Path(args.cache_dir), args.latency_seconds, pinning, lat)
    return results, lat


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    binary = edgebox_binary("webrtc.py", args.binary)
    ffmpeg = required_tool("webrtc.py", "ffmpeg", "ffmpeg")
    if binary is None or ffmpeg is None:
        return 2
    signal.signal(signal.SIGTERM, raise_interrupted)
    try:
        load_binary = ensure_load_binary(args.webrtcload)
        mp4, annexb = ensure_inputs(ffmpeg, Path(args.cache_dir))
    except rf.BenchError as e:
        print(f"webrtc.py: {e}", file=sys.stderr)
        return 2 if "not found" in str(e) else 1

    settings = rf.Settings(args.viewer_counts, args.windows, args.seconds, args.warmup_seconds)
    pinning = rf.setup_pinning(not args.no_pin)
    progress(f"binary: {binary}\nload:   {load_binary}\ninput:  {mp4} (RTSP publisher), {annexb} (WHIP publisher)")
    progress(f"viewers: {', '.join(map(str, settings.readers))}; {settings.windows} x {settings.window_seconds:g} s after "
             f"{settings.warmup_seconds:g} s warm-up; pinning: {pinning.describe()}")
    try:
        results, lat = asyncio.run(run_all(args, binary, ffmpeg, load_binary, mp4, annexb, settings, pinning))
    except (KeyboardInterrupt, Interrupted, asyncio.CancelledError):
        progress("interrupted")
        return 130

    print_fanout(results, settings, pinning)
    if lat is not None:
        print_latency(lat, args.latency_seconds)
    print_notes(results, lat)
    if args.json:
        write_json(args.json, args, settings, pinning, results, lat, {"rtsp": str(mp4), "whip": str(annexb)})
        progress(f"raw numbers written to {args.json}")
    broken = [r for r in results if r.error or not r.windows]
    if broken or (lat is not None and (lat.error or not (lat.load or {}).get("count"))):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
