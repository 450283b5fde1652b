using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Text;

namespace EdgeBox.Protocols.WebRtc.Stun;

/// <summary>
/// A parsed STUN message (RFC 8489 §5) with the ICE attributes of RFC 8445 §16.1.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |0 0|     STUN Message Type     |         Message Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         Magic Cookie                          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |
/// |                     Transaction ID (96 bits)                  |
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// The message keeps one copy of the datagram; attribute values are slices of it and decoded on
/// access. Attributes after MESSAGE-INTEGRITY other than FINGERPRINT are dropped as RFC 8489 §14.5
/// asks (they are not covered by the HMAC); anything after FINGERPRINT makes the message invalid
/// (§14.7: it is the last attribute).
/// </summary>
internal sealed partial class StunMessage
{
    public const int HeaderSize = 20;

    public const int TransactionIdSize = 12;

    public const uint MagicCookie = 0x2112A442;

    /// <summary>
    /// Attributes kept per message. A browser's Binding request carries 6-8 (USERNAME, PRIORITY,
    /// ICE-CONTROLLING, USE-CANDIDATE, a network-info attribute, MESSAGE-INTEGRITY, FINGERPRINT);
    /// the cap keeps a datagram of 16 000 empty attributes from costing anything.
    /// </summary>
    public const int MaxAttributes = 64;

    /// <summary>RFC 8489 §14.3: USERNAME is fewer than 509 bytes.</summary>
    public const int MaxUsernameBytes = 508;

    /// <summary>RFC 8489 §14.8: the reason phrase is at most 763 bytes.</summary>
    public const int MaxReasonBytes = 763;

    private readonly byte[] _raw;
    private readonly StunAttribute[] _attributes;
    private readonly ushort[] _unknownComprehensionRequired;

    private StunMessage(byte[] raw, StunAttribute[] attributes, ushort[] unknownComprehensionRequired)
    {
        _raw = raw;
        _attributes = attributes;
        _unknownComprehensionRequired = unknownComprehensionRequired;
        Type = StunMessageType.FromUInt16(BinaryPrimitives.ReadUInt16BigEndian(raw));
    }

    public StunMessageType Type { get; }

    public StunMethod Method => Type.Method;

    public StunClass Class => Type.Class;

    public ReadOnlySpan<byte> TransactionId => _raw.AsSpan(8, TransactionIdSize);

    /// <summary>The message as received.</summary>
    public ReadOnlySpan<byte> Raw => _raw;

    /// <summary>Every attribute kept, in message order (duplicates included; accessors read the first).</summary>
    public IReadOnlyList<StunAttribute> Attributes => _attributes;

    /// <summary>Comprehension-required attributes this codec does not understand: a request carrying
    /// any gets a 420 with these in UNKNOWN-ATTRIBUTES (RFC 8489 §6.3.1.1).</summary>
    public IReadOnlyList<ushort> UnknownComprehensionRequired => _unknownComprehensionRequired;

    public string? Username => TryGetAttribute(StunAttributeType.Username, out var value) ? Encoding.UTF8.GetString(value) : null;

    public uint? Priority => TryGetAttribute(StunAttributeType.Priority, out var value) ? BinaryPrimitives.ReadUInt32BigEndian(value) : null;

    public bool UseCandidate => TryGetAttribute(StunAttributeType.UseCandidate, out _);

    /// <summary>The tie-breaker of ICE-CONTROLLED.</summary>
    public ulong? IceControlled => TryGetAttribute(StunAttributeType.IceControlled, out var value) ? BinaryPrimitives.ReadUInt64BigEndian(value) : null;

    /// <summary>The tie-breaker of ICE-CONTROLLING.</summary>
    public ulong? IceControlling => TryGetAttribute(StunAttributeType.IceControlling, out var value) ? BinaryPrimitives.ReadUInt64BigEndian(value) : null;

    public IPEndPoint? XorMappedAddress =>
        TryGetAttribute(StunAttributeType.XorMappedAddress, out var value) ? DecodeXorAddress(value, _raw) : null;

    /// <summary>The ERROR-CODE number, class × 100 + number (300-699).</summary>
    public int? ErrorCode => TryGetAttribute(StunAttributeType.ErrorCode, out var value) ? ((value[2] & 0x07) * 100) + value[3] : null;

    public string? ErrorReason => TryGetAttribute(StunAttributeType.ErrorCode, out var value) ? Encoding.UTF8.GetString(value[4..]) : null;

    public bool HasMessageIntegrity => TryGetAttribute(StunAttributeType.MessageIntegrity, out _);

    public bool HasFingerprint => TryGetAttribute(StunAttributeType.Fingerprint, out _);

    /// <summary>
    /// The demultiplexing test for a UDP port shared with DTLS and SRTP (RFC 7983 §7: a first byte of
    /// 0-3 is STUN), confirmed by the magic cookie. It does not validate the rest; TryParse does.
    /// </summary>
    public static bool IsStun(ReadOnlySpan<byte> datagram) =>
        datagram.Length >= HeaderSize && datagram[0] <= 3 && BinaryPrimitives.ReadUInt32BigEndian(datagram[4..]) == MagicCookie;

    /// <summary>
    /// Parses one whole STUN datagram. Returns false with a reason for anything malformed, including a
    /// datagram shorter or longer than its length field says; never throws.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> datagram, [NotNullWhen(true)] out StunMessage? message, out string error)
    {
        message = null;
        if (!TryCheckHeader(datagram, out error))
        {
            return false;
        }

        Span<StunAttribute> found = stackalloc StunAttribute[MaxAttributes];
        int count = 0;
        List<ushort>? unknown = null;
        bool afterIntegrity = false;
        bool afterFingerprint = false;
        int offset = HeaderSize;
        while (offset < datagram.Length)
        {
            if (afterFingerprint)
            {
                error = "an attribute follows FINGERPRINT, which must be the last one (RFC 8489 §14.7)";
                return false;
            }

            if (!TryReadAttribute(datagram, ref offset, out var attribute, out error))
            {
                return false;
            }

            if (afterIntegrity && attribute.Type != StunAttributeType.Fingerprint)
            {
                // RFC 8489 §14.5: everything after MESSAGE-INTEGRITY but FINGERPRINT is ignored, being
                // outside the HMAC. (MESSAGE-INTEGRITY-SHA256 may sit there too; we do not implement it.)
                continue;
            }

            if (!TryValidate(attribute, datagram.Slice(attribute.Offset, attribute.Length), out error))
            {
                return false;
            }

            if (count == MaxAttributes)
            {
                error = string.Create(CultureInfo.InvariantCulture, $"more than {MaxAttributes} attributes");
                return false;
            }

            found[count++] = attribute;
            afterIntegrity |= attribute.Type == StunAttributeType.MessageIntegrity;
            afterFingerprint = attribute.Type == StunAttributeType.Fingerprint;
            if (!StunAttributeType.IsUnderstood(attribute.Type))
            {
                unknown ??= [];
                if (!unknown.Contains(attribute.Type))
                {
                    unknown.Add(attribute.Type);
                }
            }
        }

        message = new StunMessage(datagram.ToArray(), found[..count].ToArray(), unknown is null ? [] : [.. unknown]);
        error = string.Empty;
        return true;
    }

    /// <summary>The first attribute of a type, as a slice of the message.</summary>
    public bool TryGetAttribute(ushort type, out ReadOnlySpan<byte> value)
    {
        foreach (var attribute in _attributes)
        {
            if (attribute.Type == type)
            {
                value = GetValue(attribute);
                return true;
            }
        }

        value = default;
        return false;
    }

    public ReadOnlySpan<byte> GetValue(StunAttribute attribute) => _raw.AsSpan(attribute.Offset, attribute.Length);

    /// <summary>Checks MESSAGE-INTEGRITY with a key (see the static overload).</summary>
    public bool VerifyIntegrity(ReadOnlySpan<byte> key) => VerifyIntegrity(_raw, key);

    public bool VerifyFingerprint() => VerifyFingerprint(_raw);

    private static bool TryCheckHeader(ReadOnlySpan<byte> datagram, out string error)
    {
        if (datagram.Length < HeaderSize)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"{datagram.Length} bytes is shorter than the {HeaderSize}-byte header");
            return false;
        }

        if ((datagram[0] & 0xC0) != 0)
        {
            error = "the two most significant bits are not zero";
            return false;
        }

        if (BinaryPrimitives.ReadUInt32BigEndian(datagram[4..]) != MagicCookie)
        {
            error = "the magic cookie is not 0x2112A442";
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]);
        if ((length & 3) != 0)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"message length {length} is not a multiple of 4");
            return false;
        }

        if (HeaderSize + length != datagram.Length)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"message length {length} does not match the {datagram.Length - HeaderSize} bytes after the header");
            return false;
        }

        error = string.Empty;
        return true;
    }

    /// <summary>Reads the TLV at <paramref name="offset"/> and moves past it and its padding.</summary>
    private static bool TryReadAttribute(ReadOnlySpan<byte> datagram, ref int offset, out StunAttribute attribute, out string error)
    {
        attribute = default;
        int remaining = datagram.Length - offset;
        if (remaining < StunAttribute.HeaderSize)
        {
            error = "an attribute header is cut short";
            return false;
        }

        ushort type = BinaryPrimitives.ReadUInt16BigEndian(datagram[offset..]);
        int length = BinaryPrimitives.ReadUInt16BigEndian(datagram[(offset + 2)..]);
        if (StunAttribute.Padded(length) > remaining - StunAttribute.HeaderSize)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"attribute 0x{type:X4} of {length} bytes runs past the end of the message");
            return false;
        }

        attribute = new StunAttribute(type, offset + StunAttribute.HeaderSize, length);
        offset += StunAttribute.HeaderSize + StunAttribute.Padded(length);
        error = string.Empty;
        return true;
    }

    /// <summary>Value checks for the attributes we decode, so the accessors cannot fail later.</summary>
    private static bool TryValidate(StunAttribute attribute, ReadOnlySpan<byte> value, out string error)
    {
        error = attribute.Type switch
        {
            StunAttributeType.Username when value.Length > MaxUsernameBytes => "USERNAME is longer than 508 bytes",
            StunAttributeType.MessageIntegrity when value.Length != 20 => "MESSAGE-INTEGRITY is not 20 bytes",
            StunAttributeType.Fingerprint when value.Length != 4 => "FINGERPRINT is not 4 bytes",
            StunAttributeType.Priority when value.Length != 4 => "PRIORITY is not 4 bytes",
            StunAttributeType.UseCandidate when value.Length != 0 => "USE-CANDIDATE is not empty",
            StunAttributeType.IceControlled or StunAttributeType.IceControlling when value.Length != 8 => "ICE-CONTROLLED/ICE-CONTROLLING is not 8 bytes",
            StunAttributeType.UnknownAttributes when (value.Length & 1) != 0 => "UNKNOWN-ATTRIBUTES has an odd length",
            StunAttributeType.ErrorCode => ValidateErrorCode(value),
            StunAttributeType.XorMappedAddress => ValidateXorAddress(value),
            _ => string.Empty,
        };
        return error.Length == 0;
    }

    /// <summary>RFC 8489 §14.8: 21 reserved bits, a 3-bit class 3-6, a number 0-99, a UTF-8 reason.</summary>
    private static string ValidateErrorCode(ReadOnlySpan<byte> value)
    {
        if (value.Length < 4)
        {
            return "ERROR-CODE is shorter than 4 bytes";
        }

        int @class = value[2] & 0x07;
        if (@class is < 3 or > 6 || value[3] > 99)
        {
            return "ERROR-CODE is not in 300-699";
        }

        return value.Length - 4 > MaxReasonBytes ? "ERROR-CODE reason is longer than 763 bytes" : string.Empty;
    }

    /// <summary>RFC 8489 §14.2: a reserved byte, family 0x01 (IPv4) or 0x02 (IPv6), port, address.</summary>
    private static string ValidateXorAddress(ReadOnlySpan<byte> value)
    {
        if (value.Length < 4)
        {
            return "XOR-MAPPED-ADDRESS is shorter than 4 bytes";
        }

        return (value[1], value.Length) switch
        {
            (0x01, 8) or (0x02, 20) => string.Empty,
            (0x01 or 0x02, _) => "XOR-MAPPED-ADDRESS length does not fit its family",
            _ => "XOR-MAPPED-ADDRESS has an unknown address family",
        };
    }

    private static IPEndPoint DecodeXorAddress(ReadOnlySpan<byte> value, ReadOnlySpan<byte> header)
    {
        int port = BinaryPrimitives.ReadUInt16BigEndian(value[2..]) ^ (int)(MagicCookie >> 16);
        Span<byte> address = stackalloc byte[16];
        int size = value[1] == 0x01 ? 4 : 16;
        for (int i = 0; i < size; i++)
        {
            // The key is the cookie followed by the transaction id: header bytes 4-19.
            address[i] = (byte)(value[4 + i] ^ header[4 + i]);
        }

        return new IPEndPoint(new IPAddress(address[..size]), port);
    }
}
