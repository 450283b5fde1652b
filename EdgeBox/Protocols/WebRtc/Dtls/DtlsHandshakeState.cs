using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace EdgeBox.Protocols.WebRtc.Dtls;

/// <summary>
/// What the BouncyCastle peer of one handshake (<see cref="DtlsSrtpServer"/> or
/// <see cref="DtlsSrtpClient"/>) shares with <see cref="DtlsEndpoint"/>: our credentials, the check of
/// the peer's certificate against its SDP fingerprint, the use_srtp negotiation, the exported SRTP keys,
/// and the first reason for a failure (the engine reports failures as bare alerts).
/// </summary>
internal sealed class DtlsHandshakeState(DtlsCertificate certificate, DtlsFingerprint remoteFingerprint, bool isClient)
{
    /// <summary>
    /// SRTP profiles in our order of preference (RFC 5764 §4.1.1 lets the server choose): AES-GCM first,
    /// as Chromium orders its offer, then the AES-CM/HMAC-SHA1-80 profile every WebRTC peer must
    /// support (RFC 8827 §6.5).
    /// </summary>
    public static readonly int[] SupportedProfiles = [SrtpKeyMaterial.AeadAes128Gcm, SrtpKeyMaterial.Aes128CmHmacSha1_80];

    private string? _alertRaised;

    public BcTlsCrypto Crypto { get; } = new();

    public bool IsClient { get; } = isClient;

    /// <summary>The negotiated SRTP profile; 0 until use_srtp is settled.</summary>
    public int ProfileId { get; private set; }

    /// <summary>The SRTP keys, set when the handshake completes.</summary>
    public SrtpKeyMaterial? KeyMaterial { get; private set; }

    /// <summary>The first cause of failure seen, if it is one we can name.</summary>
    public DtlsHandshakeException? Failure { get; private set; }

    /// <summary>The engine's context for this handshake, set when it starts the peer.</summary>
    public TlsContext? Context { get; set; }

    /// <summary>How encrypted records of the negotiated suite look; null until a suite is chosen.</summary>
    public DtlsCiphertextShape? CiphertextShape
    {
        get
        {
            var parameters = Context?.SecurityParameters;
            return parameters is null || parameters.CipherSuite <= 0 ? null : DtlsCiphertextShape.For(parameters.CipherSuite, parameters.IsEncryptThenMac);
        }
    }

    /// <summary>Our certificate and an ECDSA signer for it, with the hash the peer prefers among those it offered.</summary>
    public TlsCredentialedSigner CreateSigner(TlsContext context, IList<SignatureAndHashAlgorithm>? peerAlgorithms)
    {
        var chain = new Certificate([Crypto.CreateCertificate(certificate.CertificateDer)]);
        var algorithm = TlsUtilities.ChooseSignatureAndHashAlgorithm(context, peerAlgorithms, SignatureAlgorithm.ecdsa);
        return new BcDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), Crypto, certificate.PrivateKey, chain, algorithm);
    }

    /// <summary>
    /// The peer is who its SDP says when its end-entity certificate hashes to the SDP fingerprint (RFC
    /// 8122 §5; there is no chain to validate, RFC 8827 §6.5). The engine has already checked that the
    /// peer holds the certificate's key (its signature in ServerKeyExchange or CertificateVerify).
    /// </summary>
    public void VerifyPeer(Certificate? peer)
    {
        if (peer is null || peer.IsEmpty)
        {
            throw Fail(DtlsFailure.NoPeerCertificate, "the peer sent no certificate; WebRTC requires one (RFC 8827 §6.5)",
                AlertDescription.handshake_failure);
        }

        byte[] der = peer.GetCertificateAt(0).GetEncoded();
        if (!remoteFingerprint.Matches(der))
        {
            var actual = DtlsFingerprint.Compute(remoteFingerprint.Algorithm, der);
            throw Fail(DtlsFailure.FingerprintMismatch,
                $"the peer's certificate has the fingerprint {actual}, not the {remoteFingerprint} of its SDP",
                AlertDescription.bad_certificate);
        }
    }

    /// <summary>Server: chooses our most preferred profile among those the client offered.</summary>
    public void SelectProfile(UseSrtpData? offer)
    {
        if (offer is null)
        {
            throw Fail(DtlsFailure.NoSrtpProfile, "the client did not offer use_srtp (RFC 5764 §4.1.1)", AlertDescription.handshake_failure);
        }

        foreach (int profile in SupportedProfiles)
        {
            if (Array.IndexOf(offer.ProtectionProfiles, profile) >= 0)
            {
                ProfileId = profile;
                return;
            }
        }

        throw Fail(DtlsFailure.NoSrtpProfile,
            $"the client offered only the SRTP profiles {FormatProfiles(offer.ProtectionProfiles)}; we support {FormatProfiles(SupportedProfiles)}",
            AlertDescription.handshake_failure);
    }

    /// <summary>The use_srtp extension of our ServerHello: the one chosen profile, no MKI.</summary>
    public UseSrtpData Answer() => new([ProfileId], TlsUtilities.EmptyBytes);

    /// <summary>The use_srtp extension of our ClientHello: every supported profile, no MKI.</summary>
    public static UseSrtpData Offer() => new(SupportedProfiles, TlsUtilities.EmptyBytes);

    /// <summary>Client: the server must answer with exactly one of the profiles we offered and no MKI (RFC 5764 §4.1.1).</summary>
    public void AcceptProfile(UseSrtpData? answer)
    {
        if (answer is null)
        {
            throw Fail(DtlsFailure.NoSrtpProfile, "the server did not answer use_srtp (RFC 5764 §4.1.1)", AlertDescription.handshake_failure);
        }

        if (answer.ProtectionProfiles.Length != 1 || Array.IndexOf(SupportedProfiles, answer.ProtectionProfiles[0]) < 0
            || answer.Mki.Length != 0)
        {
            throw Fail(DtlsFailure.NoSrtpProfile,
                $"the server answered use_srtp with the profiles {FormatProfiles(answer.ProtectionProfiles)} and a {answer.Mki.Length}-byte MKI; we offered {FormatProfiles(SupportedProfiles)} and no MKI",
                AlertDescription.illegal_parameter);
        }

        ProfileId = answer.ProtectionProfiles[0];
    }

    /// <summary>Exports the SRTP keys (RFC 5764 §4.2) while the engine still holds the master secret.</summary>
    public void ExportKeys(TlsContext context)
    {
        byte[] exported = context.ExportKeyingMaterial(SrtpKeyMaterial.ExporterLabel, null, SrtpKeyMaterial.ExportLength(ProfileId));
        KeyMaterial = SrtpKeyMaterial.FromExporter(ProfileId, exported, IsClient);
    }

    public void OnAlertReceived(short level, short description)
    {
        if (level == AlertLevel.fatal || description == AlertDescription.close_notify)
        {
            Failure ??= new DtlsHandshakeException(DtlsFailure.AlertReceived,
                $"the peer sent the {AlertLevel.GetName(level)} alert {AlertDescription.GetText(description)}");
        }
    }

    public void OnAlertRaised(short level, short description, string? message)
    {
        if (level == AlertLevel.fatal)
        {
            _alertRaised ??= message is null ? AlertDescription.GetText(description) : $"{AlertDescription.GetText(description)}: {message}";
        }
    }

    /// <summary>The exception to report for a handshake the engine ended with <paramref name="exception"/>.</summary>
    public DtlsHandshakeException Describe(Exception exception)
    {
        if (Failure is not null)
        {
            return new DtlsHandshakeException(Failure.Reason, Failure.Message, exception);
        }

        string cause = _alertRaised is null ? exception.Message : "we sent the fatal alert " + _alertRaised;
        return new DtlsHandshakeException(DtlsFailure.ProtocolError, "the DTLS handshake failed: " + cause, exception);
    }

    private static string FormatProfiles(int[] profiles) =>
        profiles.Length == 0 ? "(none)" : string.Join(", ", profiles.Select(p => $"0x{p:X4}"));

    private TlsFatalAlert Fail(DtlsFailure reason, string message, short alert)
    {
        Failure ??= new DtlsHandshakeException(reason, message);
        return new TlsFatalAlert(alert, message);
    }
}
