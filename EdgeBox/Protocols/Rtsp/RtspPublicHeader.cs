namespace EdgeBox.Protocols.Rtsp;

/// <summary><c>Public: OPTIONS, DESCRIBE, ...</c> (RFC 2326 §12.28): the methods a server supports.</summary>
internal static class RtspPublicHeader
{
    public static string Format(IEnumerable<string> methods) => string.Join(", ", methods);

    public static IReadOnlyList<string> Parse(string? value) =>
        value is null ? [] : HeaderValueSyntax.Split(value, ',');
}
