using Org.BouncyCastle.Tls;

namespace EdgeBox.Protocols.WebRtc.Dtls;

/// <summary>
/// The DTLS server role (we answer <c>a=setup:passive</c>, or the peer said <c>active</c>): DTLS 1.2
/// only, ECDHE-ECDSA suites for our P-256 certificate, a certificate request because WebRTC
/// authenticates both sides (RFC 8827 §6.5), and use_srtp (RFC 5764 §4.1).
/// </summary>
internal sealed class DtlsSrtpServer(DtlsHandshakeState state) : DefaultTlsServer(state.Crypto)
{
    /// <summary>
    /// AES-128-GCM first; AES-128-CBC-SHA for peers without GCM. The client's order decides
    /// (BouncyCastle's server follows the client's preference), and browsers list GCM first.
    /// </summary>
    private static readonly int[] CipherSuites =
    [
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
    ];

    /// <summary>RFC 6347 §4.1.2.7: invalid records are discarded, not fatal (anyone on the path can send them).</summary>
    public override bool IgnoreCorruptDtlsRecords => true;

    public override void Init(TlsServerContext context)
    {
        base.Init(context);
        state.Context = context;
    }

    public override CertificateRequest GetCertificateRequest() =>
        new([ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign], TlsUtilities.GetDefaultSupportedSignatureAlgorithms(m_context), null);

    public override void NotifyClientCertificate(Certificate clientCertificate) => state.VerifyPeer(clientCertificate);

    public override void ProcessClientExtensions(IDictionary<int, byte[]> clientExtensions)
    {
        base.ProcessClientExtensions(clientExtensions);
        state.SelectProfile(TlsSrtpUtilities.GetUseSrtpExtension(clientExtensions));
    }

    public override IDictionary<int, byte[]> GetServerExtensions()
    {
        var extensions = base.GetServerExtensions();
        TlsSrtpUtilities.AddUseSrtpExtension(extensions, state.Answer());
        return extensions;
    }

    public override void NotifyHandshakeComplete()
    {
        base.NotifyHandshakeComplete();
        state.ExportKeys(m_context);
    }

    public override void NotifyAlertReceived(short alertLevel, short alertDescription) => state.OnAlertReceived(alertLevel, alertDescription);

    public override void NotifyAlertRaised(short alertLevel, short alertDescription, string message, Exception cause) =>
        state.OnAlertRaised(alertLevel, alertDescription, message);

    protected override ProtocolVersion[] GetSupportedVersions() => ProtocolVersion.DTLSv12.Only();

    protected override int[] GetSupportedCipherSuites() => TlsUtilities.GetSupportedCipherSuites(Crypto, CipherSuites);

    protected override TlsCredentialedSigner GetECDsaSignerCredentials() =>
        state.CreateSigner(m_context, m_context.SecurityParameters.ClientSigAlgs);
}
