using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using EdgeBox.Protocols.Rtp;

namespace EdgeBox.Bench.WebRtcLoad;

internal sealed record LatencyOptions(Uri Whip, Uri Whep, double Seconds, string File, double WarmupSeconds, int Fps, TimeSpan ConnectTimeout);

/// <summary>
/// <c>latency</c>: a WHIP publisher and a WHEP viewer of the same path in this process. The publisher
/// sends the clip's access units at the frame rate, each with a timestamp SEI before its slices,
/// packetized by EdgeBox's <see cref="H264Packetizer"/> into 1200-byte RTP packets and SRTP-protected;
/// the viewer reassembles them with EdgeBox's <see cref="H264Depacketizer"/> and notes, per unit, the
/// time from the SEI's send timestamp to the arrival of the unit's last packet. A PLI or FIR from EdgeBox
/// makes the publisher jump to the clip's next IDR unit at its next frame (so a keyframe follows within one
/// frame interval, as an encoder would make one).
/// </summary>
internal static class LatencyProbe
{
    private const int MaxRtpSize = 1200;

    /// <summary>How long the viewer keeps retrying its offer while the path is not yet ready (404).</summary>
    private static readonly TimeSpan PathReadyTimeout = TimeSpan.FromSeconds(15);

    public static async Task<int> RunAsync(LatencyOptions options)
    {
        var clip = H264Clip.Load(options.File);
        using var http = Http.CreateClient();
        var publisherRtcp = new PublisherRtcp();
        using var publisher = new WebRtcClient(http, publisherRtcp);
        uint ssrc = (uint)RandomNumberGenerator.GetInt32(1, int.MaxValue);
        await publisher.ConnectAsync(options.Whip, ClientSdp.WhipOffer(publisher.Ice, publisher.Fingerprint, ssrc), options.ConnectTimeout, CancellationToken.None)
            .ConfigureAwait(false);
        Console.Error.WriteLine($"webrtcload: publisher connected in {publisher.DtlsMs:0} ms; {clip.Units.Count} units in {options.File}");

        using var stopping = new CancellationTokenSource();
        var sender = new ClipSender(clip, publisher, publisherRtcp, ssrc, options.Fps);
        var sending = sender.RunAsync(stopping.Token);

        var (viewer, viewerMedia) = await ConnectViewerAsync(http, options).ConfigureAwait(false);
        long connectedAt = Stopwatch.GetTimestamp();
        Console.Error.WriteLine($"webrtcload: viewer connected in {viewer.DtlsMs:0} ms; warm-up {options.WarmupSeconds:0.#} s, then {options.Seconds:0.#} s");
        await Task.Delay(TimeSpan.FromSeconds(options.WarmupSeconds + options.Seconds)).ConfigureAwait(false);
        await stopping.CancelAsync().ConfigureAwait(false);
        await sending.ConfigureAwait(false);

        long warm = connectedAt + (long)(options.WarmupSeconds * Stopwatch.Frequency);
        var samples = viewerMedia.Samples(warm).Order().ToList();
        bool viewerClosed = viewer.DtlsClosed.IsCompleted, publisherClosed = publisher.DtlsClosed.IsCompleted;
        string? deleteError = await viewer.DeleteAsync(CancellationToken.None).ConfigureAwait(false)
            ?? await publisher.DeleteAsync(CancellationToken.None).ConfigureAwait(false);
        viewer.Dispose();
        publisher.Dispose();
        await Task.WhenAll(viewer.Stopped, publisher.Stopped).ConfigureAwait(false);
        viewerMedia.Dispose();

        JsonLine.Write(w =>
        {
            w.WriteString("type", "result");
            w.WriteString("mode", "latency");
            w.WriteNumber("count", samples.Count);
            w.WriteRounded("p50_ms", JsonLine.Percentile(samples, 50), 3);
            w.WriteRounded("p95_ms", JsonLine.Percentile(samples, 95), 3);
            w.WriteRounded("p99_ms", JsonLine.Percentile(samples, 99), 3);
            w.WriteRounded("max_ms", samples.Count > 0 ? samples[^1] : double.NaN, 3);
            w.WriteRounded("min_ms", samples.Count > 0 ? samples[0] : double.NaN, 3);
            w.WriteRounded("mean_ms", samples.Count > 0 ? samples.Average() : double.NaN, 3);
            w.WriteRounded("warmup_s", options.WarmupSeconds, 3);
            w.WriteRounded("seconds", options.Seconds, 3);
            w.WriteNumber("units_sent", sender.UnitsSent);
            w.WriteNumber("rtp_packets_sent", sender.PacketsSent);
            w.WriteNumber("units_received", viewerMedia.UnitsReceived);
            w.WriteNumber("units_with_timestamp", viewerMedia.UnitsStamped);
            w.WriteNumber("units_dropped_by_depacketizer", viewerMedia.DroppedUnits);
            w.WriteRounded("first_unit_ms", viewerMedia.FirstUnitAt == 0 ? double.NaN : Stopwatch.GetElapsedTime(connectedAt, viewerMedia.FirstUnitAt).TotalMilliseconds, 1);
            w.WriteNumber("keyframe_requests", publisherRtcp.KeyframeRequests);
            w.WriteNumber("nacks", publisherRtcp.Nacks);
            w.WriteNumber("idr_jumps", sender.IdrJumps);
            w.WriteString("keyframe_policy", "PLI/FIR: the next frame sent is the clip's next IDR unit");
            w.WriteNumber("viewer_bad_packets", viewer.BadPackets);
            w.WriteNumber("publisher_bad_packets", publisher.BadPackets);
            w.WriteBoolean("viewer_closed_by_server", viewerClosed);
            w.WriteBoolean("publisher_closed_by_server", publisherClosed);
            w.WriteRounded("publisher_connect_ms", publisher.DtlsMs, 1);
            w.WriteRounded("viewer_connect_ms", viewer.DtlsMs, 1);
            w.WriteString("delete_error", deleteError);
        });
        return samples.Count > 0 ? 0 : 1;
    }

    /// <summary>The WHEP viewer, retrying while EdgeBox answers 404 (the path is not ready before the first units arrive).</summary>
    private static async Task<(WebRtcClient Viewer, LatencyViewer Media)> ConnectViewerAsync(HttpClient http, LatencyOptions options)
    {
        long start = Stopwatch.GetTimestamp();
        while (true)
        {
            var media = new LatencyViewer();
            var viewer = new WebRtcClient(http, media);
            try
            {
                await viewer.ConnectAsync(options.Whep, ClientSdp.WhepOffer(viewer.Ice, viewer.Fingerprint), options.ConnectTimeout, CancellationToken.None)
                    .ConfigureAwait(false);
                media.VideoPayloadType = viewer.Answer?.VideoPayloadType ?? ClientSdp.H264PayloadType;
                return (viewer, media);
            }
            catch (WebRtcClientException ex) when (ex.Status == 404 && Stopwatch.GetElapsedTime(start) < PathReadyTimeout)
            {
                viewer.Dispose();
                media.Dispose();
                await Task.Delay(200).ConfigureAwait(false);
            }
            catch
            {
                viewer.Dispose();
                media.Dispose();
                throw;
            }
        }
    }

    /// <summary>The publisher's pacing loop: one unit every 1/fps s on an absolute schedule, looping the clip.</summary>
    private sealed class ClipSender(H264Clip clip, WebRtcClient client, PublisherRtcp rtcp, uint ssrc, int fps) : IRtpPacketSink
    {
        public long UnitsSent { get; private set; }

        public long PacketsSent { get; private set; }

        public long IdrJumps { get; private set; }

        public async Task RunAsync(CancellationToken token)
        {
            using var packetizer = new H264Packetizer(ClientSdp.H264PayloadType, ssrc, (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue), MaxRtpSize);
            byte[] unit = new byte[clip.MaxUnitSize + TimestampSei.MaxSize + 4];
            long start = Stopwatch.GetTimestamp();
            int index = 0;
            long requestsSeen = 0;
            for (long frame = 0; !token.IsCancellationRequested; frame++)
            {
                long due = start + (frame * Stopwatch.Frequency / fps);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.Zero)
                {
                    try
                    {
                        await Task.Delay(wait, token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }

                long requests = rtcp.KeyframeRequests;
                if (requests != requestsSeen)
                {
                    requestsSeen = requests;
                    if (!clip.Units[index].IsIdr)
                    {
                        index = clip.NextIdr(index);
                        IdrJumps++;
                    }
                }

                int length = H264Clip.WriteWithTimestamp(clip.Units[index], Stopwatch.GetTimestamp(), unit);
                packetizer.Packetize((uint)(frame * 90000 / fps), unit.AsSpan(0, length), this);
                UnitsSent++;
                index = (index + 1) % clip.Units.Count;
            }
        }

        public void OnRtpPacket(ReadOnlySpan<byte> packet)
        {
            if (client.SendRtp(packet))
            {
                PacketsSent++;
            }
        }
    }

    /// <summary>RTCP EdgeBox sends the publisher: PLI (PT 206 FMT 1) and FIR (PT 206 FMT 4) ask for a keyframe; NACKs (PT 205 FMT 1) are counted.</summary>
    private sealed class PublisherRtcp : IMediaReceiver
    {
        private long _keyframeRequests;
        private long _nacks;

        public long KeyframeRequests => Interlocked.Read(ref _keyframeRequests);

        public long Nacks => Interlocked.Read(ref _nacks);

        public void OnRtp(ReadOnlySpan<byte> packet, long receivedAt)
        {
        }

        public void OnRtcp(ReadOnlySpan<byte> compound)
        {
            while (compound.Length >= 4)
            {
                int format = compound[0] & 0x1F, type = compound[1];
                int length = (BinaryPrimitives.ReadUInt16BigEndian(compound[2..]) + 1) * 4;
                if (type == 206 && format is 1 or 4)
                {
                    Interlocked.Increment(ref _keyframeRequests);
                }
                else if (type == 205 && format == 1)
                {
                    Interlocked.Increment(ref _nacks);
                }

                compound = compound[Math.Min(length, compound.Length)..];
            }
        }
    }

    /// <summary>The viewer's media: H.264 reassembled, each unit's timestamp SEI turned into a latency sample.</summary>
    private sealed class LatencyViewer : IMediaReceiver, IAccessUnitSink, IDisposable
    {
        private readonly H264Depacketizer _depacketizer = new();
        private readonly Lock _gate = new();
        private readonly List<(long At, double Ms)> _samples = [];
        private long _receivedAt;

        public int VideoPayloadType { get; set; } = ClientSdp.H264PayloadType;

        public long UnitsReceived { get; private set; }

        public long UnitsStamped { get; private set; }

        public long DroppedUnits => _depacketizer.DroppedUnits;

        public long FirstUnitAt { get; private set; }

        public IEnumerable<double> Samples(long from)
        {
            lock (_gate)
            {
                return [.. _samples.Where(s => s.At >= from).Select(s => s.Ms)];
            }
        }

        public void OnRtp(ReadOnlySpan<byte> packet, long receivedAt)
        {
            if (RtpHeader.TryParse(packet, out var header, out int offset, out int length) && header.PayloadType == VideoPayloadType)
            {
                _receivedAt = receivedAt;
                _depacketizer.Push(header, packet.Slice(offset, length), this);
            }
        }

        public void OnRtcp(ReadOnlySpan<byte> compound)
        {
        }

        public void Dispose() => _depacketizer.Dispose();

        public void OnAccessUnit(uint rtpTimestamp, bool keyframe, ReadOnlySpan<byte> payload)
        {
            UnitsReceived++;
            if (FirstUnitAt == 0)
            {
                FirstUnitAt = _receivedAt;
            }

            if (TimestampSei.TryFind(payload, out long sent))
            {
                UnitsStamped++;
                lock (_gate)
                {
                    _samples.Add((_receivedAt, Stopwatch.GetElapsedTime(sent, _receivedAt).TotalMilliseconds));
                }
            }
        }
    }
}
