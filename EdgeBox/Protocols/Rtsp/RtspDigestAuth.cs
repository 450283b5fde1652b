using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace EdgeBox.Protocols.Rtsp;

/// <summary>
/// A Digest challenge (<c>WWW-Authenticate</c>, RFC 2617 §3.2.1) as a server sends it:
/// <c>Digest realm="EdgeBox", nonce="...", opaque="...", algorithm=MD5, qop="auth"</c>.
/// ffmpeg, VLC (live555) and GStreamer all answer the plain form (no qop); offering
/// <c>qop="auth"</c> is allowed and clients that support it then send nc and cnonce.
/// </summary>
internal sealed record RtspDigestChallenge(string Realm, string Nonce)
{
    public string? Opaque { get; init; }

    /// <summary><c>MD5</c> or <c>MD5-sess</c>; omitted means MD5.</summary>
    public string? Algorithm { get; init; }

    /// <summary>The qop options offered, as written (<c>auth</c>).</summary>
    public string? Qop { get; init; }

    /// <summary>The nonce was stale: the client may retry with the new one without asking the user again.</summary>
    public bool Stale { get; init; }

    /// <summary>A new nonce: 16 random bytes as 32 hex digits.</summary>
    public static string CreateNonce() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public static bool TryParse(string? value, [NotNullWhen(true)] out RtspDigestChallenge? challenge)
    {
        challenge = null;
        if (!RtspAuthHeader.TryParse(value, out var header) || !header.IsScheme("Digest")
            || header["realm"] is not { } realm || header["nonce"] is not { } nonce)
        {
            return false;
        }

        challenge = new RtspDigestChallenge(realm, nonce)
        {
            Opaque = header["opaque"],
            Algorithm = header["algorithm"],
            Qop = header["qop"],
            Stale = string.Equals(header["stale"], "true", StringComparison.OrdinalIgnoreCase),
        };
        return true;
    }

    /// <summary>The <c>WWW-Authenticate</c> value. realm, nonce, opaque and qop are quoted strings; algorithm and stale are tokens (RFC 2617 §3.2.1).</summary>
    public override string ToString()
    {
        var text = new StringBuilder("Digest realm=").Append(HeaderValueSyntax.Quote(Realm))
            .Append(", nonce=").Append(HeaderValueSyntax.Quote(Nonce));
        if (Opaque is not null)
        {
            text.Append(", opaque=").Append(HeaderValueSyntax.Quote(Opaque));
        }

        if (Algorithm is not null)
        {
            text.Append(", algorithm=").Append(Algorithm);
        }

        if (Qop is not null)
        {
            text.Append(", qop=").Append(HeaderValueSyntax.Quote(Qop));
        }

        if (Stale)
        {
            text.Append(", stale=TRUE");
        }

        return text.ToString();
    }
}

/// <summary>
/// Digest credentials (<c>Authorization</c>, RFC 2617 §3.2.2) as clients send them, e.g. ffmpeg:
/// <c>Digest username="admin", realm="EdgeBox", nonce="...", uri="rtsp://h/p", response="..."</c>.
/// </summary>
internal sealed record RtspDigestCredentials(string Username, string Realm, string Nonce, string Uri, string Response)
{
    public string? Opaque { get; init; }

    public string? Algorithm { get; init; }

    /// <summary><c>auth</c> when the client used quality of protection; then <see cref="NonceCount"/> and <see cref="ClientNonce"/> are set.</summary>
    public string? Qop { get; init; }

    /// <summary>nc: 8 hex digits, as sent.</summary>
    public string? NonceCount { get; init; }

    public string? ClientNonce { get; init; }

    public static bool TryParse(string? value, [NotNullWhen(true)] out RtspDigestCredentials? credentials)
    {
        credentials = null;
        if (!RtspAuthHeader.TryParse(value, out var header) || !header.IsScheme("Digest")
            || header["username"] is not { } username || header["realm"] is not { } realm || header["nonce"] is not { } nonce
            || header["uri"] is not { } uri || header["response"] is not { } response)
        {
            return false;
        }

        credentials = new RtspDigestCredentials(username, realm, nonce, uri, response)
        {
            Opaque = header["opaque"],
            Algorithm = header["algorithm"],
            Qop = header["qop"],
            NonceCount = header["nc"],
            ClientNonce = header["cnonce"],
        };
        return true;
    }

    /// <summary>The <c>Authorization</c> value, in the order and quoting ffmpeg and live555 use; qop and nc are tokens (RFC 2617 §3.2.2).</summary>
    public override string ToString()
    {
        var text = new StringBuilder("Digest username=").Append(HeaderValueSyntax.Quote(Username))
            .Append(", realm=").Append(HeaderValueSyntax.Quote(Realm))
            .Append(", nonce=").Append(HeaderValueSyntax.Quote(Nonce))
            .Append(", uri=").Append(HeaderValueSyntax.Quote(Uri))
            .Append(", response=").Append(HeaderValueSyntax.Quote(Response));
        if (Algorithm is not null)
        {
            text.Append(", algorithm=").Append(Algorithm);
        }

        if (Opaque is not null)
        {
            text.Append(", opaque=").Append(HeaderValueSyntax.Quote(Opaque));
        }

        if (Qop is not null)
        {
            text.Append(", qop=").Append(Qop).Append(", nc=").Append(NonceCount)
                .Append(", cnonce=").Append(HeaderValueSyntax.Quote(ClientNonce ?? ""));
        }

        return text.ToString();
    }
}

/// <summary>
/// The Digest computation of RFC 2617 §3.2.2, as ffmpeg (<c>libavformat/httpauth.c</c>), live555
/// (VLC) and GStreamer do it: HA1 = MD5(user:realm:password) (MD5-sess: MD5(HA1:nonce:cnonce)),
/// HA2 = MD5(method:uri), response = MD5(HA1:nonce:HA2), or with qop=auth
/// MD5(HA1:nonce:nc:cnonce:qop:HA2). Digests are lower-case hex; strings are hashed as UTF-8.
/// </summary>
internal static class RtspDigestAuth
{
    public static string ComputeHa1(string username, string realm, string password) => Md5Hex(username + ":" + realm + ":" + password);

    /// <param name="ha1">From <see cref="ComputeHa1"/>: a server may store that instead of the password.</param>
    public static string ComputeResponse(
        string ha1, string? algorithm, string nonce, string method, string uri, string? qop = null, string? nonceCount = null, string? clientNonce = null)
    {
        if (string.Equals(algorithm, "MD5-sess", StringComparison.OrdinalIgnoreCase))
        {
            ha1 = Md5Hex(ha1 + ":" + nonce + ":" + clientNonce);
        }

        var ha2 = Md5Hex(method + ":" + uri);
        return qop is null
            ? Md5Hex(ha1 + ":" + nonce + ":" + ha2)
            : Md5Hex(ha1 + ":" + nonce + ":" + nonceCount + ":" + clientNonce + ":" + qop + ":" + ha2);
    }

    /// <summary>
    /// The credentials a client sends in answer to <paramref name="challenge"/> for a request of
    /// <paramref name="method"/> on <paramref name="uri"/>. With a qop offer that includes <c>auth</c>
    /// it answers with qop=auth, <paramref name="nonceCount"/> and a client nonce.
    /// </summary>
    public static RtspDigestCredentials CreateCredentials(
        RtspDigestChallenge challenge, string username, string password, string method, string uri, int nonceCount = 1, string? clientNonce = null)
    {
        ArgumentNullException.ThrowIfNull(challenge);
        var useQop = challenge.Qop is { } offered
            && offered.Split(',', StringSplitOptions.TrimEntries).Contains("auth", StringComparer.OrdinalIgnoreCase);
        var nc = useQop ? nonceCount.ToString("x8", System.Globalization.CultureInfo.InvariantCulture) : null;
        var cnonce = useQop || string.Equals(challenge.Algorithm, "MD5-sess", StringComparison.OrdinalIgnoreCase)
            ? clientNonce ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))
            : null;
        var qop = useQop ? "auth" : null;
        var response = ComputeResponse(ComputeHa1(username, challenge.Realm, password), challenge.Algorithm, challenge.Nonce, method, uri, qop, nc, cnonce);
        return new RtspDigestCredentials(username, challenge.Realm, challenge.Nonce, uri, response)
        {
            Opaque = challenge.Opaque,
            Algorithm = challenge.Algorithm,
            Qop = qop,
            NonceCount = nc,
            ClientNonce = cnonce,
        };
    }

    /// <summary>
    /// Checks credentials against the user's password and the server's realm. The digest is
    /// recomputed over the <c>uri</c> the client put in the header, not the request line: live555
    /// sends its base URL there on SETUP. Checking that the nonce is one this server issued (and is
    /// fresh) is the session's job. The comparison takes the same time whatever the response.
    /// </summary>
    public static bool Verify(RtspDigestCredentials credentials, string method, string username, string password, string realm) =>
        VerifyHa1(credentials, method, username, ComputeHa1(username, realm, password), realm);

    /// <summary><see cref="Verify"/> with a stored HA1 instead of the password.</summary>
    public static bool VerifyHa1(RtspDigestCredentials credentials, string method, string username, string ha1, string realm)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        if (!string.Equals(credentials.Username, username, StringComparison.Ordinal)
            || !string.Equals(credentials.Realm, realm, StringComparison.Ordinal)
            || (credentials.Qop is not null && (credentials.NonceCount is null || credentials.ClientNonce is null)))
        {
            return false;
        }

        var expected = ComputeResponse(
            ha1, credentials.Algorithm, credentials.Nonce, method, credentials.Uri, credentials.Qop, credentials.NonceCount, credentials.ClientNonce);
        return CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(credentials.Response.ToLowerInvariant()));
    }

#pragma warning disable CA5351 // Digest authentication (RFC 2617), the one every RTSP client speaks, is defined over MD5.
    private static string Md5Hex(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));
#pragma warning restore CA5351
}
