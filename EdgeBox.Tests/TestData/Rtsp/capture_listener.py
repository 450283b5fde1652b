# Tiny scripted RTSP listener on 127.0.0.1 that logs every byte a client sends (capture only).
import socket, sys, threading, re, os
port = int(sys.argv[1]); name = sys.argv[2]; auth = sys.argv[3] if len(sys.argv) > 3 else ''
SDP = (b"v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=EdgeBox\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\na=control:*\r\n"
       b"m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
       b"a=fmtp:96 packetization-mode=1; sprop-parameter-sets=Z2QAFqzZQUH7ARAAAAMAEAAAAwPA8WLZYA==,aOvjyyLA; profile-level-id=640016\r\n"
       b"a=control:trackID=0\r\n")
def handle(c, idx):
    out = open(f"/tmp/rtspcap/{name}.{idx}.bin", "wb")
    buf = b""; authed = False; total = 0
    c.settimeout(8)
    try:
        while True:
            d = c.recv(65536)
            if not d: break
            total += len(d)
            if total < 200000: out.write(d); out.flush()
            buf += d
            while True:
                if buf[:1] == b"$":
                    if len(buf) < 4: break
                    n = int.from_bytes(buf[2:4], "big")
                    if len(buf) < 4 + n: break
                    buf = buf[4+n:]; continue
                i = buf.find(b"\r\n\r\n")
                if i < 0: break
                head = buf[:i].decode("latin1"); m = re.search(r"(?i)content-length:\s*(\d+)", head)
                bl = int(m.group(1)) if m else 0
                if len(buf) < i + 4 + bl: break
                buf = buf[i+4+bl:]
                method = head.split(" ", 1)[0]
                cseq = re.search(r"(?i)cseq:\s*(\d+)", head).group(1)
                has_auth = re.search(r"(?im)^authorization:", head) is not None
                if auth and not has_auth:
                    chal = 'WWW-Authenticate: Digest realm="EdgeBox", nonce="0123456789abcdef0123456789abcdef"\r\n' if auth == "digest" else 'WWW-Authenticate: Basic realm="EdgeBox"\r\n'
                    c.sendall(f"RTSP/1.0 401 Unauthorized\r\nCSeq: {cseq}\r\n{chal}Content-Length: 0\r\n\r\n".encode()); continue
                extra = ""; body = b""
                if method == "OPTIONS":
                    extra = "Public: OPTIONS, DESCRIBE, ANNOUNCE, SETUP, PLAY, RECORD, PAUSE, TEARDOWN, GET_PARAMETER\r\n"
                elif method == "DESCRIBE":
                    url = head.split(" ")[1]
                    body = SDP; extra = f"Content-Base: {url}/\r\nContent-Type: application/sdp\r\n"
                elif method == "SETUP":
                    t = re.search(r"(?im)^transport:\s*(.*)$", head).group(1).split(",")[0].strip()
                    if "client_port" in t: t += ";server_port=30000-30001"
                    extra = f"Transport: {t}\r\nSession: 12345678;timeout=60\r\n"
                elif method in ("PLAY", "RECORD", "GET_PARAMETER"):
                    extra = "Session: 12345678;timeout=60\r\n"
                c.sendall(f"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\n{extra}Content-Length: {len(body)}\r\n\r\n".encode() + body)
    except Exception as e:
        print("conn end", e)
    out.close(); c.close()
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", port)); s.listen(5)
s.settimeout(15); i = 0
try:
    while True:
        c, _ = s.accept(); threading.Thread(target=handle, args=(c, i), daemon=True).start(); i += 1
except socket.timeout:
    pass
