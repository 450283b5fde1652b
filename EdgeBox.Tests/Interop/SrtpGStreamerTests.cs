using System.Buffers.Binary;
using System.Globalization;
using EdgeBox.Protocols.WebRtc.Srtp;
using EdgeBox.Tests.Infrastructure;
using EdgeBox.Tests.Unit.Protocols.Rtp;
using EdgeBox.Tests.Unit.Protocols.WebRtc;

namespace EdgeBox.Tests.Interop;

/// <summary>
/// Our SRTP against libsrtp, through GStreamer's srtpenc and srtpdec (gst-plugins-bad, built on
/// libsrtp2), both ways and for both profiles. Packets travel as RFC 4571 framed files
/// (rtpstreampay / rtpstreamdepay), so no sockets are needed. The sequence numbers cross 65535, so
/// libsrtp and we must agree on the rollover counter.
/// </summary>
public sealed class SrtpGStreamerTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static readonly byte[] CmKey = Convert.FromHexString("e1f97a0d3e018be0d64fa32c06de4139");
    private static readonly byte[] CmSalt = Convert.FromHexString("0ec675ad498afeebb6960b3aabe6");
    private static readonly byte[] GcmKey = Convert.FromHexString("000102030405060708090a0b0c0d0e0f");
    private static readonly byte[] GcmSalt = Convert.FromHexString("a0a1a2a3a4a5a6a7a8a9aaab");

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [MemberData(nameof(SrtpTests.Profiles), MemberType = typeof(SrtpTests))]
    public async Task Srtpenc_h264_packets_unprotect_to_what_rtph264pay_sent(string profileName)
    {
        var profile = Enum.Parse<SrtpProfile>(profileName);
        string plainFile = _dir.File("plain.rtp");
        string protectedFile = _dir.File("protected.srtp");
        await GstLaunch([
            "videotestsrc", "num-buffers=30", "!", "video/x-raw,width=320,height=240",
            "!", "x264enc", "speed-preset=ultrafast", "!", "rtph264pay", "seqnum-offset=65500", "!", "tee", "name=t",
            "t.", "!", "queue", "!", "rtpstreampay", "!", "filesink", "location=" + plainFile,
            "t.", "!", "queue", "!", "srtpenc", .. EncoderProperties(profile),
            "!", "rtpstreampay", "!", "filesink", "location=" + protectedFile]);

        var plain = RtpTestMedia.ReadFramed(plainFile);
        var protectedPackets = RtpTestMedia.ReadFramed(protectedFile);
        Assert.True(plain.Count > 40, $"only {plain.Count} packets: the sequence numbers did not wrap");
        Assert.Equal(plain.Count, protectedPackets.Count);
        using var receiver = CreateContext(profile);
        for (int i = 0; i < plain.Count; i++)
        {
            Assert.Equal(plain[i].Length + receiver.RtpOverhead, protectedPackets[i].Length);
            Assert.True(receiver.TryUnprotectRtp(protectedPackets[i], out int length), $"packet {i}");
            Assert.Equal(plain[i], protectedPackets[i][..length]);
        }
    }

    [Theory]
    [MemberData(nameof(SrtpTests.Profiles), MemberType = typeof(SrtpTests))]
    public async Task Srtpdec_recovers_the_rtp_packets_we_protect(string profileName)
    {
        var profile = Enum.Parse<SrtpProfile>(profileName);
        const uint Ssrc = 0x5EB0C0DE;
        var plain = Enumerable.Range(0, 120)
            .Select(i => SrtpTests.RtpPacket((ushort)(65470 + i), Ssrc, 50 + (i * 9), csrcs: i % 2, extensionWords: i % 3, padding: (byte)(i % 4)))
            .ToList();
        using (var sender = CreateContext(profile))
        {
            WriteFramed(_dir.File("in.srtp"), plain.Select(p => SrtpTests.Protect(sender, p)));
        }

        string output = _dir.File("out.rtp");
        await GstLaunch(
            "filesrc", "location=" + _dir.File("in.srtp"),
            "!", "application/x-srtp-stream,media=video,clock-rate=90000,encoding-name=H264,payload=96," + DecoderCaps(profile, Ssrc),
            "!", "rtpstreamdepay", "!", "srtpdec", "!", "rtpstreampay", "!", "filesink", "location=" + output);

        Assert.Equal(plain, RtpTestMedia.ReadFramed(output));
    }

    [Theory]
    [MemberData(nameof(SrtpTests.Profiles), MemberType = typeof(SrtpTests))]
    public async Task Srtcp_goes_both_ways(string profileName)
    {
        var profile = Enum.Parse<SrtpProfile>(profileName);
        const uint Ssrc = 0xCAFEBABE;
        var plain = Enumerable.Range(0, 20).Select(i => SrtpTests.RtcpPacket(Ssrc, 2 + i)).ToList();
        WriteFramed(_dir.File("plain.rtcp"), plain);

        // libsrtp protects, we unprotect.
        string theirs = _dir.File("theirs.srtcp");
        await GstLaunch([
            "filesrc", "location=" + _dir.File("plain.rtcp"), "!", "application/x-rtcp-stream", "!", "rtpstreamdepay",
            "!", "e.rtcp_sink_0", "srtpenc", "name=e", .. EncoderProperties(profile),
            "e.rtcp_src_0", "!", "rtpstreampay", "!", "filesink", "location=" + theirs]);
        var protectedPackets = RtpTestMedia.ReadFramed(theirs);
        Assert.Equal(plain.Count, protectedPackets.Count);
        using (var receiver = CreateContext(profile))
        {
            for (int i = 0; i < plain.Count; i++)
            {
                Assert.True(receiver.TryUnprotectRtcp(protectedPackets[i], out int length), $"packet {i}");
                Assert.Equal(plain[i], protectedPackets[i][..length]);
            }
        }

        // We protect, libsrtp unprotects.
        using (var sender = CreateContext(profile))
        {
            WriteFramed(_dir.File("ours.srtcp"), plain.Select(p => SrtpTests.Protect(sender, p, rtcp: true)));
        }

        string output = _dir.File("out.rtcp");
        await GstLaunch(
            "filesrc", "location=" + _dir.File("ours.srtcp"), "!", "application/x-srtcp-stream," + DecoderCaps(profile, Ssrc),
            "!", "rtpstreamdepay", "!", "d.rtcp_sink", "srtpdec", "name=d",
            "d.rtcp_src", "!", "rtpstreampay", "!", "filesink", "location=" + output);
        Assert.Equal(plain, RtpTestMedia.ReadFramed(output));
    }

    private static SrtpContext CreateContext(SrtpProfile profile) => profile == SrtpProfile.AeadAes128Gcm
        ? new SrtpContext(profile, GcmKey, GcmSalt)
        : new SrtpContext(profile, CmKey, CmSalt);

    /// <summary>srtpenc takes the master key and salt concatenated; GCM carries its own tag, so "null" auth.</summary>
    private static string[] EncoderProperties(SrtpProfile profile) => profile == SrtpProfile.AeadAes128Gcm
        ? ["key=" + Convert.ToHexString([.. GcmKey, .. GcmSalt]), "rtp-cipher=aes-128-gcm", "rtp-auth=null", "rtcp-cipher=aes-128-gcm", "rtcp-auth=null"]
        : ["key=" + Convert.ToHexString([.. CmKey, .. CmSalt]), "rtp-cipher=aes-128-icm", "rtp-auth=hmac-sha1-80", "rtcp-cipher=aes-128-icm", "rtcp-auth=hmac-sha1-80"];

    /// <summary>srtpdec reads its key from the caps of the stream (gst-plugins-bad srtpdec "SRTP caps").</summary>
    private static string DecoderCaps(SrtpProfile profile, uint ssrc)
    {
        bool gcm = profile == SrtpProfile.AeadAes128Gcm;
        string key = gcm ? Convert.ToHexString([.. GcmKey, .. GcmSalt]) : Convert.ToHexString([.. CmKey, .. CmSalt]);
        string cipher = gcm ? "aes-128-gcm" : "aes-128-icm";
        string auth = gcm ? "null" : "hmac-sha1-80";
        return string.Create(CultureInfo.InvariantCulture,
            $"ssrc=(uint){ssrc},srtp-key=(buffer){key},srtp-cipher=(string){cipher},srtp-auth=(string){auth},srtcp-cipher=(string){cipher},srtcp-auth=(string){auth}");
    }

    private static async Task GstLaunch(params string[] pipeline)
    {
        var (exitCode, stdout, stderr) = await ExternalProcess.RunAsync(Bound, "gst-launch-1.0", ["-q", .. pipeline]);
        Assert.True(exitCode == 0, $"gst-launch-1.0 exited with {exitCode}: {stdout}{stderr}");
    }

    /// <summary>Writes packets RFC 4571 framed, as rtpstreamdepay reads them.</summary>
    private static void WriteFramed(string path, IEnumerable<byte[]> packets)
    {
        using var file = File.Create(path);
        Span<byte> prefix = stackalloc byte[2];
        foreach (byte[] packet in packets)
        {
            BinaryPrimitives.WriteUInt16BigEndian(prefix, (ushort)packet.Length);
            file.Write(prefix);
            file.Write(packet);
        }
    }
}
