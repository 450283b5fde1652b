using System.Buffers.Binary;
using System.Security.Cryptography;
using EdgeBox.Media;
using EdgeBox.Protocols.Rtp;
using EdgeBox.Protocols.WebRtc.Sdp;

namespace EdgeBox.Protocols.WebRtc;

/// <summary>
/// WHEP: the path's units, packetized per session into RTP of at most <see cref="MaxRtpSize"/> bytes
/// with the negotiated payload types, then SRTP. Each sent packet is kept in a retransmission history
/// for the viewer's NACKs (RFC 4585); PLI and FIR ask the path for a keyframe. H.264 and H.265 keyframes
/// carry their parameter sets in-band (browsers have no sprop-parameter-sets in WebRTC). AAC and G.711 the
/// browser cannot take reach it as Opus from the path's shared converter.
/// </summary>
internal sealed partial class WebRtcSession : IRtpPacketSink
{
    private PathReader? _reader;
    private OutgoingTrack?[] _outgoing = [];
    private readonly List<IDisposable> _subscriptions = [];

    /// <summary>One track the viewer receives: its packetizer and the counters and clock its sender reports use.</summary>
    private sealed class OutgoingTrack(WebRtcMediaAnswer answer, MediaTrack track, IRtpPacketizer packetizer, int clockRate, RtpRetransmissionHistory history)
    {
        public WebRtcMediaAnswer Answer { get; } = answer;

        public MediaTrack Track { get; } = track;

        public IRtpPacketizer Packetizer { get; } = packetizer;

        public int ClockRate { get; } = clockRate;

        public RtpRetransmissionHistory History { get; } = history;

        public uint Packets;
        public uint Octets;
        public bool Started;
        public TrackClock? ReportClock;
    }

    private async Task PlayAsync(CancellationToken token)
    {
        var path = PathRef;
        var reader = path.TryAddReader("webrtc", path.Config.MaxReaders ?? 0);
        if (reader is null)
        {
            End("too many readers");
            return;
        }

        _reader = reader;
        _server.Events.Publish(Events.EventTypes.ReaderJoined, path.Name, Id, $"WebRTC reader {Remote} joined");
        var tracks = path.Tracks;
        var outgoing = new OutgoingTrack?[tracks.Count];
        foreach (var answer in Media)
        {
            if (answer.Codec is not { } codec || answer.TrackIndex is not { } index || index >= tracks.Count)
            {
                continue;
            }

            var track = tracks[index];
            var codecId = answer.Conversion ?? track.Codec;
            var packetizer = RtpPacketizers.Create(codecId, (byte)codec.PayloadType, answer.Ssrc, (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue), MaxRtpSize);
            if (packetizer is null)
            {
                continue;
            }

            var sending = new OutgoingTrack(answer, track, packetizer, answer.Conversion is null ? track.ClockRate : codec.ClockRate,
                // 512 video packets hold 2 s at 2 Mbit/s, past the 1 s a NACK is worth answering; each slot keeps a
                // 2 KiB pooled buffer, so the history is most of a viewer's memory (bench/webrtc.py).
                new RtpRetransmissionHistory(_time, capacity: track.IsVideo ? 512 : 128));
            if (answer.Conversion is { } target)
            {
                // The converter's packets arrive on its own thread; the send lock orders them with video.
                var conversion = _server.Audio.For(path, track, target, 64_000);
                _subscriptions.Add(conversion.Subscribe((packet, pts) =>
                {
                    lock (_sendGate)
                    {
                        sending.Packetizer.Packetize((uint)pts, packet, this);
                    }
                }));
            }
            else
            {
                outgoing[index] = sending;
            }

            _outgoingAll.Add(sending);
        }

        _outgoing = outgoing;
        var units = reader.Units;
        try
        {
            while (await units.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (units.TryRead(out var unit))
                {
                    try
                    {
                        Send(unit);
                    }
                    finally
                    {
                        unit.Release();
                    }
                }
            }
        }
        catch (System.Threading.Channels.ChannelClosedException)
        {
            // The reader was closed: handled below.
        }

        if (reader.Closed.IsCompleted)
        {
            End(await reader.Closed.ConfigureAwait(false) switch
            {
                ReaderCloseReason.TooSlow => "the viewer stayed behind the source",
                ReaderCloseReason.TracksChanged => "the path's tracks changed",
                ReaderCloseReason.Closed => "the path was closed",
                _ => "left",
            });
        }
    }

    private readonly List<OutgoingTrack> _outgoingAll = [];

    private void Send(in AccessUnit unit)
    {
        if ((uint)unit.TrackIndex >= (uint)_outgoing.Length || _outgoing[unit.TrackIndex] is not { } track)
        {
            return;
        }

        var payload = unit.Payload;
        byte[]? withParameters = null;
        if (unit.Keyframe && ParameterSetsInBand.Missing(track.Track, payload))
        {
            withParameters = ParameterSetsInBand.Prepend(track.Track, payload);
            payload = withParameters;
        }

        lock (_sendGate)
        {
            track.Packetizer.Packetize((uint)unit.Pts, payload, this);
        }
    }

    /// <summary>From a packetizer, under <see cref="_sendGate"/>: count, keep for NACKs, protect, send.</summary>
    public void OnRtpPacket(ReadOnlySpan<byte> packet)
    {
        uint ssrc = ReadSsrc(packet);
        foreach (var track in _outgoingAll)
        {
            if (track.Answer.Ssrc == ssrc)
            {
                if (!track.Started)
                {
                    track.Started = true;
                    SendSenderReportLocked(track); // before the first packet, so the browser maps time from the start
                }

                track.Packets++;
                track.Octets += (uint)(packet.Length - RtpHeader.FixedSize);
                track.History.Store(packet, _time.GetTimestamp());
                break;
            }
        }

        SendRtpLocked(packet);
    }

    /// <summary>RTCP from the viewer: NACK → retransmit from the history; PLI, FIR → a keyframe from the path.</summary>
    private void OnPlayRtcp(ReadOnlySpan<byte> compound)
    {
        foreach (var packet in new RtcpCompoundReader(compound))
        {
            switch (packet.Type)
            {
                case RtcpPacketType.PayloadFeedback when packet.Count is RtcpFeedback.PictureLossIndication or RtcpFeedback.FullIntraRequest:
                    PathRef.RequestKeyframe();
                    break;
                case RtcpPacketType.TransportFeedback when packet.Count == RtcpFeedback.GenericNack && RtcpNack.TryParse(packet, out var nack):
                    Retransmit(nack);
                    break;
            }
        }
    }

    private void Retransmit(in RtcpNack nack)
    {
        Span<byte> original = stackalloc byte[MaxRtpSize + 64];
        lock (_sendGate)
        {
            uint ssrc = nack.Header.MediaSsrc;
            var track = _outgoingAll.Find(t => t.Answer.Ssrc == ssrc);
            if (track is null)
            {
                return;
            }

            long now = _time.GetTimestamp();
            foreach (ushort sequence in nack)
            {
                if (track.History.TryGet(sequence, now, original, out int length))
                {
                    Interlocked.Increment(ref _retransmitted);
                    SendRtpLocked(original[..length]);
                }
            }
        }
    }

    private long _retransmitted;

    /// <summary>Packets sent again for the viewer's NACKs.</summary>
    public long Retransmitted => Interlocked.Read(ref _retransmitted);

    /// <summary>One SR + SDES CNAME for a sending track; the caller holds <see cref="_sendGate"/>.</summary>
    private void SendSenderReportLocked(OutgoingTrack track)
    {
        if ((track.ReportClock ??= track.Track.Clock) is not { } clock)
        {
            return;
        }

        Span<byte> compound = stackalloc byte[RtcpSenderReport.GetSize(0) + RtcpSdes.GetCnameSize(64)];
        var utc = _time.GetUtcNow();
        double scale = track.ClockRate / (double)track.Track.ClockRate; // a converted track counts the encoder's rate
        long rtp = (long)Math.Round((clock.Pts * scale) + ((utc - clock.Utc).TotalSeconds * track.ClockRate));
        var info = new RtcpSenderInfo(NtpTime.FromDateTimeOffset(utc), (uint)rtp, track.Packets, track.Octets);
        int length = RtcpSenderReport.Write(compound, track.Answer.Ssrc, info);
        length += RtcpSdes.WriteCname(compound[length..], track.Answer.Ssrc, "edgebox");
        SendRtcpLocked(compound[..length]);
    }

    private void SendPlayReports()
    {
        lock (_sendGate)
        {
            foreach (var track in _outgoingAll)
            {
                if (track.Started)
                {
                    SendSenderReportLocked(track);
                }
            }
        }
    }

    private void ReleasePlay()
    {
        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }

        _subscriptions.Clear();
        if (_reader is { } reader)
        {
            reader.Dispose();
            _server.Events.Publish(Events.EventTypes.ReaderLeft, PathRef.Name, Id, $"WebRTC reader {Remote} left");
        }

        lock (_sendGate)
        {
            foreach (var track in _outgoingAll)
            {
                track.Packetizer.Dispose();
                track.History.Dispose();
            }

            _outgoingAll.Clear();
        }
    }
}
