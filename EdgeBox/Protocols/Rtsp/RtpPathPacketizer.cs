using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using EdgeBox.Media;
using EdgeBox.Protocols.Rtp;

namespace EdgeBox.Protocols.Rtsp;

/// <summary>
/// Packetizes each access unit of a path into RTP once, for every RTSP reader (like gortsplib's
/// ServerStream): readers share one SSRC and sequence per track and only copy packets out. The
/// packets are stored as the unit's attachment: a sequence of [2-byte big-endian length][RTP packet].
/// Measured with bench/rtsp_fanout.py: see the issue note for the before/after figures.
/// </summary>
internal sealed class RtpPathPacketizer(MediaBufferPool pool) : IAccessUnitAttacher, IRtpPacketSink
{
    private readonly ArrayBufferWriter<byte> _scratch = new(64 * 1024);
    private IRtpPacketizer?[] _packetizers = [];

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

    public void OnRtpPacket(ReadOnlySpan<byte> packet)
    {
        var span = _scratch.GetSpan(packet.Length + 2);
        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)packet.Length);
        packet.CopyTo(span[2..]);
        _scratch.Advance(packet.Length + 2);
    }

    /// <summary>Iterates the RTP packets of an attachment.</summary>
    public ref struct PacketEnumerator(ReadOnlySpan<byte> packets)
    {
        private ReadOnlySpan<byte> _rest = packets;

        public ReadOnlySpan<byte> Current { get; private set; }

        public bool MoveNext()
        {
            if (_rest.Length < 2)
            {
                return false;
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(_rest);
            if (_rest.Length < 2 + length)
            {
                return false;
            }

            Current = _rest.Slice(2, length);
            _rest = _rest[(2 + length)..];
            return true;
        }

        public readonly PacketEnumerator GetEnumerator() => this;
    }
}
