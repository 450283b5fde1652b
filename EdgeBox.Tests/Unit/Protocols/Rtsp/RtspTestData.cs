using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;

namespace EdgeBox.Tests.Unit.Protocols.Rtsp;

/// <summary>
/// The captures in <c>EdgeBox.Tests/TestData/Rtsp</c> (see its README) and helpers to feed them
/// to the parser. Files are read from the source tree, found by walking up from the test binary.
/// </summary>
internal static partial class RtspTestData
{
    private static readonly Lazy<string> Directory = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "EdgeBox.Tests", "TestData", "Rtsp");
            if (System.IO.Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("EdgeBox.Tests/TestData/Rtsp not found above " + AppContext.BaseDirectory);
    });

    public static byte[] Read(string name) => File.ReadAllBytes(Path.Combine(Directory.Value, name));

    /// <summary>
    /// Splits a capture into its items the simple way the capture listener does (a '$' frame by its
    /// length; a message up to the empty line plus Content-Length), independently of the parser.
    /// </summary>
    public static List<(bool Interleaved, byte[] Bytes)> Split(byte[] capture)
    {
        var items = new List<(bool, byte[])>();
        var position = 0;
        while (position < capture.Length)
        {
            if (capture[position] == (byte)'$')
            {
                var length = (capture[position + 2] << 8) | capture[position + 3];
                items.Add((true, capture[position..(position + 4 + length)]));
                position += 4 + length;
                continue;
            }

            var headEnd = capture.AsSpan(position).IndexOf("\r\n\r\n"u8) + 4;
            var head = Encoding.Latin1.GetString(capture, position, headEnd);
            var match = ContentLength().Match(head);
            var total = headEnd + (match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0);
            items.Add((false, capture[position..(position + total)]));
            position += total;
        }

        return items;
    }

    /// <summary>The bytes as a sequence of segments of the given sizes (cycled), to exercise multi-segment parsing.</summary>
    public static ReadOnlySequence<byte> Segmented(byte[] bytes, params int[] sizes)
    {
        if (bytes.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        Segment? first = null;
        Segment? last = null;
        var position = 0;
        var i = 0;
        while (position < bytes.Length)
        {
            var size = Math.Min(sizes[i++ % sizes.Length], bytes.Length - position);
            var memory = bytes.AsMemory(position, size).ToArray();
            if (first is null)
            {
                first = last = new Segment(memory, 0);
            }
            else
            {
                last = last!.Append(memory);
            }

            position += size;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    public static ReadOnlySequence<byte> Sequence(string text) => new(Encoding.UTF8.GetBytes(text));

    [GeneratedRegex(@"(?im)^content-length:\s*(\d+)")]
    private static partial Regex ContentLength();

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
