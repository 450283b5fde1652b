#!/usr/bin/env python3
"""Writes the crafted parameter sets the codec tests use (H264SpsTests, H265SpsTests) as hex.

They reach syntax the encoders at hand never write: H.264 scaling lists and POC type 1, field coding;
H.265 short-term reference picture sets (two inter-predicted), long-term pictures, sub-layer profiles.
To check one against FFmpeg, put it in place of the SPS of an encoded stream and read it back:

    ffmpeg -i stream.h264 -c copy -bsf:v trace_headers -frames:v 1 -f null -   # every field, to rbsp_stop_one_bit
    ffprobe -show_streams stream.h264                                          # size, SAR, frame rate

(trace_headers also checks the SPS against the stream's VPS, so the H.265 one needs the VPS from vps() too.)
"""


class BitWriter:
    def __init__(self):
        self.bits = []

    def u(self, n, v):
        assert 0 <= v < (1 << n), (n, v)
        self.bits += [(v >> i) & 1 for i in range(n - 1, -1, -1)]

    def f(self, v):
        self.u(1, 1 if v else 0)

    def ue(self, v):
        v += 1
        self.u(v.bit_length() - 1, 0)
        self.u(v.bit_length(), v)

    def se(self, v):
        self.ue(2 * v - 1 if v > 0 else -2 * v)

    def rbsp(self):
        self.bits.append(1)  # rbsp_stop_one_bit
        while len(self.bits) % 8:
            self.bits.append(0)
        return bytes(int("".join(map(str, self.bits[i:i + 8])), 2) for i in range(0, len(self.bits), 8))


def escape(rbsp):
    """Inserts emulation prevention bytes."""
    out, zeros = bytearray(), 0
    for c in rbsp:
        if zeros >= 2 and c <= 3:
            out.append(3)
            zeros = 0
        out.append(c)
        zeros = zeros + 1 if c == 0 else 0
    return bytes(out)


def h264_high444_scaling_lists():
    w = BitWriter()
    w.u(8, 244); w.u(8, 0); w.u(8, 40); w.ue(3)          # High 4:4:4 Predictive, level 4, sps id 3
    w.ue(3); w.f(0); w.ue(2); w.ue(2); w.f(1)            # 4:4:4, 10-bit, qpprime_y_zero_transform_bypass
    w.f(1)                                               # seq_scaling_matrix_present_flag
    lists = {
        0: [8, -3, 5, 1, -2, 0, 0, 4, -1, 2, 2, -7, 3, 1, 0, 6],
        2: [-8],                                         # next scale 0 at once: the default matrix
        3: [4, 2, -1, 1, -14],                           # reaches 0 after 5: the rest repeats the last
        6: [(i % 7) - 3 for i in range(64)],
        7: [5] + [0] * 63,
        9: [1, -1] * 32,
        10: [20, -30] + [3] * 10 + [-100] + [0] * 51,    # wraps modulo 256
    }
    for i in range(12):
        w.f(i in lists)
        for delta in lists.get(i, []):
            w.se(delta)
    w.ue(5); w.ue(1)                                     # log2_max_frame_num 9, POC type 1
    w.f(0); w.se(-3); w.se(2); w.ue(3); w.se(1); w.se(-2); w.se(300)
    w.ue(4); w.f(0); w.ue(119); w.ue(67)                 # 4 refs, 1920 x 1088
    w.f(1); w.f(1); w.f(1); w.ue(0); w.ue(0); w.ue(0); w.ue(8)   # frame_mbs_only, crop 8 rows
    w.f(1)                                               # VUI
    w.f(1); w.u(8, 255); w.u(16, 4); w.u(16, 3)          # SAR 4:3
    w.f(1); w.f(0)
    w.f(1); w.u(3, 5); w.f(1); w.f(1); w.u(8, 1); w.u(8, 1); w.u(8, 1)   # full range, BT.709
    w.f(1); w.ue(1); w.ue(1)
    w.f(1); w.u(32, 1001); w.u(32, 60000); w.f(1)        # 30000/1001, fixed
    w.f(1); w.ue(0); w.u(4, 2); w.u(4, 3); w.ue(12499); w.ue(12499); w.f(0)   # NAL HRD
    w.u(5, 23); w.u(5, 23); w.u(5, 23); w.u(5, 24)
    w.f(0); w.f(0); w.f(0)
    w.f(1); w.f(1); w.ue(2); w.ue(1); w.ue(16); w.ue(16); w.ue(2); w.ue(4)
    return bytes([0x67]) + escape(w.rbsp())


def h264_main_fields():
    w = BitWriter()
    w.u(8, 77); w.u(8, 0x40); w.u(8, 30); w.ue(0)        # Main, constraint_set1, level 3
    w.ue(0); w.ue(2); w.ue(1); w.f(1)                    # POC type 2
    w.ue(44); w.ue(17)                                   # 720 x 18 map units (x2 fields x16 = 576)
    w.f(0); w.f(0); w.f(1)                               # field coded, no MBAFF
    w.f(1); w.ue(4); w.ue(4); w.ue(0); w.ue(0)           # crop 8 columns each side
    w.f(1); w.f(1); w.u(8, 2)                            # SAR 12:11
    for _ in range(8):
        w.f(0)
    return bytes([0x67]) + escape(w.rbsp())


def h265_profile_tier_level(w, sub_layers_minus1, sub_profile, sub_level):
    w.u(2, 0); w.f(0); w.u(5, 2); w.u(32, 0x20000000)   # Main 10
    w.f(1); w.f(0); w.f(0); w.f(1); w.u(43, 0); w.f(0)   # progressive, frame only
    w.u(8, 123)                                          # level 4.1
    for i in range(sub_layers_minus1):
        w.f(sub_profile[i]); w.f(sub_level[i])
    if sub_layers_minus1 > 0:
        for _ in range(sub_layers_minus1, 8):
            w.u(2, 0)
    for i in range(sub_layers_minus1):
        if sub_profile[i]:
            w.u(2, 0); w.f(0); w.u(5, 2); w.u(32, 0x20000000); w.f(1); w.f(0); w.f(0); w.f(1); w.u(43, 0); w.f(0)
        if sub_level[i]:
            w.u(8, 90 + 3 * i)


def h265_vps():
    w = BitWriter()
    w.u(4, 0); w.f(1); w.f(1); w.u(6, 0); w.u(3, 2); w.f(0); w.u(16, 0xFFFF)
    h265_profile_tier_level(w, 2, [1, 0], [1, 1])
    w.f(1)
    for _ in range(3):
        w.ue(4); w.ue(2); w.ue(0)
    w.u(6, 0); w.ue(0); w.f(0); w.f(0)
    return bytes([0x40, 0x01]) + escape(w.rbsp())


def h265_reference_picture_sets():
    w = BitWriter()
    w.u(4, 0); w.u(3, 2); w.f(0)                         # 3 sub-layers
    h265_profile_tier_level(w, 2, [1, 0], [1, 1])
    w.ue(5); w.ue(1); w.ue(1920); w.ue(1088)             # sps id 5, 4:2:0
    w.f(1); w.ue(0); w.ue(0); w.ue(0); w.ue(4)           # conformance window: 8 rows
    w.ue(2); w.ue(2); w.ue(4); w.f(1)                    # 10-bit, log2_max_poc_lsb 8
    for _ in range(3):
        w.ue(4); w.ue(2); w.ue(0)
    w.ue(0); w.ue(3); w.ue(0); w.ue(3); w.ue(1); w.ue(1)
    w.f(1); w.f(0); w.f(1); w.f(1)                       # scaling lists (default), AMP, SAO
    w.f(1); w.u(4, 7); w.u(4, 7); w.ue(0); w.ue(1); w.f(1)   # PCM
    w.ue(4)                                              # 4 short-term RPS
    w.ue(2); w.ue(1); w.ue(0); w.f(1); w.ue(1); w.f(1); w.ue(0); w.f(0)
    w.f(1); w.f(0); w.ue(0)                              # set 1 predicted from set 0
    for used, use_delta in ((1, None), (0, 1), (1, None), (0, 0)):
        w.f(used)
        if not used:
            w.f(use_delta)
    w.f(0); w.ue(1); w.ue(0); w.ue(3); w.f(1)
    w.f(1); w.f(1); w.ue(1)                              # set 3 predicted from set 2
    for used, use_delta in ((0, 0), (1, None)):
        w.f(used)
        if not used:
            w.f(use_delta)
    w.f(1); w.ue(2); w.u(8, 17); w.f(1); w.u(8, 200); w.f(0)   # long-term pictures
    w.f(1); w.f(1); w.f(1)                               # TMVP, strong intra smoothing, VUI
    w.f(1); w.u(8, 1); w.f(0)
    w.f(1); w.u(3, 5); w.f(0); w.f(1); w.u(8, 9); w.u(8, 16); w.u(8, 9)   # BT.2020 PQ
    w.f(1); w.ue(2); w.ue(2); w.f(0); w.f(0); w.f(0)
    w.f(1); w.ue(0); w.ue(0); w.ue(8); w.ue(8)           # default display window
    w.f(1); w.u(32, 1001); w.u(32, 60000); w.f(1); w.ue(0); w.f(0)
    w.f(0); w.f(0)
    return bytes([0x42, 0x01]) + escape(w.rbsp())


if __name__ == "__main__":
    for name, nal in [
        ("H.264 High 4:4:4, scaling lists", h264_high444_scaling_lists()),
        ("H.264 Main, field coded", h264_main_fields()),
        ("H.265 VPS for the SPS below", h265_vps()),
        ("H.265 Main 10, reference picture sets", h265_reference_picture_sets()),
    ]:
        print(f"{name}:\n{nal.hex()}")
