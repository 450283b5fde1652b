using System.Buffers;
using System.Buffers.Binary;
using EdgeBox.Codecs;
using EdgeBox.Media;
using EdgeBox.Protocols.Rtp;
using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Unit.Protocols.Rtp;

/// <summary>
/// The media in TestData/Rtp (made by its generate.sh with ffmpeg and GStreamer) in the forms the tests
/// need, converted by small readers written here so the tests do not lean on the code under test.
/// </summary>
internal static class RtpTestMedia
{
    public static string PathOf(string name) => Path.Combine(RepoPaths.Root, "EdgeBox.Tests", "TestData", "Rtp", name);

    /// <summary>Packets of an RFC 4571 framed capture (2-byte big-endian length, packet).</summary>
    public static List<byte[]> ReadCapture(string name) => ReadFramed(PathOf(name));

    /// <summary>Packets of an RFC 4571 framed file, as GStreamer's rtpstreampay writes them.</summary>
    public static List<byte[]> ReadFramed(string path)
    {
        var data = File.ReadAllBytes(path);
        var packets = new List<byte[]>();
        for (int offset = 0; offset < data.Length;)
        {
            int length = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(offset));
            packets.Add(data.AsSpan(offset + 2, length).ToArray());
            offset += 2 + length;
        }

        return packets;
    }

    /// <summary>
    /// The access units of an Annex-B file made with access unit delimiters (H.264 type 9, H.265 type 35),
    /// each as 4-byte length-prefixed NAL units: the canonical form.
    /// </summary>
    public static List<byte[]> ReadAnnexBAccessUnits(string name, bool h265)
    {
        var units = new List<byte[]>();
        var current = new MemoryStream();
        foreach (var nal in SplitAnnexB(File.ReadAllBytes(PathOf(name))))
        {
            int type = h265 ? (nal[0] >> 1) & 0x3F : nal[0] & 0x1F;
            if (type == (h265 ? 35 : 9) && current.Length > 0)
            {
                units.Add(current.ToArray());
                current.SetLength(0);
            }

            current.Write(LengthPrefixed(nal));
        }

        if (current.Length > 0)
        {
            units.Add(current.ToArray());
        }

        return units;
    }

    /// <summary>NAL units between 00 00 01 start codes, without the zero bytes that pad before a 4-byte start code.</summary>
    public static List<byte[]> SplitAnnexB(ReadOnlySpan<byte> data)
    {
        var nals = new List<byte[]>();
        int start = -1;
        for (int i = 0; i + 2 < data.Length; i++)
        {
            if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1)
            {
                if (start >= 0)
                {
                    nals.Add(TrimZeros(data[start..i]).ToArray());
                }

                start = i + 3;
                i += 2;
            }
        }

        if (start >= 0)
        {
            nals.Add(TrimZeros(data[start..]).ToArray());
        }

        return nals;
    }

    /// <summary>The raw AAC frames of an ADTS file (headers removed).</summary>
    public static List<byte[]> ReadAdtsFrames(string name)
    {
        var data = File.ReadAllBytes(PathOf(name));
        var frames = new List<byte[]>();
        for (int offset = 0; offset + 7 <= data.Length;)
        {
            Assert.True(data[offset] == 0xFF && (data[offset + 1] & 0xF0) == 0xF0, "ADTS sync word");
            int headerLength = (data[offset + 1] & 1) != 0 ? 7 : 9; // protection_absent
            int frameLength = ((data[offset + 3] & 3) << 11) | (data[offset + 4] << 3) | (data[offset + 5] >> 5);
            frames.Add(data.AsSpan(offset + headerLength, frameLength - headerLength).ToArray());
            offset += frameLength;
        }

        return frames;
    }

    /// <summary>The frames of an IVF file in TestData/Rtp (VP8 and VP9 in canonical form).</summary>
    public static List<byte[]> ReadIvfFrames(string name) => Media.Codecs.CodecTestData.IvfFrames(File.ReadAllBytes(PathOf(name)));

    /// <summary>The temporal units of an OBU stream in TestData/Rtp, temporal delimiters removed (AV1 canonical form).</summary>
    public static List<byte[]> ReadAv1TemporalUnits(string name) => Media.Codecs.CodecTestData.ObuTemporalUnits(File.ReadAllBytes(PathOf(name)));

    /// <summary>NAL unit types of a length-prefixed access unit.</summary>
    public static List<int> NalTypes(byte[] accessUnit, bool h265)
    {
        var types = new List<int>();
        for (int offset = 0; offset < accessUnit.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(accessUnit.AsSpan(offset));
            byte header = accessUnit[offset + 4];
            types.Add(h265 ? (header >> 1) & 0x3F : header & 0x1F);
            offset += 4 + length;
        }

        return types;
    }

    public static byte[] LengthPrefixed(params byte[][] nals)
    {
        var output = new MemoryStream();
        foreach (var nal in nals)
        {
            output.Write([(byte)(nal.Length >> 24), (byte)(nal.Length >> 16), (byte)(nal.Length >> 8), (byte)nal.Length]);
            output.Write(nal);
        }

        return output.ToArray();
    }

    private static ReadOnlySpan<byte> TrimZeros(ReadOnlySpan<byte> nal)
    {
        int end = nal.Length;
        while (end > 0 && nal[end - 1] == 0)
        {
            end--;
        }

        return nal[..end];
    }
}

/// <summary>Collects what a depacketizer emits, copied.</summary>
internal sealed class CollectingSink : IAccessUnitSink
{
    public List<(uint Timestamp, bool Keyframe, byte[] Payload)> Units { get; } = [];

    public List<byte[]> Payloads => Units.ConvertAll(u => u.Payload);

    public void OnAccessUnit(uint rtpTimestamp, bool keyframe, ReadOnlySpan<byte> payload) =>
        Units.Add((rtpTimestamp, keyframe, payload.ToArray()));
}

/// <summary>Collects what a packetizer writes, copied, and can feed it to a depacketizer.</summary>
internal sealed class PacketCollector : IRtpPacketSink
{
    public List<byte[]> Packets { get; } = [];

    public void OnRtpPacket(ReadOnlySpan<byte> packet) => Packets.Add(packet.ToArray());

    public static void Feed(IEnumerable<byte[]> packets, IRtpDepacketizer depacketizer, IAccessUnitSink sink)
    {
        foreach (var packet in packets)
        {
            Assert.True(RtpHeader.TryParse(packet, out var header, out int offset, out int length));
            depacketizer.Push(header, packet.AsSpan(offset, length), sink);
        }
    }

    public static RtpHeader Header(byte[] packet)
    {
        Assert.True(RtpHeader.TryParse(packet, out var header, out _, out _));
        return header;
    }
}

/// <summary>Feeds hand-made payloads to a depacketizer with consecutive sequence numbers unless told otherwise.</summary>
internal sealed class PayloadFeeder(IRtpDepacketizer depacketizer, ushort firstSequence = 1000)
{
    public CollectingSink Sink { get; } = new();

    public ushort NextSequence { get; set; } = firstSequence;

    public void Push(uint timestamp, bool marker, params byte[] payload)
    {
        var header = new RtpHeader(96, NextSequence++, timestamp, 0x1234, marker);
        depacketizer.Push(header, payload, Sink);
    }

    /// <summary>Pretends <paramref name="count"/> packets were lost.</summary>
    public void Lose(int count = 1) => NextSequence += (ushort)count;
}

/// <summary>A pool that knows which arrays are out, and fails on a double return.</summary>
internal sealed class TrackingPool : ArrayPool<byte>
{
    private readonly HashSet<byte[]> _out = new(ReferenceEqualityComparer.Instance);

    public int Outstanding => _out.Count;

    public override byte[] Rent(int minimumLength)
    {
        var array = new byte[minimumLength];
        _out.Add(array);
        return array;
    }

    public override void Return(byte[] array, bool clearArray = false) =>
        Assert.True(_out.Remove(array), "returned twice, or never rented");
}

/// <summary>Counts access units and packets, allocation-free.</summary>
internal sealed class CountingSinks : IAccessUnitSink, IRtpPacketSink
{
    public int Units { get; private set; }

    public int Packets { get; private set; }

    public void OnAccessUnit(uint rtpTimestamp, bool keyframe, ReadOnlySpan<byte> payload) => Units++;

    public void OnRtpPacket(ReadOnlySpan<byte> packet) => Packets++;
}

/// <summary>Shared steps of the VP8, VP9 and AV1 RTP tests.</summary>
internal static class RtpAllocation
{
    /// <summary>Decodes canonical units with EdgeBox's FFmpeg decoder for the track; returns the size of every picture out.</summary>
    public static List<(int Width, int Height)> Decode(MediaTrack track, IEnumerable<(uint Timestamp, bool Keyframe, byte[] Payload)> units)
    {
        var pool = new MediaBufferPool();
        using var decoder = Decoder.Open(track);
        using var frame = new MediaFrame();
        var pictures = new List<(int, int)>();
        foreach (var (timestamp, keyframe, payload) in units)
        {
            var buffer = pool.Rent(payload);
            Assert.True(decoder.Send(new AccessUnit(track.Index, timestamp, keyframe, buffer, 0)));
            buffer.Release();
            while (decoder.Receive(frame))
            {
                pictures.Add((frame.Info.Width, frame.Info.Height));
            }
        }

        decoder.Drain();
        while (decoder.Receive(frame))
        {
            pictures.Add((frame.Info.Width, frame.Info.Height));
        }

        return pictures;
    }

    /// <summary>
    /// Depacketizes <paramref name="packets"/> and runs <paramref name="packetize"/> once to warm up, then 50 more
    /// times each, and asserts those allocated nothing.
    /// </summary>
    public static void AssertNone(List<byte[]> packets, IRtpDepacketizer depacketizer, IAccessUnitSink sink, Action packetize)
    {
        var parsed = packets.ConvertAll(p =>
        {
            Assert.True(RtpHeader.TryParse(p, out var header, out int offset, out int length));
            return (header, offset, length);
        });
        void Round()
        {
            for (int i = 0; i < packets.Count; i++)
            {
                depacketizer.Push(parsed[i].header, packets[i].AsSpan(parsed[i].offset, parsed[i].length), sink);
            }

            depacketizer.Reset(); // the capture starts over: not a gap
            packetize();
        }

        Round();
        Assert.Equal(0, Allocations.FewestPerBatch(Round, 50, out _));
    }

    /// <summary>Index of the first packet of access unit <paramref name="unit"/> (units end at the marker bit).</summary>
    public static int FirstPacketOf(List<byte[]> packets, int unit)
    {
        int seen = 0;
        for (int i = 0; i < packets.Count; i++)
        {
            if (seen == unit)
            {
                return i;
            }

            if (PacketCollector.Header(packets[i]).Marker)
            {
                seen++;
            }
        }

        throw new InvalidOperationException("no such unit");
    }
}
