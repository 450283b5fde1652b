using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace EdgeBox.Protocols.WebRtc.Stun;

internal sealed partial class StunMessage
{
    /// <summary>RFC 8489 §14.7: the CRC-32 is XORed with "STUN" so it differs from other protocols' CRCs.</summary>
    public const uint FingerprintXor = 0x5354554E;

    public const int IntegritySize = 20;

    /// <summary>Scratch copies for the HMAC up to this size stay on the stack; larger ones are pooled.</summary>
    private const int StackScratchLimit = 1024;

    /// <summary>
    /// The short-term credential key (RFC 8489 §9.1.1): the password's UTF-8 bytes. ICE passwords are
    /// ASCII (RFC 8839 §5.4 ice-char), so OpaqueString normalisation has nothing to change.
    /// </summary>
    public static byte[] ShortTermKey(string password) => Encoding.UTF8.GetBytes(password);

    /// <summary>
    /// Checks MESSAGE-INTEGRITY on the bytes as received: HMAC-SHA1 with <paramref name="key"/> over the
    /// message up to the attribute, the header's length field counting up to and including it
    /// (RFC 8489 §14.5), compared in constant time. False for a malformed message, a missing attribute,
    /// or one after FINGERPRINT.
    /// </summary>
    public static bool VerifyIntegrity(ReadOnlySpan<byte> message, ReadOnlySpan<byte> key)
    {
        if (!TryFind(message, StunAttributeType.MessageIntegrity, out var attribute) || attribute.Length != IntegritySize)
        {
            return false;
        }

        int covered = attribute.Offset - StunAttribute.HeaderSize;
        byte[]? rented = null;
        Span<byte> scratch = covered <= StackScratchLimit
            ? stackalloc byte[StackScratchLimit]
            : rented = ArrayPool<byte>.Shared.Rent(covered);
        try
        {
            scratch = scratch[..covered];
            message[..covered].CopyTo(scratch);
            BinaryPrimitives.WriteUInt16BigEndian(scratch[2..], (ushort)(covered - HeaderSize + StunAttribute.HeaderSize + IntegritySize));
            Span<byte> hmac = stackalloc byte[IntegritySize];
            ComputeHmac(key, scratch, hmac);
            return CryptographicOperations.FixedTimeEquals(hmac, message.Slice(attribute.Offset, IntegritySize));
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Checks FINGERPRINT on the bytes as received: it must be the last attribute and hold the CRC-32 of
    /// everything before it XOR 0x5354554E (RFC 8489 §14.7). Being last, the header's length field
    /// already counts it, which is the adjustment the RFC asks for.
    /// </summary>
    public static bool VerifyFingerprint(ReadOnlySpan<byte> message)
    {
        if (!TryFind(message, StunAttributeType.Fingerprint, out var attribute) || attribute.Length != 4
            || attribute.Offset + 4 != message.Length)
        {
            return false;
        }

        uint expected = Crc32.Compute(message[..(attribute.Offset - StunAttribute.HeaderSize)]) ^ FingerprintXor;
        return BinaryPrimitives.ReadUInt32BigEndian(message[attribute.Offset..]) == expected;
    }

    // SHA-1 is what RFC 8489 §14.5 MESSAGE-INTEGRITY is; ICE (RFC 8445 §7.2.2) and every browser use it.
#pragma warning disable CA5350
    internal static void ComputeHmac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> destination) =>
        HMACSHA1.HashData(key, data, destination);
#pragma warning restore CA5350

    /// <summary>Finds the first attribute of a type in a structurally valid message, never past FINGERPRINT.</summary>
    private static bool TryFind(ReadOnlySpan<byte> message, ushort type, out StunAttribute attribute)
    {
        attribute = default;
        if (!TryCheckHeader(message, out _))
        {
            return false;
        }

        int offset = HeaderSize;
        while (offset < message.Length)
        {
            if (!TryReadAttribute(message, ref offset, out var current, out _))
            {
                return false;
            }

            if (current.Type == type)
            {
                attribute = current;
                return true;
            }

            if (current.Type == StunAttributeType.Fingerprint)
            {
                return false;
            }
        }

        return false;
    }
}
