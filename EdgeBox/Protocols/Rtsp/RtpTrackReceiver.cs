using System.Buffers;
using EdgeBox.Media;
using EdgeBox.Protocols.Rtp;

namespace EdgeBox.Protocols.Rtsp;

/// <summary>What a <see cref="RtpTrackReceiver"/> reports to the session that owns it.</summary>
internal interface IRtpTrackOwner
{
    /// <summary>Where access units go; null while the session is not (or no longer) the path's source.</summary>
    PathSource? Source { get; }

    /// <summary>A packet arrived (liveness for session timeouts and source watchdogs).</summary>
    void OnMediaActivity();

    void OnBadRtp(int trackIndex);
}

/// <summary>
/// One incoming RTP track of an RTSP publisher or pulled source: RTP in (interleaved, or UDP through a
/// reorder buffer), access units out to the path with timestamps unwrapped, in-band parameter sets
/// taken over, and the sender's RTCP SR turned into the track's wall-clock mapping.
/// </summary>
internal sealed class RtpTrackReceiver(IRtpTrackOwner owner, MediaTrack track, IRtpDepacketizer depacketizer, MediaBufferPool pool, TimeProvider time)
    : IAccessUnitSink, IUdpRtpReceiver, IRtpPacketReceiver, IDisposable
{
    private readonly Lock _gate = new();
    private long _lastPts;
    private uint _lastTimestamp;
    private uint _ssrc;
    private bool _started;
    private RtpReorderBuffer? _reorder;
    private long _packets;

    public MediaTrack Track => track;

    /// <summary>RTP packets received.</summary>
    public long Packets => Interlocked.Read(ref _packets);

    /// <summary>SSRC of the last packet received (for receiver reports).</summary>
    public uint Ssrc => Volatile.Read(ref _ssrc);

    /// <summary>Highest sequence number received, for receiver reports.</summary>
    public ushort LastSequence { get; private set; }

    /// <summary>From now on packets come over UDP and may arrive out of order: put a reorder buffer in front.</summary>
    public void UseReorderBuffer()
    {
        lock (_gate)
        {
            _reorder ??= new RtpReorderBuffer(this, time);
        }
    }

    /// <summary>From a UDP receive loop: through the reorder buffer, then the depacketizer. Owns <paramref name="rented"/>.</summary>
    public void OnRtp(byte[] rented, int length)
    {
        owner.OnMediaActivity();
        lock (_gate)
        {
            if (_reorder is null)
            {
                ArrayPool<byte>.Shared.Return(rented);
                return;
            }

            _reorder.Push(rented, length);
        }
    }

    public void OnPacket(in RtpPacket packet, int lostBefore)
    {
        if (lostBefore > 0)
        {
            depacketizer.Reset(); // a unit with a hole in it must not reach readers
        }

        Received(packet.Header);
        depacketizer.Push(packet.Header, packet.Payload, this);
    }

    /// <summary>One packet that arrived in order (interleaved over TCP).</summary>
    public void Push(ReadOnlySpan<byte> packet)
    {
        owner.OnMediaActivity();
        if (!RtpHeader.TryParse(packet, out var header, out int offset, out int length))
        {
            owner.OnBadRtp(track.Index);
            return;
        }

        Received(header);
        depacketizer.Push(header, packet.Slice(offset, length), this);
    }

    /// <summary>An interleaved frame for this track: RTP on its even channel, RTCP on the odd one. Valid during the call only.</summary>
    public void OnInterleaved(bool rtp, ReadOnlySequence<byte> payload)
    {
        if (payload.IsSingleSegment)
        {
            Deliver(rtp, payload.FirstSpan);
            return;
        }

        byte[] copy = ArrayPool<byte>.Shared.Rent((int)payload.Length);
        payload.CopyTo(copy);
        Deliver(rtp, copy.AsSpan(0, (int)payload.Length));
        ArrayPool<byte>.Shared.Return(copy);
    }

    /// <summary>
    /// An RTCP compound packet from the sender: its SR ties an RTP timestamp to NTP wall-clock time
    /// (RFC 3550 §6.4.1). Anything else in it is ignored; malformed input is dropped.
    /// </summary>
    public void OnRtcp(ReadOnlySpan<byte> compound)
    {
        owner.OnMediaActivity();
        foreach (var packet in new RtcpCompoundReader(compound))
        {
            if (packet.Type != RtcpPacketType.SenderReport || !RtcpSenderReport.TryParse(packet, out var report))
            {
                continue;
            }

            long pts;
            lock (_gate)
            {
                if (!_started || report.Ssrc != _ssrc)
                {
                    continue;
                }

                pts = _lastPts + (int)(report.Info.RtpTimestamp - _lastTimestamp);
            }

            owner.Source?.SetSenderClock(track.Index, pts, NtpTime.ToDateTimeOffset(report.Info.NtpTimestamp));
        }
    }

    public void OnAccessUnit(uint rtpTimestamp, bool keyframe, ReadOnlySpan<byte> payload)
    {
        long pts;
        lock (_gate)
        {
            // RTP timestamps wrap at 2^32; the path wants one growing clock.
            if (!_started)
            {
                _started = true;
                _lastPts = rtpTimestamp;
            }
            else
            {
                _lastPts += (int)(rtpTimestamp - _lastTimestamp);
            }

            _lastTimestamp = rtpTimestamp;
            pts = _lastPts;
        }

        if (keyframe && ParameterSets.Update(track.Codec, track.Parameters, payload) is { } parameters)
        {
            track.UpdateParameters(parameters); // in-band SPS/PPS win over the SDP's
        }

        if (owner.Source is not { } source)
        {
            return;
        }

        source.Write(new AccessUnit(track.Index, pts, keyframe, pool.Rent(payload), time.GetTimestamp()));
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _reorder?.Dispose();
            _reorder = null;
            depacketizer.Dispose();
        }
    }

    private void Deliver(bool rtp, ReadOnlySpan<byte> data)
    {
        if (rtp)
        {
            Push(data);
        }
        else
        {
            OnRtcp(data);
        }
    }

    private void Received(in RtpHeader header)
    {
        Interlocked.Increment(ref _packets);
        Volatile.Write(ref _ssrc, header.Ssrc);
        LastSequence = header.SequenceNumber;
    }
}
