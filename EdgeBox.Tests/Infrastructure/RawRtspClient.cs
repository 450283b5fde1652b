using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace EdgeBox.Tests.Infrastructure;

/// <summary>
/// A bare RTSP reader over one TCP connection (RTP interleaved), for tests that look at the wire or
/// need many cheap sessions: no process start per session, nothing hidden by a client library.
/// </summary>
internal sealed class RawRtspClient : IDisposable
{
    private readonly TcpClient _client = new();
    private NetworkStream _stream = null!;
    private int _cseq;

    private RawRtspClient()
    {
    }

    public static async Task<RawRtspClient> ConnectAsync(Uri rtsp, CancellationToken token)
    {
        var client = new RawRtspClient();
        try
        {
            await client._client.ConnectAsync(rtsp.Host, rtsp.Port, token);
            client._stream = client._client.GetStream();
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Sends one request (CSeq added) and returns the whole response, body included.</summary>
    public async Task<string> RequestAsync(string method, string url, string headers, CancellationToken token)
    {
        string text = $"{method} {url} RTSP/1.0\r\nCSeq: {++_cseq}\r\n{headers}\r\n";
        await _stream.WriteAsync(Encoding.ASCII.GetBytes(text), token);
        return await ReadResponseAsync(token);
    }

    /// <summary>DESCRIBE, SETUP of track 0 over TCP and PLAY; returns the DESCRIBE response.</summary>
    public async Task<string> PlayAsync(string url, CancellationToken token)
    {
        string describe = await RequestAsync("DESCRIBE", url, "Accept: application/sdp\r\n", token);
        Assert.StartsWith("RTSP/1.0 200", describe, StringComparison.Ordinal);
        string setup = await RequestAsync("SETUP", url + "/trackID=0", "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n", token);
        Assert.StartsWith("RTSP/1.0 200", setup, StringComparison.Ordinal);
        string session = setup.Split("\r\n").First(l => l.StartsWith("Session:", StringComparison.Ordinal))[8..].Split(';')[0].Trim();
        Assert.StartsWith("RTSP/1.0 200", await RequestAsync("PLAY", url, $"Session: {session}\r\n", token), StringComparison.Ordinal);
        return describe;
    }

    /// <summary>The next interleaved frame: channel (0 RTP, 1 RTCP for track 0) and payload.</summary>
    public async Task<(byte Channel, byte[] Payload)> ReadFrameAsync(CancellationToken token)
    {
        var header = new byte[4];
        await _stream.ReadExactlyAsync(header, token);
        Assert.Equal((byte)'$', header[0]);
        var payload = new byte[BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2))];
        await _stream.ReadExactlyAsync(payload, token);
        return (header[1], payload);
    }

    private async Task<string> ReadResponseAsync(CancellationToken token)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            await _stream.ReadExactlyAsync(one, token);
            head.Append((char)one[0]);
        }

        string text = head.ToString();
        var length = text.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        if (length is not null)
        {
            var body = new byte[int.Parse(length[15..].Trim(), CultureInfo.InvariantCulture)];
            await _stream.ReadExactlyAsync(body, token);
            text += Encoding.UTF8.GetString(body);
        }

        return text;
    }

    public void Dispose() => _client.Dispose();
}
