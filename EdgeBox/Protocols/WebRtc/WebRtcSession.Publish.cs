using System.Buffers;
using EdgeBox.Media;
using EdgeBox.Protocols.Rtp;
using EdgeBox.Protocols.Rtsp;

namespace EdgeBox.Protocols.WebRtc;

/// <summary>
/// WHIP: SRTP in, demultiplexed by payload type (BUNDLE, RFC 9143 §9.2: one payload type per codec across
/// the sections), through a reorder buffer and the codec's depacketizer into the path. Losses are asked
/// again with NACKs (RFC 4585), a keyframe with PLI when the path needs one (a reader that fell behind, a
/// transcoder starting); receiver reports go back every second.
/// </summary>
internal sealed partial class WebRtcSession : IRtpTrackOwner
{
    /// <summary>The SSRC EdgeBox's own RTCP goes out with (RFC 4585 §6.1: the sender of the feedback).</summary>
    private readonly uint _localSsrc = (uint)System.Security.Cryptography.RandomNumberGenerator.GetInt32(1, int.MaxValue);

    /// <summary>Most sequence numbers asked again in one NACK (a 1200-byte packet holds far more pairs than this needs).</summary>
    private const int MaxNacked = 128;

    private PathSource? _source;
    private IncomingTrack[] _incoming = [];

    private sealed class IncomingTrack(int payloadType, RtpTrackReceiver receiver, RtpLossDetector losses)
    {
        public int PayloadType { get; } = payloadType;

        public RtpTrackReceiver Receiver { get; } = receiver;

        public RtpLossDetector Losses { get; } = losses;

        /// <summary>The publisher's SSRC, from its first packet.</summary>
        public uint Ssrc;

        /// <summary>RFC 3550 Appendix A.1/A.3 counters for the receiver report: first and highest extended sequence, packets received.</summary>
        public long BaseSequence = -1;
        public long HighestSequence;
        public long Received;
        public long ExpectedPrior;
        public long ReceivedPrior;

        /// <summary>The middle 32 bits of the publisher's last SR and when it came, for LSR/DLSR.</summary>
        public uint LastSenderReport;
        public long LastSenderReportAt;

        public void Count(ushort sequence)
        {
            Received++;
            if (BaseSequence < 0)
            {
                BaseSequence = HighestSequence = sequence;
                return;
            }

            long extended = HighestSequence + (short)(sequence - (ushort)HighestSequence);
            HighestSequence = Math.Max(HighestSequence, extended);
        }
    }

    /// <summary>
    /// The bit rate EdgeBox tells the publisher it may send (REMB), from the losses it sees: +8 % a second
    /// while under 2 % are lost, cut by half the loss above 10 % (libwebrtc's loss-based rule), between
    /// 100 kbit/s and 20 Mbit/s, starting at 2 Mbit/s. Without it a browser stays at its start rate.
    /// </summary>
    private double _estimate = 2_000_000;

    /// <summary>The session is the path's source (taken when the offer was answered); tracks are in answer order.</summary>
    public void AttachSource(PathSource source, IReadOnlyList<(int PayloadType, MediaTrack Track)> tracks, MediaBufferPool pool)
    {
        _source = source;
        var incoming = new List<IncomingTrack>();
        foreach (var (payloadType, track) in tracks)
        {
            if (RtpDepacketizers.Create(track.Codec) is not { } depacketizer)
            {
                continue;
            }

            var receiver = new RtpTrackReceiver(this, track, depacketizer, pool, _time);
            receiver.UseReorderBuffer();
            incoming.Add(new IncomingTrack(payloadType, receiver, new RtpLossDetector(_time)));
        }

        _incoming = [.. incoming];
        source.Replaced.Register(() => End("another publisher took over the path"));
        source.KeyframeRequested = RequestKeyframe;
    }

    private async Task PublishAsync(CancellationToken token)
    {
        RequestKeyframe(); // the browser's first keyframe may have gone before DTLS finished on our side
        await Task.Delay(Timeout.InfiniteTimeSpan, _time, token).ConfigureAwait(false);
    }

    private void OnRtp(ReadOnlySpan<byte> packet)
    {
        if (Kind != WebRtcSessionKind.Whip || packet.Length < RtpHeader.FixedSize)
        {
            return;
        }

        int payloadType = packet[1] & 0x7F;
        foreach (var track in _incoming)
        {
            if (track.PayloadType != payloadType)
            {
                continue;
            }

            bool first = track.Ssrc == 0;
            track.Ssrc = ReadSsrc(packet);
            if (first && track.Receiver.Track.IsVideo)
            {
                // Packets that came before the SRTP keys were ready (the first keyframe among them) are lost.
                RequestKeyframe();
            }

            long now = _time.GetTimestamp();
            track.Losses.OnPacket(RtpHeaderSequence(packet), now);
            track.Count(RtpHeaderSequence(packet));
            byte[] rented = ArrayPool<byte>.Shared.Rent(packet.Length);
            packet.CopyTo(rented);
            track.Receiver.OnRtp(rented, packet.Length);
            if (track.Losses.Missing > 0)
            {
                SendNacks(track, now); // at once: the reorder buffer waits only so long for what is missing
            }

            return;
        }
    }

    private static ushort RtpHeaderSequence(ReadOnlySpan<byte> packet) => System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);

    /// <summary>
    /// PLI to the publisher's video (RFC 4585 §6.3.1). libwebrtc ignores a PLI that comes within 300 ms of
    /// the previous one, so one asked sooner is sent by the next report tick instead of being lost.
    /// </summary>
    private void RequestKeyframe()
    {
        long now = _time.GetTimestamp();
        long last = Interlocked.Read(ref _lastPli);
        if (last != 0 && _time.GetElapsedTime(last, now) < MinPliInterval)
        {
            Volatile.Write(ref _pliDeferred, true);
            return;
        }

        Interlocked.Exchange(ref _lastPli, now);
        Volatile.Write(ref _pliDeferred, false);
        Span<byte> pli = stackalloc byte[RtcpPli.Size];
        foreach (var track in _incoming)
        {
            if (track.Receiver.Track.IsVideo && track.Ssrc != 0)
            {
                RtcpPli.Write(pli, _localSsrc, track.Ssrc);
                SendRtcp(pli);
            }
        }
    }

    private static readonly TimeSpan MinPliInterval = TimeSpan.FromMilliseconds(350);
    private long _lastPli;
    private bool _pliDeferred;

    /// <summary>Every second: a deferred PLI, NACKs still due, then a receiver report of every track with the REMB (RFC 3550 §6.4.2).</summary>
    private void SendPublishReports()
    {
        if (Volatile.Read(ref _pliDeferred))
        {
            RequestKeyframe();
        }

        long now = _time.GetTimestamp();
        Span<RtcpReportBlock> blocks = stackalloc RtcpReportBlock[Math.Min(_incoming.Length, 8)];
        Span<uint> ssrcs = stackalloc uint[blocks.Length];
        int count = 0;
        double worstLoss = 0;
        foreach (var track in _incoming)
        {
            if (track.Ssrc == 0 || count == blocks.Length)
            {
                continue;
            }

            if (track.Losses.Missing > 0)
            {
                SendNacks(track, now);
            }

            long expected = track.HighestSequence - track.BaseSequence + 1;
            long expectedInterval = expected - track.ExpectedPrior, receivedInterval = track.Received - track.ReceivedPrior;
            track.ExpectedPrior = expected;
            track.ReceivedPrior = track.Received;
            long lostInterval = Math.Max(0, expectedInterval - receivedInterval);
            double loss = expectedInterval > 0 ? lostInterval / (double)expectedInterval : 0;
            worstLoss = Math.Max(worstLoss, track.Receiver.Track.IsVideo ? loss : 0);
            uint delay = track.LastSenderReport == 0 ? 0 : NtpTime.ToDelay(_time.GetElapsedTime(track.LastSenderReportAt, now));
            blocks[count] = new RtcpReportBlock(track.Ssrc, (byte)Math.Min(255, loss * 256), (int)Math.Max(0, expected - track.Received),
                (uint)track.HighestSequence, 0, track.LastSenderReport, delay);
            ssrcs[count++] = track.Ssrc;
        }

        if (count == 0)
        {
            return;
        }

        _estimate = worstLoss switch
        {
            < 0.02 => Math.Min(_estimate * 1.08, 20_000_000),
            > 0.10 => Math.Max(_estimate * (1 - (0.5 * worstLoss)), 100_000),
            _ => _estimate,
        };
        Span<byte> compound = stackalloc byte[RtcpReceiverReport.GetSize(count) + RtcpRemb.GetSize(count)];
        int length = RtcpReceiverReport.Write(compound, _localSsrc, blocks[..count]);
        length += RtcpRemb.Write(compound[length..], _localSsrc, (ulong)_estimate, ssrcs[..count]);
        SendRtcp(compound[..length]);
    }

    /// <summary>One NACK (RFC 4585 §6.2.1) for the sequence numbers the loss detector says are due.</summary>
    private void SendNacks(IncomingTrack track, long now)
    {
        Span<ushort> lost = stackalloc ushort[MaxNacked];
        int count = track.Losses.GetNackList(now, lost);
        if (count == 0)
        {
            return;
        }

        Span<byte> buffer = stackalloc byte[1200];
        if (RtcpNack.GetSize(lost[..count]) <= buffer.Length)
        {
            int length = RtcpNack.Write(buffer, _localSsrc, track.Ssrc, lost[..count]);
            SendRtcp(buffer[..length]);
        }
    }

    /// <summary>RTCP from the publisher: its sender reports give the path's wall clock and the LSR of our reports.</summary>
    private void OnPublishRtcp(ReadOnlySpan<byte> compound)
    {
        foreach (var packet in new RtcpCompoundReader(compound))
        {
            if (packet.Type == RtcpPacketType.SenderReport && RtcpSenderReport.TryParse(packet, out var report))
            {
                foreach (var track in _incoming)
                {
                    if (track.Ssrc == report.Ssrc)
                    {
                        track.LastSenderReport = NtpTime.Middle32(report.Info.NtpTimestamp);
                        track.LastSenderReportAt = _time.GetTimestamp();
                    }
                }
            }
        }

        foreach (var track in _incoming)
        {
            track.Receiver.OnRtcp(compound);
        }
    }

    private void ReleasePublish()
    {
        var source = Interlocked.Exchange(ref _source, null);
        foreach (var track in _incoming)
        {
            track.Receiver.Dispose();
        }

        if (source is not null)
        {
            source.Dispose();
            _server.Events.Publish(Events.EventTypes.SourceNotReady, PathRef.Name, Id, $"WebRTC publisher {Remote} stopped: {Volatile.Read(ref _endReason)}");
        }
    }

    PathSource? IRtpTrackOwner.Source => Volatile.Read(ref _source);

    void IRtpTrackOwner.OnMediaActivity()
    {
    }

    void IRtpTrackOwner.OnBadRtp(int trackIndex) => Interlocked.Increment(ref _badSrtp);
}
