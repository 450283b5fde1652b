namespace EdgeBox.Protocols.WebRtc.Dtls;

/// <summary>Why a DTLS handshake failed; the session logs it once and ends.</summary>
internal enum DtlsFailure
{
    /// <summary>The handshake did not finish within its time limit (the peer is silent or lost too much).</summary>
    Timeout,

    /// <summary>The peer's certificate does not hash to the fingerprint of its SDP (RFC 8122 §5).</summary>
    FingerprintMismatch,

    /// <summary>The peer sent no certificate; WebRTC requires both sides to send one (RFC 8827 §6.5).</summary>
    NoPeerCertificate,

    /// <summary>No SRTP protection profile both sides support was negotiated (RFC 5764 §4.1.1).</summary>
    NoSrtpProfile,

    /// <summary>The peer sent a fatal alert or close_notify during the handshake.</summary>
    AlertReceived,

    /// <summary>Anything else the TLS engine refused: no common cipher suite, bad messages, a failed signature.</summary>
    ProtocolError,
}

/// <summary>A failed DTLS handshake, with a message that names the cause for the session log.</summary>
internal sealed class DtlsHandshakeException(DtlsFailure reason, string message, Exception? inner = null) : Exception(message, inner)
{
    public DtlsFailure Reason { get; } = reason;
}
