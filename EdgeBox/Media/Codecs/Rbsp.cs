using System.Buffers;

namespace EdgeBox.Media.Codecs;

/// <summary>
/// A NAL unit payload with its emulation prevention bytes removed, in a caller's stack buffer when it
/// fits and in a pooled array otherwise (returned at dispose).
/// </summary>
internal ref struct Rbsp : IDisposable
{
    private byte[]? _rented;

    private Rbsp(ReadOnlySpan<byte> span, byte[]? rented)
    {
        Span = span;
        _rented = rented;
    }

    public ReadOnlySpan<byte> Span { readonly get; private set; }

    public static Rbsp Unescape(ReadOnlySpan<byte> payload, Span<byte> scratch)
    {
        byte[]? rented = null;
        Span<byte> buffer = scratch;
        if (payload.Length > scratch.Length)
        {
            rented = ArrayPool<byte>.Shared.Rent(payload.Length);
            buffer = rented;
        }

        int length = EmulationPrevention.Remove(payload, buffer);
        return new Rbsp(buffer[..length], rented);
    }

    public void Dispose()
    {
        Span = default;
        if (_rented is not null)
        {
            ArrayPool<byte>.Shared.Return(_rented);
            _rented = null;
        }
    }
}
