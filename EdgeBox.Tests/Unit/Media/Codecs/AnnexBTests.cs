using System.Buffers;
using EdgeBox.Media.Codecs;

namespace EdgeBox.Tests.Unit.Media.Codecs;

public sealed class AnnexBTests
{
    private static List<byte[]> Nals(ReadOnlySpan<byte> stream)
    {
        var list = new List<byte[]>();
        foreach (var nal in AnnexB.Enumerate(stream))
        {
            list.Add(nal.ToArray());
        }

        return list;
    }

    private static List<byte[]> LengthPrefixedNals(ReadOnlySpan<byte> data)
    {
        var list = new List<byte[]>();
        var nals = LengthPrefixed.Enumerate(data);
        while (nals.MoveNext())
        {
            list.Add(nals.Current.ToArray());
        }

        Assert.False(nals.Invalid);
        return list;
    }

    [Fact]
    public void Splits_on_three_and_four_byte_start_codes()
    {
        byte[] stream = [0, 0, 0, 1, 0x67, 0x42, 0, 0, 1, 0x68, 0xce, 0, 0, 0, 1, 0x65, 0x88, 0x80];
        var nals = Nals(stream);
        Assert.Equal(3, nals.Count);
        Assert.Equal([0x67, 0x42], nals[0]);
        Assert.Equal([0x68, 0xce], nals[1]); // the 4-byte start code's zero is not part of the PPS
        Assert.Equal([0x65, 0x88, 0x80], nals[2]);
        Assert.Equal(4, AnnexB.StartCodeLength(stream));
        Assert.Equal(3, AnnexB.StartCodeLength(stream.AsSpan(1)));
        Assert.Equal(0, AnnexB.StartCodeLength(stream.AsSpan(4)));
    }

    [Fact]
    public void Skips_leading_garbage_trailing_zeros_and_empty_units()
    {
        byte[] stream = [0x12, 0x34, 0, 0, 1, 0x09, 0xf0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0x41, 0x9a, 0, 0, 3, 0, 0, 0];
        var e = AnnexB.Enumerate(stream);
        Assert.True(e.MoveNext());
        Assert.Equal([0x09, 0xf0], e.Current.ToArray());
        Assert.Equal(5, e.CurrentOffset);
        Assert.True(e.MoveNext());
        // A unit ending in 0x000003 (cabac_zero_words) keeps it; the zeros after belong to no unit.
        Assert.Equal([0x41, 0x9a, 0, 0, 3], e.Current.ToArray());
        Assert.Equal(16, e.CurrentOffset);
        Assert.False(e.MoveNext());
        Assert.Equal(2, AnnexB.Count(stream));
    }

    [Fact]
    public void Data_without_a_start_code_has_no_units()
    {
        Assert.Equal(0, AnnexB.Count([0x67, 0x42, 0, 0x1e]));
        Assert.Equal(0, AnnexB.Count([]));
        Assert.Equal(0, AnnexB.Count([0, 0, 1]));
        Assert.Equal(0, AnnexB.Count([0, 0, 0, 1, 0, 0, 0]));
        Assert.Equal(0, AnnexB.GetLengthPrefixedSize([0, 0, 1]));
    }

    [Fact]
    public void Converts_both_ways_between_forms()
    {
        byte[] annexB = [0, 0, 1, 0x67, 0x42, 0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80];
        byte[] expected = [0, 0, 0, 2, 0x67, 0x42, 0, 0, 0, 4, 0x68, 0xce, 0x3c, 0x80];
        Assert.Equal(expected.Length, AnnexB.GetLengthPrefixedSize(annexB));
        var buffer = new byte[expected.Length];
        Assert.True(AnnexB.TryToLengthPrefixed(annexB, buffer, out int written));
        Assert.Equal(expected, buffer.AsSpan(0, written).ToArray());
        Assert.False(AnnexB.TryToLengthPrefixed(annexB, new byte[expected.Length - 1], out _));

        var writer = new ArrayBufferWriter<byte>();
        Assert.Equal(expected.Length, AnnexB.ToLengthPrefixed(annexB, writer));
        Assert.Equal(expected, writer.WrittenSpan.ToArray());

        byte[] back = new byte[LengthPrefixed.GetAnnexBSize(expected)];
        Assert.True(LengthPrefixed.TryToAnnexB(expected, back, out written));
        Assert.Equal([0, 0, 0, 1, 0x67, 0x42, 0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80], back.AsSpan(0, written).ToArray());
        Assert.False(LengthPrefixed.TryToAnnexB(expected, new byte[back.Length - 1], out _));

        var inPlace = (byte[])expected.Clone();
        Assert.True(LengthPrefixed.TryToAnnexBInPlace(inPlace));
        Assert.Equal(back, inPlace);
    }

    /// <summary>A libx264 stream (ffmpeg 5.1, h264_mp4toannexb): 4-byte start codes before SPS, PPS, SEI and IDR, 3-byte ones between the P slices.</summary>
    [Theory]
    [InlineData("h264_320x240_baseline.h264", false, new[] { 7, 8, 6, 5, 1, 1 })]
    [InlineData("h265_320x240_main.h265", true, new[] { 32, 33, 34, 39, 20, 1, 0 })]
    public void Round_trips_a_real_stream(string file, bool hevc, int[] types)
    {
        var stream = CodecTestData.Read(file);
        var nals = Nals(stream);
        Assert.Equal(types, nals.Select(n => hevc ? (n[0] >> 1) & 0x3F : n[0] & 0x1F).ToArray());
        int threeByteStartCodes = CountOf(stream, [0, 0, 1]) - CountOf(stream, [0, 0, 0, 1]);
        Assert.Equal(stream.Length - (4 * types.Length) + threeByteStartCodes, nals.Sum(n => n.Length));

        var writer = new ArrayBufferWriter<byte>();
        int size = AnnexB.ToLengthPrefixed(stream, writer);
        var canonical = writer.WrittenSpan.ToArray();
        Assert.Equal(stream.Length + threeByteStartCodes, size);
        Assert.True(LengthPrefixed.IsValid(canonical));
        Assert.Equal(types.Length, LengthPrefixed.Count(canonical));
        Assert.Equal(nals, LengthPrefixedNals(canonical));

        var annexB = new ArrayBufferWriter<byte>();
        Assert.True(LengthPrefixed.TryToAnnexB(canonical, annexB, out int written));
        Assert.Equal(size, written); // 4-byte start codes take the place of 4-byte lengths
        Assert.Equal(nals, Nals(annexB.WrittenSpan));
        var again = new byte[size];
        Assert.True(AnnexB.TryToLengthPrefixed(annexB.WrittenSpan, again, out written));
        Assert.Equal(canonical, again.AsSpan(0, written).ToArray());

        var inPlace = (byte[])canonical.Clone();
        Assert.True(LengthPrefixed.TryToAnnexBInPlace(inPlace));
        Assert.Equal(annexB.WrittenSpan.ToArray(), inPlace);
    }

    [Fact]
    public void Keyframes_are_access_units_with_an_idr_or_irap_slice()
    {
        var h264 = Canonical(CodecTestData.Read("h264_320x240_baseline.h264"));
        Assert.True(H264.IsKeyframe(h264));
        Assert.True(H264.Contains(h264, H264.NalSps));
        var pSlice = LengthPrefixedOf(Nals(CodecTestData.Read("h264_320x240_baseline.h264"))[^1]);
        Assert.False(H264.IsKeyframe(pSlice));

        var h265Nals = Nals(CodecTestData.Read("h265_320x240_main.h265"));
        Assert.True(H265.IsKeyframe(LengthPrefixedOf(h265Nals[4]))); // IDR_N_LP
        Assert.False(H265.IsKeyframe(LengthPrefixedOf(h265Nals[5]))); // TRAIL_R
        Assert.False(H265.IsKeyframe(LengthPrefixedOf(h265Nals[0], h265Nals[1], h265Nals[2]))); // parameter sets alone
        Assert.True(H265.Contains(Canonical(CodecTestData.Read("h265_320x240_main.h265")), H265.NalSeiPrefix));

        Assert.True(H264.IsParameterSet(H264.NalSps));
        Assert.True(H264.IsParameterSet(H264.NalPps));
        Assert.False(H264.IsParameterSet(H264.NalIdr));
        Assert.False(H264.IsParameterSet(H264.NalSei));
        Assert.Equal(5, H264.NalType((byte)0x65));
        Assert.Equal(3, H264.NalRefIdc(0x65));
    }

    [Fact]
    public void Malformed_length_prefixed_data_is_invalid_not_an_exception()
    {
        byte[] overrun = [0, 0, 0, 2, 0x67, 0x42, 0, 0, 0, 9, 0x68, 0xce];
        var e = LengthPrefixed.Enumerate(overrun);
        Assert.True(e.MoveNext());
        Assert.Equal([0x67, 0x42], e.Current.ToArray());
        Assert.Equal(4, e.CurrentOffset);
        Assert.False(e.MoveNext());
        Assert.True(e.Invalid);
        Assert.False(e.MoveNext());

        Assert.False(LengthPrefixed.IsValid(overrun));
        Assert.Equal(-1, LengthPrefixed.Count(overrun));
        Assert.Equal(-1, LengthPrefixed.GetAnnexBSize(overrun));
        Assert.False(LengthPrefixed.TryToAnnexB(overrun, new byte[64], out _));
        Assert.False(LengthPrefixed.TryToAnnexB(overrun, new ArrayBufferWriter<byte>(), out _));
        var copy = (byte[])overrun.Clone();
        Assert.False(LengthPrefixed.TryToAnnexBInPlace(copy));
        Assert.Equal(overrun, copy); // nothing changed

        Assert.False(LengthPrefixed.IsValid([0, 0, 0, 0])); // zero length
        Assert.False(LengthPrefixed.IsValid([0, 0, 1])); // a prefix cut short
        Assert.False(LengthPrefixed.IsValid([0xff, 0xff, 0xff, 0xff, 0x65])); // 4 GiB
        Assert.False(LengthPrefixed.IsValid([]));
        Assert.Equal(0, LengthPrefixed.Count([]));
        Assert.False(H264.IsKeyframe([0, 0, 0, 9, 0x65]));
        Assert.False(H265.IsKeyframe([0, 0, 0, 9, 0x26, 0x01]));
    }

    [Fact]
    public void Reads_one_and_two_byte_lengths()
    {
        Assert.Equal(2, LengthPrefixed.Count([2, 0x67, 0x42, 1, 0x68], lengthSize: 1));
        Assert.Equal(2, LengthPrefixed.Count([0, 2, 0x67, 0x42, 0, 1, 0x68], lengthSize: 2));
        var annexB = new byte[11];
        Assert.True(LengthPrefixed.TryToAnnexB([0, 2, 0x67, 0x42, 0, 1, 0x68], annexB, out int written, lengthSize: 2));
        Assert.Equal(11, written);
        Assert.Equal([0, 0, 0, 1, 0x67, 0x42, 0, 0, 0, 1, 0x68], annexB);
        Assert.Throws<ArgumentOutOfRangeException>(() => LengthPrefixed.Count([], lengthSize: 3));
    }

    private static int CountOf(byte[] data, byte[] pattern) => data.AsSpan().Count(pattern.AsSpan());

    private static byte[] Canonical(byte[] annexB)
    {
        var writer = new ArrayBufferWriter<byte>();
        AnnexB.ToLengthPrefixed(annexB, writer);
        return writer.WrittenSpan.ToArray();
    }

    private static byte[] LengthPrefixedOf(params byte[][] nals)
    {
        var writer = new ArrayBufferWriter<byte>();
        foreach (var nal in nals)
        {
            var span = writer.GetSpan(nal.Length + 4);
            Assert.True(LengthPrefixed.TryWrite(nal, span, out int written));
            writer.Advance(written);
        }

        return writer.WrittenSpan.ToArray();
    }
}
