using System.Buffers.Binary;
using System.Text;

namespace EdgeBox.Tests.Unit.Formats.Mp4;

/// <summary>A box found by <see cref="TestBoxes"/>: its path from the top ("moov/trak/mdia/mdhd"), where it starts, and its content.</summary>
internal sealed record TestBox(string Path, int Offset, byte[] Content)
{
    public uint UInt32At(int offset) => BinaryPrimitives.ReadUInt32BigEndian(Content.AsSpan(offset));

    public ulong UInt64At(int offset) => BinaryPrimitives.ReadUInt64BigEndian(Content.AsSpan(offset));

    /// <summary>A FullBox's version and flags.</summary>
    public (int Version, uint Flags) Full => (Content[0], UInt32At(0) & 0xFFFFFF);
}

/// <summary>A box walker of the tests' own (32-bit sizes, the containers EdgeBox writes), so tests do not read files with the code under test.</summary>
internal static class TestBoxes
{
    private static readonly HashSet<string> Containers = ["moov", "trak", "mdia", "minf", "dinf", "stbl", "edts", "mvex", "moof", "traf"];

    public static List<TestBox> All(ReadOnlySpan<byte> data)
    {
        var boxes = new List<TestBox>();
        Walk(data, 0, "", boxes);
        return boxes;
    }

    public static List<TestBox> Find(ReadOnlySpan<byte> data, string path) => All(data).FindAll(b => b.Path == path);

    public static TestBox Single(ReadOnlySpan<byte> data, string path) => Assert.Single(Find(data, path));

    /// <summary>The boxes inside a sample entry, after its fixed fields (78 bytes for a visual entry, 28 for audio).</summary>
    public static List<TestBox> EntryChildren(TestBox entry, bool visual)
    {
        var boxes = new List<TestBox>();
        Walk(entry.Content.AsSpan(visual ? 78 : 28), 0, "", boxes);
        return boxes;
    }

    /// <summary>The top-level and nested box types in order, e.g. "ftyp moov moov/mvhd ...".</summary>
    public static string Layout(ReadOnlySpan<byte> data) => string.Join(' ', All(data).Select(b => b.Path));

    private static void Walk(ReadOnlySpan<byte> data, int baseOffset, string parent, List<TestBox> boxes)
    {
        for (int offset = 0; offset + 8 <= data.Length;)
        {
            int size = (int)BinaryPrimitives.ReadUInt32BigEndian(data[offset..]);
            string type = Encoding.ASCII.GetString(data.Slice(offset + 4, 4));
            if (type == "mdat")
            {
                size = Math.Min(size, data.Length - offset); // a fragment's header written without its samples
            }

            Assert.InRange(size, 8, data.Length - offset);
            string path = parent.Length == 0 ? type : parent + "/" + type;
            var content = data.Slice(offset + 8, size - 8);
            boxes.Add(new TestBox(path, baseOffset + offset, content.ToArray()));
            if (Containers.Contains(type))
            {
                Walk(content, baseOffset + offset + 8, path, boxes);
            }
            else if (type == "stsd")
            {
                Walk(content[8..], baseOffset + offset + 16, path, boxes); // version, flags, entry_count, then the entries
            }

            offset += size;
        }
    }
}
