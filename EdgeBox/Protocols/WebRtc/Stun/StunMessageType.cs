namespace EdgeBox.Protocols.WebRtc.Stun;

/// <summary>The STUN methods EdgeBox speaks; others parse fine and keep their 12-bit number.</summary>
internal enum StunMethod : ushort
{
    /// <summary>RFC 8489 §18.2, the only method ICE uses for connectivity checks.</summary>
    Binding = 0x001,
}

/// <summary>The class of a STUN message, the two C bits of the message type (RFC 8489 §5).</summary>
internal enum StunClass : byte
{
    Request = 0b00,
    Indication = 0b01,
    SuccessResponse = 0b10,
    ErrorResponse = 0b11,
}

/// <summary>
/// A STUN message type: a 12-bit method and a 2-bit class interleaved in the 14 low bits of the first
/// header word (RFC 8489 §5, Figure 3).
/// <code>
///  0                 1
///  2  3  4 5 6 7 8 9 0 1 2 3 4 5
/// +--+--+-+-+-+-+-+-+-+-+-+-+-+-+
/// |M |M |M|M|M|C|M|M|M|C|M|M|M|M|
/// |11|10|9|8|7|1|6|5|4|0|3|2|1|0|
/// +--+--+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
internal readonly record struct StunMessageType(StunMethod Method, StunClass Class)
{
    public static StunMessageType BindingRequest => new(StunMethod.Binding, StunClass.Request);

    public static StunMessageType BindingSuccess => new(StunMethod.Binding, StunClass.SuccessResponse);

    public static StunMessageType BindingError => new(StunMethod.Binding, StunClass.ErrorResponse);

    /// <summary>Decodes the 14-bit type; the two top bits (always zero in STUN) are ignored.</summary>
    public static StunMessageType FromUInt16(ushort value)
    {
        int method = (value & 0x000F) | ((value >> 1) & 0x0070) | ((value >> 2) & 0x0F80);
        int @class = ((value >> 4) & 0b01) | ((value >> 7) & 0b10);
        return new StunMessageType((StunMethod)method, (StunClass)@class);
    }

    public ushort ToUInt16()
    {
        int method = (int)Method & 0x0FFF;
        int @class = (int)Class & 0b11;
        return (ushort)((method & 0x000F) | ((method & 0x0070) << 1) | ((method & 0x0F80) << 2)
            | ((@class & 0b01) << 4) | ((@class & 0b10) << 7));
    }
}
