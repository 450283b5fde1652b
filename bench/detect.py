#!/usr/bin/python3
"""Detection benchmark: EdgeBox's detection pipeline beside a raw ONNX Runtime loop (bench/OrtLoop).

For each thread count (--threads, default 1,2):

  1. the reference: bench/OrtLoop (C#, the ONNX Runtime package EdgeBox pins, the session options
     EdgeBox uses, IntraOpNumThreads = N) runs BlazeFace on the same staged picture EdgeBox would feed
     (the astronaut, padded to 1280x720, letterboxed into the model's input, pixel * 2/255 - 1) in a
     tight loop: inferences/s and the Run latencies (p50/p90/p99);
  2. EdgeBox (the Native-AOT binary, `inference.threads: N`) with P paths cam1..camP, each published
     by `ffmpeg -re -stream_loop -1 -i astronaut-720p30.mp4 -c copy -f rtsp` and detecting with
     `detect: { model: ..., fps: 30 }`; P is chosen so the paths offer the model about 1.5x the rate
     the reference reached (the single model worker is always busy and pictures are skipped).
     GET /api/v1/detect is read at the start and end of each window: the pipeline's rate is the sum
     over the paths of the inferences in the window / its length; the per-picture times are the
     window means of averageInferenceMs (the ONNX Runtime Run call), averagePrepareMs (download,
     swscale into the staging buffer, tensor write) and averagePostMs (output decoding, filters,
     tracker, events).  lastInferenceMs is also polled 4 times a second for its p50.

ratio = EdgeBox inferences/s / raw inferences/s; added ms = prepare + post per picture (median of
the window means); other ms = 1000 / (EdgeBox inferences/s) - (run + prepare + post): the worker's
time per picture outside the three (waking up, taking the next picture, returning frames).

The front 128x128 model gets reference rows only (--front-pipeline runs the pipeline for it as well;
it needs many paths to keep its worker busy).

This is a benchmark, not a test: it prints a table and never fails because of a number.  Exit
status: 0 when the measurements ran, 1 when something could not run, 2 when the EdgeBox binary,
ffmpeg, dotnet or a model is missing or the arguments are wrong, 130 when interrupted.

Run with Debian's python (standard library only), from anywhere:

    /usr/bin/python3 bench/detect.py [--threads 1,2] [--windows 5] [--window-seconds 6] [--quick] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional

from benchlib import child_env, free_port, host_busy_seconds, log_tail, proc_cpu_seconds, progress, stop

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BINARY = "artifacts/publish/EdgeBox/release_linux-x64/edgebox"
ORTLOOP_PROJECT = REPO_ROOT / "bench" / "OrtLoop" / "OrtLoop.csproj"
ORTLOOP_BINARY = REPO_ROOT / "artifacts" / "bin" / "OrtLoop" / "release" / "ortloop"
MODELS_DIR = REPO_ROOT / "artifacts" / "models" / "blazeface"
PICTURE = "/usr/lib/python3/dist-packages/skimage/data/astronaut.png"

# model key -> (file, input size)
MODELS = {
    "back256": ("face_detection_back_256x256_barracuda.onnx", 256),
    "front128": ("face_detection_front_128x128_barracuda.onnx", 128),
}

SOURCE_W, SOURCE_H, FPS, CLIP_SECONDS = 1280, 720, 30, 10
PATH_PREFIX = "cam"
OFFERED_FACTOR = 1.5  # the paths offer the model this many times the reference's rate
MAX_PATHS = 16

SERVER_START_TIMEOUT = 20.0
READY_TIMEOUT = 40.0
ENCODE_TIMEOUT = 300.0
API_TIMEOUT = 5.0
POLL_INTERVAL = 0.25
REFERENCE_WARMUP = 3.0

EDGEBOX_ENV = {
    "EDGEBOX_RTMP_ENABLED": "false",
    "EDGEBOX_SRT_ENABLED": "false",
    "EDGEBOX_WEBRTC_ENABLED": "false",
    "EDGEBOX_LOG_FILE": "false",
    "EDGEBOX_RTSP_RTPADDRESS": "127.0.0.1:0",
    "EDGEBOX_RTSP_RTCPADDRESS": "127.0.0.1:0",
}

CONFIG_TEMPLATE = """\
# written by bench/detect.py
inference: {{ threads: {threads} }}
paths:
{paths}
"""
PATH_TEMPLATE = '  {name}: {{ source: publisher, detect: {{ model: {model}, fps: {fps}, threshold: 0.75 }} }}'


class BenchError(Exception):
    """A run could not be completed."""


class Interrupted(Exception):
    """SIGTERM: stop, clean up, exit."""


# --------------------------------------------------------------------------- process helpers (the shared ones are in benchlib.py)


def spawn(argv: list[str], env: dict[str, str], cwd: str, log_path: str) -> subprocess.Popen:
    with open(log_path, "wb") as log:
        return subprocess.Popen(argv, env=child_env(env), cwd=cwd, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)


def run_quiet(argv: list[str], timeout: float, what: str) -> subprocess.CompletedProcess:
    try:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BenchError(f"{what} did not finish within {timeout:.0f} s") from None
    if r.returncode != 0:
        raise BenchError(f"{what} failed ({r.returncode}): {(r.stderr or r.stdout).strip()[-800:]}")
    return r


# --------------------------------------------------------------------------- inputs


def letterbox(size: int) -> tuple[int, int, int, int]:
    """EdgeBox's Letterbox.Fit for the source (1280x720 unless --source) into size x size: (content w, h, pad x, y)."""
    scale = min(size / SOURCE_W, size / SOURCE_H)
    w = min(max(round(SOURCE_W * scale), 1), size)  # round() is round-half-even, like Math.Round
    h = min(max(round(SOURCE_H * scale), 1), size)
    return w, h, (size - w) // 2, (size - h) // 2


def ensure_inputs(ffmpeg: str, cache_dir: Path) -> tuple[Path, dict[int, Path]]:
    """The clip the publishers loop (720p30 unless --source), and per input size the staged RGB picture the reference feeds."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    # The portrait (512x512) shrunk to fit a smaller source (--source), then padded to the source size.
    pad = f"scale=-2:'min(ih,{SOURCE_H})',pad={SOURCE_W}:{SOURCE_H}:(ow-iw)/2:(oh-ih)/2"
    clip = cache_dir / f"detect-astronaut-{SOURCE_W}x{SOURCE_H}p{FPS}-{CLIP_SECONDS}s.mp4"
    if not clip.is_file():
        progress(f"encoding {clip.name} into {cache_dir} (once) ...")
        part = clip.with_suffix(f".part{os.getpid()}.mp4")
        try:
            run_quiet([ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-loop", "1", "-i", PICTURE,
                       "-vf", f"{pad},format=yuv420p", "-r", str(FPS), "-t", str(CLIP_SECONDS), "-c:v", "libx264",
                       "-preset", "ultrafast", "-g", str(FPS), "-bf", "0", str(part)], ENCODE_TIMEOUT, "ffmpeg (clip)")
            os.replace(part, clip)
        finally:
            if part.exists():
                part.unlink()
    staged = {}
    for size in sorted({s for _, s in MODELS.values()}):
        w, h, px, py = letterbox(size)
        path = cache_dir / f"detect-astronaut-{SOURCE_W}x{SOURCE_H}-staged-{size}.rgb"
        if not path.is_file():
            # As PictureStager: the source picture scaled into its letterbox place, the rest 0 (BlazeFace's pad value).
            run_quiet([ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", PICTURE, "-vf",
                       f"{pad},scale={w}:{h}:flags=bilinear,pad={size}:{size}:{px}:{py}:black",
                       "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", str(path)], ENCODE_TIMEOUT, "ffmpeg (staged picture)")
        staged[size] = path
    return clip, staged


def ensure_ortloop(dotnet: Optional[str], given: Optional[str]) -> Path:
    if given:
        path = Path(given)
        if not path.is_file():
            raise BenchError(f"--ortloop {given} does not exist")
        return path
    if not dotnet:
        raise BenchError("dotnet not found: build bench/OrtLoop or pass --ortloop")
    progress("building bench/OrtLoop (Release) ...")
    run_quiet([dotnet, "build", str(ORTLOOP_PROJECT), "-c", "Release", "-nologo", "-v", "quiet"], 600, "dotnet build bench/OrtLoop")
    if not ORTLOOP_BINARY.is_file():
        raise BenchError(f"dotnet build did not produce {ORTLOOP_BINARY}")
    return ORTLOOP_BINARY


# --------------------------------------------------------------------------- the reference


def run_reference(ortloop: Path, model: Path, rgb: Path, threads: int, seconds: float, warmup: float) -> dict:
    r = run_quiet([str(ortloop), str(model), "--rgb", str(rgb), "--threads", str(threads), "--seconds", str(seconds),
                   "--warmup-seconds", str(warmup)], seconds + warmup + 120, "ortloop")
    return json.loads(r.stdout.strip().splitlines()[-1])


def run_reference_decoding(ffmpeg: str, clip: Path, decoders: int, ortloop: Path, model: Path, rgb: Path, threads: int,
                           seconds: float, warmup: float) -> dict:
    """The raw loop while `decoders` ffmpeg processes decode the clip in real time (one thread each): the
    decoding load the pipeline's paths put on the same cores, without EdgeBox."""
    procs = [subprocess.Popen([ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1", "-threads", "1",
                               "-i", str(clip), "-f", "null", "-"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for _ in range(decoders)]
    try:
        time.sleep(2)
        return run_reference(ortloop, model, rgb, threads, seconds, warmup)
    finally:
        for proc in procs:
            stop(proc)


def merge_references(parts: list[dict]) -> dict:
    """Runs before and after the pipeline as one: rate over the whole time, percentiles over every run."""
    ms = sorted(m for p in parts for m in p["ms"])
    seconds = sum(p["seconds"] for p in parts)
    return {"model": parts[0]["model"], "threads": parts[0]["threads"], "runs": len(ms), "seconds": seconds,
            "inferences_per_s": len(ms) / seconds, "mean_ms": statistics.fmean(ms), "p50_ms": percentile(ms, 50),
            "p90_ms": percentile(ms, 90), "p99_ms": percentile(ms, 99), "min_ms": ms[0],
            "parts_inferences_per_s": [p["inferences_per_s"] for p in parts]}


# --------------------------------------------------------------------------- the pipeline


@dataclass
class Window:
    seconds: float
    inferences: int
    skipped: int
    sampled: int
    run_ms: float  # window means per picture
    prepare_ms: float
    post_ms: float
    edgebox_cpu_s: float
    publishers_cpu_s: float
    host_busy_s: float

    @property
    def rate(self) -> float:
        return self.inferences / self.seconds

    @property
    def added_ms(self) -> float:
        return self.prepare_ms + self.post_ms

    @property
    def other_ms(self) -> float:
        return 1000.0 / self.rate - (self.run_ms + self.prepare_ms + self.post_ms) if self.inferences else 0.0


@dataclass
class PipelineResult:
    model: str
    threads: int
    paths: int
    windows: list[Window] = field(default_factory=list)
    last_ms: list[float] = field(default_factory=list)  # lastInferenceMs polled
    provider: Optional[str] = None
    detections_per_inference: Optional[float] = None
    exit_code: Optional[int] = None
    error: Optional[str] = None


def totals(items: list[dict]) -> dict[str, float]:
    """Sums over the paths; the per-picture averages turned back into totals (ms)."""
    t = {"inferences": 0.0, "skipped": 0.0, "sampled": 0.0, "detections": 0.0, "run": 0.0, "prepare": 0.0, "post": 0.0}
    for it in items:
        n = it["inferences"]
        t["inferences"] += n
        t["skipped"] += it["skipped"]
        t["sampled"] += it["sampled"]
        t["detections"] += it["detections"]
        t["run"] += it["averageInferenceMs"] * n
        t["prepare"] += it.get("averagePrepareMs", 0.0) * n
        t["post"] += it.get("averagePostMs", 0.0) * n
    return t


class Pipeline:
    def __init__(self, binary: Path, ffmpeg: str, clip: Path, model_key: str, model_file: Path, threads: int, paths: int,
                 args: argparse.Namespace) -> None:
        self.binary, self.ffmpeg, self.clip = binary, ffmpeg, clip
        self.model_key, self.model_file, self.threads, self.paths, self.args = model_key, model_file, threads, paths, args
        self.result = PipelineResult(model_key, threads, paths)
        self.proc: Optional[subprocess.Popen] = None
        self.publishers: list[subprocess.Popen] = []
        self.tmp = ""

    def api(self, path: str) -> Optional[dict]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}{path}", timeout=API_TIMEOUT) as r:
                return json.loads(r.read().decode())
        except (OSError, ValueError, urllib.error.URLError):
            return None

    def check_alive(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            raise BenchError(f"edgebox exited with code {self.proc.returncode}: {log_tail(self.server_log)}")
        for k, p in enumerate(self.publishers, 1):
            if p.poll() is not None:
                raise BenchError(f"publisher {PATH_PREFIX}{k} exited with code {p.returncode}: "
                                 f"{log_tail(os.path.join(self.tmp, f'publisher{k}.log'), 3)}")

    def detect(self) -> list[dict]:
        body = self.api("/api/v1/detect")
        if body is None:
            self.check_alive()
            raise BenchError("GET /api/v1/detect did not answer")
        return body["items"]

    def run(self) -> PipelineResult:
        self.tmp = tempfile.mkdtemp(prefix="bench-detect-")
        try:
            self._run()
        except BenchError as e:
            self.result.error = str(e)
        finally:
            for p in self.publishers:
                stop(p)
            self.result.exit_code = stop(self.proc)
            if self.args.verbose and self.proc is not None:
                progress(log_tail(self.server_log, 20))
            shutil.rmtree(self.tmp, ignore_errors=True)
        return self.result

    def _run(self) -> None:
        data = os.path.join(self.tmp, "data")
        os.mkdir(data)
        run_quiet([str(self.binary), "models", "add", self.model_key, str(self.model_file), "--adapter", "blazeface", "--data", data],
                  60, "edgebox models add")
        self.http_port, self.rtsp_port = free_port(), free_port()
        while self.rtsp_port == self.http_port:
            self.rtsp_port = free_port()
        config = os.path.join(self.tmp, "edgebox.yml")
        paths = "\n".join(PATH_TEMPLATE.format(name=f"{PATH_PREFIX}{k}", model=self.model_key, fps=FPS) for k in range(1, self.paths + 1))
        with open(config, "w") as f:
            f.write(CONFIG_TEMPLATE.format(threads=self.threads, paths=paths))
        self.server_log = os.path.join(self.tmp, "edgebox.log")
        env = dict(EDGEBOX_ENV, EDGEBOX_HTTP_ADDRESS=f"127.0.0.1:{self.http_port}", EDGEBOX_RTSP_ADDRESS=f"127.0.0.1:{self.rtsp_port}",
                   EDGEBOX_LOG_LEVEL="info" if self.args.verbose else "warn")
        self.proc = spawn([str(self.binary), "run", "--config", config, "--data", data], env, self.tmp, self.server_log)
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while self.api("/api/v1/health") is None:
            self.check_alive()
            if time.monotonic() > deadline:
                raise BenchError(f"edgebox: no answer on /api/v1/health within {SERVER_START_TIMEOUT:.0f} s")
            time.sleep(0.05)

        # Publishers: -c copy of a cached clip (about 1 % of a core each), started a GOP apart in total.
        for k in range(1, self.paths + 1):
            self.publishers.append(spawn(
                [self.ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", str(self.clip),
                 "-c", "copy", "-f", "rtsp", "-rtsp_transport", "tcp", f"rtsp://127.0.0.1:{self.rtsp_port}/{PATH_PREFIX}{k}"],
                {}, self.tmp, os.path.join(self.tmp, f"publisher{k}.log")))
            time.sleep(1.0 / self.paths)

        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            self.check_alive()
            items = self.detect()
            if len(items) == self.paths and all(i["state"] == "running" and i["inferences"] > 0 for i in items):
                self.result.provider = items[0].get("provider")
                break
            if time.monotonic() > deadline:
                states = ", ".join(f"{i['path']}: {i['state']} {i['inferences']} ({i.get('error') or ''})" for i in items)
                raise BenchError(f"detection did not run on every path within {READY_TIMEOUT:.0f} s: {states or 'no detectors'}")
            time.sleep(0.2)
        progress(f"    {self.paths} paths detecting; warm-up {self.args.warmup_seconds:g} s")
        time.sleep(self.args.warmup_seconds)

        first = last = None
        for w in range(self.args.windows):
            window = self.window()
            self.result.windows.append(window)
            progress(f"    window {w + 1}: {window.rate:6.1f} inf/s, run {window.run_ms:.2f} ms, prepare {window.prepare_ms:.2f} ms, "
                     f"post {window.post_ms:.2f} ms, other {window.other_ms:.2f} ms, EdgeBox {100 * window.edgebox_cpu_s / window.seconds:.0f} % CPU, "
                     f"skipped {window.skipped / window.seconds:.0f}/s")
        items = self.detect()
        t = totals(items)
        if t["inferences"]:
            self.result.detections_per_inference = t["detections"] / t["inferences"]

    def window(self) -> Window:
        pubs = [p.pid for p in self.publishers]
        cpu0, pub0, host0 = proc_cpu_seconds(self.proc.pid), sum(map(proc_cpu_seconds, pubs)), host_busy_seconds()
        t0, a = time.monotonic(), totals(self.detect())
        end = t0 + self.args.window_seconds
        while (now := time.monotonic()) < end:
            time.sleep(min(POLL_INTERVAL, end - now))
            for it in self.detect():
                self.result.last_ms.append(it["lastInferenceMs"])
        b, t1 = totals(self.detect()), time.monotonic()
        cpu1, pub1, host1 = proc_cpu_seconds(self.proc.pid), sum(map(proc_cpu_seconds, pubs)), host_busy_seconds()
        self.check_alive()
        n = b["inferences"] - a["inferences"]
        per = (lambda key: (b[key] - a[key]) / n) if n else (lambda key: 0.0)
        return Window(t1 - t0, int(n), int(b["skipped"] - a["skipped"]), int(b["sampled"] - a["sampled"]),
                      per("run"), per("prepare"), per("post"), cpu1 - cpu0, pub1 - pub0, host1 - host0)


# --------------------------------------------------------------------------- table


def med(values: list[float]) -> Optional[float]:
    return statistics.median(values) if values else None


def fmt(value: Optional[float], digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def cell(values: list[float], digits: int = 2) -> str:
    if not values:
        return "n/a"
    return f"{statistics.median(values):.{digits}f} [{min(values):.{digits}f}-{max(values):.{digits}f}]"


def percentile(values: list[float], p: float) -> Optional[float]:
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, max(0, math.ceil(p / 100 * len(s)) - 1))]


def print_table(refs: dict[tuple[str, int], dict], pipes: list[PipelineResult], args: argparse.Namespace,
                decoding: Optional[dict[tuple[str, int], dict]] = None) -> None:
    print(f"\nDetection pipeline vs raw ONNX Runtime (CPU provider), BlazeFace on the astronaut in {SOURCE_W}x{SOURCE_H} sources; {args.windows} x "
          f"{args.window_seconds:g} s windows; median [min-max] over the windows.\n")
    decoding = decoding or {}
    head = ["model", "threads", "raw ORT inf/s", "EdgeBox inf/s", "ratio", "raw, paths decoded beside", "ratio to it", "raw p50 ms (p90 / p99)", "EdgeBox run ms (p50 of last)",
            "EdgeBox added ms (prepare + post)", "other ms", "paths x 30 fps", "skipped/s", "EdgeBox CPU %"]
    rows = []
    by_key = {(p.model, p.threads): p for p in pipes}
    for (model, threads), ref in refs.items():
        p = by_key.get((model, threads))
        row = [model, str(threads), f"{ref['inferences_per_s']:.1f}"]
        if p is None or not p.windows:
            row += ["-" if p is None else "failed", "-", "-", "-", f"{ref['p50_ms']:.2f} ({ref['p90_ms']:.2f} / {ref['p99_ms']:.2f})"] + ["-"] * 6
        else:
            rates = [w.rate for w in p.windows]
            beside = decoding.get((model, threads))
            row += [cell(rates, 1), fmt(med(rates) / ref["inferences_per_s"]),
                    f"{beside['inferences_per_s']:.1f}" if beside else "-",
                    fmt(med(rates) / beside["inferences_per_s"]) if beside else "-",
                    f"{ref['p50_ms']:.2f} ({ref['p90_ms']:.2f} / {ref['p99_ms']:.2f})",
                    f"{cell([w.run_ms for w in p.windows])} ({fmt(percentile(p.last_ms, 50))})",
                    f"{cell([w.added_ms for w in p.windows])} = {fmt(med([w.prepare_ms for w in p.windows]))} + "
                    f"{fmt(med([w.post_ms for w in p.windows]))}",
                    cell([w.other_ms for w in p.windows]), str(p.paths),
                    fmt(med([w.skipped / w.seconds for w in p.windows]), 0),
                    cell([100 * w.edgebox_cpu_s / w.seconds for w in p.windows], 0)]
        rows.append(row)
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(head, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")
    print()
    for (model, threads), ref in refs.items():
        parts = " / ".join(f"{r:.1f}" for r in ref["parts_inferences_per_s"])
        print(f"BlazeFace {model} CPU inference, {threads} thread(s): p50 {ref['p50_ms']:.2f} ms, mean {ref['mean_ms']:.2f} ms, "
              f"min {ref['min_ms']:.2f} ms ({ref['inferences_per_s']:.1f}/s; before / after the pipeline: {parts}/s)")
    notes = []
    for p in pipes:
        if p.windows:
            pub = med([100 * w.publishers_cpu_s / w.seconds for w in p.windows])
            other = med([100 * (w.host_busy_s - w.edgebox_cpu_s - w.publishers_cpu_s) / w.seconds for w in p.windows])
            notes.append(f"{p.model}, {p.threads} thread(s): provider {p.provider}, {fmt(p.detections_per_inference)} detections per "
                         f"inference, publishers {fmt(pub, 1)} % of a core, other processes {fmt(other, 0)} %, EdgeBox exit code {p.exit_code}")
        elif p.error:
            notes.append(f"{p.model}, {p.threads} thread(s): FAILED: {p.error}")
    if notes:
        print("\nNotes:")
        for n in notes:
            print(f"- {n}")


# --------------------------------------------------------------------------- main


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    global SOURCE_W, SOURCE_H
    p = argparse.ArgumentParser(description="Measure EdgeBox's detection pipeline beside a raw ONNX Runtime loop.")
    p.add_argument("--binary", default=DEFAULT_BINARY, help=f"the EdgeBox binary (default: {DEFAULT_BINARY}, from the repository root)")
    p.add_argument("--ortloop", help="a built bench/OrtLoop binary (default: build it with dotnet)")
    p.add_argument("--threads", default="1,2", help="comma-separated intra-op thread counts (default: 1,2)")
    p.add_argument("--windows", type=int, default=5, help="windows per thread count (default: 5)")
    p.add_argument("--window-seconds", type=float, default=6.0, help="length of one window (default: 6)")
    p.add_argument("--warmup-seconds", type=float, default=5.0, help="after every path detects, before the windows (default: 5)")
    p.add_argument("--reference-seconds", type=float, default=20.0,
                   help="the raw loop's timed runs (default: 20, half before and half after the pipeline, each after 3 s of warm-up)")
    p.add_argument("--paths", type=int, default=0, help=f"paths for the pipeline (default: enough to offer {OFFERED_FACTOR}x the raw rate)")
    p.add_argument("--source", default=f"{SOURCE_W}x{SOURCE_H}",
                   help="size of the published clip, WxH (default: 1280x720); a smaller one leaves more CPU to the model on a small machine")
    p.add_argument("--front-pipeline", action="store_true", help="also run the pipeline with the front 128x128 model")
    p.add_argument("--quick", action="store_true", help="smoke run: threads 1, 2 windows of 3 s, 5 s reference")
    p.add_argument("--cache-dir", default=os.path.join(tempfile.gettempdir(), "edgebox-bench-cache"),
                   help="where the clip and the staged pictures are kept (default: $TMPDIR/edgebox-bench-cache)")
    p.add_argument("--json", metavar="FILE", help="also write the raw numbers to FILE")
    p.add_argument("--verbose", action="store_true", help="EdgeBox logs at info level; show its log tail after every run")
    args = p.parse_args(argv)
    if args.quick:
        args.threads, args.windows, args.window_seconds, args.warmup_seconds, args.reference_seconds = "1", 2, 3.0, 2.0, 5.0
    try:
        args.thread_counts = [int(x) for x in args.threads.split(",") if x.strip()]
    except ValueError:
        p.error("--threads takes numbers, e.g. 1,2")
    if not args.thread_counts or any(t < 1 for t in args.thread_counts) or args.windows < 1 or args.window_seconds <= 0:
        p.error("--threads, --windows and --window-seconds must be positive")
    try:
        w, h = (int(x) for x in args.source.lower().split("x"))
    except ValueError:
        p.error("--source takes WIDTHxHEIGHT, e.g. 640x360")
    if w < 64 or h < 64 or w % 2 or h % 2:
        p.error("--source needs even sizes of at least 64x64")
    SOURCE_W, SOURCE_H = w, h
    return args


def raise_interrupted(signum, frame):
    raise Interrupted()


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    binary = Path(args.binary)
    if not binary.is_absolute():
        binary = REPO_ROOT / binary
    if not binary.is_file() or not os.access(binary, os.X_OK):
        print(f"detect.py: EdgeBox binary not found (or not executable): {binary}\n"
              f"Build it first with ./build.sh publish, or point --binary at an existing build.", file=sys.stderr)
        return 2
    ffmpeg = shutil.which("ffmpeg")
    missing = [str(MODELS_DIR / f) for f, _ in MODELS.values() if not (MODELS_DIR / f).is_file()]
    if not ffmpeg or missing or not os.path.isfile(PICTURE):
        print(f"detect.py: needs ffmpeg, {PICTURE} (python3-skimage) and the models (./build.sh setup); missing: "
              f"{', '.join(([] if ffmpeg else ['ffmpeg']) + missing + ([] if os.path.isfile(PICTURE) else [PICTURE]))}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, raise_interrupted)
    try:
        ortloop = ensure_ortloop(shutil.which("dotnet"), args.ortloop)
        clip, staged = ensure_inputs(ffmpeg, Path(args.cache_dir))
    except BenchError as e:
        print(f"detect.py: {e}", file=sys.stderr)
        return 2 if "not found" in str(e) or "does not exist" in str(e) else 1

    progress(f"binary:  {binary}\nortloop: {ortloop}\nclip:    {clip.name} (looped by -c copy publishers)")
    refs: dict[tuple[str, int], dict] = {}
    decoding: dict[tuple[str, int], dict] = {}
    pipes: list[PipelineResult] = []
    try:
        for model_key, (file, size) in MODELS.items():
            for threads in args.thread_counts:
                pipeline = model_key == "back256" or args.front_pipeline
                # With the pipeline, half the reference runs before it and half after (the machine is shared: drift hits both).
                seconds = args.reference_seconds / 2 if pipeline else args.reference_seconds

                def reference(when: str) -> Optional[dict]:
                    progress(f"  {model_key}, {threads} thread(s): raw ONNX Runtime loop{when}, {seconds:g} s ...")
                    try:
                        ref = run_reference(ortloop, MODELS_DIR / file, staged[size], threads, seconds, REFERENCE_WARMUP)
                    except (BenchError, ValueError, IndexError) as e:
                        progress(f"    FAILED: {e}")
                        return None
                    progress(f"    {ref['inferences_per_s']:.1f} inf/s, p50 {ref['p50_ms']:.2f} ms, p90 {ref['p90_ms']:.2f} ms")
                    return ref

                before = reference(" (before)" if pipeline else "")
                if before is None:
                    continue
                parts = [before]
                if pipeline:
                    paths = args.paths or min(MAX_PATHS, max(1, math.ceil(before["inferences_per_s"] * OFFERED_FACTOR / FPS)))
                    progress(f"  {model_key}, {threads} thread(s): EdgeBox, {paths} paths x {FPS} fps ...")
                    result = Pipeline(binary, ffmpeg, clip, model_key, MODELS_DIR / file, threads, paths, args).run()
                    pipes.append(result)
                    if result.error:
                        progress(f"    FAILED: {result.error}")
                    if (after := reference(" (after)")) is not None:
                        parts.append(after)
                    progress(f"  {model_key}, {threads} thread(s): raw ONNX Runtime loop while {paths} ffmpeg decode the clip, {seconds:g} s ...")
                    try:
                        decoding[(model_key, threads)] = run_reference_decoding(ffmpeg, clip, paths, ortloop, MODELS_DIR / file, staged[size],
                                                                                threads, seconds, REFERENCE_WARMUP)
                        progress(f"    {decoding[(model_key, threads)]['inferences_per_s']:.1f} inf/s")
                    except (BenchError, ValueError, IndexError) as e:
                        progress(f"    FAILED: {e}")
                refs[(model_key, threads)] = merge_references(parts)
    except (KeyboardInterrupt, Interrupted):
        progress("interrupted")
        return 130

    print_table(refs, pipes, args, decoding)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"settings": {k: v for k, v in vars(args).items()}, "reference": {f"{m}/{t}": r for (m, t), r in refs.items()},
                       "reference_decoding_beside": {f"{m}/{t}": r for (m, t), r in decoding.items()},
                       "pipeline": [asdict(p) for p in pipes],
                       "host": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()}}, f, indent=2)
        progress(f"raw numbers written to {args.json}")
    return 1 if any(p.error for p in pipes) or len(refs) < len(MODELS) * len(args.thread_counts) else 0


if __name__ == "__main__":
    sys.exit(main())
