"""Helpers the benchmark scripts share: child processes, /proc readings, progress output.

Standard library only (the benchmarks run with Debian's python3). Import it from a script in
bench/ (`from benchlib import ...`): Python puts the script's folder first on the import path.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Optional

STOP_TIMEOUT = 10.0
CLK_TCK = os.sysconf("SC_CLK_TCK")
REPO_ROOT = Path(__file__).resolve().parent.parent


class Interrupted(Exception):
    """SIGTERM/SIGINT: stop, clean up, exit."""


def raise_interrupted(signum, frame):
    """A SIGTERM handler: `signal.signal(signal.SIGTERM, raise_interrupted)`, then catch Interrupted."""
    raise Interrupted()


def edgebox_binary(script: str, given: str) -> Optional[Path]:
    """The EdgeBox executable (`given`, relative paths from the repository root), or None after saying how to build it."""
    binary = Path(given)
    if not binary.is_absolute():
        binary = REPO_ROOT / binary
    if binary.is_file() and os.access(binary, os.X_OK):
        return binary
    print(f"{script}: EdgeBox binary not found (or not executable): {binary}\n"
          f"Build it first with ./build.sh publish, or point --binary at an existing build.", file=sys.stderr)
    return None


def required_tool(script: str, name: str, package: str) -> Optional[str]:
    """`name` on PATH, or None after saying which Debian package brings it."""
    path = shutil.which(name)
    if not path:
        print(f"{script}: {name} not found (Debian package {package})", file=sys.stderr)
    return path


def progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The benchmarks call the API from loopback without logging in: EdgeBox lets them in as an anonymous admin
# there (auth.anonymousRole / auth.anonymousNetworks), as the tests do.
LOOPBACK_ADMIN = {"EDGEBOX_AUTH_ANONYMOUSROLE": "admin", "EDGEBOX_AUTH_ANONYMOUSNETWORKS": "127.0.0.0/8,::1/128"}


def child_env(extra: dict[str, str]) -> dict[str, str]:
    """This environment without EDGEBOX_* overrides (they would change the config under test), plus loopback admin access and `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDGEBOX_")}
    env.update(LOOPBACK_ADMIN)
    env.update(extra)
    return env


def stop(proc: Optional[subprocess.Popen]) -> Optional[int]:
    """SIGTERM, then SIGKILL after STOP_TIMEOUT; always by PID.  Returns the exit code (None if killed)."""
    if proc is None:
        return None
    if proc.poll() is not None:
        return proc.returncode
    try:
        proc.send_signal(signal.SIGTERM)
        return proc.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        pass
    except ProcessLookupError:
        return proc.poll()
    try:
        proc.kill()
        proc.wait(timeout=STOP_TIMEOUT)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        pass
    return None


def log_tail(path: str, lines: int = 8) -> str:
    try:
        with open(path, "rb") as f:
            text = f.read()[-8192:].decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(text.strip().splitlines()[-lines:])


def proc_cpu_seconds(pid: int) -> float:
    """utime+stime of one process (all its threads), in seconds; 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK  # fields 14 and 15 of stat(5)
    except (OSError, IndexError, ValueError):
        return 0.0


def host_busy_seconds() -> float:
    """CPU-seconds all CPUs spent not idle (from the first line of /proc/stat)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + (v[4] if len(v) > 4 else 0)
    return (sum(v[:8]) - idle) / CLK_TCK
