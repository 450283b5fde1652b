using EdgeBox.Media.Codecs;

namespace EdgeBox.Media;

/// <summary>
/// Keeps a video track's parameter sets current: a publisher may send new SPS/PPS (or VPS) in-band,
/// e.g. after an encoder restart or a resolution change, and readers that join later must get those,
/// not the ones from the SDP. Also derives the picture size from the SPS. AV1's parameter set is its
/// sequence header OBU; VP8 and VP9 have none, and their key frames give the size (and VP9's profile).
/// </summary>
internal static class ParameterSets
{
    /// <summary>
    /// The track's parameters updated from an access unit (canonical form), or null when the unit carries
    /// none that differ. Allocates only when something changed.
    /// </summary>
    public static CodecParameters? Update(CodecId codec, CodecParameters current, ReadOnlySpan<byte> accessUnit)
    {
        switch (codec)
        {
            case CodecId.Mjpeg:
                // The picture size, from the first image's SOF0 (MJPEG has no parameter sets).
                return current.Width == 0 && Protocols.Rtp.JpegImage.TryParse(accessUnit, out var image)
                    ? current with { Width = image.Width, Height = image.Height }
                    : null;
            case CodecId.Vp8:
                return Vp8.TryReadKeyframeSize(accessUnit, out int width, out int height) && (width, height) != (current.Width, current.Height)
                    ? current with { Width = width, Height = height }
                    : null;
            case CodecId.Vp9:
                return Vp9FrameHeader.TryParse(Vp9.FirstFrame(accessUnit), out var frame) && frame.Keyframe
                    && (frame.Width, frame.Height, frame.Profile) != (current.Width, current.Height, current.Profile)
                    ? current with { Width = frame.Width, Height = frame.Height, Profile = frame.Profile }
                    : null;
            case CodecId.Av1:
                var sequenceHeader = Av1.FindSequenceHeader(accessUnit);
                return !sequenceHeader.IsEmpty && (current.SequenceHeader is null || !sequenceHeader.SequenceEqual(current.SequenceHeader))
                    && Av1SequenceHeader.TryParse(sequenceHeader, out _)
                    ? WithDimensions(codec, current with { SequenceHeader = sequenceHeader.ToArray() })
                    : null;
            case not (CodecId.H264 or CodecId.H265):
                return null;
        }

        (int Offset, int Length) vps = default, sps = default, pps = default;
        var nals = LengthPrefixed.Enumerate(accessUnit);
        while (nals.MoveNext())
        {
            var nal = nals.Current;
            if (nal.IsEmpty)
            {
                continue;
            }

            int type = codec == CodecId.H264 ? H264.NalType(nal) : (nal[0] >> 1) & 0x3F;
            var where = (nals.CurrentOffset, nal.Length);
            switch (codec, type)
            {
                case (CodecId.H264, H264.NalSps) or (CodecId.H265, 33): sps = where; break;
                case (CodecId.H264, H264.NalPps) or (CodecId.H265, 34): pps = where; break;
                case (CodecId.H265, 32): vps = where; break;
            }
        }

        bool changed = Differs(accessUnit, sps, current.Sps) || Differs(accessUnit, pps, current.Pps) || Differs(accessUnit, vps, current.Vps);
        if (!changed)
        {
            return null;
        }

        var next = current with
        {
            Sps = sps.Length > 0 ? accessUnit.Slice(sps.Offset, sps.Length).ToArray() : current.Sps,
            Pps = pps.Length > 0 ? accessUnit.Slice(pps.Offset, pps.Length).ToArray() : current.Pps,
            Vps = vps.Length > 0 ? accessUnit.Slice(vps.Offset, vps.Length).ToArray() : current.Vps,
        };
        return WithDimensions(codec, next);
    }

    /// <summary>Width and height read from the SPS, or AV1's sequence header (0 when there is none or it cannot be read).</summary>
    public static CodecParameters WithDimensions(CodecId codec, CodecParameters parameters)
    {
        if (codec == CodecId.Av1)
        {
            return parameters.SequenceHeader is { } obu && Av1SequenceHeader.TryParse(obu, out var av1)
                ? parameters with { Width = av1.Width, Height = av1.Height }
                : parameters;
        }

        if (parameters.Sps is not { } sps)
        {
            return parameters;
        }

        if (codec == CodecId.H264 && H264Sps.TryParse(sps, out var h264))
        {
            return parameters with { Width = h264.Width, Height = h264.Height };
        }

        if (codec == CodecId.H265 && H265Sps.TryParse(sps, out var h265))
        {
            return parameters with { Width = h265.Width, Height = h265.Height };
        }

        return parameters;
    }

    private static bool Differs(ReadOnlySpan<byte> unit, (int Offset, int Length) found, byte[]? current) =>
        found.Length > 0 && (current is null || !unit.Slice(found.Offset, found.Length).SequenceEqual(current));
}
