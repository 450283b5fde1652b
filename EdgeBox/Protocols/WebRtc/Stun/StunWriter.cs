using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace EdgeBox.Protocols.WebRtc.Stun;

/// <summary>
/// Writes one STUN message into a caller's buffer: the header first, then attributes in call order,
/// then <see cref="AddMessageIntegrity"/> and <see cref="AddFingerprint"/>, which must come last and
/// in that order. The header's length field is kept current after every attribute. Throws
/// <see cref="ArgumentException"/> when the buffer is too small (a Binding response needs at most
/// 20 + 24 + 24 + 8 = 76 bytes) and <see cref="InvalidOperationException"/> for an attribute after
/// FINGERPRINT or after MESSAGE-INTEGRITY.
/// </summary>
internal ref struct StunWriter
{
    /// <summary>Largest Binding success response <see cref="WriteBindingSuccess"/> writes (IPv6).</summary>
    public const int MaxBindingSuccessSize = StunMessage.HeaderSize + 24 + 24 + 8;

    private readonly Span<byte> _buffer;
    private readonly byte _padding;
    private int _length;
    private bool _hasIntegrity;
    private bool _hasFingerprint;

    /// <param name="destination">Where the message is written, from its start.</param>
    /// <param name="type">Method and class.</param>
    /// <param name="transactionId">12 bytes (a response copies the request's).</param>
    /// <param name="padding">Value of padding bytes. Receivers ignore it (RFC 8489 §14); RFC 5769's
    /// vectors use 0x20, so a test can reproduce them byte for byte.</param>
    public StunWriter(Span<byte> destination, StunMessageType type, scoped ReadOnlySpan<byte> transactionId, byte padding = 0)
    {
        if (transactionId.Length != StunMessage.TransactionIdSize)
        {
            ThrowHelper.BadTransactionId();
        }

        if (destination.Length < StunMessage.HeaderSize)
        {
            ThrowHelper.TooSmall();
        }

        _buffer = destination;
        _padding = padding;
        BinaryPrimitives.WriteUInt16BigEndian(destination, type.ToUInt16());
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], StunMessage.MagicCookie);
        transactionId.CopyTo(destination[8..]);
        _length = StunMessage.HeaderSize;
    }

    /// <summary>Bytes written so far, a complete message after every call.</summary>
    public readonly int Length => _length;

    public readonly ReadOnlySpan<byte> Written => _buffer[.._length];

    /// <summary>A fresh random transaction id (RFC 8489 §6: uniformly and randomly chosen).</summary>
    public static void NewTransactionId(Span<byte> destination) => RandomNumberGenerator.Fill(destination[..StunMessage.TransactionIdSize]);

    /// <summary>
    /// What an ICE-lite agent answers to a valid Binding request (RFC 8445 §7.3.1.4): XOR-MAPPED-ADDRESS
    /// with the request's source, MESSAGE-INTEGRITY with the local password, FINGERPRINT.
    /// </summary>
    /// <returns>The message length.</returns>
    public static int WriteBindingSuccess(Span<byte> destination, ReadOnlySpan<byte> transactionId, IPEndPoint source, ReadOnlySpan<byte> key)
    {
        var writer = new StunWriter(destination, StunMessageType.BindingSuccess, transactionId);
        writer.AddXorMappedAddress(source);
        writer.AddMessageIntegrity(key);
        writer.AddFingerprint();
        return writer.Length;
    }

    /// <summary>Appends any attribute; its value is padded to 4 bytes with the padding byte.</summary>
    public void AddAttribute(ushort type, scoped ReadOnlySpan<byte> value)
    {
        var destination = Begin(type, value.Length);
        value.CopyTo(destination);
    }

    public void AddUsername(string username) => AddText(StunAttributeType.Username, username);

    public void AddSoftware(string software) => AddText(StunAttributeType.Software, software);

    public void AddPriority(uint priority) => BinaryPrimitives.WriteUInt32BigEndian(Begin(StunAttributeType.Priority, 4), priority);

    public void AddUseCandidate() => Begin(StunAttributeType.UseCandidate, 0);

    public void AddIceControlled(ulong tieBreaker) => BinaryPrimitives.WriteUInt64BigEndian(Begin(StunAttributeType.IceControlled, 8), tieBreaker);

    public void AddIceControlling(ulong tieBreaker) => BinaryPrimitives.WriteUInt64BigEndian(Begin(StunAttributeType.IceControlling, 8), tieBreaker);

    /// <summary>ERROR-CODE (RFC 8489 §14.8) for a code 300-699 and its reason phrase.</summary>
    public void AddErrorCode(int code, string reason)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(code, 300);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(code, 699);
        int reasonLength = Encoding.UTF8.GetByteCount(reason);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(reasonLength, StunMessage.MaxReasonBytes, nameof(reason));
        var value = Begin(StunAttributeType.ErrorCode, 4 + reasonLength);
        value[0] = 0;
        value[1] = 0;
        value[2] = (byte)(code / 100);
        value[3] = (byte)(code % 100);
        Encoding.UTF8.GetBytes(reason, value[4..]);
    }

    /// <summary>UNKNOWN-ATTRIBUTES (RFC 8489 §14.9), for the 420 answer.</summary>
    public void AddUnknownAttributes(scoped ReadOnlySpan<ushort> types)
    {
        var value = Begin(StunAttributeType.UnknownAttributes, 2 * types.Length);
        for (int i = 0; i < types.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(value[(2 * i)..], types[i]);
        }
    }

    public void AddXorMappedAddress(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        AddXorMappedAddress(endPoint.Address, endPoint.Port);
    }

    /// <summary>
    /// XOR-MAPPED-ADDRESS (RFC 8489 §14.2). An IPv4-mapped IPv6 address, which a dual-stack socket
    /// reports for IPv4 peers, is written as the IPv4 address the peer knows itself by.
    /// </summary>
    public void AddXorMappedAddress(IPAddress address, int port)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        bool v4 = address.AddressFamily == AddressFamily.InterNetwork;
        int size = v4 ? 4 : 16;
        var value = Begin(StunAttributeType.XorMappedAddress, 4 + size);
        value[0] = 0;
        value[1] = v4 ? (byte)0x01 : (byte)0x02;
        BinaryPrimitives.WriteUInt16BigEndian(value[2..], (ushort)(port ^ (int)(StunMessage.MagicCookie >> 16)));
        if (!address.TryWriteBytes(value[4..], out _))
        {
            ThrowHelper.TooSmall();
        }

        for (int i = 0; i < size; i++)
        {
            // XORed with the cookie then (IPv6) the transaction id: header bytes 4-19.
            value[4 + i] ^= _buffer[4 + i];
        }
    }

    /// <summary>MESSAGE-INTEGRITY (RFC 8489 §14.5) with a short-term key (<see cref="StunMessage.ShortTermKey"/>).</summary>
    public void AddMessageIntegrity(scoped ReadOnlySpan<byte> key)
    {
        int covered = _length;
        // Begin sets the length field to count the attribute being added, which is the value the
        // HMAC must see; the padding is none (20 bytes).
        var value = Begin(StunAttributeType.MessageIntegrity, StunMessage.IntegritySize);
        StunMessage.ComputeHmac(key, _buffer[..covered], value);
        _hasIntegrity = true;
    }

    /// <summary>FINGERPRINT (RFC 8489 §14.7), the last attribute.</summary>
    public void AddFingerprint()
    {
        int covered = _length;
        var value = Begin(StunAttributeType.Fingerprint, 4);
        BinaryPrimitives.WriteUInt32BigEndian(value, Crc32.Compute(_buffer[..covered]) ^ StunMessage.FingerprintXor);
        _hasFingerprint = true;
    }

    private void AddText(ushort type, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var value = Begin(type, Encoding.UTF8.GetByteCount(text));
        Encoding.UTF8.GetBytes(text, value);
    }

    /// <summary>Writes the TLV header and padding, updates the length field, returns the value's slot.</summary>
    private Span<byte> Begin(ushort type, int length)
    {
        if (_hasFingerprint)
        {
            ThrowHelper.AfterFingerprint();
        }

        if (_hasIntegrity && type != StunAttributeType.Fingerprint)
        {
            ThrowHelper.AfterIntegrity();
        }

        if (length > ushort.MaxValue)
        {
            ThrowHelper.TooLong();
        }

        int padded = StunAttribute.Padded(length);
        int end = _length + StunAttribute.HeaderSize + padded;
        if (end > _buffer.Length || end - StunMessage.HeaderSize > ushort.MaxValue)
        {
            ThrowHelper.TooSmall();
        }

        var attribute = _buffer[_length..end];
        BinaryPrimitives.WriteUInt16BigEndian(attribute, type);
        BinaryPrimitives.WriteUInt16BigEndian(attribute[2..], (ushort)length);
        attribute[(StunAttribute.HeaderSize + length)..].Fill(_padding);
        _length = end;
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[2..], (ushort)(_length - StunMessage.HeaderSize));
        return attribute.Slice(StunAttribute.HeaderSize, length);
    }

    private static class ThrowHelper
    {
        [DoesNotReturn]
        public static void TooSmall() => throw new ArgumentException("The destination is too small for the STUN message.");

        [DoesNotReturn]
        public static void TooLong() => throw new ArgumentException("A STUN attribute value is at most 65535 bytes.");

        [DoesNotReturn]
        public static void BadTransactionId() => throw new ArgumentException("A STUN transaction id is 12 bytes.");

        [DoesNotReturn]
        public static void AfterFingerprint() => throw new InvalidOperationException("FINGERPRINT is the last attribute of a STUN message.");

        [DoesNotReturn]
        public static void AfterIntegrity() => throw new InvalidOperationException("Only FINGERPRINT may follow MESSAGE-INTEGRITY.");
    }
}
