using EdgeBox.Media.Codecs;

namespace EdgeBox.Tests.Unit.Media.Codecs;

public sealed class BitReaderTests
{
    [Fact]
    public void Reads_fields_across_byte_boundaries()
    {
        // 101 0110001010 0 1 1111111110000000000010010001101 00
        var r = new BitReader([0b1010_1100, 0b0101_0011, 0xFF, 0x00, 0x12, 0x34]);
        Assert.Equal(0b101u, r.ReadBits(3));
        Assert.Equal(0b0110001010u, r.ReadBits(10));
        Assert.False(r.ReadFlag());
        Assert.True(r.ReadFlag());
        Assert.Equal(0b1111111110000000000010010001101u, r.ReadBits(31));
        Assert.Equal(2, r.BitsRemaining);
        Assert.False(r.Overflowed);
        Assert.Equal(0u, r.ReadBits(2));
        Assert.Equal(0, r.BitsRemaining);
        Assert.Equal(48, r.Position);
    }

    [Fact]
    public void Reads_32_and_48_bit_fields()
    {
        var r = new BitReader([0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x23, 0x45, 0x67, 0x89, 0xAB]);
        Assert.Equal(0xDEADBEEFu, r.ReadBits(32));
        Assert.Equal(0x0123456789ABUL, r.ReadBitsLong(48));
        Assert.False(r.Overflowed);

        var odd = new BitReader([0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
        odd.Skip(3);
        Assert.Equal(0xFFFFFFFFu, odd.ReadBits(32));
        Assert.Equal(5, odd.BitsRemaining);
    }

    /// <summary>H.264 Table 9-2 / 9-3: Exp-Golomb bit strings and their ue(v) and se(v) values.</summary>
    [Theory]
    [InlineData("1", 0u, 0)]
    [InlineData("010", 1u, 1)]
    [InlineData("011", 2u, -1)]
    [InlineData("00100", 3u, 2)]
    [InlineData("00101", 4u, -2)]
    [InlineData("00110", 5u, 3)]
    [InlineData("00111", 6u, -3)]
    [InlineData("0001000", 7u, 4)]
    [InlineData("000010001", 16u, -8)]
    public void Reads_exp_golomb_codes(string bits, uint ue, int se)
    {
        var data = Pack(bits);
        var r = new BitReader(data);
        Assert.Equal(ue, r.ReadUe());
        Assert.Equal(bits.Length, r.Position);
        var s = new BitReader(data);
        Assert.Equal(se, s.ReadSe());
        Assert.False(r.Overflowed || s.Overflowed);
    }

    [Fact]
    public void The_longest_exp_golomb_code_is_31_zeros()
    {
        // 31 zeros, 1, 31 ones: 2^32 - 2, the largest ue(v) H.264 and H.265 allow.
        var max = new BitReader(Pack(new string('0', 31) + "1" + new string('1', 31)));
        Assert.Equal(uint.MaxValue - 1, max.ReadUe());
        Assert.False(max.Overflowed);

        var se = new BitReader(Pack(new string('0', 31) + "1" + new string('1', 31)));
        Assert.Equal(-int.MaxValue, se.ReadSe());

        var tooLong = new BitReader(Pack(new string('0', 32) + "1" + new string('0', 32)));
        Assert.Equal(0u, tooLong.ReadUe());
        Assert.True(tooLong.Overflowed);
    }

    [Fact]
    public void Overflow_is_sticky_and_reads_zero()
    {
        var r = new BitReader([0xFF]);
        Assert.Equal(0x7Fu, r.ReadBits(7));
        Assert.Equal(0u, r.ReadBits(2));
        Assert.True(r.Overflowed);
        Assert.Equal(0, r.BitsRemaining);
        Assert.Equal(0u, r.ReadUe());
        Assert.False(r.ReadFlag());
        Assert.True(r.Overflowed);

        var zeros = new BitReader([0, 0]);
        Assert.False(zeros.TryReadUe(out _)); // no terminating 1
        var empty = new BitReader([]);
        Assert.False(empty.TryReadBits(1, out _));
        Assert.True(new BitReader([]).ReadBits(0) == 0);

        var skip = new BitReader([1, 2]);
        skip.Skip(17);
        Assert.True(skip.Overflowed);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BitReader([1]).ReadBits(33));
    }

    [Fact]
    public void Peeks_and_aligns()
    {
        var r = new BitReader([0b1100_0000, 0xAB]);
        Assert.Equal(0b11u, r.PeekBits(2));
        Assert.Equal(0, r.Position);
        r.Skip(1);
        Assert.False(r.IsByteAligned);
        r.AlignToByte();
        Assert.True(r.IsByteAligned);
        Assert.Equal(0xABu, r.ReadBits(8));
        Assert.Equal(0u, r.PeekBits(1)); // past the end: 0, and no overflow
        Assert.False(r.Overflowed);
    }

    [Fact]
    public void Writer_round_trips_through_reader()
    {
        var buffer = new byte[8];
        var w = new BitWriter(buffer);
        w.WriteBits(0b101, 3);
        w.WriteBits(0xDEADBEEF, 32);
        w.WriteFlag(true);
        w.AlignToByte();
        Assert.Equal(40, w.Position);
        Assert.Equal(5, w.BytesWritten);
        var r = new BitReader(buffer);
        Assert.Equal(0b101u, r.ReadBits(3));
        Assert.Equal(0xDEADBEEFu, r.ReadBits(32));
        Assert.True(r.ReadFlag());

        var small = new BitWriter(new byte[1]);
        small.WriteBits(0, 9);
        Assert.True(small.Overflowed);
    }

    [Theory]
    [InlineData("000003", "0000")]
    [InlineData("00000301", "000001")]
    [InlineData("0000030000030000", "000000000000")] // the zero run restarts after each removed byte
    [InlineData("00000303", "000003")] // a 0x03 after an emulation prevention byte stays
    [InlineData("000300000003", "0003000000")] // 00 03 is not a pattern
    [InlineData("67640028ac", "67640028ac")]
    [InlineData("", "")]
    public void Removes_emulation_prevention_bytes(string source, string expected)
    {
        var src = Convert.FromHexString(source);
        var dst = new byte[src.Length];
        int length = EmulationPrevention.Remove(src, dst);
        Assert.Equal(expected, Convert.ToHexStringLower(dst.AsSpan(0, length)));
        Assert.Equal(source == expected, EmulationPrevention.IsAbsent(src));

        // In place: same result in the same buffer.
        length = EmulationPrevention.Remove(src, src);
        Assert.Equal(expected, Convert.ToHexStringLower(src.AsSpan(0, length)));
    }

    [Fact]
    public void Emulation_prevention_needs_a_destination_as_long_as_the_source()
    {
        Assert.Throws<ArgumentException>(() => EmulationPrevention.Remove(new byte[4], new byte[3]));
    }

    private static byte[] Pack(string bits)
    {
        var bytes = new byte[(bits.Length + 7) / 8];
        for (int i = 0; i < bits.Length; i++)
        {
            if (bits[i] == '1')
            {
                bytes[i / 8] |= (byte)(0x80 >> (i % 8));
            }
        }

        return bytes;
    }
}
