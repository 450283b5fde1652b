namespace EdgeBox.Media.Codecs;

/// <summary>
/// Temporal unit helpers for AV1 in EdgeBox's canonical form (<see cref="CodecId.Av1"/>): the OBUs of one
/// temporal unit, each with its size field, without the temporal delimiter.
/// </summary>
internal static class Av1
{
    /// <summary>Size of the fixed part of an <c>av1C</c> record, before the configOBUs.</summary>
    public const int ConfigRecordHeaderSize = 4;

    /// <summary>
    /// True when the temporal unit can start decoding: it carries a sequence header, and its first frame
    /// header (of an OBU_FRAME or OBU_FRAME_HEADER) is a KEY_FRAME that is not a show_existing_frame.
    /// With reduced_still_picture_header every frame is a key frame (§5.9.2). Intra-only frames are not key
    /// frames (they keep references); a hidden key frame shown later still starts a coded video sequence
    /// and counts.
    /// </summary>
    public static bool IsKeyframe(ReadOnlySpan<byte> temporalUnit)
    {
        bool sequenceHeader = false;
        bool reduced = false;
        foreach (var obu in Av1Obu.Enumerate(temporalUnit))
        {
            switch (obu.Type)
            {
                case Av1Obu.SequenceHeader when !obu.Payload.IsEmpty:
                    sequenceHeader = true;
                    reduced = (obu.Payload[0] & 0x08) != 0; // seq_profile (3), still_picture (1), reduced_still_picture_header (1)
                    break;
                case Av1Obu.FrameHeader or Av1Obu.Frame:
                    // uncompressed_header(): show_existing_frame (1), frame_type (2, KEY_FRAME = 0) ...
                    return sequenceHeader && !obu.Payload.IsEmpty && (reduced || (obu.Payload[0] & 0xE0) == 0);
            }
        }

        return false;
    }

    /// <summary>The first sequence header OBU of the temporal unit (header and size field included), or empty.</summary>
    public static ReadOnlySpan<byte> FindSequenceHeader(ReadOnlySpan<byte> temporalUnit)
    {
        foreach (var obu in Av1Obu.Enumerate(temporalUnit))
        {
            if (obu.Type == Av1Obu.SequenceHeader)
            {
                return obu.Data;
            }
        }

        return default;
    }

    /// <summary>True when the temporal unit is a non-empty run of OBUs that all parse, each but the last with its size field.</summary>
    public static bool IsWellFormed(ReadOnlySpan<byte> temporalUnit)
    {
        if (temporalUnit.IsEmpty)
        {
            return false;
        }

        var obus = Av1Obu.Enumerate(temporalUnit);
        while (obus.MoveNext())
        {
        }

        return !obus.Malformed;
    }

    /// <summary>
    /// The <c>av1C</c> box payload (AV1 Codec ISO Media File Format Binding §2.3) for a sequence header OBU:
    /// what MP4 stores and FFmpeg's AV1 decoders take as extradata. Null when the OBU does not parse.
    /// <code>
    /// +-+-------------+-----+---------+-+-+-+-+-+-+---+-----+-+-------+
    /// |1| version = 1 |prof | level   |T|H|W|M|X|Y|csp| 000 |0| 0000  | configOBUs (the sequence header OBU)
    /// +-+-------------+-----+---------+-+-+-+-+-+-+---+-----+-+-------+
    ///  T tier, H high_bitdepth, W twelve_bit, M monochrome, X/Y chroma subsampling; no initial presentation delay
    /// </code>
    /// </summary>
    public static byte[]? ConfigRecord(ReadOnlySpan<byte> sequenceHeaderObu)
    {
        if (!Av1SequenceHeader.TryParse(sequenceHeaderObu, out var header))
        {
            return null;
        }

        var record = new byte[ConfigRecordHeaderSize + sequenceHeaderObu.Length];
        record[0] = 0x81; // marker, version 1
        record[1] = (byte)((header.Profile << 5) | header.Level);
        record[2] = (byte)((header.Tier << 7) | (header.BitDepth > 8 ? 0x40 : 0) | (header.BitDepth == 12 ? 0x20 : 0)
            | (header.Monochrome ? 0x10 : 0) | (header.SubsamplingX ? 0x08 : 0) | (header.SubsamplingY ? 0x04 : 0) | header.ChromaSamplePosition);
        record[3] = 0; // initial_presentation_delay_present = 0, as FFmpeg writes it
        sequenceHeaderObu.CopyTo(record.AsSpan(ConfigRecordHeaderSize));
        return record;
    }
}
