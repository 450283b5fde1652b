namespace EdgeBox.Protocols.Rtsp;

/// <summary>One <c>type=value</c> line of a description, kept as written.</summary>
internal readonly record struct SdpLine(char Type, string Value)
{
    public override string ToString() => Type + "=" + Value;
}

/// <summary>An attribute line <c>a=name:value</c>, or a property attribute <c>a=name</c> (<see cref="Value"/> null).</summary>
internal readonly record struct SdpAttribute(string Name, string? Value)
{
    public static SdpAttribute Parse(string lineValue)
    {
        var colon = lineValue.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? new SdpAttribute(lineValue, null) : new SdpAttribute(lineValue[..colon], lineValue[(colon + 1)..]);
    }

    public override string ToString() => Value is null ? Name : Name + ":" + Value;
}

/// <summary><c>c=IN IP4 0.0.0.0</c> (RFC 8866 §5.7); the address may carry <c>/ttl</c> for multicast.</summary>
internal sealed record SdpConnection(string NetworkType, string AddressType, string Address)
{
    public static SdpConnection? Parse(string? value)
    {
        var parts = value?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts is { Length: 3 } ? new SdpConnection(parts[0], parts[1], parts[2]) : null;
    }

    public override string ToString() => NetworkType + " " + AddressType + " " + Address;
}

/// <summary><c>o=username sess-id sess-version IN IP4 address</c> (RFC 8866 §5.2); numbers kept as text, cameras send more than 64 bits.</summary>
internal sealed record SdpOrigin(string Username, string SessionId, string SessionVersion, string NetworkType, string AddressType, string Address)
{
    public static SdpOrigin? Parse(string? value)
    {
        var parts = value?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts is { Length: 6 } ? new SdpOrigin(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]) : null;
    }

    public override string ToString() => string.Join(' ', Username, SessionId, SessionVersion, NetworkType, AddressType, Address);
}
