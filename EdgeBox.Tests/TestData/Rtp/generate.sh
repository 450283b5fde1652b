#!/usr/bin/env bash
# Regenerates the RTP test data (needs ffmpeg with libx264/libx265/libopus/libvpx/libaom and GStreamer 1.22 with
# the good/bad/ugly plugins). Captures are RFC 4571 framed: a 2-byte big-endian length, then the packet.
set -euo pipefail
cd "$(dirname "$0")"
SRC="-f lavfi -i testsrc2=size=160x120:rate=10 -frames:v 12 -pix_fmt yuv420p"

# Elementary streams, with access unit delimiters so tests can split access units without a parser.
ffmpeg -v error -y $SRC -c:v libx264 -preset ultrafast -g 6 -bf 0 -x264-params slices=2 \
  -bsf:v h264_metadata=aud=insert h264.264
ffmpeg -v error -y $SRC -c:v libx265 -preset ultrafast \
  -x265-params keyint=6:min-keyint=6:bframes=0:log-level=error:slices=2 -bsf:v hevc_metadata=aud=insert h265.265
ffmpeg -v error -y -f lavfi -i sine=frequency=1000:sample_rate=48000 -t 0.25 -c:a aac -b:a 64k -f adts aac.adts

# Raw elementary streams have no timestamps: GStreamer reads them from Matroska copies.
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
h264mkv="$tmp/h264.mkv"; h265mkv="$tmp/h265.mkv"; m4a="$tmp/aac.m4a"
ffmpeg -v error -y -framerate 10 -i h264.264 -c copy "$h264mkv"
ffmpeg -v error -y -framerate 10 -i h265.265 -c copy "$h265mkv"

# GStreamer's payloaders (small MTUs force FU-A/FU and fragmented AAC; seqnum-offset forces the 65535 -> 0 wrap).
gst-launch-1.0 -q filesrc location="$h264mkv" ! matroskademux ! h264parse ! video/x-h264,stream-format=byte-stream,alignment=au \
  ! rtph264pay mtu=500 pt=96 ssrc=0x11223344 seqnum-offset=65530 aggregate-mode=zero-latency config-interval=0 \
  ! rtpstreampay ! filesink location=h264.gst.rtp
gst-launch-1.0 -q filesrc location="$h265mkv" ! matroskademux ! h265parse ! video/x-h265,stream-format=byte-stream,alignment=au \
  ! rtph265pay mtu=500 pt=96 ssrc=0x11223344 seqnum-offset=65530 aggregate-mode=zero-latency config-interval=0 \
  ! rtpstreampay ! filesink location=h265.gst.rtp
gst-launch-1.0 -q filesrc location=aac.adts ! aacparse ! rtpmp4gpay mtu=100 pt=97 \
  ! rtpstreampay ! filesink location=aac.gst.rtp
gst-launch-1.0 -q audiotestsrc num-buffers=10 ! audio/x-raw,rate=48000,channels=2 ! opusenc ! rtpopuspay pt=111 \
  ! rtpstreampay ! filesink location=opus.gst.rtp
gst-launch-1.0 -q audiotestsrc num-buffers=5 samplesperbuffer=400 ! audio/x-raw,rate=8000,channels=1 ! mulawenc \
  ! rtppcmupay ! rtpstreampay ! filesink location=pcmu.gst.rtp

# FFmpeg's RTP muxer over UDP on loopback: STAP-A + FU-A, several AAC AUs per packet, and its RTCP
# (SR + SDES CNAME at the start, SR + SDES + BYE at the end).
./udp_capture.py h264.ffmpeg.rtp h264.ffmpeg.rtcp -- ffmpeg -v error -re -framerate 10 -i h264.264 -c copy \
  -f rtp -cname edgebox-test@127.0.0.1 -rtpflags send_bye "rtp://127.0.0.1:PORT?pkt_size=500" >/dev/null
# The RTP muxer wants the AudioSpecificConfig up front, which ADTS input only yields after a packet: go through MP4.
ffmpeg -v error -y -i aac.adts -c copy "$m4a"
./udp_capture.py aac.ffmpeg.rtp aac.ffmpeg.rtcp -- ffmpeg -v error -re -i "$m4a" -c copy \
  -f rtp -cname edgebox-test@127.0.0.1 -rtpflags send_bye "rtp://127.0.0.1:PORT?pkt_size=1400" >/dev/null

# VP8, VP9 and AV1 (ffmpeg 5.1 with libvpx 1.12 and libaom 3.6). VP9 goes through two passes so that
# libvpx makes alternate reference frames, which come out as superframes (hidden frame + shown frame).
ffmpeg -v error -y -f lavfi -i testsrc2=size=128x96:rate=10 -frames:v 6 -pix_fmt yuv420p \
  -c:v libvpx -b:v 60k -qmin 20 -qmax 63 -g 3 -auto-alt-ref 0 vp8.ivf
for pass in 1 2; do
  ffmpeg -v error -y -f lavfi -i testsrc2=size=160x120:rate=10 -frames:v 10 -pix_fmt yuv420p \
    -c:v libvpx-vp9 -b:v 50k -g 10 -auto-alt-ref 1 -lag-in-frames 16 -pass $pass -passlogfile "$tmp/vp9" vp9.ivf
done
# AV1 as a low overhead OBU stream (temporal delimiters included; the tests split temporal units on them).
ffmpeg -v error -y -f lavfi -i testsrc2=size=208x120:rate=10 -frames:v 6 -pix_fmt yuv420p \
  -c:v libaom-av1 -crf 50 -b:v 0 -g 3 -usage realtime -cpu-used 8 -f obu av1.obu
# FFmpeg's VP8 (7-bit picture IDs) and VP9 (1-byte descriptor, superframes whole) RTP packetizers.
./udp_capture.py vp8.ffmpeg.rtp "$tmp/vp8.rtcp" -- ffmpeg -v error -re -i vp8.ivf -c copy \
  -f rtp "rtp://127.0.0.1:PORT?pkt_size=500" >/dev/null
./udp_capture.py vp9.ffmpeg.rtp "$tmp/vp9.rtcp" -- ffmpeg -v error -re -i vp9.ivf -c copy -strict experimental \
  -f rtp "rtp://127.0.0.1:PORT?pkt_size=500" >/dev/null
# GStreamer's VP8 (15-bit picture IDs, PID 1 on continuations) and VP9 (RFC 9628 layout, SS with a GOF on key frames).
gst-launch-1.0 -q filesrc location=vp8.ivf ! ivfparse ! rtpvp8pay mtu=500 pt=96 ssrc=0x11223344 seqnum-offset=65530 \
  picture-id-mode=15-bit ! rtpstreampay ! filesink location=vp8.gst.rtp
gst-launch-1.0 -q filesrc location=vp9.ivf ! ivfparse ! rtpvp9pay mtu=500 pt=96 ssrc=0x11223344 seqnum-offset=65530 \
  picture-id-mode=15-bit ! rtpstreampay ! filesink location=vp9.gst.rtp
