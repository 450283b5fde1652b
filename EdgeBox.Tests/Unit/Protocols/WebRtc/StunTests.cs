using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using EdgeBox.Protocols.WebRtc.Stun;

namespace EdgeBox.Tests.Unit.Protocols.WebRtc;

/// <summary>The STUN codec against the RFC 5769 test vectors, every prefix and malformed input, and round trips.</summary>
public sealed class StunTests
{
    private const string Password = "VOkJxbRl1RmTxUk/WvJxBt";

    // RFC 5769 §2.1 Sample Request: SOFTWARE "STUN test client", PRIORITY, ICE-CONTROLLED, USERNAME
    // "evtj:h6vY" (padded with three spaces), MESSAGE-INTEGRITY, FINGERPRINT.
    private const string SampleRequestHex = """
        00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86
        fa 87 df ae 80 22 00 10 53 54 55 4e 20 74 65 73
        74 20 63 6c 69 65 6e 74 00 24 00 04 6e 00 01 ff
        80 29 00 08 93 2f f9 b1 51 26 3b 36 00 06 00 09
        65 76 74 6a 3a 68 36 76 59 20 20 20 00 08 00 14
        9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49
        c1 b5 71 a2 80 28 00 04 e5 7a 3b cf
        """;

    // RFC 5769 §2.2 Sample IPv4 Response: SOFTWARE "test vector", XOR-MAPPED-ADDRESS 192.0.2.1:32853.
    private const string SampleIpv4ResponseHex = """
        01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86
        fa 87 df ae 80 22 00 0b 74 65 73 74 20 76 65 63
        74 6f 72 20 00 20 00 08 00 01 a1 47 e1 12 a6 43
        00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9
        2a f9 ba 53 f0 6b e7 d7 80 28 00 04 c0 7d 4c 96
        """;

    // RFC 5769 §2.3 Sample IPv6 Response: XOR-MAPPED-ADDRESS [2001:db8:1234:5678:11:2233:4455:6677]:32853.
    private const string SampleIpv6ResponseHex = """
        01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86
        fa 87 df ae 80 22 00 0b 74 65 73 74 20 76 65 63
        74 6f 72 20 00 20 00 14 00 02 a1 47 01 13 a9 fa
        a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9 00 08 00 14
        a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75
        bf e3 ed 41 80 28 00 04 c8 fb 0b 4c
        """;

    // RFC 5769 §2.4 Sample Request with Long-Term Authentication: USERNAME "マトリックス", NONCE, REALM
    // "example.org", MESSAGE-INTEGRITY keyed with MD5("マトリックス:example.org:TheMatrIX"), no FINGERPRINT.
    private const string SampleLongTermHex = """
        00 01 00 60 21 12 a4 42 78 ad 34 33 c6 ad 72 c0
        29 da 41 2e 00 06 00 12 e3 83 9e e3 83 88 e3 83
        aa e3 83 83 e3 82 af e3 82 b9 00 00 00 15 00 1c
        66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34
        6f 4c 39 46 53 54 76 79 36 34 73 41 00 14 00 0b
        65 78 61 6d 70 6c 65 2e 6f 72 67 00 00 08 00 14
        f6 70 24 65 6d d6 4a 3e 02 b8 e0 71 2e 85 c9 a2
        8c a8 96 66
        """;

    private const string LongTermNonce = "f//499k954d6OL34oL9FSTvy64sA";

    private static readonly byte[] SampleRequest = Hex(SampleRequestHex);
    private static readonly byte[] SampleIpv4Response = Hex(SampleIpv4ResponseHex);
    private static readonly byte[] SampleIpv6Response = Hex(SampleIpv6ResponseHex);
    private static readonly byte[] SampleLongTerm = Hex(SampleLongTermHex);
    private static readonly byte[] RfcTransactionId = Hex("b7 e7 a7 01 bc 34 d6 86 fa 87 df ae");
    private static readonly IPAddress RfcIpv6 = IPAddress.Parse("2001:db8:1234:5678:11:2233:4455:6677");

    public static TheoryData<string> Vectors() => ["2.1", "2.2", "2.3", "2.4"];

    [Fact]
    public void The_rfc5769_sample_request_parses_to_its_attributes()
    {
        Assert.True(StunMessage.TryParse(SampleRequest, out var message, out string error), error);
        Assert.Equal(string.Empty, error);
        Assert.Equal(StunMessageType.BindingRequest, message.Type);
        Assert.Equal(RfcTransactionId, message.TransactionId.ToArray());
        Assert.True(message.TryGetAttribute(StunAttributeType.Software, out var software));
        Assert.Equal("STUN test client", Encoding.UTF8.GetString(software));
        Assert.Equal(0x6E0001FFu, message.Priority);
        Assert.Equal(0x932FF9B151263B36ul, message.IceControlled);
        Assert.Null(message.IceControlling);
        Assert.False(message.UseCandidate);
        Assert.Equal("evtj:h6vY", message.Username);
        Assert.True(message.HasMessageIntegrity);
        Assert.True(message.HasFingerprint);
        Assert.Empty(message.UnknownComprehensionRequired);
        Assert.Equal(
            [StunAttributeType.Software, StunAttributeType.Priority, StunAttributeType.IceControlled, StunAttributeType.Username, StunAttributeType.MessageIntegrity, StunAttributeType.Fingerprint],
            message.Attributes.Select(a => a.Type));
    }

    [Fact]
    public void The_rfc5769_sample_request_verifies_with_its_password_and_not_with_another()
    {
        Assert.True(StunMessage.VerifyIntegrity(SampleRequest, StunMessage.ShortTermKey(Password)));
        Assert.False(StunMessage.VerifyIntegrity(SampleRequest, StunMessage.ShortTermKey("VOkJxbRl1RmTxUk/WvJxBu")));
        Assert.False(StunMessage.VerifyIntegrity(SampleRequest, []));
        Assert.True(StunMessage.VerifyFingerprint(SampleRequest));
        Assert.True(StunMessage.TryParse(SampleRequest, out var message, out _));
        Assert.True(message.VerifyIntegrity(StunMessage.ShortTermKey(Password)));
        Assert.True(message.VerifyFingerprint());
    }

    [Fact]
    public void The_rfc5769_ipv4_response_carries_192_0_2_1_port_32853_and_verifies()
    {
        Assert.True(StunMessage.TryParse(SampleIpv4Response, out var message, out string error), error);
        Assert.Equal(StunMessageType.BindingSuccess, message.Type);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 32853), message.XorMappedAddress);
        Assert.True(message.TryGetAttribute(StunAttributeType.Software, out var software));
        Assert.Equal("test vector", Encoding.UTF8.GetString(software));
        Assert.True(StunMessage.VerifyIntegrity(SampleIpv4Response, StunMessage.ShortTermKey(Password)));
        Assert.False(StunMessage.VerifyIntegrity(SampleIpv4Response, StunMessage.ShortTermKey("not it")));
        Assert.True(StunMessage.VerifyFingerprint(SampleIpv4Response));
    }

    [Fact]
    public void The_rfc5769_ipv6_response_carries_its_address_and_verifies()
    {
        Assert.True(StunMessage.TryParse(SampleIpv6Response, out var message, out string error), error);
        Assert.Equal(new IPEndPoint(RfcIpv6, 32853), message.XorMappedAddress);
        Assert.Equal(AddressFamily.InterNetworkV6, message.XorMappedAddress!.AddressFamily);
        Assert.True(StunMessage.VerifyIntegrity(SampleIpv6Response, StunMessage.ShortTermKey(Password)));
        Assert.False(StunMessage.VerifyIntegrity(SampleIpv6Response, StunMessage.ShortTermKey("not it")));
        Assert.True(StunMessage.VerifyFingerprint(SampleIpv6Response));
    }

    [Fact]
    public void The_rfc5769_long_term_request_parses_and_reports_realm_and_nonce_as_not_understood()
    {
        Assert.True(StunMessage.TryParse(SampleLongTerm, out var message, out string error), error);
        Assert.Equal("マトリックス", message.Username);
        Assert.True(message.TryGetAttribute(StunAttributeType.Nonce, out var nonce));
        Assert.Equal(LongTermNonce, Encoding.UTF8.GetString(nonce));
        Assert.True(message.TryGetAttribute(StunAttributeType.Realm, out var realm));
        Assert.Equal("example.org", Encoding.UTF8.GetString(realm));
        // Long-term credentials are not implemented: an ICE-lite agent answers such a request with 420.
        Assert.Equal([StunAttributeType.Nonce, StunAttributeType.Realm], message.UnknownComprehensionRequired);
        Assert.False(message.HasFingerprint);
        Assert.False(StunMessage.VerifyFingerprint(SampleLongTerm));

        // The HMAC itself is key-agnostic, so the vector verifies with the RFC 8489 §9.2.2 MD5 key.
        Assert.True(StunMessage.VerifyIntegrity(SampleLongTerm, LongTermKey()));
        Assert.False(StunMessage.VerifyIntegrity(SampleLongTerm, StunMessage.ShortTermKey("TheMatrIX")));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Any_flipped_bit_fails_the_fingerprint_or_the_integrity(string section)
    {
        var (vector, key) = Vector(section);
        bool hasFingerprint = section != "2.4";
        int fingerprintStart = hasFingerprint ? vector.Length - 8 : vector.Length;
        Assert.True(StunMessage.VerifyIntegrity(vector, key));
        for (int bit = 0; bit < 8 * vector.Length; bit++)
        {
            var flipped = (byte[])vector.Clone();
            flipped[bit / 8] ^= (byte)(0x80 >> (bit % 8));
            _ = StunMessage.TryParse(flipped, out _, out _);
            if (hasFingerprint)
            {
                Assert.False(StunMessage.VerifyFingerprint(flipped), $"fingerprint survived bit {bit}");
            }

            if (bit / 8 < fingerprintStart)
            {
                Assert.False(StunMessage.VerifyIntegrity(flipped, key), $"integrity survived bit {bit}");
            }
        }
    }

    [Fact]
    public void The_writer_reproduces_the_rfc5769_sample_request_byte_for_byte()
    {
        var buffer = new byte[256];
        var writer = new StunWriter(buffer, StunMessageType.BindingRequest, RfcTransactionId, padding: 0x20);
        writer.AddSoftware("STUN test client");
        writer.AddPriority(0x6E0001FF);
        writer.AddIceControlled(0x932FF9B151263B36);
        writer.AddUsername("evtj:h6vY");
        writer.AddMessageIntegrity(StunMessage.ShortTermKey(Password));
        writer.AddFingerprint();
        Assert.Equal(SampleRequestHex.ReplaceLineEndings(" "), ToHex(writer.Written));
    }

    [Theory]
    [InlineData("2.2")]
    [InlineData("2.3")]
    public void The_writer_reproduces_the_rfc5769_responses_byte_for_byte(string section)
    {
        var buffer = new byte[256];
        var writer = new StunWriter(buffer, StunMessageType.BindingSuccess, RfcTransactionId, padding: 0x20);
        writer.AddSoftware("test vector");
        writer.AddXorMappedAddress(section == "2.2" ? IPAddress.Parse("192.0.2.1") : RfcIpv6, 32853);
        writer.AddMessageIntegrity(StunMessage.ShortTermKey(Password));
        writer.AddFingerprint();
        Assert.Equal(Vector(section).Message, writer.Written.ToArray());
    }

    [Fact]
    public void The_writer_reproduces_the_rfc5769_long_term_request_with_its_zero_padding()
    {
        var buffer = new byte[256];
        var writer = new StunWriter(buffer, StunMessageType.BindingRequest, Hex("78 ad 34 33 c6 ad 72 c0 29 da 41 2e"));
        writer.AddUsername("マトリックス");
        writer.AddAttribute(StunAttributeType.Nonce, Encoding.ASCII.GetBytes(LongTermNonce));
        writer.AddAttribute(StunAttributeType.Realm, "example.org"u8);
        writer.AddMessageIntegrity(LongTermKey());
        Assert.Equal(SampleLongTerm, writer.Written.ToArray());
    }

    [Fact]
    public void Zero_padding_changes_only_the_padding_and_the_hashes_and_still_verifies()
    {
        var buffer = new byte[256];
        var writer = new StunWriter(buffer, StunMessageType.BindingRequest, RfcTransactionId);
        writer.AddSoftware("STUN test client");
        writer.AddPriority(0x6E0001FF);
        writer.AddIceControlled(0x932FF9B151263B36);
        writer.AddUsername("evtj:h6vY");
        writer.AddMessageIntegrity(StunMessage.ShortTermKey(Password));
        writer.AddFingerprint();
        var written = writer.Written.ToArray();
        Assert.Equal(SampleRequest.Length, written.Length);
        Assert.Equal(SampleRequest[..73], written[..73]);
        Assert.Equal([0, 0, 0], written[73..76]);
        Assert.True(StunMessage.VerifyIntegrity(written, StunMessage.ShortTermKey(Password)));
        Assert.True(StunMessage.VerifyFingerprint(written));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Every_prefix_is_rejected_without_throwing(string section)
    {
        var (vector, key) = Vector(section);
        for (int length = 0; length < vector.Length; length++)
        {
            var prefix = vector.AsSpan(0, length);
            Assert.False(StunMessage.TryParse(prefix, out var message, out string error), $"prefix of {length}");
            Assert.Null(message);
            Assert.NotEmpty(error);
            Assert.False(StunMessage.VerifyIntegrity(prefix, key));
            Assert.False(StunMessage.VerifyFingerprint(prefix));
            Assert.Equal(length >= StunMessage.HeaderSize, StunMessage.IsStun(prefix));
        }

        Assert.True(StunMessage.TryParse(vector, out _, out _));
    }

    [Theory]
    [InlineData("not a multiple of 4")]
    [InlineData("attribute past the end")]
    [InlineData("bad cookie")]
    [InlineData("top bits set")]
    [InlineData("huge length")]
    [InlineData("trailing bytes")]
    [InlineData("after fingerprint")]
    [InlineData("short priority")]
    [InlineData("long use-candidate")]
    [InlineData("short ice-controlling")]
    [InlineData("short integrity")]
    [InlineData("unknown address family")]
    [InlineData("ipv4 address of ipv6 size")]
    [InlineData("error class 7")]
    [InlineData("error number 100")]
    [InlineData("long username")]
    [InlineData("too many attributes")]
    public void Malformed_messages_are_rejected_with_a_reason(string kind)
    {
        byte[] message = kind switch
        {
            "not a multiple of 4" => WithLength([.. SampleIpv4Response, 0], SampleIpv4Response.Length - 19),
            "attribute past the end" => Patched(SampleIpv4Response, 22, 0x00, 0xFF),
            "bad cookie" => Patched(SampleIpv4Response, 4, 0x21, 0x13),
            "top bits set" => Patched(SampleIpv4Response, 0, 0x41),
            "huge length" => Patched(SampleIpv4Response, 2, 0xFF, 0xFC),
            "trailing bytes" => [.. SampleIpv4Response, 0, 0, 0, 0],
            "after fingerprint" => WithLength([.. SampleIpv4Response, 0x80, 0x22, 0x00, 0x00], SampleIpv4Response.Length - 16),
            "short priority" => Build((ref StunWriter w) => w.AddAttribute(StunAttributeType.Priority, [1, 2, 3])),
            "long use-candidate" => Build((ref StunWriter w) => w.AddAttribute(StunAttributeType.UseCandidate, [1])),
            "short ice-controlling" => Build((ref StunWriter w) => w.AddAttribute(StunAttributeType.IceControlling, [1, 2, 3, 4])),
            "short integrity" => Build((ref StunWriter w) => w.AddAttribute(StunAttributeType.MessageIntegrity, new byte[16])),
            "unknown address family" => Build((ref StunWriter w) => w.AddAttribute(StunAttributeType.XorMappedAddress, [0, 3, 0, 0, 1, 2, 3, 4])),
            "ipv4 address of ipv6 size" => Build((ref StunWriter w) => w.AddAttribute(StunAttributeType.XorMappedAddress, [0, 1, .. new byte[18]])),
            "error class 7" => Build((ref StunWriter w) => w.AddAttribute(StunAttributeType.ErrorCode, [0, 0, 7, 0])),
            "error number 100" => Build((ref StunWriter w) => w.AddAttribute(StunAttributeType.ErrorCode, [0, 0, 4, 100])),
            "long username" => Build((ref StunWriter w) => w.AddAttribute(StunAttributeType.Username, new byte[509])),
            _ => Build((ref StunWriter w) =>
            {
                for (int i = 0; i <= StunMessage.MaxAttributes; i++)
                {
                    w.AddAttribute(0x8123, []);
                }
            }),
        };

        Assert.False(StunMessage.TryParse(message, out var parsed, out string error));
        Assert.Null(parsed);
        Assert.NotEmpty(error);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_garbage_and_mutated_vectors_never_throw(int seed)
    {
        var random = new Random(seed);
        var key = StunMessage.ShortTermKey(Password);
        byte[][] vectors = [SampleRequest, SampleIpv4Response, SampleIpv6Response, SampleLongTerm];
        int accepted = 0;
        for (int i = 0; i < 20_000; i++)
        {
            byte[] input;
            if (random.Next(2) == 0)
            {
                input = (byte[])vectors[random.Next(vectors.Length)].Clone();
                for (int n = random.Next(1, 4); n > 0; n--)
                {
                    input[random.Next(StunMessage.HeaderSize, input.Length)] = (byte)random.Next(256);
                }
            }
            else
            {
                input = new byte[random.Next(4) == 0 ? random.Next(600) : 4 * random.Next(5, 12)];
                random.NextBytes(input);
                if (input.Length >= StunMessage.HeaderSize && random.Next(4) != 0)
                {
                    // A believable header, so the attribute walk is what gets exercised.
                    input[0] &= 0x03;
                    BinaryPrimitives.WriteUInt16BigEndian(input.AsSpan(2), (ushort)(input.Length - StunMessage.HeaderSize));
                    BinaryPrimitives.WriteUInt32BigEndian(input.AsSpan(4), StunMessage.MagicCookie);
                }
            }

            bool ok = StunMessage.TryParse(input, out var message, out string error);
            Assert.Equal(ok, message is not null);
            Assert.Equal(ok, error.Length == 0);
            if (ok)
            {
                accepted++;
                _ = (message!.Username, message.Priority, message.XorMappedAddress, message.ErrorCode, message.ErrorReason,
                    message.IceControlled, message.IceControlling, message.UseCandidate);
            }

            _ = StunMessage.VerifyIntegrity(input, key);
            _ = StunMessage.VerifyFingerprint(input);
            _ = StunMessage.IsStun(input);
        }

        Assert.True(accepted > 100, $"the accepting paths were exercised ({accepted})");
    }

    [Fact]
    public void Unknown_optional_attributes_are_kept_and_unknown_required_ones_are_reported_once()
    {
        var message = Build((ref StunWriter w) =>
        {
            w.AddAttribute(0xC057, [1, 2, 3, 4]);
            w.AddAttribute(0x0033, [9]);
            w.AddPriority(7);
            w.AddAttribute(0x0033, [8]);
            w.AddAttribute(0x7FFF, []);
        });
        Assert.True(StunMessage.TryParse(message, out var parsed, out string error), error);
        Assert.Equal([(ushort)0x0033, (ushort)0x7FFF], parsed.UnknownComprehensionRequired);
        Assert.True(parsed.TryGetAttribute(0xC057, out var value));
        Assert.Equal([1, 2, 3, 4], value.ToArray());
        Assert.True(parsed.TryGetAttribute(0x0033, out var first));
        Assert.Equal([9], first.ToArray());
        Assert.Equal(7u, parsed.Priority);
    }

    [Fact]
    public void Attributes_after_message_integrity_are_ignored_but_integrity_still_verifies()
    {
        var key = StunMessage.ShortTermKey(Password);
        var buffer = new byte[128];
        var writer = new StunWriter(buffer, StunMessageType.BindingRequest, RfcTransactionId);
        writer.AddUsername("a:b");
        writer.AddMessageIntegrity(key);
        int length = writer.Length;

        // An on-path attacker appends USE-CANDIDATE: it is outside the HMAC, so it must not count.
        byte[] tampered = [.. buffer.AsSpan(0, length), 0x00, 0x25, 0x00, 0x00];
        BinaryPrimitives.WriteUInt16BigEndian(tampered.AsSpan(2), (ushort)(tampered.Length - StunMessage.HeaderSize));
        Assert.True(StunMessage.TryParse(tampered, out var parsed, out string error), error);
        Assert.False(parsed.UseCandidate);
        Assert.DoesNotContain(parsed.Attributes, a => a.Type == StunAttributeType.UseCandidate);
        Assert.True(parsed.VerifyIntegrity(key));
    }

    [Fact]
    public void Anything_after_fingerprint_fails_parsing_and_the_fingerprint()
    {
        byte[] message = WithLength([.. SampleRequest, 0x80, 0x22, 0x00, 0x00], SampleRequest.Length + 4 - StunMessage.HeaderSize);
        Assert.False(StunMessage.TryParse(message, out _, out string error));
        Assert.Contains("FINGERPRINT", error, StringComparison.Ordinal);
        Assert.False(StunMessage.VerifyFingerprint(message));
    }

    [Fact]
    public void Message_integrity_after_fingerprint_does_not_verify()
    {
        var key = StunMessage.ShortTermKey(Password);
        var buffer = new byte[128];
        var writer = new StunWriter(buffer, StunMessageType.BindingRequest, RfcTransactionId);
        writer.AddUsername("a:b");
        writer.AddFingerprint();
        byte[] withIntegrity = [.. writer.Written, 0x00, 0x08, 0x00, 0x14, .. new byte[20]];
        BinaryPrimitives.WriteUInt16BigEndian(withIntegrity.AsSpan(2), (ushort)(withIntegrity.Length - StunMessage.HeaderSize));
        Assert.False(StunMessage.VerifyIntegrity(withIntegrity, key));
        Assert.False(StunMessage.TryParse(withIntegrity, out _, out _));
    }

    [Theory]
    [InlineData("203.0.113.5", 54321, "203.0.113.5")]
    [InlineData("2001:db8::5", 54321, "2001:db8::5")]
    [InlineData("::ffff:203.0.113.5", 1, "203.0.113.5")]
    [InlineData("fe80::1", 65535, "fe80::1")]
    public void An_ice_lite_binding_success_response_round_trips(string source, int port, string expected)
    {
        var key = StunMessage.ShortTermKey("server-ice-pwd-0123456789");
        Span<byte> transactionId = stackalloc byte[StunMessage.TransactionIdSize];
        StunWriter.NewTransactionId(transactionId);
        var buffer = new byte[StunWriter.MaxBindingSuccessSize];
        int length = StunWriter.WriteBindingSuccess(buffer, transactionId, new IPEndPoint(IPAddress.Parse(source), port), key);
        var response = buffer.AsSpan(0, length);

        Assert.True(StunMessage.IsStun(response));
        Assert.True(StunMessage.TryParse(response, out var parsed, out string error), error);
        Assert.Equal(StunMessageType.BindingSuccess, parsed.Type);
        Assert.Equal(transactionId.ToArray(), parsed.TransactionId.ToArray());
        Assert.Equal(new IPEndPoint(IPAddress.Parse(expected), port), parsed.XorMappedAddress);
        Assert.Equal(
            [StunAttributeType.XorMappedAddress, StunAttributeType.MessageIntegrity, StunAttributeType.Fingerprint],
            parsed.Attributes.Select(a => a.Type));
        Assert.True(parsed.VerifyIntegrity(key));
        Assert.False(parsed.VerifyIntegrity(StunMessage.ShortTermKey("server-ice-pwd-0123456780")));
        Assert.True(parsed.VerifyFingerprint());
    }

    [Fact]
    public void A_420_error_response_round_trips_its_code_reason_and_unknown_attributes()
    {
        var buffer = new byte[128];
        var writer = new StunWriter(buffer, StunMessageType.BindingError, RfcTransactionId);
        writer.AddErrorCode(420, "Unknown Attribute");
        writer.AddUnknownAttributes([0x0033, 0x7FFF]);
        writer.AddFingerprint();
        Assert.True(StunMessage.TryParse(writer.Written, out var parsed, out string error), error);
        Assert.Equal(StunClass.ErrorResponse, parsed.Class);
        Assert.Equal(420, parsed.ErrorCode);
        Assert.Equal("Unknown Attribute", parsed.ErrorReason);
        Assert.True(parsed.TryGetAttribute(StunAttributeType.UnknownAttributes, out var unknown));
        Assert.Equal([0x00, 0x33, 0x7F, 0xFF], unknown.ToArray());
        Assert.True(parsed.VerifyFingerprint());
    }

    [Fact]
    public void Message_types_interleave_method_and_class_bits_as_rfc8489_section5_draws()
    {
        Assert.Equal(0x0001, StunMessageType.BindingRequest.ToUInt16());
        Assert.Equal(0x0011, new StunMessageType(StunMethod.Binding, StunClass.Indication).ToUInt16());
        Assert.Equal(0x0101, StunMessageType.BindingSuccess.ToUInt16());
        Assert.Equal(0x0111, StunMessageType.BindingError.ToUInt16());
        for (int method = 0; method < 0x1000; method++)
        {
            foreach (var @class in Enum.GetValues<StunClass>())
            {
                var type = new StunMessageType((StunMethod)method, @class);
                ushort value = type.ToUInt16();
                Assert.True(value < 0x4000);
                Assert.Equal(type, StunMessageType.FromUInt16(value));
            }
        }
    }

    [Fact]
    public void Demultiplexing_tells_stun_from_rtp_dtls_and_short_datagrams()
    {
        Assert.True(StunMessage.IsStun(SampleRequest));
        Assert.True(StunMessage.IsStun(SampleIpv6Response));
        Assert.False(StunMessage.IsStun(Patched(SampleRequest, 4, 0)));
        byte[] rtp = [0x80, 0x60, .. SampleRequest[2..]];
        Assert.False(StunMessage.IsStun(rtp));
        byte[] dtls = [0x16, 0xFE, .. SampleRequest[2..]];
        Assert.False(StunMessage.IsStun(dtls));
        Assert.False(StunMessage.IsStun(SampleRequest.AsSpan(0, 19)));
    }

    [Fact]
    public void The_writer_refuses_a_small_buffer_and_attributes_after_the_final_ones()
    {
        var transactionId = RfcTransactionId;
        Assert.Throws<ArgumentException>(() => new StunWriter(new byte[19], StunMessageType.BindingRequest, transactionId));
        Assert.Throws<ArgumentException>(() => new StunWriter(new byte[64], StunMessageType.BindingRequest, transactionId.AsSpan(1)));
        Assert.Throws<ArgumentException>(() =>
        {
            var writer = new StunWriter(new byte[24], StunMessageType.BindingRequest, transactionId);
            writer.AddPriority(1);
        });
        Assert.Throws<InvalidOperationException>(() =>
        {
            var writer = new StunWriter(new byte[128], StunMessageType.BindingRequest, transactionId);
            writer.AddMessageIntegrity([1]);
            writer.AddPriority(1);
        });
        Assert.Throws<InvalidOperationException>(() =>
        {
            var writer = new StunWriter(new byte[128], StunMessageType.BindingRequest, transactionId);
            writer.AddFingerprint();
            writer.AddMessageIntegrity([1]);
        });
        Assert.Throws<ArgumentOutOfRangeException>(() =>
        {
            var writer = new StunWriter(new byte[128], StunMessageType.BindingError, transactionId);
            writer.AddErrorCode(200, "OK");
        });
    }

    [Fact]
    public void Crc32_is_the_ieee_reflected_one()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
        Assert.Equal(0u, Crc32.Compute([]));
    }

    private static (byte[] Message, byte[] Key) Vector(string section) => section switch
    {
        "2.1" => (SampleRequest, StunMessage.ShortTermKey(Password)),
        "2.2" => (SampleIpv4Response, StunMessage.ShortTermKey(Password)),
        "2.3" => (SampleIpv6Response, StunMessage.ShortTermKey(Password)),
        _ => (SampleLongTerm, LongTermKey()),
    };

    /// <summary>RFC 8489 §9.2.2 long-term key, MD5(username ":" realm ":" password), only to check the §2.4 vector.</summary>
    private static byte[] LongTermKey()
    {
#pragma warning disable CA5351 // MD5 is what the RFC 5769 §2.4 vector (RFC 5389 long-term credentials) is keyed with.
        return MD5.HashData(Encoding.UTF8.GetBytes("マトリックス:example.org:TheMatrIX"));
#pragma warning restore CA5351
    }

    private delegate void WriterAction(ref StunWriter writer);

    private static byte[] Build(WriterAction add)
    {
        var buffer = new byte[2048];
        var writer = new StunWriter(buffer, StunMessageType.BindingRequest, RfcTransactionId);
        add(ref writer);
        return writer.Written.ToArray();
    }

    private static byte[] Patched(byte[] message, int offset, params byte[] bytes)
    {
        var copy = (byte[])message.Clone();
        bytes.CopyTo(copy, offset);
        return copy;
    }

    private static byte[] WithLength(byte[] message, int length)
    {
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(2), (ushort)length);
        return message;
    }

    private static byte[] Hex(string text) => Convert.FromHexString(string.Concat(text.Where(c => !char.IsWhiteSpace(c))));

    private static string ToHex(ReadOnlySpan<byte> bytes) => string.Join(' ', bytes.ToArray().Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
}
