using System.Diagnostics;
using System.Numerics;
using System.Security.Cryptography;

namespace EdgeBox.Protocols.WebRtc.Srtp;

/// <summary>
/// AES in counter mode as SRTP uses it (RFC 3711 §4.1.1): keystream block j is AES_k(IV + j), where
/// the 128-bit IV has its low 16 bits zero, so block j simply writes j into the last two octets.
/// That caps one message at 2^16 blocks (1 MiB), far above any RTP packet.
/// <para>
/// The counter blocks go through one ECB encryptor made at construction. <c>Aes.EncryptEcb</c> would
/// read better, but it sets up a new cipher per call: measured here at 64 B allocated and ~1.4 µs per
/// 128-byte call, against 0 B and ~0.16 µs for <see cref="ICryptoTransform.TransformBlock"/> on the
/// kept encryptor. ECB over distinct counter blocks is exactly CTR mode, so CA5358 does not apply.
/// </para>
/// Not thread-safe: the scratch buffer is shared by every call.
/// </summary>
internal sealed class AesCounterMode : IDisposable
{
    public const int BlockSize = 16;

    /// <summary>Keystream made per TransformBlock call: 1 KiB covers most audio packets in one call.</summary>
    private const int ChunkBlocks = 64;

    private const int MaxBlocks = 1 << 16;

    private readonly Aes _aes;
    private readonly ICryptoTransform _ecb;
    private readonly byte[] _scratch = new byte[ChunkBlocks * BlockSize];

    public AesCounterMode(ReadOnlySpan<byte> key)
    {
        _aes = Aes.Create();
        byte[] copy = key.ToArray();
        _aes.Key = copy; // Aes keeps its own copy
        CryptographicOperations.ZeroMemory(copy);
#pragma warning disable CA5358 // ECB over counter blocks is CTR mode (see the summary).
        _aes.Mode = CipherMode.ECB;
#pragma warning restore CA5358
        _aes.Padding = PaddingMode.None;
        _ecb = _aes.CreateEncryptor();
    }

    /// <summary>XORs the keystream for <paramref name="iv"/> (16 octets, low 16 bits zero) into <paramref name="data"/>.</summary>
    public void Apply(ReadOnlySpan<byte> iv, Span<byte> data)
    {
        Debug.Assert(iv.Length == BlockSize && iv[14] == 0 && iv[15] == 0, "an SRTP counter-mode IV ends in 16 zero bits");
        if ((data.Length + BlockSize - 1) / BlockSize > MaxBlocks)
        {
            throw new ArgumentException("More than 2^16 AES blocks under one SRTP IV.", nameof(data));
        }

        int block = 0;
        while (!data.IsEmpty)
        {
            int blocks = Math.Min(ChunkBlocks, (data.Length + BlockSize - 1) / BlockSize);
            int bytes = blocks * BlockSize;
            for (int i = 0; i < blocks; i++, block++)
            {
                var counter = _scratch.AsSpan(i * BlockSize, BlockSize);
                iv.CopyTo(counter);
                counter[14] = (byte)(block >> 8);
                counter[15] = (byte)block;
            }

            _ecb.TransformBlock(_scratch, 0, bytes, _scratch, 0);
            int used = Math.Min(bytes, data.Length);
            Xor(data[..used], _scratch.AsSpan(0, used));
            data = data[used..];
        }
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_scratch);
        _ecb.Dispose();
        _aes.Dispose();
    }

    private static void Xor(Span<byte> data, ReadOnlySpan<byte> keystream)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= data.Length - Vector<byte>.Count; i += Vector<byte>.Count)
            {
                (new Vector<byte>(data[i..]) ^ new Vector<byte>(keystream[i..])).CopyTo(data[i..]);
            }
        }

        for (; i < data.Length; i++)
        {
            data[i] ^= keystream[i];
        }
    }
}
