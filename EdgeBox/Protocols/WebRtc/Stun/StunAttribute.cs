namespace EdgeBox.Protocols.WebRtc.Stun;

/// <summary>
/// One attribute of a parsed message: where its value sits in the message bytes, without a copy.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Type                  |            Length             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         Value (variable)                ....
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Length counts the value only; the value is padded to a multiple of 4 bytes (RFC 8489 §14).
/// </summary>
/// <param name="Type">The attribute type (<see cref="StunAttributeType"/>).</param>
/// <param name="Offset">Offset of the value (after the 4-byte TLV header) in the message.</param>
/// <param name="Length">Length of the value without padding.</param>
internal readonly record struct StunAttribute(ushort Type, int Offset, int Length)
{
    public const int HeaderSize = 4;

    /// <summary>The value length rounded up to the 4-byte boundary.</summary>
    public static int Padded(int length) => (length + 3) & ~3;
}
