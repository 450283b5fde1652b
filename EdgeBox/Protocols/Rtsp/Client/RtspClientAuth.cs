namespace EdgeBox.Protocols.Rtsp.Client;

/// <summary>
/// The credentials a client sends after a 401: Digest (RFC 2617, answered per request with the
/// method and URI, counting nonces when the server offers qop) when the server offers it, else Basic
/// (RFC 7617). Built from the server's <c>WWW-Authenticate</c> challenges.
/// </summary>
internal sealed class RtspClientAuth
{
    private readonly RtspDigestChallenge? _digest;
    private readonly string _user;
    private readonly string _password;
    private int _nonceCount;

    private RtspClientAuth(RtspDigestChallenge? digest, string user, string password)
    {
        _digest = digest;
        _user = user;
        _password = password;
    }

    /// <summary>Null when no challenge is one we can answer.</summary>
    public static RtspClientAuth? FromChallenges(IEnumerable<string> challenges, string user, string password)
    {
        bool basic = false;
        foreach (string challenge in challenges)
        {
            if (RtspDigestChallenge.TryParse(challenge, out var digest)
                && (digest.Algorithm is null || digest.Algorithm.Equals("MD5", StringComparison.OrdinalIgnoreCase) || digest.Algorithm.Equals("MD5-sess", StringComparison.OrdinalIgnoreCase)))
            {
                return new RtspClientAuth(digest, user, password);
            }

            basic |= RtspAuthHeader.TryParse(challenge, out var header) && header.IsScheme("Basic");
        }

        return basic ? new RtspClientAuth(null, user, password) : null;
    }

    /// <summary>
    /// Whether answering this challenge could succeed where <paramref name="previous"/> failed: a new
    /// nonce (the old one went stale) or a switch of scheme. The same challenge again means the
    /// credentials are wrong, and retrying would only loop.
    /// </summary>
    public bool IsNewChallenge(RtspClientAuth previous) =>
        (_digest is null) != (previous._digest is null)
        || (_digest is not null && (_digest.Stale || !string.Equals(_digest.Nonce, previous._digest!.Nonce, StringComparison.Ordinal)));

    public string Authorization(string method, string uri)
    {
        if (_digest is null)
        {
            return RtspBasicAuth.FormatAuthorization(_user, _password);
        }

        int count = Interlocked.Increment(ref _nonceCount);
        return RtspDigestAuth.CreateCredentials(_digest, _user, _password, method, uri, count).ToString();
    }
}
