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
    }

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

    /// <summary>PLI to the publisher's video (RFC 4585 §6.3.1); the path asks at most every 500 ms.</summary>
    private void RequestKeyframe()
    {
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

    /// <summary>Every second: NACKs still due (a retry after the first ask went unanswered).</summary>
    private void SendPublishReports()
    {
        foreach (var track in _incoming)
        {
            if (track.Ssrc != 0 && track.Losses.Missing > 0)
            {
                SendNacks(track, _time.GetTimestamp());
            }
        }
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

    /// <summary>RTCP from the publisher: its sender reports give the path's wall clock.</summary>
    private void OnPublishRtcp(ReadOnlySpan<byte> compound)
    {
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
