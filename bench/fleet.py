#!/usr/bin/python3
"""Fleet benchmark: many simulated boxes against one Mosquitto broker.

`edgebox fleet simulate` runs --devices simulated boxes in one process, each with EdgeBox's real MQTT
uplink (state + last will, telemetry, desired-config subscription) and the real desired-config path
(reconcile, compose over a local config, validate, report); only the media is missing. The script

  1. starts Mosquitto on a free loopback port and the simulated fleet, and times until the broker's
     retained state topics show every device online (`edgebox fleet list --json`);
  2. reads the fleet process's RSS and CPU over an idle window -> memory and CPU per device uplink;
  3. pushes a group config --pushes times with `edgebox fleet push --group bench --wait`, and times each
     push from publish until every device has applied and reported it; the broker's own counters
     ($SYS/broker/messages/received|sent) give its message rate during the pushes;
  4. as a reference, the RSS and CPU of one idle `mosquitto_sub` (a minimal C MQTT client process).

This is a benchmark, not a test: it prints a table and never fails on a number.

    /usr/bin/python3 bench/fleet.py [--binary PATH] [--devices 500] [--pushes 3] [--idle-seconds 10]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import (REPO_ROOT, child_env, edgebox_binary, free_port, log_tail, proc_cpu_seconds, progress,
                      required_tool, stop)

DEFAULT_BINARY = "artifacts/publish/EdgeBox/release_linux-x64/edgebox"


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def sys_counter(port: int, topic: str) -> int:
    out = subprocess.run(["mosquitto_sub", "-p", str(port), "-t", topic, "-C", "1", "-W", "15"],
                         capture_output=True, text=True, timeout=20).stdout.strip()
    return int(out) if out.isdigit() else 0


def fleet_devices(binary: Path, url: str) -> list[dict]:
    out = subprocess.run([str(binary), "fleet", "list", "--json", "--broker", url], capture_output=True, text=True,
                         timeout=60, env=child_env({})).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=DEFAULT_BINARY)
    parser.add_argument("--devices", type=int, default=500)
    parser.add_argument("--pushes", type=int, default=3)
    parser.add_argument("--idle-seconds", type=float, default=10)
    args = parser.parse_args()

    binary = edgebox_binary("fleet.py", args.binary)
    if binary is None:
        return 2
    if not required_tool("fleet.py", "mosquitto", "mosquitto") and not Path("/usr/sbin/mosquitto").exists():
        return 1
    if not required_tool("fleet.py", "mosquitto_sub", "mosquitto-clients"):
        return 1

    work = Path(tempfile.mkdtemp(prefix="edgebox-fleet-bench-"))
    port = free_port()
    url = f"mqtt://127.0.0.1:{port}"
    (work / "mosquitto.conf").write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                                         f"sys_interval 1\nmax_connections -1\n")
    mosquitto = "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else "mosquitto"
    broker = fleet = reference = None
    try:
        broker = subprocess.Popen([mosquitto, "-c", str(work / "mosquitto.conf")], stdout=open(work / "broker.log", "w"),
                                  stderr=subprocess.STDOUT)
        time.sleep(0.5)

        progress(f"starting {args.devices} simulated devices")
        started = time.monotonic()
        fleet_log = open(work / "fleet.log", "w")
        fleet = subprocess.Popen([str(binary), "fleet", "simulate", "--devices", str(args.devices), "--group", "bench",
                                  "--broker", url, "--telemetry-seconds", "30"], stdout=fleet_log, stderr=subprocess.STDOUT,
                                 env=child_env({}))
        online = 0
        while time.monotonic() - started < 180:
            online = sum(1 for d in fleet_devices(binary, url) if (d.get("state") or {}).get("state") == "online")
            if online >= args.devices:
                break
            time.sleep(1)
        connect_seconds = time.monotonic() - started
        progress(f"{online} devices online after {connect_seconds:.1f} s")

        time.sleep(3)
        cpu0, t0 = proc_cpu_seconds(fleet.pid), time.monotonic()
        time.sleep(args.idle_seconds)
        idle_cpu = (proc_cpu_seconds(fleet.pid) - cpu0) / (time.monotonic() - t0) * 100
        fleet_rss = rss_kb(fleet.pid)

        received0, sent0 = sys_counter(port, "$SYS/broker/messages/received"), sys_counter(port, "$SYS/broker/messages/sent")
        push_times, applied = [], []
        push_started = time.monotonic()
        for i in range(args.pushes):
            cfg = work / f"push{i}.yml"
            cfg.write_text(f"paths:\n  pushed{i}: {{}}\n  cam: {{ record: false }}\nlog: {{ level: info }}\n")
            t = time.monotonic()
            result = subprocess.run([str(binary), "fleet", "push", "--group", "bench", str(cfg), "--version", f"b{i}",
                                     "--wait", "120", "--broker", url], capture_output=True, text=True, timeout=200,
                                    env=child_env({}))
            push_times.append(time.monotonic() - t)
            applied.append(sum(1 for line in result.stdout.splitlines() if line.endswith("\tapplied")))
            progress(f"push {i}: {applied[-1]} applied in {push_times[-1]:.2f} s (exit {result.returncode})")
        pushes_seconds = time.monotonic() - push_started
        time.sleep(2)  # $SYS counters are published every second
        received = sys_counter(port, "$SYS/broker/messages/received") - received0
        sent = sys_counter(port, "$SYS/broker/messages/sent") - sent0

        reference = subprocess.Popen(["mosquitto_sub", "-p", str(port), "-t", "edgebox/v1/groups/bench/config/desired"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1)
        rcpu0 = proc_cpu_seconds(reference.pid)
        time.sleep(args.idle_seconds)
        ref_cpu = (proc_cpu_seconds(reference.pid) - rcpu0) / args.idle_seconds * 100
        ref_rss = rss_kb(reference.pid)

        n = max(args.devices, 1)
        print()
        print(f"Fleet benchmark: {args.devices} simulated boxes, one Mosquitto on loopback, {os.cpu_count()} CPUs")
        print(f"| {'metric':<46} | {'EdgeBox uplink':>22} | {'reference':>26} |")
        print(f"|{'-' * 48}|{'-' * 24}|{'-' * 28}|")
        print(f"| {'devices online (retained state)':<46} | {f'{online} in {connect_seconds:.1f} s':>22} | {'-':>26} |")
        median = statistics.median(push_times) if push_times else 0
        print(f"| {'group push applied + reported by all (median)':<46} | {f'{median:.2f} s':>22} | {'-':>26} |")
        print(f"| {'  fastest / slowest push':<46} | {f'{min(push_times):.2f} / {max(push_times):.2f} s':>22} | {'-':>26} |")
        print(f"| {'  devices that reported applied (min)':<46} | {min(applied):>22} | {'-':>26} |")
        print(f"| {'broker messages in / out per s (pushes)':<46} | "
              f"{f'{received / pushes_seconds:.0f} / {sent / pushes_seconds:.0f}':>22} | {'-':>26} |")
        print(f"| {'memory per device (fleet RSS / devices)':<46} | {f'{fleet_rss / n:.0f} KB':>22} | "
              f"{f'{ref_rss} KB (one mosquitto_sub)':>26} |")
        print(f"| {'CPU per device, idle':<46} | {f'{idle_cpu / n:.3f} %':>22} | "
              f"{f'{ref_cpu:.3f} % (mosquitto_sub)':>26} |")
        print(f"| {'fleet process total: RSS / idle CPU':<46} | {f'{fleet_rss / 1024:.0f} MB / {idle_cpu:.1f} %':>22} | {'-':>26} |")
        return 0
    except (subprocess.TimeoutExpired, OSError, ValueError) as ex:
        print(f"fleet.py: {ex}\n{log_tail(str(work / 'fleet.log'))}\n{log_tail(str(work / 'broker.log'))}", file=sys.stderr)
        return 1
    finally:
        stop(reference)
        stop(fleet)
        stop(broker)


if __name__ == "__main__":
    sys.exit(main())
