using System.Buffers.Binary;
using EdgeBox.Protocols.Rtp;

namespace EdgeBox.Protocols.Rtsp;

/// <summary>
/// RTCP sender reports to readers (RFC 3550 §6.4.1): per track, just before its first packet (so a
/// player maps timestamps to wall-clock time from the start: FFmpeg re-bases its timestamps when the
/// first SR arrives, and one arriving mid-stream makes its DTS jump back) and then every 5 s, an SR with an SDES CNAME as one compound packet, on the track's RTCP channel (TCP)
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

    /// <summary>
    /// The wall-clock mapping each track's reports use, fixed at the first report: when the source's own
    /// sender reports arrive later and refine the track's clock, this reader keeps the mapping it started
    /// with (a player re-bases on a changed mapping and its timestamps jump); new readers get the new one.
    /// </summary>
    private Media.TrackClock?[] _reportClocks = [];
    private long _lastReport;

    private void PrepareReports(int tracks)
    {
        _rtcpChannels = new byte[tracks];
        _udpRtcpDestinations = new System.Net.SocketAddress?[tracks];
        _trackSsrc = new uint[tracks];
        _sentPackets = new uint[tracks];
        _sentOctets = new uint[tracks];
        _reported = new bool[tracks];
        _reportClocks = new Media.TrackClock?[tracks];
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

    /// <summary>The first report of a track, ahead of its first packet (whose SSRC it takes).</summary>
    private void ReportBeforeFirstPacket(int track, ReadOnlySpan<byte> packets, RtspOutputBatch output)
    {
        if (_reported[track])
        {
            return;
        }

        foreach (var first in new RtpPathPacketizer.PacketEnumerator(packets))
        {
            if (first.Length >= RtpHeader.FixedSize)
            {
                _trackSsrc[track] = BinaryPrimitives.ReadUInt32BigEndian(first[8..]);
                _reported[track] = WriteSenderReport(track, output);
            }

            return;
        }
    }

    /// <summary>Every <see cref="ReportInterval"/>: a report for each track that has started.</summary>
    private void WriteSenderReportsIfDue(RtspOutputBatch output)
    {
        long now = _time.GetTimestamp();
        if (_time.GetElapsedTime(_lastReport, now) < ReportInterval)
        {
            return;
        }

        _lastReport = now;
        for (int i = 0; i < _trackSsrc.Length; i++)
        {
            if (_setUp[i] && _reported[i])
            {
                WriteSenderReport(i, output);
            }
        }
    }

    /// <summary>One SR + SDES for a track; false when the track's wall clock is not known yet.</summary>
    private bool WriteSenderReport(int track, RtspOutputBatch output)
    {
        var tracks = _path?.Tracks;
        if (tracks is null || track >= tracks.Count || (_reportClocks[track] ??= tracks[track].Clock) is not { } clock)
        {
            return false;
        }

        Span<byte> compound = stackalloc byte[RtcpSenderReport.GetSize(0) + RtcpSdes.GetCnameSize(64)];
        var utc = _time.GetUtcNow();
        long rtp = clock.Pts + (long)Math.Round((utc - clock.Utc).TotalSeconds * tracks[track].ClockRate);
        var info = new RtcpSenderInfo(NtpTime.FromDateTimeOffset(utc), (uint)rtp, _sentPackets[track], _sentOctets[track]);
        int length = RtcpSenderReport.Write(compound, _trackSsrc[track], info);
        length += RtcpSdes.WriteCname(compound[length..], _trackSsrc[track], "edgebox");
        if (_udpRtcpDestinations[track] is { } destination)
        {
            _udp.SendRtcp(compound[..length], destination);
        }
        else
        {
            var frame = output.Reserve(RtpPathPacketizer.HeaderSize + length);
            RtspWriter.WriteInterleavedHeader(frame, _rtcpChannels[track], length);
            compound[..length].CopyTo(frame[RtpPathPacketizer.HeaderSize..]);
        }

        return true;
    }
}
