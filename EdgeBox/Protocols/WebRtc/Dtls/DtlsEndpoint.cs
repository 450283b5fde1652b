using System.Buffers;
using Org.BouncyCastle.Tls;

namespace EdgeBox.Protocols.WebRtc.Dtls;

/// <summary>
/// One DTLS-SRTP association (RFC 5763, RFC 5764) over a datagram path the caller owns: the ICE mux
/// hands in the datagrams whose first byte is 20-63 (RFC 7983 §7) with <see cref="Receive"/>, and
/// records to the peer go out through the send callback, which must not block and must be safe to
/// call from any thread (the memory it gets is valid only during the call).
/// <para>
/// BouncyCastle's DTLS engine is blocking, so <see cref="HandshakeAsync"/> runs it on a thread of its
/// own for the few round trips of the handshake (~3 ms of CPU, the rest waiting for the peer); its
/// retransmission timers are the engine's (RFC 6347 §4.2.4.1: 1 s, doubling). After the handshake
/// nothing blocks and no thread is held: a receive loop wakes only when a datagram is queued, lets
/// the engine process it, and completes
/// <see cref="Closed"/> when the peer ends the association. Media never passes here: SRTP packets go
/// from the mux to the SRTP contexts keyed with <see cref="SrtpKeyMaterial"/>.
/// </para>
/// </summary>
internal sealed class DtlsEndpoint : IDisposable
{
    /// <summary>
    /// How long a handshake may take. Long enough for the engine's retransmissions to get through
    /// loss (1 + 2 + 4 s of back-off), short enough that a session whose peer vanished is ended
    /// before its ICE consent would have expired (RFC 7675 §5.1: 30 s).
    /// </summary>
    public static readonly TimeSpan DefaultHandshakeTimeout = TimeSpan.FromSeconds(10);

    private readonly DtlsCertificate _certificate;
    private readonly bool _isServer;
    private readonly DtlsFingerprint _remoteFingerprint;
    private readonly TimeProvider _time;
    private readonly TimeSpan _handshakeTimeout;
    private readonly DtlsDatagramTransport _transport;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Serializes the engine's post-handshake calls: the receive loop against <see cref="Dispose"/>'s close_notify.</summary>
    private readonly Lock _gate = new();

    private DtlsTransport? _dtls;
    private int _started;
    private bool _disposed;

    /// <param name="certificate">Our identity; its fingerprint is in our SDP.</param>
    /// <param name="isServer">True when we are the DTLS server: our SDP says <c>a=setup:passive</c>.</param>
    /// <param name="remoteFingerprint">The peer's <c>a=fingerprint</c>.</param>
    /// <param name="send">Sends one datagram to the peer over the selected ICE pair.</param>
    /// <param name="time">The clock of the handshake deadline.</param>
    /// <param name="handshakeTimeout">Overrides <see cref="DefaultHandshakeTimeout"/>.</param>
    public DtlsEndpoint(DtlsCertificate certificate, bool isServer, DtlsFingerprint remoteFingerprint, Action<ReadOnlyMemory<byte>> send,
        TimeProvider time, TimeSpan? handshakeTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(send);
        ArgumentNullException.ThrowIfNull(time);
        if (!DtlsFingerprint.TryParse(remoteFingerprint?.ToString(), out var normalized))
        {
            throw new ArgumentException($"'{remoteFingerprint}' is not a fingerprint of RFC 8122 §5 form", nameof(remoteFingerprint));
        }

        _certificate = certificate;
        _isServer = isServer;
        _remoteFingerprint = normalized;
        _time = time;
        _handshakeTimeout = handshakeTimeout ?? DefaultHandshakeTimeout;
        _transport = new DtlsDatagramTransport(send);
    }

    /// <summary>
    /// Completes when the association is over: the peer sent close_notify or a fatal alert, the
    /// handshake failed, or this endpoint was disposed. The caller ends the session. Never faults.
    /// </summary>
    public Task Closed => _closed.Task;

    /// <summary>Datagrams received and not yet read by the engine.</summary>
    internal int QueuedDatagrams => _transport.QueuedDatagrams;

    /// <summary>
    /// Queues a datagram from the peer (copied: the caller reuses its buffer). Never blocks; drops
    /// it when <see cref="DtlsDatagramTransport.MaxQueuedDatagrams"/> are already waiting, as a full
    /// socket buffer would, and DTLS retransmits. Hand in only datagrams from the ICE-validated
    /// remote address: handshake records before ChangeCipherSpec carry no MAC (RFC 6347 §4.1.2.6),
    /// so a forged one from elsewhere could push the replay window past the genuine flight.
    /// </summary>
    public void Receive(ReadOnlySpan<byte> datagram) => _transport.Enqueue(datagram);

    /// <summary>
    /// Runs the handshake in our role, verifies the peer's certificate against its fingerprint,
    /// negotiates use_srtp and returns the SRTP keys. Throws <see cref="DtlsHandshakeException"/> on
    /// failure or timeout, <see cref="OperationCanceledException"/> when
    /// <paramref name="cancellationToken"/> fires, <see cref="ObjectDisposedException"/> when the
    /// endpoint is disposed meanwhile. Runs once per endpoint.
    /// </summary>
    public async Task<SrtpKeyMaterial> HandshakeAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("the DTLS handshake runs once per endpoint");
        }

        using var deadline = new CancellationTokenSource(_handshakeTimeout, _time);
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token, _stopping.Token);
        _transport.ReceiveCancellation = abort.Token;
        var state = new DtlsHandshakeState(_certificate, _remoteFingerprint, isClient: !_isServer);
        _transport.CiphertextShape = () => state.CiphertextShape;
        DtlsTransport dtls;
        try
        {
            // Not the thread pool: the engine blocks a thread while it waits for each flight of the
            // peer (round trips, retransmissions, up to the timeout), and the pool does not count such
            // a thread as blocked. With two handshakes on a 2-core box the pool was full and everything
            // queued behind them waited for its starvation heuristic to add a thread: in-process
            // handshakes then took up to 0.98 s instead of ~6 ms (DtlsTests timing test). The thread
            // lives for this handshake only, never for the connection.
            dtls = await Task.Factory.StartNew(() => Handshake(state), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            _closed.TrySetResult();
            cancellationToken.ThrowIfCancellationRequested();
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (deadline.IsCancellationRequested)
            {
                throw new DtlsHandshakeException(DtlsFailure.Timeout,
                    $"the DTLS handshake did not finish within {_handshakeTimeout.TotalSeconds:0.###} s", ex);
            }

            throw state.Describe(ex);
        }

        CancellationToken stopping;
        lock (_gate)
        {
            if (_disposed)
            {
                dtls.Close();
                throw new ObjectDisposedException(nameof(DtlsEndpoint));
            }

            _dtls = dtls;
            stopping = _stopping.Token;
            _transport.ReceiveCancellation = stopping;
        }

        _ = ReceiveLoopAsync(dtls, stopping); // never faults; it ends by completing Closed
        return state.KeyMaterial ?? throw new InvalidOperationException("the DTLS engine completed without exporting keys");
    }

    /// <summary>Sends close_notify if connected (RFC 5246 §7.2.1: the peer ends its session at once instead of at its ICE consent timeout), stops the receive loop and frees the queue.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _dtls?.Close();
        }

        _stopping.Cancel();
        _transport.Shutdown();
        _closed.TrySetResult();
        _stopping.Dispose();
    }

    private DtlsTransport Handshake(DtlsHandshakeState state) => _isServer
        ? new DtlsServerProtocol().Accept(new DtlsSrtpServer(state), _transport)
        : new DtlsClientProtocol().Connect(new DtlsSrtpClient(state), _transport);

    /// <summary>
    /// After the handshake the peer sends DTLS records only to retransmit its last flight (answered by
    /// the engine), to close, or as application data (SCTP data channels, which EdgeBox does not
    /// offer: read and dropped). Waits without a thread until a datagram is queued, then lets the
    /// engine take it; the engine's receive returns within 1 ms because the datagram is there.
    /// </summary>
    private async Task ReceiveLoopAsync(DtlsTransport dtls, CancellationToken stopping)
    {
        int limit = dtls.GetReceiveLimit();
        try
        {
            while (!_transport.IsClosed)
            {
                await _transport.WaitForDatagramAsync(stopping).ConfigureAwait(false);

                // Rented per datagram, not held: these are rare, and a session lives for hours.
                byte[] plaintext = ArrayPool<byte>.Shared.Rent(limit);
                try
                {
                    lock (_gate)
                    {
                        if (_disposed)
                        {
                            return;
                        }

                        dtls.Receive(plaintext, 0, limit, 1);
                        while (dtls.ReceivePending(plaintext, 0, limit) >= 0)
                        {
                            // A datagram may hold several records; drain them all.
                        }
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(plaintext);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Disposed.
        }
        catch (IOException)
        {
            // A fatal alert from the peer (TlsFatalAlertReceived) or one the engine raised: the
            // association is over either way.
        }
        finally
        {
            _closed.TrySetResult();
        }
    }
}
