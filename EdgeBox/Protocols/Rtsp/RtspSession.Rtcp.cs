using System.Buffers.Binary;
using System.IO.Pipelines;
using EdgeBox.Protocols.Rtp;

namespace EdgeBox.Protocols.Rtsp;

/// <summary>
/// RTCP sender reports to readers (RFC 3550 §6.4.1): per track, right after its first packets and
/// then every 5 s, an SR with an SDES CNAME as one compound packet, on the track's RTCP channel (TCP)
/// or to the client's RTCP port (UDP). The NTP/RTP pair comes from the track's wall clock (the
/// camera's own sender reports when it sent them, else arrival time), so players can line audio up
/// with video and know when each picture was taken. Packet and octet counts are this reader's.
/// </summary>
internal sealed partial class RtspSession
{
    /// <summary>RFC 3550 §6.2 gives 5 s as the minimum interval for reports; every player accepts it.</summary>
    private static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(5);

    private byte[] _rtcpChannels = [];
    private System.Net.SocketAddress?[] _udpRtcpDestinations = [];
    private uint[] _trackSsrc = [];
    private uint[] _sentPackets = [];
    private uint[] _sentOctets = [];
    private bool[] _reported = [];
    private long _lastReport;

    private void PrepareReports(int tracks)
    {
        _rtcpChannels = new byte[tracks];
        _udpRtcpDestinations = new System.Net.SocketAddress?[tracks];
        _trackSsrc = new uint[tracks];
        _sentPackets = new uint[tracks];
        _sentOctets = new uint[tracks];
        _reported = new bool[tracks];
    }

    /// <summary>Counts one RTP packet sent on a track and learns the track's SSRC from it.</summary>
    private void CountSent(int track, ReadOnlySpan<byte> packet)
    {
        if (packet.Length < RtpHeader.FixedSize)
        {
            return;
        }

        _trackSsrc[track] = BinaryPrimitives.ReadUInt32BigEndian(packet[8..]);
        _sentPackets[track]++;
        _sentOctets[track] += (uint)(packet.Length - RtpHeader.FixedSize);
    }

    /// <summary>Writes the reports that are due: a track's first, and all of them every <see cref="ReportInterval"/>.</summary>
    private void WriteSenderReportsIfDue(PipeWriter output)
    {
        long now = _time.GetTimestamp();
        bool periodic = _time.GetElapsedTime(_lastReport, now) >= ReportInterval;
        if (periodic)
        {
            _lastReport = now;
        }

        var tracks = _path?.Tracks;
        if (tracks is null)
        {
            return;
        }

        Span<byte> compound = stackalloc byte[RtcpSenderReport.GetSize(0) + RtcpSdes.GetCnameSize(64)];
        var utc = _time.GetUtcNow();
        for (int i = 0; i < _trackSsrc.Length && i < tracks.Count; i++)
        {
            if (!_setUp[i] || _sentPackets[i] == 0 || (!periodic && _reported[i]) || tracks[i].Clock is not { } clock)
            {
                continue;
            }

            _reported[i] = true;
            long rtp = clock.Pts + (long)Math.Round((utc - clock.Utc).TotalSeconds * tracks[i].ClockRate);
            var info = new RtcpSenderInfo(NtpTime.FromDateTimeOffset(utc), (uint)rtp, _sentPackets[i], _sentOctets[i]);
            int length = RtcpSenderReport.Write(compound, _trackSsrc[i], info);
            length += RtcpSdes.WriteCname(compound[length..], _trackSsrc[i], "edgebox");
            if (_udpRtcpDestinations[i] is { } destination)
            {
                _udp.SendRtcp(compound[..length], destination);
            }
            else
            {
                RtspWriter.WriteInterleaved(output, _rtcpChannels[i], compound[..length]);
            }
        }
    }
}
