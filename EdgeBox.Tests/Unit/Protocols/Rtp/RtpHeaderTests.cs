using EdgeBox.Protocols.Rtp;

namespace EdgeBox.Tests.Unit.Protocols.Rtp;

/// <summary>Packets built byte by byte from the diagrams of RFC 3550 §5.1 / §5.3.1 and RFC 8285 §4.2–4.3.</summary>
public sealed class RtpHeaderTests
{
    // V=2 P=0 X=0 CC=0 | M=0 PT=96 | seq 0x1234 | ts 123456 | SSRC 0xDEADBEEF | payload "abc"
    private static readonly byte[] Plain = [0x80, 0x60, 0x12, 0x34, 0x00, 0x01, 0xE2, 0x40, 0xDE, 0xAD, 0xBE, 0xEF, (byte)'a', (byte)'b', (byte)'c'];

    // V=2 P=1 X=1 CC=2 | M=1 PT=0 | seq 65535 | ts 0xFFFFFFFF | SSRC 1 | CSRC 0x0A0B0C0D, 0x01020304
    // | extension profile 0x1234, 1 word: 0xCAFEBABE | payload 0x55 0x66 | padding 00 00 03
    private static readonly byte[] Everything =
    [
        0xB2, 0x80, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x01,
        0x0A, 0x0B, 0x0C, 0x0D, 0x01, 0x02, 0x03, 0x04,
        0x12, 0x34, 0x00, 0x01, 0xCA, 0xFE, 0xBA, 0xBE,
        0x55, 0x66, 0x00, 0x00, 0x03,
    ];

    [Fact]
    public void Parses_the_fixed_header()
    {
        Assert.True(RtpHeader.TryParse(Plain, out var header, out int offset, out int length));
        Assert.Equal(96, header.PayloadType);
        Assert.False(header.Marker);
        Assert.False(header.Padding);
        Assert.False(header.Extension);
        Assert.Equal(0, header.CsrcCount);
        Assert.Equal(0x1234, header.SequenceNumber);
        Assert.Equal(123456u, header.Timestamp);
        Assert.Equal(0xDEADBEEFu, header.Ssrc);
        Assert.Equal((12, 3), (offset, length));
        Assert.Equal(12, header.Size);
    }

    [Fact]
    public void Skips_csrcs_and_extension_and_strips_padding()
    {
        Assert.True(RtpHeader.TryParse(Everything, out var header, out int offset, out int length));
        Assert.True(header.Marker);
        Assert.True(header.Padding);
        Assert.True(header.Extension);
        Assert.Equal(0, header.PayloadType);
        Assert.Equal(65535, header.SequenceNumber);
        Assert.Equal(uint.MaxValue, header.Timestamp);
        Assert.Equal(1u, header.Ssrc);
        Assert.Equal(2, header.CsrcCount);
        Assert.Equal(0x0A0B0C0Du, header.GetCsrc(Everything, 0));
        Assert.Equal(0x01020304u, header.GetCsrc(Everything, 1));
        Assert.Equal(0x1234, header.ExtensionProfile);
        Assert.Equal([0xCA, 0xFE, 0xBA, 0xBE], header.GetExtension(Everything).ToArray());
        Assert.Equal(28, header.Size);
        Assert.Equal((28, 2), (offset, length));
    }

    [Fact]
    public void Reads_rfc8285_one_byte_elements()
    {
        // 0xBEDE, 2 words: ID 1 L=0 [AA], a padding byte, ID 2 L=1 [BB CC], ID 15 (stop) then junk.
        byte[] packet = [0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xBE, 0xDE, 0x00, 0x02, 0x10, 0xAA, 0x00, 0x21, 0xBB, 0xCC, 0xF0, 0x77, 0x99];
        Assert.True(RtpHeader.TryParse(packet, out var header, out int offset, out int length));
        Assert.Equal((24, 1), (offset, length));
        var reader = new RtpHeaderExtensionReader(header.ExtensionProfile, header.GetExtension(packet));
        Assert.True(reader.IsRfc8285);
        Assert.True(reader.TryReadNext(out byte id, out var value));
        Assert.Equal(1, id);
        Assert.Equal([0xAA], value.ToArray());
        Assert.True(reader.TryReadNext(out id, out value));
        Assert.Equal(2, id);
        Assert.Equal([0xBB, 0xCC], value.ToArray());
        Assert.False(reader.TryReadNext(out _, out _));
        Assert.False(reader.Malformed);
    }

    [Fact]
    public void Reads_rfc8285_two_byte_elements()
    {
        // 0x1000, 2 words: ID 1 length 0, ID 2 length 2 [BB CC], two padding bytes.
        byte[] packet = [0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0x10, 0x00, 0x00, 0x02, 0x01, 0x00, 0x02, 0x02, 0xBB, 0xCC, 0x00, 0x00, 0x99];
        Assert.True(RtpHeader.TryParse(packet, out var header, out int offset, out _));
        Assert.Equal(24, offset);
        var reader = new RtpHeaderExtensionReader(header.ExtensionProfile, header.GetExtension(packet));
        Assert.True(reader.TryReadNext(out byte id, out var value));
        Assert.Equal((1, 0), (id, value.Length));
        Assert.True(reader.TryReadNext(out id, out value));
        Assert.Equal(2, id);
        Assert.Equal([0xBB, 0xCC], value.ToArray());
        Assert.False(reader.TryReadNext(out _, out _));
        Assert.False(reader.Malformed);
    }

    [Fact]
    public void An_rfc8285_element_running_past_the_extension_is_malformed()
    {
        byte[] extension = [0x13, 0xAA, 0xBB, 0x00]; // ID 1 claims 4 bytes, 3 remain
        var reader = new RtpHeaderExtensionReader(RtpHeaderExtensionReader.OneByteProfile, extension);
        Assert.False(reader.TryReadNext(out _, out _));
        Assert.True(reader.Malformed);
    }

    [Fact]
    public void Every_prefix_shorter_than_the_header_is_rejected()
    {
        for (int length = 0; length < 28; length++)
        {
            Assert.False(RtpHeader.TryParse(Everything.AsSpan(0, length), out _, out _, out _), $"prefix of {length} bytes");
        }
    }

    public static TheoryData<string, byte[]> Invalid => new()
    {
        { "version 1", [0x40, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xAA] },
        { "version 3", [0xC0, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xAA] },
        { "CSRC count past the end", [0x8F, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2] },
        { "extension header cut", [0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xBE, 0xDE] },
        { "extension length past the end", [0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xBE, 0xDE, 0x00, 0x02, 0x10, 0xAA, 0, 0] },
        { "padding count 0", [0xA0, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xAA, 0x00] },
        { "padding larger than the payload", [0xA0, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xAA, 0x03] },
        { "padding bit with no payload", [0xA0, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1] },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Rejects(string why, byte[] packet)
    {
        Assert.False(RtpHeader.TryParse(packet, out _, out _, out _), why);
    }

    [Fact]
    public void Padding_may_be_the_whole_payload()
    {
        byte[] packet = [0xA0, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0x00, 0x00, 0x03];
        Assert.True(RtpHeader.TryParse(packet, out _, out int offset, out int length));
        Assert.Equal((12, 0), (offset, length));
    }

    [Fact]
    public void Writes_the_fixed_header_byte_exact()
    {
        var header = new RtpHeader(96, 0x1234, 123456, 0xDEADBEEF, marker: true);
        var buffer = new byte[12];
        Assert.Equal(12, header.Write(buffer));
        Assert.Equal([0x80, 0xE0, 0x12, 0x34, 0x00, 0x01, 0xE2, 0x40, 0xDE, 0xAD, 0xBE, 0xEF], buffer);
        Assert.Throws<ArgumentOutOfRangeException>(() => header.Write(new byte[11]));
    }

    [Fact]
    public void Write_then_parse_round_trips()
    {
        var buffer = new byte[12];
        new RtpHeader(127, 65535, uint.MaxValue, 42).Write(buffer);
        Assert.True(RtpHeader.TryParse(buffer, out var header, out _, out int length));
        Assert.Equal((127, 65535, uint.MaxValue, 42u, false, 0), (header.PayloadType, header.SequenceNumber, header.Timestamp, header.Ssrc, header.Marker, length));

        // A parsed header written again keeps its fields but drops the CSRC list and extension.
        Assert.True(RtpHeader.TryParse(Everything, out var full, out _, out _));
        full.Write(buffer);
        Assert.Equal([0x80, 0x80, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x01], buffer);
    }

    [Fact]
    public void Parses_a_real_gstreamer_packet()
    {
        var first = RtpTestMedia.ReadCapture("h264.gst.rtp")[0];
        Assert.True(RtpHeader.TryParse(first, out var header, out int offset, out int length));
        Assert.Equal((96, 65530, 0x11223344u), (header.PayloadType, header.SequenceNumber, header.Ssrc));
        Assert.Equal((12, first.Length - 12), (offset, length));
    }
}
