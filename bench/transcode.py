#!/usr/bin/env python3
"""Transcode benchmark: EdgeBox's 1080p30 -> 720p H.264 profile beside the ffmpeg CLI doing the same.

Input: the 1080p30 4 Mbit/s H.264 file that rtsp_fanout.py makes (cached), looped. Both sides work in
real time (a live source cannot run faster than its frame rate), on one pinned CPU each:

  ffmpeg CLI:  ffmpeg -re -stream_loop -1 -i input.mp4 -vf scale=-2:720 -c:v libx264 -preset veryfast
               -tune zerolatency -g 60 -b:v 2M -threads T -f null -
  EdgeBox:     ffmpeg -re -stream_loop -1 -i input.mp4 -c copy -f rtsp rtsp://.../live/src   (publisher,
               on the other CPU), path live/src with transcode profile 720p (same encoder settings),
               and 1 (or N) light RTSP readers of live/src/720p that count frames.

Reported per side: output frames per second, CPU milliseconds per output frame (process CPU over
the window / frames), RSS. EdgeBox's CPU includes its RTSP in and out; the CLI's includes demuxing.
Targets (issue): fps ratio >= 0.95, CPU per frame ratio <= 1.05; with 100 readers fps >= 0.85 x CLI.

A benchmark, not a test: it prints a table and never fails on a number.
    /usr/bin/python3 bench/transcode.py [--seconds 20] [--readers 100] [--threads 1]
"""
import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rtsp_fanout as rf  # noqa: E402  (shared helpers: inputs, spawning, /proc readings, the light reader)

PROFILE_YAML = """paths:
  live/src:
    transcode:
      - { name: 720p, video: { codec: h264, height: 720, bitrate: 2M, gop: 2s, preset: veryfast }, audio: { codec: none } }
"""


def measure_cli(ffmpeg: str, source: Path, seconds: float, threads: int, pin: rf.Pinning, tmp: str) -> dict:
    log = os.path.join(tmp, "cli.log")
    progress_file = os.path.join(tmp, "cli.progress")
    proc = rf.spawn([ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", str(source),
                     "-vf", "scale=-2:720", "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-g", "60",
                     "-b:v", "2M", "-threads", str(threads), "-an", "-progress", progress_file, "-f", "null", "-"],
                    {}, tmp, log, pin.server_cpu, pin.taskset)
    try:
        time.sleep(3)  # warm-up
        frames0, cpu0, t0 = cli_frames(progress_file), rf.cpu_seconds(proc.pid), time.monotonic()
        time.sleep(seconds)
        frames1, cpu1, t1 = cli_frames(progress_file), rf.cpu_seconds(proc.pid), time.monotonic()
        rss = rf.rss_bytes(proc.pid)
    finally:
        rf.stop(proc)
    frames = max(1, frames1 - frames0)
    return {"fps": frames / (t1 - t0), "cpu_ms_per_frame": 1000 * (cpu1 - cpu0) / frames, "rss_mb": rss / 2**20}


def cli_frames(progress_file: str) -> int:
    frames = 0
    try:
        with open(progress_file) as f:
            for line in f:
                if line.startswith("frame="):
                    frames = int(line.split("=", 1)[1])
    except (OSError, ValueError):
        pass
    return frames


async def measure_edgebox(binary: str, ffmpeg: str, source: Path, seconds: float, readers: int, threads: int,
                          pin: rf.Pinning, tmp: str) -> dict:
    http, rtsp = rf.free_port(), rf.free_port()
    config = os.path.join(tmp, "edgebox.yml")
    with open(config, "w") as f:
        f.write(PROFILE_YAML)
    env = dict(rf.EDGEBOX_ENV)
    env.update({"EDGEBOX_HTTP_ADDRESS": f"127.0.0.1:{http}", "EDGEBOX_RTSP_ADDRESS": f"127.0.0.1:{rtsp}",
                "EDGEBOX_RTSP_RTPADDRESS": "127.0.0.1:0", "EDGEBOX_RTSP_RTCPADDRESS": "127.0.0.1:0",
                "EDGEBOX_CODECS_HWACCEL": "none"})
    server = rf.spawn([binary, "run", "--config", config, "--data", os.path.join(tmp, "data")], env, tmp,
                      os.path.join(tmp, "edgebox.log"), pin.server_cpu, pin.taskset)
    publisher = None
    opened: list = []
    try:
        try:
            await wait_port(rtsp)
        except rf.BenchError as e:
            raise rf.BenchError(f"{e}: {rf.log_tail(os.path.join(tmp, 'edgebox.log'))}") from None
        publisher = rf.spawn([ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", str(source),
                              "-c", "copy", "-f", "rtsp", "-rtsp_transport", "tcp", f"rtsp://127.0.0.1:{rtsp}/live/src"],
                             {}, tmp, os.path.join(tmp, "publisher.log"), pin.client_cpu, pin.taskset)
        await asyncio.sleep(3)
        url = f"rtsp://127.0.0.1:{rtsp}/live/src/720p"
        first = await rf.open_reader(0, url, rtsp)
        if first.error:
            raise rf.BenchError(f"reader of {url}: {first.error}\n{rf.log_tail(os.path.join(tmp, 'edgebox.log'))}")
        opened.append(first)
        for i in range(1, readers):
            opened.append(await rf.open_reader(i, url, rtsp))
        await asyncio.sleep(3)  # warm-up
        frames0 = [r.frames for r in opened]
        cpu0, t0 = rf.cpu_seconds(server.pid), time.monotonic()
        await asyncio.sleep(seconds)
        frames1 = [r.frames for r in opened]
        cpu1, t1 = rf.cpu_seconds(server.pid), time.monotonic()
        rss = rf.rss_bytes(server.pid)
        rates = sorted((b - a) / (t1 - t0) for a, b in zip(frames0, frames1))
        frames = max(1, frames1[0] - frames0[0])
        return {"fps": rates[len(rates) // 2], "min_fps": rates[0], "cpu_ms_per_frame": 1000 * (cpu1 - cpu0) / frames,
                "rss_mb": rss / 2**20, "failed": sum(1 for r in opened if r.error)}
    finally:
        for r in opened:
            r.close()
        rf.stop(publisher)
        rf.stop(server)


async def wait_port(port: int) -> None:
    deadline = time.monotonic() + rf.SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.05)
    raise rf.BenchError(f"nothing listens on {port}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=rf.DEFAULT_BINARY)
    parser.add_argument("--ffmpeg", default="ffmpeg")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--readers", type=int, default=100, help="readers of the derived path in the second EdgeBox run")
    parser.add_argument("--threads", type=int, default=1, help="libx264 threads for the CLI (EdgeBox uses FFmpeg's default)")
    parser.add_argument("--no-pin", action="store_true")
    parser.add_argument("--cache", default="/tmp/edgebox-bench-cache")
    args = parser.parse_args()
    binary = str((rf.REPO_ROOT / args.binary) if not os.path.isabs(args.binary) else Path(args.binary))
    pin = rf.setup_pinning(not args.no_pin)
    source, _ = rf.ensure_inputs(args.ffmpeg, Path(args.cache), rf.INPUT_SECONDS)
    rows = []
    with tempfile.TemporaryDirectory(prefix="edgebox-bench-") as tmp:
        rf.progress("ffmpeg CLI ...")
        cli = measure_cli(args.ffmpeg, source, args.seconds, args.threads, pin, tmp)
        rows.append(("ffmpeg CLI", cli))
        for readers in (1, args.readers):
            rf.progress(f"EdgeBox, {readers} reader(s) ...")
            with tempfile.TemporaryDirectory(prefix="edgebox-bench-run-") as run_dir:
                result = asyncio.run(measure_edgebox(binary, args.ffmpeg, source, args.seconds, readers, args.threads, pin, run_dir))
            rows.append((f"EdgeBox, {readers} reader(s)", result))

    print(f"\n1080p30 -> 720p H.264 (libx264 veryfast, zerolatency, 2 Mbit/s), {args.seconds:.0f} s windows; pinning: {pin.describe()}\n")
    print(f"| {'':24} | {'fps':>6} | {'min reader fps':>14} | {'CPU ms/frame':>12} | {'RSS MB':>7} | {'fps ratio':>9} | {'CPU ratio':>9} |")
    print(f"|{'-' * 26}|{'-' * 8}|{'-' * 16}|{'-' * 14}|{'-' * 9}|{'-' * 11}|{'-' * 11}|")
    for name, r in rows:
        fps_ratio = r["fps"] / cli["fps"] if cli["fps"] else 0
        cpu_ratio = r["cpu_ms_per_frame"] / cli["cpu_ms_per_frame"] if cli["cpu_ms_per_frame"] else 0
        min_fps = f"{r['min_fps']:.1f}" if "min_fps" in r else "-"
        print(f"| {name:24} | {r['fps']:6.1f} | {min_fps:>14} | {r['cpu_ms_per_frame']:12.2f} | {r['rss_mb']:7.1f} | {fps_ratio:9.2f} | {cpu_ratio:9.2f} |")
    print("\nTargets: fps ratio >= 0.95 and CPU ratio <= 1.05 (1 reader); fps ratio >= 0.85 with 100 readers.")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except rf.BenchError as e:
        print(f"transcode.py: {e}", file=sys.stderr)
        sys.exit(1)
