using System.Buffers.Binary;
using EdgeBox.Media.Codecs;

namespace EdgeBox.Bench.WebRtcLoad;

/// <summary>One access unit of the clip: its NAL units (no start codes, access unit delimiters dropped).</summary>
internal sealed record ClipUnit(byte[][] Nals, bool IsIdr)
{
    public int Size => Nals.Sum(n => n.Length + 4);
}

/// <summary>
/// An H.264 Annex-B file split into access units: a unit starts at an AUD, SPS, PPS or SEI after a slice,
/// or at a slice whose first_mb_in_slice is 0 (its ue(v) is the single bit 1) after a slice, so a
/// multi-slice picture (x264's sliced threads) stays one unit.
/// </summary>
internal sealed class H264Clip
{
    private H264Clip(List<ClipUnit> units) => Units = units;

    public IReadOnlyList<ClipUnit> Units { get; }

    public int MaxUnitSize => Units.Max(u => u.Size);

    public static H264Clip Load(string path)
    {
        byte[] data = File.ReadAllBytes(path);
        var units = new List<ClipUnit>();
        var current = new List<byte[]>();
        bool hasSlice = false, idr = false;
        foreach (var nal in AnnexB.Enumerate(data))
        {
            int type = H264.NalType(nal);
            bool firstSlice = H264.IsVcl(type) && nal.Length > 1 && (nal[1] & 0x80) != 0;
            if (hasSlice && (type is H264.NalAud or H264.NalSps or H264.NalPps or H264.NalSei || firstSlice))
            {
                units.Add(new ClipUnit([.. current], idr));
                current.Clear();
                hasSlice = idr = false;
            }

            if (type != H264.NalAud)
            {
                current.Add(nal.ToArray());
            }

            hasSlice |= H264.IsVcl(type);
            idr |= type == H264.NalIdr;
        }

        if (hasSlice)
        {
            units.Add(new ClipUnit([.. current], idr));
        }

        if (units.Count == 0 || !units[0].IsIdr)
        {
            throw new InvalidDataException($"{path}: no access units, or the first is not an IDR picture");
        }

        return new H264Clip(units);
    }

    /// <summary>The index of the next IDR unit at or after <paramref name="index"/>, wrapping to the start (which is one).</summary>
    public int NextIdr(int index)
    {
        for (int i = index; i < Units.Count; i++)
        {
            if (Units[i].IsIdr)
            {
                return i;
            }
        }

        return 0;
    }

    /// <summary>
    /// Writes the unit length-prefixed (EdgeBox's canonical H.264 form, what its packetizer takes) with a
    /// timestamp SEI (<see cref="TimestampSei"/>) before the first slice; returns the length.
    /// </summary>
    public static int WriteWithTimestamp(ClipUnit unit, long timestamp, Span<byte> destination)
    {
        int written = 0;
        bool stamped = false;
        foreach (byte[] nal in unit.Nals)
        {
            if (!stamped && H264.IsVcl(H264.NalType(nal)))
            {
                int length = TimestampSei.Write(timestamp, destination[(written + 4)..]);
                BinaryPrimitives.WriteInt32BigEndian(destination[written..], length);
                written += 4 + length;
                stamped = true;
            }

            BinaryPrimitives.WriteInt32BigEndian(destination[written..], nal.Length);
            nal.CopyTo(destination[(written + 4)..]);
            written += 4 + nal.Length;
        }

        return written;
    }
}

/// <summary>
/// The send time carried in the stream: an SEI NAL unit (type 6) with one user_data_unregistered message
/// (payloadType 5, H.264 D.1.6): a fixed 16-byte UUID, then the sender's Stopwatch timestamp as a 64-bit
/// big-endian integer. Both ends are in one process, so the timestamp is directly comparable.
/// </summary>
internal static class TimestampSei
{
    /// <summary>"EdgeBoxLatency!!": no zero bytes, so it never needs emulation prevention itself.</summary>
    private static ReadOnlySpan<byte> Uuid => "EdgeBoxLatency!!"u8;

    private const int PayloadSize = 16 + 8;

    /// <summary>Largest SEI written: header, type, size, payload and trailing bits, plus an emulation prevention byte per two payload bytes.</summary>
    public const int MaxSize = 1 + 2 + PayloadSize + 1 + (PayloadSize / 2);

    /// <summary>Writes the NAL unit, emulation prevention applied (H.264 §7.4.1), and returns its length.</summary>
    public static int Write(long timestamp, Span<byte> destination)
    {
        Span<byte> rbsp = stackalloc byte[2 + PayloadSize + 1];
        rbsp[0] = 5;
        rbsp[1] = PayloadSize;
        Uuid.CopyTo(rbsp[2..]);
        BinaryPrimitives.WriteInt64BigEndian(rbsp[18..], timestamp);
        rbsp[^1] = 0x80; // rbsp_trailing_bits

        destination[0] = H264.NalSei;
        int written = 1, zeros = 0;
        foreach (byte b in rbsp)
        {
            if (zeros >= 2 && b <= 3)
            {
                destination[written++] = 3;
                zeros = 0;
            }

            destination[written++] = b;
            zeros = b == 0 ? zeros + 1 : 0;
        }

        return written;
    }

    /// <summary>Finds our timestamp in a length-prefixed access unit.</summary>
    public static bool TryFind(ReadOnlySpan<byte> accessUnit, out long timestamp)
    {
        timestamp = 0;
        Span<byte> rbsp = stackalloc byte[MaxSize];
        while (accessUnit.Length >= 4)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(accessUnit);
            if (length <= 0 || length > accessUnit.Length - 4)
            {
                return false;
            }

            var nal = accessUnit.Slice(4, length);
            accessUnit = accessUnit[(4 + length)..];
            if (H264.NalType(nal) != H264.NalSei || nal.Length > MaxSize)
            {
                continue;
            }

            int size = EmulationPrevention.Remove(nal[1..], rbsp);
            var message = rbsp[..size];
            if (message.Length >= 2 + PayloadSize && message[0] == 5 && message[1] == PayloadSize && message.Slice(2, 16).SequenceEqual(Uuid))
            {
                timestamp = BinaryPrimitives.ReadInt64BigEndian(message[18..]);
                return true;
            }
        }

        return false;
    }
}
