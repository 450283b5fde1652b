using Org.BouncyCastle.Tls;

namespace EdgeBox.Protocols.WebRtc.Dtls;

/// <summary>
/// The DTLS client role (we answer <c>a=setup:active</c> to a peer that is <c>passive</c>): DTLS 1.2
/// only, use_srtp offered with our profiles (RFC 5764 §4.1), the server's certificate checked against
/// its SDP fingerprint, and our certificate sent when the server asks (RFC 8827 §6.5).
/// </summary>
internal sealed class DtlsSrtpClient(DtlsHandshakeState state) : DefaultTlsClient(state.Crypto)
{
    /// <summary>
    /// The ECDHE-ECDSA suites our server role uses, plus their ECDHE-RSA twins: a server with an RSA
    /// certificate (GStreamer's DTLS elements generate RSA-2048 ones) can then still choose one.
    /// </summary>
    private static readonly int[] CipherSuites =
    [
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
        CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
    ];

    /// <summary>RFC 6347 §4.1.2.7: invalid records are discarded, not fatal (anyone on the path can send them).</summary>
    public override bool IgnoreCorruptDtlsRecords => true;

    public override void Init(TlsClientContext context)
    {
        base.Init(context);
        state.Context = context;
    }

    public override IDictionary<int, byte[]> GetClientExtensions()
    {
        var extensions = base.GetClientExtensions();
        TlsSrtpUtilities.AddUseSrtpExtension(extensions, DtlsHandshakeState.Offer());
        return extensions;
    }

    public override void ProcessServerExtensions(IDictionary<int, byte[]> serverExtensions)
    {
        base.ProcessServerExtensions(serverExtensions);
        state.AcceptProfile(serverExtensions is null ? null : TlsSrtpUtilities.GetUseSrtpExtension(serverExtensions));
    }

    public override TlsAuthentication GetAuthentication() => new Authentication(state, m_context);

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

    private sealed class Authentication(DtlsHandshakeState state, TlsContext context) : TlsAuthentication
    {
        public void NotifyServerCertificate(TlsServerCertificate serverCertificate) => state.VerifyPeer(serverCertificate.Certificate);

        public TlsCredentials GetClientCredentials(CertificateRequest certificateRequest) =>
            state.CreateSigner(context, certificateRequest.SupportedSignatureAlgorithms);
    }
}
