using System.Buffers.Binary;
using System.Security.Cryptography;
using EdgeBox.Protocols.WebRtc.Srtp;
using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Unit.Protocols.WebRtc;

/// <summary>
/// SRTP/SRTCP against the RFC 3711 and RFC 7714 vectors and libsrtp's known-answer packets, then round
/// trips, rollover, replay, tampering and truncation for both profiles.
/// </summary>
public sealed class SrtpTests
{
    // RFC 3711 Appendix B.3 master key and salt; libsrtp's test/srtp_driver.c test_key starts with the same 30 bytes.
    private static readonly byte[] MasterKey = Hex("e1f97a0d3e018be0d64fa32c06de4139");
    private static readonly byte[] MasterSalt = Hex("0ec675ad498afeebb6960b3aabe6");

    // libsrtp test/srtp_driver.c test_key_gcm (cisco/libsrtp 9073dfe9, srtp_validate_gcm).
    private static readonly byte[] GcmMasterKey = Hex("000102030405060708090a0b0c0d0e0f");
    private static readonly byte[] GcmMasterSalt = Hex("a0a1a2a3a4a5a6a7a8a9aaab");

    // The plaintext packets of libsrtp's srtp_validate and srtp_validate_gcm: SSRC 0xcafebabe, seq 0x1234,
    // sixteen 0xab octets of payload; an RTCP SR header with the same SSRC and sixteen 0xab octets.
    private static readonly byte[] LibsrtpRtp = Hex("800f1234 decafbad cafebabe abababab abababab abababab abababab");
    private static readonly byte[] LibsrtpRtcp = Hex("81c8000b cafebabe abababab abababab abababab abababab");

    /// <summary>Profile names: the enum is internal, and public test methods cannot take it.</summary>
    public static TheoryData<string> Profiles() => [nameof(SrtpProfile.Aes128CmHmacSha1_80), nameof(SrtpProfile.AeadAes128Gcm)];

    [Fact]
    public void Profiles_map_their_dtls_ids_and_key_lengths()
    {
        Assert.True(SrtpProfiles.TryFromId(0x0001, out var cm));
        Assert.Equal(SrtpProfile.Aes128CmHmacSha1_80, cm);
        Assert.True(SrtpProfiles.TryFromId(0x0007, out var gcm));
        Assert.Equal(SrtpProfile.AeadAes128Gcm, gcm);
        Assert.False(SrtpProfiles.TryFromId(0x0002, out _)); // SRTP_AES128_CM_HMAC_SHA1_32: not offered
        Assert.False(SrtpProfiles.TryFromId(0x0008, out _)); // SRTP_AEAD_AES_256_GCM
        Assert.Equal(16, SrtpProfiles.KeyLength(cm));
        Assert.Equal(16, SrtpProfiles.KeyLength(gcm));
        Assert.Equal(14, SrtpProfiles.SaltLength(cm));
        Assert.Equal(12, SrtpProfiles.SaltLength(gcm));
    }

    [Fact]
    public void Overheads_are_the_tag_and_for_rtcp_the_index_word()
    {
        using var cm = new SrtpContext(SrtpProfile.Aes128CmHmacSha1_80, MasterKey, MasterSalt);
        using var gcm = new SrtpContext(SrtpProfile.AeadAes128Gcm, GcmMasterKey, GcmMasterSalt);
        Assert.Equal((10, 14), (cm.RtpOverhead, cm.RtcpOverhead));
        Assert.Equal((16, 20), (gcm.RtpOverhead, gcm.RtcpOverhead));
        Assert.Equal(SrtpProfile.AeadAes128Gcm, gcm.Profile);
    }

    [Fact]
    public void Wrong_master_key_or_salt_lengths_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new SrtpContext(SrtpProfile.Aes128CmHmacSha1_80, MasterKey, GcmMasterSalt));
        Assert.Throws<ArgumentException>(() => new SrtpContext(SrtpProfile.AeadAes128Gcm, GcmMasterKey, MasterSalt));
        Assert.Throws<ArgumentException>(() => new SrtpContext(SrtpProfile.AeadAes128Gcm, MasterSalt, GcmMasterSalt));
    }

    /// <summary>RFC 3711 Appendix B.2: the AES-CM keystream for session key 2B7E...3C and offset F0F1...FD0000.</summary>
    [Fact]
    public void Rfc3711_b2_aes_counter_mode_keystream()
    {
        using var aes = new AesCounterMode(Hex("2B7E151628AED2A6ABF7158809CF4F3C"));
        var keystream = new byte[0xFF02 * 16];
        aes.Apply(Hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000"), keystream);

        Assert.Equal(Hex("E03EAD0935C95E80E166B16DD92B4EB4"), Block(keystream, 0x0000));
        Assert.Equal(Hex("D23513162B02D0F72A43A2FE4A5F97AB"), Block(keystream, 0x0001));
        Assert.Equal(Hex("41E95B3BB0A2E8DD477901E4FCA894C0"), Block(keystream, 0x0002));
        Assert.Equal(Hex("EC8CDF7398607CB0F2D21675EA9EA1E4"), Block(keystream, 0xFEFF));
        Assert.Equal(Hex("362B7C3C6773516318A077D7FC5073AE"), Block(keystream, 0xFF00));
        Assert.Equal(Hex("6A2CC3787889374FBEB4C81B17BA6C44"), Block(keystream, 0xFF01));

        static byte[] Block(byte[] keystream, int counter) => keystream.AsSpan(counter * 16, 16).ToArray();
    }

    /// <summary>RFC 3711 Appendix B.3: the session keys from master key E1F9...39 and master salt 0EC6...E6.</summary>
    [Fact]
    public void Rfc3711_b3_key_derivation()
    {
        using var keys = SrtpSessionKeys.Derive(SrtpProfile.Aes128CmHmacSha1_80, MasterKey, MasterSalt);

        Assert.Equal(Hex("C61E7A93744F39EE10734AFE3FF7A087"), keys.RtpKey);
        Assert.Equal(Hex("30CBBC08863D8C85D49DB34A9AE1"), keys.RtpSalt);
        Assert.Equal(Hex("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4"), keys.RtpAuthKey);
    }

    /// <summary>RFC 3711 B.3 spells out the PRF's IVs and a longer auth-key keystream; the first 20 octets are the key.</summary>
    [Fact]
    public void Rfc3711_b3_prf_ivs_give_the_listed_keystream()
    {
        using var prf = new AesCounterMode(MasterKey);
        var cipherKey = new byte[16];
        prf.Apply(Hex("0EC675AD498AFEEBB6960B3AABE60000"), cipherKey);
        Assert.Equal(Hex("C61E7A93744F39EE10734AFE3FF7A087"), cipherKey);

        var cipherSalt = new byte[14];
        prf.Apply(Hex("0EC675AD498AFEE9B6960B3AABE60000"), cipherSalt);
        Assert.Equal(Hex("30CBBC08863D8C85D49DB34A9AE1"), cipherSalt);

        var authKey = new byte[94];
        prf.Apply(Hex("0EC675AD498AFEEAB6960B3AABE60000"), authKey);
        Assert.Equal(Hex("""
            CEBE321F6FF7716B6FD4AB49AF256A15 6D38BAA48F0A0ACF3C34E2359E6CDBCE
            E049646C43D9327AD175578EF7227098 6371C10C9A369AC2F94A8C5FBCDDDC25
            6D6E919A48B610EF17C2041E47403576 6B68642C59BBFC2F34DB60DBDFB2
            """), authKey);
    }

    /// <summary>
    /// libsrtp's srtp_validate (test/srtp_driver.c in cisco/libsrtp at 9073dfe9): the default policy
    /// AES_CM_128_HMAC_SHA1_80 for RTP and RTCP with the B.3 master key and salt. libsrtp numbers its
    /// first SRTCP packet 1, as we do.
    /// </summary>
    [Fact]
    public void Libsrtp_known_answer_packets_aes_cm_hmac_sha1_80()
    {
        byte[] srtp = Hex("800f1234 decafbad cafebabe 4e55dc4c e79978d8 8ca4d215 949d2402 b78d6acc 99ea179b 8dbb");
        byte[] srtcp = Hex("81c8000b cafebabe 7128035b e487b9bd bef89041 f977a5a8 80000001 993e08cd 54d6c123 0798");
        AssertKnownAnswer(new SrtpContext(SrtpProfile.Aes128CmHmacSha1_80, MasterKey, MasterSalt),
            new SrtpContext(SrtpProfile.Aes128CmHmacSha1_80, MasterKey, MasterSalt), srtp, srtcp);
    }

    /// <summary>
    /// libsrtp's srtp_validate_gcm (same file): AEAD_AES_128_GCM with test_key_gcm. The SRTCP index word
    /// follows the tag, as RFC 7714 §9.1 lays it out.
    /// </summary>
    [Fact]
    public void Libsrtp_known_answer_packets_aead_aes_128_gcm()
    {
        byte[] srtp = Hex("""
            800f1234 decafbad cafebabe c5002ede 04cfdd2e b91159e0 880aa06e d2976826
            f796b201 df3131a1 27e8a392
            """);
        byte[] srtcp = Hex("""
            81c8000b cafebabe c98b8b5d f0392a55 852b6c21 ac8e7025 c52c6fbe a2b3b446
            ea31123b a88ce61e 80000001
            """);
        AssertKnownAnswer(new SrtpContext(SrtpProfile.AeadAes128Gcm, GcmMasterKey, GcmMasterSalt),
            new SrtpContext(SrtpProfile.AeadAes128Gcm, GcmMasterKey, GcmMasterSalt), srtp, srtcp);
    }

    /// <summary>
    /// RFC 7714 §16.1 (AEAD_AES_128_GCM SRTP, session key and salt given directly, SSRC 0x5501a0b2, ROC 0,
    /// SEQ 0xf17b). The expected bytes are the RFC's as transcribed in pion/srtp
    /// srtp_cipher_aead_aes_gcm_rfc_test.go, and were checked here against an independent AES-GCM.
    /// </summary>
    [Fact]
    public void Rfc7714_16_gcm_srtp_packet()
    {
        byte[] plain = Hex("""
            8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973 20646976
            69736120 696e2070 61727465 73207472 6573
            """);
        byte[] expected = Hex("""
            8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5
            0d294e6f 42a5f47a 51c7d19b 36de3adf 8833899d 7f27beb1 6a9152cf 765ee439
            0cce
            """);
        using var sender = new SrtpContext(SrtpProfile.AeadAes128Gcm, Rfc7714Keys());
        Assert.Equal(expected, Protect(sender, plain));

        using var receiver = new SrtpContext(SrtpProfile.AeadAes128Gcm, Rfc7714Keys());
        Assert.Equal(plain, Unprotect(receiver, expected));
    }

    /// <summary>RFC 7714 §17.1 (SRTCP, SSRC "Mars", SRTCP index 0x5d4, E set), transcribed and checked as above.</summary>
    [Fact]
    public void Rfc7714_17_gcm_srtcp_packet()
    {
        byte[] plain = Hex("""
            81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61
            deadbeef deadbeef deadbeef deadbeef deadbeef
            """);
        byte[] expected = Hex("""
            81c8000d 4d617273 63e94885 dcdab67c a727d766 2f6b7e99 7ff5c0f7 6c06f32d
            c676a5f1 730d6fda 4ce09b46 86303ded 0bb9275b c84aa458 96cf4d2f c5abf872
            45d9eade 800005d4
            """);
        using var keys = Rfc7714Keys();
        using var cipher = SrtpCipher.Create(SrtpProfile.AeadAes128Gcm, keys);
        var buffer = new byte[plain.Length + cipher.RtcpOverhead];
        plain.CopyTo(buffer, 0);
        Assert.Equal(expected.Length, cipher.ProtectRtcp(buffer, plain.Length, 0x4d617273, 0x5d4));
        Assert.Equal(expected, buffer);

        using var receiver = new SrtpContext(SrtpProfile.AeadAes128Gcm, Rfc7714Keys());
        Assert.True(receiver.TryUnprotectRtcp(expected, out int length));
        Assert.Equal(plain, expected[..length]);
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Rtp_round_trips_across_a_sequence_wrap_with_csrcs_extension_and_padding(string profileName)
    {
        using var peers = new Peers(profileName);
        var (sender, receiver) = peers;
        for (int i = 0; i < 40; i++)
        {
            ushort seq = (ushort)(65520 + i);
            byte[] plain = RtpPacket(seq, 0x11223344, 37 + (i * 13), csrcs: i % 3, extensionWords: i % 4, padding: (byte)(i % 5));
            byte[] protectedPacket = Protect(sender, plain);
            int headerLength = 12 + (4 * (i % 3)) + (i % 4 == 0 ? 0 : 4 + (4 * (i % 4)));
            Assert.Equal(plain[..headerLength], protectedPacket[..headerLength]);
            Assert.NotEqual(plain[headerLength..], protectedPacket[headerLength..plain.Length]);
            Assert.Equal(plain, Unprotect(receiver, protectedPacket));
        }
    }

    /// <summary>After the wrap the sender must use ROC 1: the packet equals one protected with index 2^16 + SEQ directly.</summary>
    [Theory]
    [MemberData(nameof(Profiles))]
    public void A_sequence_wrap_increments_the_senders_rollover_counter(string profileName)
    {
        var profile = Enum.Parse<SrtpProfile>(profileName);
        using var sender = CreateContext(profile);
        using var keys = DeriveKeys(profile);
        using var cipher = SrtpCipher.Create(profile, keys);
        Protect(sender, RtpPacket(65535, 7, 20));
        byte[] plain = RtpPacket(2, 7, 20);
        byte[] actual = Protect(sender, plain);

        var expected = new byte[plain.Length + cipher.RtpTagLength];
        plain.CopyTo(expected, 0);
        cipher.ProtectRtp(expected, 12, plain.Length, 7, 0x1_0002);
        Assert.Equal(expected, actual);

        // A retransmission of the packet before the wrap keeps ROC 0.
        plain = RtpPacket(65535, 7, 20);
        expected = new byte[plain.Length + cipher.RtpTagLength];
        plain.CopyTo(expected, 0);
        cipher.ProtectRtp(expected, 12, plain.Length, 7, 0xFFFF);
        Assert.Equal(expected, Protect(sender, plain));
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Rtcp_round_trips_and_numbers_packets_from_1(string profileName)
    {
        using var peers = new Peers(profileName);
        var (sender, receiver) = peers;
        for (int i = 0; i < 20; i++)
        {
            byte[] plain = RtcpPacket(0x55667788 + (uint)(i % 3), 4 + i);
            byte[] protectedPacket = Protect(sender, plain, rtcp: true);
            Assert.Equal(plain.Length + sender.RtcpOverhead, protectedPacket.Length);
            Assert.Equal(plain[..8], protectedPacket[..8]);
            Assert.NotEqual(plain[8..], protectedPacket[8..plain.Length]);
            int indexOffset = peers.Profile == SrtpProfile.AeadAes128Gcm ? protectedPacket.Length - 4 : plain.Length;
            Assert.Equal(0x80000000u | (uint)(i + 1), BinaryPrimitives.ReadUInt32BigEndian(protectedPacket.AsSpan(indexOffset)));
            Assert.Equal(plain, Unprotect(receiver, protectedPacket, rtcp: true));
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Replays_and_packets_older_than_the_window_are_rejected_late_ones_in_it_accepted_once(string profileName)
    {
        using var peers = new Peers(profileName);
        var (sender, receiver) = peers;
        var packets = Enumerable.Range(0, 100).Select(i => Protect(sender, RtpPacket((ushort)(65500 + i), 9, 30))).ToList();
        Assert.True(TryUnprotect(receiver, packets[0]));
        Assert.False(TryUnprotect(receiver, packets[0]));

        Assert.True(TryUnprotect(receiver, packets[40])); // seq 4 after the wrap: ROC 1
        Assert.True(TryUnprotect(receiver, packets[30])); // seq 65530, late from before the wrap: ROC 0, in the window
        Assert.False(TryUnprotect(receiver, packets[30]));

        Assert.True(TryUnprotect(receiver, packets[99])); // index 2^16 + 63
        Assert.False(TryUnprotect(receiver, packets[99]));
        Assert.False(TryUnprotect(receiver, packets[35])); // seq 65535: 64 behind the highest, out of the window
        Assert.True(TryUnprotect(receiver, packets[36])); // seq 0 of ROC 1: 63 behind, in the window
        Assert.False(TryUnprotect(receiver, packets[36]));
        Assert.False(TryUnprotect(receiver, packets[40]));
        Assert.True(TryUnprotect(receiver, packets[98]));
        Assert.False(TryUnprotect(receiver, packets[98]));
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Srtcp_replays_and_indices_older_than_the_window_are_rejected(string profileName)
    {
        using var peers = new Peers(profileName);
        var (sender, receiver) = peers;
        var packets = Enumerable.Range(0, 70).Select(i => Protect(sender, RtcpPacket(0xabcdef01, 6), rtcp: true)).ToList();
        Assert.True(TryUnprotect(receiver, packets[69], rtcp: true));
        Assert.False(TryUnprotect(receiver, packets[69], rtcp: true));
        Assert.False(TryUnprotect(receiver, packets[5], rtcp: true));
        Assert.True(TryUnprotect(receiver, packets[6], rtcp: true));
        Assert.False(TryUnprotect(receiver, packets[6], rtcp: true));
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void A_flipped_bit_anywhere_is_rejected_and_the_genuine_packet_still_accepted(string profileName)
    {
        using var peers = new Peers(profileName);
        var (sender, receiver) = peers;
        byte[] rtp = Protect(sender, RtpPacket(1000, 0x01020304, 40, csrcs: 1, extensionWords: 2));
        byte[] rtcp = Protect(sender, RtcpPacket(0x01020304, 7), rtcp: true);
        foreach (bool isRtcp in new[] { false, true })
        {
            byte[] genuine = isRtcp ? rtcp : rtp;
            for (int bit = 0; bit < genuine.Length * 8; bit++)
            {
                byte[] tampered = (byte[])genuine.Clone();
                tampered[bit / 8] ^= (byte)(1 << (bit % 8));
                Assert.False(TryUnprotect(receiver, tampered, isRtcp), $"bit {bit} of the {(isRtcp ? "RTCP" : "RTP")} packet");
            }

            Assert.True(TryUnprotect(receiver, genuine, isRtcp));
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Every_truncation_is_rejected_without_throwing(string profileName)
    {
        using var peers = new Peers(profileName);
        var (sender, receiver) = peers;
        byte[] rtp = Protect(sender, RtpPacket(5, 0x0a0b0c0d, 33, csrcs: 2, extensionWords: 1));
        byte[] rtcp = Protect(sender, RtcpPacket(0x0a0b0c0d, 3), rtcp: true);
        for (int length = 0; length < rtp.Length; length++)
        {
            Assert.False(TryUnprotect(receiver, rtp[..length]), $"RTP prefix of {length}");
        }

        for (int length = 0; length < rtcp.Length; length++)
        {
            Assert.False(TryUnprotect(receiver, rtcp[..length], rtcp: true), $"RTCP prefix of {length}");
        }

        Assert.True(TryUnprotect(receiver, rtp));
        Assert.True(TryUnprotect(receiver, rtcp, rtcp: true));
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void A_forged_packet_far_ahead_does_not_move_the_window(string profileName)
    {
        using var peers = new Peers(profileName);
        var (sender, receiver) = peers;
        byte[] first = Protect(sender, RtpPacket(100, 42, 20));
        byte[] second = Protect(sender, RtpPacket(101, 42, 20));
        Assert.True(TryUnprotect(receiver, first));

        // Seq 30000 with a garbage tag: had it moved the window, 101 would be 29899 behind and rejected.
        byte[] forged = Protect(sender, RtpPacket(30000, 42, 20));
        forged[^1] ^= 0x80;
        Assert.False(TryUnprotect(receiver, forged));
        Assert.True(TryUnprotect(receiver, second));

        // Same for a forged packet of a new SSRC: it must not take a place in the SSRC table.
        byte[] stranger = Protect(sender, RtpPacket(7, 43, 20));
        stranger[^1] ^= 0x80;
        Assert.False(TryUnprotect(receiver, stranger));
    }

    /// <summary>
    /// An SRTCP packet with E = 0 and a valid HMAC (RFC 3711 §3.4 allows unencrypted SRTCP) is refused: our
    /// profiles always encrypt. The tag is computed here from the derived RTCP auth key, and the same
    /// computation is first checked against a packet we protected.
    /// </summary>
    [Fact]
    public void Authentic_but_unencrypted_srtcp_is_rejected()
    {
        using var keys = DeriveKeys(SrtpProfile.Aes128CmHmacSha1_80);
        using var peers = new Peers(nameof(SrtpProfile.Aes128CmHmacSha1_80));
        var (sender, receiver) = peers;
        byte[] genuine = Protect(sender, RtcpPacket(1, 5), rtcp: true);
        Assert.Equal(genuine[^10..], Tag(genuine[..^10]));

        byte[] plain = RtcpPacket(1, 5);
        byte[] unencrypted = [.. plain, 0x00, 0x00, 0x00, 0x02];
        unencrypted = [.. unencrypted, .. Tag(unencrypted)];
        Assert.False(TryUnprotect(receiver, unencrypted, rtcp: true));
        Assert.True(TryUnprotect(receiver, genuine, rtcp: true));

        byte[] Tag(byte[] authenticated)
        {
            using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, keys.RtcpAuthKey);
            hmac.AppendData(authenticated);
            return hmac.GetHashAndReset()[..10];
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void At_most_64_ssrcs_are_tracked_per_context(string profileName)
    {
        using var peers = new Peers(profileName);
        using var otherSender = CreateContext(peers.Profile);
        var (sender, receiver) = peers;
        for (uint ssrc = 0; ssrc < SrtpContext.MaxSsrcs; ssrc++)
        {
            Assert.True(TryUnprotect(receiver, Protect(sender, RtpPacket(1, ssrc, 10))));
        }

        Assert.Throws<InvalidOperationException>(() => Protect(sender, RtpPacket(1, 1000, 10)));
        byte[] strangerRtp = Protect(otherSender, RtpPacket(1, 1000, 10));
        byte[] strangerRtcp = Protect(otherSender, RtcpPacket(1000, 2), rtcp: true);
        Assert.False(TryUnprotect(receiver, strangerRtp));
        Assert.False(TryUnprotect(receiver, strangerRtcp, rtcp: true));
        using (var fresh = CreateContext(peers.Profile))
        {
            Assert.True(TryUnprotect(fresh, strangerRtp)); // refused for the cap alone
            Assert.True(TryUnprotect(fresh, strangerRtcp, rtcp: true));
        }

        // Known SSRCs keep working, RTCP included.
        Assert.True(TryUnprotect(receiver, Protect(sender, RtpPacket(2, 5, 10))));
        Assert.True(TryUnprotect(receiver, Protect(sender, RtcpPacket(5, 2), rtcp: true), rtcp: true));
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Protect_refuses_what_is_not_rtp_or_rtcp_and_a_buffer_without_room(string profileName)
    {
        var profile = Enum.Parse<SrtpProfile>(profileName);
        using var sender = CreateContext(profile);
        var buffer = new byte[200];
        Assert.Throws<ArgumentException>(() => sender.ProtectRtp(buffer, 11));
        RtpPacket(1, 1, 10, csrcs: 3).CopyTo(buffer, 0);
        Assert.Throws<ArgumentException>(() => sender.ProtectRtp(buffer, 20)); // CSRC list past the end
        buffer[0] = 0x40; // version 1
        Assert.Throws<ArgumentException>(() => sender.ProtectRtp(buffer, 40));
        byte[] plain = RtpPacket(1, 1, 10);
        Assert.Throws<ArgumentException>(() => sender.ProtectRtp(plain.Concat(new byte[sender.RtpOverhead - 1]).ToArray(), plain.Length));
        Assert.ThrowsAny<ArgumentException>(() => sender.ProtectRtp(buffer, 201));
        Assert.Throws<ArgumentException>(() => sender.ProtectRtcp(buffer, 7));
        byte[] rtcp = RtcpPacket(1, 2);
        Assert.Throws<ArgumentException>(() => sender.ProtectRtcp(rtcp.Concat(new byte[sender.RtcpOverhead - 1]).ToArray(), rtcp.Length));
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void The_hot_path_allocates_nothing_once_the_ssrc_is_known(string profileName)
    {
        using var peers = new Peers(profileName);
        var (sender, receiver) = peers;
        byte[] plain = RtpPacket(0, 77, 1100, csrcs: 1, extensionWords: 2);
        byte[] rtcp = RtcpPacket(77, 10);
        var buffer = new byte[plain.Length + 64];
        void Once(int i)
        {
            plain.CopyTo(buffer, 0);
            BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), (ushort)i);
            int length = sender.ProtectRtp(buffer, plain.Length);
            Assert.True(receiver.TryUnprotectRtp(buffer.AsSpan(0, length), out _));
            rtcp.CopyTo(buffer, 0);
            length = sender.ProtectRtcp(buffer, rtcp.Length);
            Assert.True(receiver.TryUnprotectRtcp(buffer.AsSpan(0, length), out _));
        }

        for (int i = 0; i < 10; i++)
        {
            Once(i);
        }

        Assert.Equal(0, Allocations.FewestPerBatch(Once, 10, 1000, out _));
    }

    [Theory]
    [InlineData(0x0000_1000UL, 0x1001, 0x0000_1001UL)]
    [InlineData(0x0000_FFF0UL, 0x0002, 0x0001_0002UL)] // wrapped: ROC + 1
    [InlineData(0x0001_0002UL, 0xFFF0, 0x0000_FFF0UL)] // late from before the wrap: ROC - 1
    [InlineData(0x0001_7FFFUL, 0x0000, 0x0001_0000UL)]
    [InlineData(0x0001_8001UL, 0x0000, 0x0002_0000UL)]
    [InlineData(0x0001_8000UL, 0x0000, 0x0001_0000UL)]
    public void The_index_estimate_follows_rfc3711_appendix_a(ulong highest, int sequenceNumber, ulong expected)
    {
        Assert.True(SrtpReplayWindow.TryEstimateIndex(highest, (ushort)sequenceNumber, out ulong index));
        Assert.Equal(expected, index);
    }

    [Fact]
    public void The_index_estimate_refuses_rocs_outside_32_bits()
    {
        Assert.False(SrtpReplayWindow.TryEstimateIndex(0x0000_0100UL, 0x9000, out _)); // would be ROC -1
        Assert.False(SrtpReplayWindow.TryEstimateIndex(0xFFFF_FFFF_FFF0UL, 0x0001, out _)); // would be ROC 2^32
    }

    private static void AssertKnownAnswer(SrtpContext sender, SrtpContext receiver, byte[] srtp, byte[] srtcp)
    {
        using (sender)
        using (receiver)
        {
            Assert.Equal(srtp, Protect(sender, LibsrtpRtp));
            Assert.Equal(srtcp, Protect(sender, LibsrtpRtcp, rtcp: true));
            Assert.Equal(LibsrtpRtp, Unprotect(receiver, srtp));
            Assert.Equal(LibsrtpRtcp, Unprotect(receiver, srtcp, rtcp: true));
        }
    }

    private static SrtpSessionKeys Rfc7714Keys()
    {
        byte[] key = Hex("000102030405060708090a0b0c0d0e0f");
        byte[] salt = Hex("517569642070726f2071756f");
        return new SrtpSessionKeys(key, salt, [], (byte[])key.Clone(), (byte[])salt.Clone(), []);
    }

    private static SrtpSessionKeys DeriveKeys(SrtpProfile profile) => profile == SrtpProfile.AeadAes128Gcm
        ? SrtpSessionKeys.Derive(profile, GcmMasterKey, GcmMasterSalt)
        : SrtpSessionKeys.Derive(profile, MasterKey, MasterSalt);

    internal static SrtpContext CreateContext(SrtpProfile profile) => profile == SrtpProfile.AeadAes128Gcm
        ? new SrtpContext(profile, GcmMasterKey, GcmMasterSalt)
        : new SrtpContext(profile, MasterKey, MasterSalt);

    internal static byte[] Protect(SrtpContext sender, byte[] plain, bool rtcp = false)
    {
        var buffer = new byte[plain.Length + (rtcp ? sender.RtcpOverhead : sender.RtpOverhead)];
        plain.CopyTo(buffer, 0);
        int length = rtcp ? sender.ProtectRtcp(buffer, plain.Length) : sender.ProtectRtp(buffer, plain.Length);
        Assert.Equal(buffer.Length, length);
        return buffer;
    }

    internal static byte[] Unprotect(SrtpContext receiver, byte[] packet, bool rtcp = false)
    {
        byte[] copy = (byte[])packet.Clone();
        Assert.True(rtcp ? receiver.TryUnprotectRtcp(copy, out int length) : receiver.TryUnprotectRtp(copy, out length));
        return copy[..length];
    }

    private static bool TryUnprotect(SrtpContext receiver, byte[] packet, bool rtcp = false)
    {
        byte[] copy = (byte[])packet.Clone();
        return rtcp ? receiver.TryUnprotectRtcp(copy, out _) : receiver.TryUnprotectRtp(copy, out _);
    }

    /// <summary>An RTP packet with a deterministic payload, <paramref name="csrcs"/> CSRCs, an RFC 8285 one-byte extension and padding.</summary>
    internal static byte[] RtpPacket(ushort sequenceNumber, uint ssrc, int payloadLength, int csrcs = 0, int extensionWords = 0, byte padding = 0)
    {
        int headerLength = 12 + (4 * csrcs) + (extensionWords > 0 ? 4 + (4 * extensionWords) : 0);
        var packet = new byte[headerLength + payloadLength + padding];
        packet[0] = (byte)(0x80 | (padding > 0 ? 0x20 : 0) | (extensionWords > 0 ? 0x10 : 0) | csrcs);
        packet[1] = 96;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), sequenceNumber);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), sequenceNumber * 3000u);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), ssrc);
        for (int i = 0; i < csrcs; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(12 + (4 * i)), 0xC0000000u + (uint)i);
        }

        if (extensionWords > 0)
        {
            int offset = 12 + (4 * csrcs);
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(offset), 0xBEDE);
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(offset + 2), (ushort)extensionWords);
            packet[offset + 4] = 0x10; // id 1, one octet
            packet[offset + 5] = (byte)sequenceNumber;
        }

        for (int i = 0; i < payloadLength; i++)
        {
            packet[headerLength + i] = (byte)((i * 7) + sequenceNumber);
        }

        if (padding > 0)
        {
            packet[^1] = padding;
        }

        return packet;
    }

    /// <summary>
    /// A receiver report from <paramref name="ssrc"/> without report blocks, <paramref name="words"/> 32-bit words
    /// long: what follows the SSRC is a profile-specific extension (RFC 3550 §6.4.2).
    /// </summary>
    internal static byte[] RtcpPacket(uint ssrc, int words)
    {
        var packet = new byte[4 * Math.Max(words, 2)];
        packet[0] = 0x80;
        packet[1] = 201;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)((packet.Length / 4) - 1));
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), ssrc);
        for (int i = 8; i < packet.Length; i++)
        {
            packet[i] = (byte)(i * 31);
        }

        return packet;
    }

    /// <summary>A sender and a receiver context on the same keys.</summary>
    private sealed class Peers(string profileName) : IDisposable
    {
        public SrtpProfile Profile { get; } = Enum.Parse<SrtpProfile>(profileName);

        public SrtpContext Sender { get; } = CreateContext(Enum.Parse<SrtpProfile>(profileName));

        public SrtpContext Receiver { get; } = CreateContext(Enum.Parse<SrtpProfile>(profileName));

        public void Deconstruct(out SrtpContext sender, out SrtpContext receiver) => (sender, receiver) = (Sender, Receiver);

        public void Dispose()
        {
            Sender.Dispose();
            Receiver.Dispose();
        }
    }

    private static byte[] Hex(string text) => Convert.FromHexString(string.Concat(text.Where(c => !char.IsWhiteSpace(c))));
}
