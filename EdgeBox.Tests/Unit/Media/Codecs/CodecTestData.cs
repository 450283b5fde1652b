using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Unit.Media.Codecs;

/// <summary>The sample streams in TestData/ (how each was made: TestData/README.md).</summary>
internal static class CodecTestData
{
    public static byte[] Read(string name) =>
        File.ReadAllBytes(Path.Combine(RepoPaths.Root, "EdgeBox.Tests", "Unit", "Media", "Codecs", "TestData", name));

    public static byte[] Hex(string hex) => Convert.FromHexString(hex);

    /// <summary>The frames of an IVF file: a 32-byte file header, then per frame a 4-byte little-endian size, an 8-byte timestamp and the frame.</summary>
    public static List<byte[]> IvfFrames(byte[] data)
    {
        Assert.Equal("DKIF"u8.ToArray(), data[..4]);
        var frames = new List<byte[]>();
        for (int offset = 32; offset < data.Length;)
        {
            int size = BitConverter.ToInt32(data, offset);
            frames.Add(data.AsSpan(offset + 12, size).ToArray());
            offset += 12 + size;
        }

        return frames;
    }

    /// <summary>
    /// The temporal units of a low overhead OBU stream (ffmpeg <c>-f obu</c>), split at and without their
    /// temporal delimiters: the canonical form. A reader of its own, so the tests do not lean on Av1Obu.
    /// </summary>
    public static List<byte[]> ObuTemporalUnits(byte[] data)
    {
        var units = new List<byte[]>();
        var current = new MemoryStream();
        for (int offset = 0; offset < data.Length;)
        {
            byte header = data[offset];
            Assert.True((header & 0x02) != 0, "ffmpeg writes every OBU with its size");
            int at = offset + 1 + ((header & 0x04) != 0 ? 1 : 0);
            int size = 0;
            for (int shift = 0; ; shift += 7)
            {
                byte b = data[at++];
                size |= (b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    break;
                }
            }

            int end = at + size;
            if (((header >> 3) & 0xF) == 2)
            {
                if (current.Length > 0)
                {
                    units.Add(current.ToArray());
                    current.SetLength(0);
                }
            }
            else
            {
                current.Write(data, offset, end - offset);
            }

            offset = end;
        }

        if (current.Length > 0)
        {
            units.Add(current.ToArray());
        }

        return units;
    }
}
