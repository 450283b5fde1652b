using System.Buffers.Binary;
using EdgeBox.Media;

namespace EdgeBox.Protocols.WebRtc;

/// <summary>Puts a track's parameter sets in front of a keyframe that lacks them (H.264 SPS/PPS, H.265 VPS/SPS/PPS).</summary>
internal static class ParameterSetsInBand
{
    /// <summary>True for an H.264/H.265 keyframe without an SPS NAL unit while the track knows one.</summary>
    public static bool Missing(MediaTrack track, ReadOnlySpan<byte> avcc)
    {
        if (track.Codec is not (CodecId.H264 or CodecId.H265) || track.Parameters.Sps is null)
        {
            return false;
        }

        int offset = 0;
        while (offset + 4 < avcc.Length)
        {
            int length = (int)BinaryPrimitives.ReadUInt32BigEndian(avcc[offset..]);
            if (length <= 0 || length > avcc.Length - offset - 4)
            {
                return false;
            }

            byte header = avcc[offset + 4];
            bool sps = track.Codec == CodecId.H264 ? (header & 0x1F) == 7 : ((header >> 1) & 0x3F) == 33;
            if (sps)
            {
                return false;
            }

            offset += 4 + length;
        }

        return true;
    }

    /// <summary>The unit with the track's parameter sets first, each with its 4-byte length.</summary>
    public static byte[] Prepend(MediaTrack track, ReadOnlySpan<byte> avcc)
    {
        var parameters = track.Parameters;
        byte[][] sets = track.Codec == CodecId.H265
            ? new[] { parameters.Vps, parameters.Sps, parameters.Pps }.OfType<byte[]>().ToArray()
            : new[] { parameters.Sps, parameters.Pps }.OfType<byte[]>().ToArray();
        var result = new byte[sets.Sum(s => s.Length + 4) + avcc.Length];
        int offset = 0;
        foreach (var set in sets)
        {
            BinaryPrimitives.WriteUInt32BigEndian(result.AsSpan(offset), (uint)set.Length);
            set.CopyTo(result, offset + 4);
            offset += set.Length + 4;
        }

        avcc.CopyTo(result.AsSpan(offset));
        return result;
    }
}
