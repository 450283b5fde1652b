#!/usr/bin/env python3
"""Captures what a command sends to an RTP/RTCP port pair on 127.0.0.1, as RFC 4571 framed files.

usage: udp_capture.py RTP_OUT RTCP_OUT -- COMMAND... (the word PORT in COMMAND becomes the RTP port)
"""
import random
import socket
import subprocess
import sys
import threading


def bind_pair():
    for _ in range(100):
        port = random.randrange(20000, 60000, 2)
        socks = []
        try:
            for p in (port, port + 1):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
                s.bind(("127.0.0.1", p))
                socks.append(s)
            return port, socks
        except OSError:
            for s in socks:
                s.close()
    raise SystemExit("no free port pair")


def drain(sock, out, stop):
    sock.settimeout(0.2)
    with open(out, "wb") as f:
        while not stop.is_set():
            try:
                data = sock.recv(65535)
            except socket.timeout:
                continue
            f.write(len(data).to_bytes(2, "big") + data)


def main():
    sep = sys.argv.index("--")
    rtp_out, rtcp_out = sys.argv[1:sep]
    port, socks = bind_pair()
    command = [a.replace("PORT", str(port)) for a in sys.argv[sep + 1:]]
    stop = threading.Event()
    threads = [threading.Thread(target=drain, args=(s, o, stop)) for s, o in zip(socks, (rtp_out, rtcp_out))]
    for t in threads:
        t.start()
    try:
        subprocess.run(command, check=True, timeout=60)
    finally:
        stop.wait(0.5)
        stop.set()
        for t in threads:
            t.join()


main()
