using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using EdgeBox.Media;
using EdgeBox.Protocols.Rtp;

namespace EdgeBox.Protocols.Rtsp;

/// <summary>
/// Packetizes each access unit of a path into RTP once, for every RTSP reader (like gortsplib's
/// ServerStream): readers share one SSRC and sequence per track and only copy packets out. The
/// packets are stored as the unit's attachment already framed for RTSP over TCP (RFC 2326 §10.12), on
/// the track's default channel (<see cref="DefaultChannel"/>):
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   '$' 0x24    |    channel    |     length (big-endian)       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                 RTP packet (length bytes) ...                 |
/// </code>
/// A TCP reader whose SETUP chose those channels (nearly all: players number the channels 0-1, 2-3 in
/// track order) sends the attachment itself, with no copy and no per-packet header; others send a
/// 4-byte header of their own before each packet. Measured with bench/rtsp_fanout.py (bench/README.md).
/// </summary>
internal sealed class RtpPathPacketizer(MediaBufferPool pool) : IAccessUnitAttacher, IRtpPacketSink
{
    private readonly ArrayBufferWriter<byte> _scratch = new(64 * 1024);
    private IRtpPacketizer?[] _packetizers = [];
    private byte _channel;

    public void Attach(in AccessUnit unit, MediaTrack track)
    {
        if (track.Index >= _packetizers.Length)
        {
            Array.Resize(ref _packetizers, track.Index + 1);
        }

        var packetizer = _packetizers[track.Index] ??= RtpPacketizers.Create(
            track.Codec, RtspTracks.PayloadType(track), (uint)RandomNumberGenerator.GetInt32(int.MaxValue), (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue));
        if (packetizer is null)
        {
            return;
        }

        _scratch.ResetWrittenCount();
        _channel = DefaultChannel(track.Index);
        if (packetizer.Packetize((uint)unit.Pts, unit.Payload, this) && _scratch.WrittenCount > 0)
        {
            unit.Buffer.SetAttachment(pool.Rent(_scratch.WrittenSpan));
        }
    }

    public void Reset()
    {
        foreach (var packetizer in _packetizers)
        {
            packetizer?.Dispose();
        }

        _packetizers = [];
    }

    /// <summary>The interleaved channel a track's packets are framed for in the attachment: 0, 2, 4...</summary>
    public static byte DefaultChannel(int trackIndex) => (byte)(2 * trackIndex);

    public void OnRtpPacket(ReadOnlySpan<byte> packet)
    {
        var span = _scratch.GetSpan(packet.Length + HeaderSize);
        span[0] = (byte)'$';
        span[1] = _channel;
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], (ushort)packet.Length);
        packet.CopyTo(span[HeaderSize..]);
        _scratch.Advance(packet.Length + HeaderSize);
    }

    /// <summary>The interleaved frame header before each packet of an attachment.</summary>
    public const int HeaderSize = 4;

    /// <summary>Iterates the RTP packets of an attachment; <see cref="Offset"/> is where the current one starts.</summary>
    public ref struct PacketEnumerator(ReadOnlySpan<byte> packets)
    {
        private readonly ReadOnlySpan<byte> _packets = packets;
        private int _next;

        public ReadOnlySpan<byte> Current { get; private set; }

        /// <summary>The offset of <see cref="Current"/> (after its header) in the attachment.</summary>
        public int Offset { get; private set; }

        public bool MoveNext()
        {
            var rest = _packets[_next..];
            if (rest.Length < HeaderSize)
            {
                return false;
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(rest[2..]);
            if (rest.Length < HeaderSize + length)
            {
                return false;
            }

            Offset = _next + HeaderSize;
            Current = rest.Slice(HeaderSize, length);
            _next += HeaderSize + length;
            return true;
        }

        public readonly PacketEnumerator GetEnumerator() => this;
    }
}
