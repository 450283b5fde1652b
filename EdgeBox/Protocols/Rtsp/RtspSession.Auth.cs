namespace EdgeBox.Protocols.Rtsp;

/// <summary>
/// Per-path credentials (<c>publishUser</c>/<c>publishPass</c>, <c>readUser</c>/<c>readPass</c>) with
/// Basic (RFC 7617) or Digest (RFC 2617, MD5, as ffmpeg, GStreamer and VLC send it). The challenge
/// offers both; passwords and Authorization headers are never logged.
/// </summary>
internal sealed partial class RtspSession
{
    private const string Realm = "EdgeBox";
    private readonly string _nonce;

    /// <summary>Null when the request may proceed; otherwise the 401 to send.</summary>
    private RtspResponse? Authenticate(RtspRequest request, string? user, string? pass, string method)
    {
        if (user is null || pass is null)
        {
            return null;
        }

        string? header = request.Headers["Authorization"];
        if (header is not null)
        {
            if (RtspBasicAuth.TryParseAuthorization(header, out string basicUser, out string basicPass))
            {
                if (FixedTimeEquals(basicUser, user) & FixedTimeEquals(basicPass, pass))
                {
                    return null;
                }
            }
            else if (RtspDigestCredentials.TryParse(header, out var digest)
                && digest.Nonce == _nonce && digest.Realm == Realm
                && FixedTimeEquals(digest.Username, user)
                && RtspDigestAuth.Verify(digest, request.Method, user, pass, Realm))
            {
                return null;
            }

            Log.AuthFailed(_logger, _id, Remote, method);
        }

        var response = new RtspResponse(RtspStatusCodes.Unauthorized, request.CSeq);
        response.Headers.Add("WWW-Authenticate", new RtspDigestChallenge(Realm, _nonce).ToString());
        response.Headers.Add("WWW-Authenticate", RtspBasicAuth.FormatChallenge(Realm));
        return response;
    }

    private static bool FixedTimeEquals(string a, string b) =>
        System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.UTF8.GetBytes(a), System.Text.Encoding.UTF8.GetBytes(b));
}
