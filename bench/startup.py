#!/usr/bin/python3
"""Startup / footprint benchmark for the EdgeBox Native-AOT binary, with nginx as a reference.

What it measures (for EdgeBox, and the same for nginx when /usr/sbin/nginx exists):

  1. start -> first HTTP 200 from GET /api/v1/health: median, min and max over --runs runs.
     Each run uses a fresh temporary data directory and a free loopback port; the clock starts
     just before the process is spawned and stops when the status line "HTTP/1.x 200" arrives.
     The endpoint is polled with a raw socket every 2 ms.  After the 200 the server gets SIGTERM
     and the time until it exits (and its exit code) is recorded as well.
  2. idle RSS: one extra run; wait until healthy, sleep --idle-seconds, read VmRSS from
     /proc/PID/status (summed over the process and any child processes).
  3. the size of the executable file, and the total size of the folder it was published to
     (EdgeBox only; *.dbg debug-symbol files are left out and reported separately).

The server is pinned to one CPU with `taskset -c` and this poller to another (when there are at
least two CPUs), so the two do not compete.

This is a benchmark, not a test: it prints a table and never fails because a number is over its
target.  Exit status: 0 when the measurements ran, 1 when a server could not be run at all,
2 when the EdgeBox binary does not exist (or the arguments are wrong).

Run with Debian's python (standard library only), from anywhere:

    /usr/bin/python3 bench/startup.py [--binary PATH] [--runs 10] [--idle-seconds 30] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Optional

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BINARY = "artifacts/publish/EdgeBox/release_linux-x64/edgebox"
NGINX = "/usr/sbin/nginx"
HEALTH_PATH = "/api/v1/health"

POLL_INTERVAL_S = 0.002
START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 30.0
MIB = 1024 * 1024

# Targets for EdgeBox, printed beside the numbers for reference only (never enforced).
TARGET_START_MS = 150
TARGET_IDLE_RSS_MB = 40
TARGET_BINARY_MB = 25

# EdgeBox settings for every run: HTTP on the chosen loopback port, every other listener off,
# no log file (the console log goes to /dev/null).
EDGEBOX_ENV = {
    "EDGEBOX_RTSP_ENABLED": "false",
    "EDGEBOX_RTMP_ENABLED": "false",
    "EDGEBOX_SRT_ENABLED": "false",
    "EDGEBOX_WEBRTC_ENABLED": "false",
    "EDGEBOX_LOG_FILE": "false",
}

NGINX_CONF = """\
daemon off;
master_process off;
worker_processes 1;
error_log /dev/null;
pid {tmp}/nginx.pid;
events {{}}
http {{
    access_log off;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{ return 200 'ok'; }}
    }}
}}
"""


class BenchError(Exception):
    """A run could not be completed (server exited early, never answered 200, ...)."""


# --------------------------------------------------------------------------- servers


@dataclass
class Launch:
    """How to start one server instance: argv, environment overrides, and its scratch directory."""

    argv: list[str]
    env: dict[str, str]
    tmpdir: str
    port: int


@dataclass
class Server:
    """A server under measurement. `prepare(tmpdir, port)` returns the Launch for one run."""

    name: str
    label: str
    binary: Path
    prepare: Callable[[str, int], Launch]


def edgebox_server(binary: Path) -> Server:
    # A JIT build (framework-dependent or self-contained) has <name>.runtimeconfig.json beside its apphost;
    # a Native-AOT publish does not.
    kind = "JIT" if (binary.parent / (binary.name + ".runtimeconfig.json")).exists() else "AOT"

    def prepare(tmpdir: str, port: int) -> Launch:
        env = dict(EDGEBOX_ENV, EDGEBOX_HTTP_ADDRESS=f"127.0.0.1:{port}")
        return Launch([str(binary), "run", "--data", tmpdir], env, tmpdir, port)

    return Server("edgebox", f"edgebox ({kind})", binary, prepare)


def nginx_server(binary: Path) -> Server:
    def prepare(tmpdir: str, port: int) -> Launch:
        conf = Path(tmpdir) / "nginx.conf"
        conf.write_text(NGINX_CONF.format(tmp=tmpdir, port=port))
        # -e: the error log nginx opens before it has read the config.
        return Launch([str(binary), "-p", tmpdir + "/", "-e", "/dev/null", "-c", str(conf)], {}, tmpdir, port)

    return Server("nginx", f"nginx {nginx_version(binary)} (ref)", binary, prepare)


def nginx_version(binary: Path) -> str:
    try:
        out = subprocess.run([str(binary), "-v"], capture_output=True, text=True, timeout=10)
        match = re.search(r"nginx/(\S+)", out.stderr + out.stdout)
        return match.group(1) if match else "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


# --------------------------------------------------------------------------- helpers


def free_port() -> int:
    """A loopback TCP port that was free a moment ago (bind to port 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Pinning:
    """CPU placement: the server on `server_cpu` (via taskset, else sched_setaffinity in the child)."""

    server_cpu: Optional[int]
    poller_cpu: Optional[int]
    taskset: Optional[str]

    def describe(self) -> str:
        if self.server_cpu is None:
            return "off"
        how = "taskset" if self.taskset else "sched_setaffinity"
        poller = f", poller on CPU {self.poller_cpu}" if self.poller_cpu is not None else ""
        return f"server on CPU {self.server_cpu} ({how}){poller}"


def setup_pinning(enabled: bool) -> Pinning:
    """Pin this process (the poller) to the second allowed CPU; the server will get the first."""
    if not enabled or not hasattr(os, "sched_getaffinity"):
        return Pinning(None, None, None)
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) < 2:
        return Pinning(None, None, None)  # one CPU: nothing to separate
    server_cpu, poller_cpu = allowed[0], allowed[1]
    os.sched_setaffinity(0, {poller_cpu})
    return Pinning(server_cpu, poller_cpu, shutil.which("taskset"))


def child_env(extra: dict[str, str]) -> dict[str, str]:
    """This process's environment without inherited EDGEBOX_* variables, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDGEBOX_")}
    env.update(extra)
    return env


def spawn(launch: Launch, pinning: Pinning, verbose: bool) -> subprocess.Popen:
    argv = list(launch.argv)
    preexec = None
    if pinning.server_cpu is not None:
        if pinning.taskset:
            argv = [pinning.taskset, "-c", str(pinning.server_cpu)] + argv  # taskset execs: same PID
        else:
            cpu = pinning.server_cpu
            preexec = lambda: os.sched_setaffinity(0, {cpu})  # noqa: E731
    out = None if verbose else subprocess.DEVNULL
    return subprocess.Popen(
        argv,
        env=child_env(launch.env),
        cwd=launch.tmpdir,
        stdin=subprocess.DEVNULL,
        stdout=out,
        stderr=out,
        preexec_fn=preexec,
    )


def http_status(port: int, timeout: float) -> Optional[int]:
    """One GET /api/v1/health; the status code, or None when nothing answered (refused/reset)."""
    request = (f"GET {HEALTH_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n").encode()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.sendall(request)
            data = b""
            while b"\r\n" not in data:
                chunk = s.recv(256)
                if not chunk:
                    break
                data += chunk
    except OSError:  # refused, reset, timeout
        return None
    match = re.match(rb"HTTP/\d(?:\.\d)? (\d{3})", data)
    return int(match.group(1)) if match else None


def wait_healthy(proc: subprocess.Popen, port: int, t0: float, timeout: float) -> float:
    """Poll every 2 ms until a 200 arrives; returns the perf_counter() time it arrived."""
    deadline = t0 + timeout
    last_status = None
    while True:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            raise BenchError(f"no 200 within {timeout:.0f} s (last status: {last_status or 'no answer'})")
        status = http_status(port, timeout=max(remaining, 0.01))
        if status == 200:
            return time.perf_counter()
        last_status = status or last_status
        code = proc.poll()
        if code is not None:
            raise BenchError(f"server exited with code {code} before answering 200")
        time.sleep(POLL_INTERVAL_S)


def stop(proc: subprocess.Popen, timeout: float) -> tuple[Optional[float], Optional[int]]:
    """SIGTERM and wait. Returns (ms until exit, exit code); (None, None) if it had to be killed."""
    if proc.poll() is not None:
        return None, proc.returncode
    t = time.perf_counter()
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill(proc)
        return None, None
    return (time.perf_counter() - t) * 1000.0, code


def kill(proc: subprocess.Popen) -> None:
    """SIGKILL this one process (by PID) if it is still running, and reap it."""
    if proc.poll() is None:
        try:
            proc.kill()
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants, from the parent PIDs in /proc/*/stat."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])  # comm may hold spaces/parens
        children.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(children.get(p, []))
    return tree


def rss_bytes(pid: int) -> int:
    """VmRSS of `pid` plus its descendants (nginx may run a master and workers)."""
    total = 0
    for p in process_tree(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
        except OSError:
            pass  # exited meanwhile
    return total


def folder_size(folder: Path) -> tuple[int, int, list[str]]:
    """(bytes excluding *.dbg, bytes of *.dbg, file names) for the regular files under `folder`."""
    size = dbg = 0
    names = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            n = path.stat().st_size
            names.append(str(path.relative_to(folder)))
            if path.suffix == ".dbg":
                dbg += n
            else:
                size += n
    return size, dbg, names


# --------------------------------------------------------------------------- one run


@dataclass
class RunResult:
    start_ms: Optional[float] = None
    shutdown_ms: Optional[float] = None
    exit_code: Optional[int] = None
    idle_rss_bytes: Optional[int] = None
    error: Optional[str] = None


def one_run(server: Server, pinning: Pinning, verbose: bool, idle_seconds: Optional[float] = None) -> RunResult:
    """Start the server once, wait for the first 200, optionally sit idle and read RSS, stop it."""
    result = RunResult()
    tmpdir = tempfile.mkdtemp(prefix=f"bench-{server.name}-")
    proc = None
    try:
        launch = server.prepare(tmpdir, free_port())
        t0 = time.perf_counter()
        proc = spawn(launch, pinning, verbose)
        t1 = wait_healthy(proc, launch.port, t0, START_TIMEOUT_S)
        result.start_ms = (t1 - t0) * 1000.0
        if idle_seconds is not None:
            time.sleep(idle_seconds)
            if proc.poll() is not None:
                raise BenchError(f"server exited with code {proc.returncode} while idle")
            result.idle_rss_bytes = rss_bytes(proc.pid)
        result.shutdown_ms, result.exit_code = stop(proc, STOP_TIMEOUT_S)
        if result.shutdown_ms is None and result.exit_code is None:
            result.error = f"did not exit within {STOP_TIMEOUT_S:.0f} s of SIGTERM; killed"
    except (BenchError, OSError) as e:
        result.error = str(e)
    finally:
        if proc is not None:
            kill(proc)
        shutil.rmtree(tmpdir, ignore_errors=True)
    return result


@dataclass
class ServerResults:
    label: str
    binary: str
    binary_bytes: int
    runs: list[RunResult] = field(default_factory=list)
    idle: Optional[RunResult] = None

    def ok_runs(self) -> list[RunResult]:
        return [r for r in self.runs if r.start_ms is not None]

    def summary(self) -> dict:
        starts = [r.start_ms for r in self.ok_runs()]
        stops = [r.shutdown_ms for r in self.runs if r.shutdown_ms is not None]
        codes = sorted({r.exit_code for r in self.runs if r.exit_code is not None})
        return {
            "start_ms_median": statistics.median(starts) if starts else None,
            "start_ms_min": min(starts) if starts else None,
            "start_ms_max": max(starts) if starts else None,
            "shutdown_ms_median": statistics.median(stops) if stops else None,
            "exit_codes": codes,
            "idle_rss_bytes": self.idle.idle_rss_bytes if self.idle else None,
            "failed_runs": sum(1 for r in self.runs if r.error),
        }


def measure(server: Server, runs: int, idle_seconds: float, pinning: Pinning, verbose: bool) -> ServerResults:
    res = ServerResults(server.label, str(server.binary), server.binary.stat().st_size)
    for i in range(runs):
        r = one_run(server, pinning, verbose)
        res.runs.append(r)
        note = f"start {r.start_ms:7.1f} ms" if r.start_ms is not None else "FAILED"
        if r.shutdown_ms is not None:
            note += f", stop {r.shutdown_ms:7.1f} ms (exit {r.exit_code})"
        if r.error:
            note += f"  [{r.error}]"
        progress(f"  {server.name} run {i + 1}/{runs}: {note}")
        if r.start_ms is None and not res.ok_runs():
            progress(f"  {server.name}: first run failed, skipping the remaining runs")
            return res
    progress(f"  {server.name}: idle run ({idle_seconds:g} s) ...")
    res.idle = one_run(server, pinning, verbose, idle_seconds=idle_seconds)
    if res.idle.error:
        progress(f"  {server.name} idle run: {res.idle.error}")
    return res


def progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- output


def fmt(value: Optional[float], digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def mb(n: Optional[int]) -> Optional[float]:
    return None if n is None else n / MIB


def print_table(edge: ServerResults, ref: Optional[ServerResults], ref_label: str,
                publish: tuple[int, int, list[str]], idle_seconds: float) -> None:
    e, r = edge.summary(), (ref.summary() if ref else None)

    def ref_val(key: str, conv=lambda x: x, digits: int = 1) -> str:
        return "n/a" if r is None else fmt(conv(r[key]), digits)

    def min_max(s: Optional[dict]) -> str:
        if s is None or s["start_ms_min"] is None:
            return "n/a"
        return f"{fmt(s['start_ms_min'])} / {fmt(s['start_ms_max'])}"

    def codes(s: Optional[dict]) -> str:
        return "n/a" if s is None else (", ".join(map(str, s["exit_codes"])) or "n/a")

    rows = [
        ("metric", edge.label, ref_label, "target"),
        ("start -> first 200 (median ms)", fmt(e["start_ms_median"]), ref_val("start_ms_median"), f"<= {TARGET_START_MS}"),
        ("   (min / max ms)", min_max(e), min_max(r), ""),
        ("shutdown on SIGTERM (median ms)", fmt(e["shutdown_ms_median"]), ref_val("shutdown_ms_median"), ""),
        ("   (exit code)", codes(e), codes(r), ""),
        (f"idle RSS after {idle_seconds:g} s (MB)", fmt(mb(e["idle_rss_bytes"])), ref_val("idle_rss_bytes", mb),
         f"<= {TARGET_IDLE_RSS_MB}"),
        ("binary size (MB)", fmt(mb(edge.binary_bytes)), "n/a" if ref is None else fmt(mb(ref.binary_bytes)),
         f"<= {TARGET_BINARY_MB}"),
        ("publish folder (MB)", fmt(mb(publish[0])), "-", "-"),
    ]
    widths = [max(len(row[i]) for row in rows) + 3 for i in range(3)]
    print()
    for row in rows:
        print(("".join(cell.ljust(w) for cell, w in zip(row, widths)) + row[3]).rstrip())

    notes = []
    for res, s in ((edge, e), (ref, r)):
        if s and s["failed_runs"]:
            first = next(run.error for run in res.runs if run.error)
            notes.append(f"{res.label}: {s['failed_runs']}/{len(res.runs)} runs failed (first: {first})")
        if res and res.idle and res.idle.error:
            notes.append(f"{res.label}: idle run failed: {res.idle.error}")
    size, dbg, names = publish
    if dbg:
        notes.append(f"publish folder excludes {mb(dbg):.1f} MB of *.dbg debug symbols")
    missing = [n for n in ("libonnxruntime.so", "libedgebox_native.so") if n not in names]
    if missing:
        notes.append("publish folder has no " + ", ".join(missing))
    print()
    for n in notes:
        print("note: " + n)


def write_json(path: str, args: argparse.Namespace, pinning: Pinning, edge: ServerResults,
               ref: Optional[ServerResults], publish: tuple[int, int, list[str]]) -> None:
    def dump(res: Optional[ServerResults]) -> Optional[dict]:
        if res is None:
            return None
        return {
            "label": res.label,
            "binary": res.binary,
            "binary_bytes": res.binary_bytes,
            "summary": res.summary(),
            "runs": [asdict(r) for r in res.runs],
            "idle_run": asdict(res.idle) if res.idle else None,
        }

    doc = {
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "host": {
            "kernel": platform.release(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        },
        "settings": {
            "runs": args.runs,
            "idle_seconds": args.idle_seconds,
            "poll_interval_ms": POLL_INTERVAL_S * 1000,
            "start_timeout_s": START_TIMEOUT_S,
            "pinning": pinning.describe(),
        },
        "targets": {"start_ms": TARGET_START_MS, "idle_rss_mb": TARGET_IDLE_RSS_MB, "binary_mb": TARGET_BINARY_MB},
        "edgebox": dump(edge),
        "publish_folder": {"bytes": publish[0], "dbg_bytes": publish[1], "files": publish[2]},
        "nginx": dump(ref),
    }
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


# --------------------------------------------------------------------------- main


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Measure EdgeBox start -> first 200, shutdown time, idle RSS and binary size (nginx as reference).")
    p.add_argument("--binary", default=DEFAULT_BINARY,
                   help=f"EdgeBox executable; relative paths are taken from the repo root (default: {DEFAULT_BINARY})")
    p.add_argument("--runs", type=int, default=10, help="start/stop runs per server (default: 10)")
    p.add_argument("--idle-seconds", type=float, default=30.0, help="idle time before reading RSS (default: 30)")
    p.add_argument("--json", metavar="FILE", help="also write the raw numbers to FILE")
    p.add_argument("--no-nginx", action="store_true", help="skip the nginx reference")
    p.add_argument("--no-pin", action="store_true", help="do not pin the server and the poller to CPUs")
    p.add_argument("--verbose", action="store_true", help="show the servers' own output instead of discarding it")
    args = p.parse_args(argv)
    if args.runs < 1:
        p.error("--runs must be at least 1")
    if args.idle_seconds < 0:
        p.error("--idle-seconds must not be negative")
    return args


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)

    binary = Path(args.binary)
    if not binary.is_absolute():
        binary = REPO_ROOT / binary
    if not binary.is_file() or not os.access(binary, os.X_OK):
        print(f"startup.py: EdgeBox binary not found (or not executable): {binary}\n"
              f"Build it first with ./build.sh publish, or point --binary at an existing build.", file=sys.stderr)
        return 2

    pinning = setup_pinning(not args.no_pin)
    edge_server = edgebox_server(binary)
    nginx_path = Path(NGINX)
    have_nginx = not args.no_nginx and nginx_path.is_file() and os.access(nginx_path, os.X_OK)
    ref_server = nginx_server(nginx_path) if have_nginx else None
    ref_label = ref_server.label if ref_server else "nginx (ref)"

    progress(f"binary:  {binary}")
    progress(f"runs:    {args.runs} per server, idle {args.idle_seconds:g} s; pinning: {pinning.describe()}")
    if not have_nginx:
        progress("nginx:   " + ("skipped (--no-nginx)" if args.no_nginx else f"{NGINX} not found; reference column is n/a"))

    try:
        edge = measure(edge_server, args.runs, args.idle_seconds, pinning, args.verbose)
        ref = measure(ref_server, args.runs, args.idle_seconds, pinning, args.verbose) if ref_server else None
    except KeyboardInterrupt:
        progress("interrupted")
        return 130

    publish = folder_size(binary.parent)
    print_table(edge, ref, ref_label, publish, args.idle_seconds)
    if args.json:
        write_json(args.json, args, pinning, edge, ref, publish)
        progress(f"raw numbers written to {args.json}")

    broken = [res.label for res in (edge, ref) if res is not None and not res.ok_runs()]
    if broken:
        progress("could not run: " + ", ".join(broken) + " (rerun with --verbose to see its output)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
