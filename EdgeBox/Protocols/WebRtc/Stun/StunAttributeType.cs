namespace EdgeBox.Protocols.WebRtc.Stun;

/// <summary>
/// Attribute types (IANA "STUN Attributes" registry). 0x0000-0x7FFF are comprehension-required: an
/// agent that does not understand one must refuse the request with 420 Unknown Attribute
/// (RFC 8489 §14, §7.3.1); 0x8000-0xFFFF are comprehension-optional and may be ignored.
/// </summary>
internal static class StunAttributeType
{
    public const ushort MappedAddress = 0x0001;
    public const ushort Username = 0x0006;
    public const ushort MessageIntegrity = 0x0008;
    public const ushort ErrorCode = 0x0009;
    public const ushort UnknownAttributes = 0x000A;
    public const ushort Realm = 0x0014;
    public const ushort Nonce = 0x0015;
    public const ushort MessageIntegritySha256 = 0x001C;
    public const ushort XorMappedAddress = 0x0020;

    /// <summary>RFC 8445 §16.1.</summary>
    public const ushort Priority = 0x0024;

    /// <summary>RFC 8445 §16.1.</summary>
    public const ushort UseCandidate = 0x0025;

    public const ushort Software = 0x8022;
    public const ushort Fingerprint = 0x8028;

    /// <summary>RFC 8445 §16.1.</summary>
    public const ushort IceControlled = 0x8029;

    /// <summary>RFC 8445 §16.1.</summary>
    public const ushort IceControlling = 0x802A;

    public static bool IsComprehensionRequired(ushort type) => type < 0x8000;

    /// <summary>
    /// The comprehension-required attributes this codec decodes. Long-term credentials (REALM, NONCE)
    /// and MESSAGE-INTEGRITY-SHA256 are not implemented, so a request carrying them is answered with
    /// 420, which is what RFC 8489 §9.1.4 / §14.6 expect from an agent without them.
    /// </summary>
    public static bool IsUnderstood(ushort type) => type switch
    {
        Username or MessageIntegrity or ErrorCode or UnknownAttributes or XorMappedAddress or Priority or UseCandidate => true,
        _ => !IsComprehensionRequired(type),
    };
}
