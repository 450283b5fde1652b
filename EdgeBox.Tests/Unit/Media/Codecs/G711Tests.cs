using System.Buffers.Binary;
using System.Security.Cryptography;
using EdgeBox.Media.Codecs;

namespace EdgeBox.Tests.Unit.Media.Codecs;

public sealed class G711Tests
{
    [Theory]
    // μ-law: 0xFF and 0x7F are +0 and -0, 0x00 and 0x80 the extremes (ITU-T G.711 Table 2a, scaled to 16 bits).
    [InlineData(0xFF, 0)]
    [InlineData(0x7F, 0)]
    [InlineData(0x00, -32124)]
    [InlineData(0x80, 32124)]
    [InlineData(0xFE, 8)]
    [InlineData(0x7E, -8)]
    [InlineData(0xEF, 132)] // the first step of segment 1 (the mantissa's bias)
    public void Decodes_mu_law(int code, int sample) => Assert.Equal(sample, G711.DecodeMuLaw((byte)code));

    [Theory]
    // A-law: 0xD5/0x55 are the smallest magnitudes (even bits inverted), 0xAA/0x2A the largest (G.711 Table 1a).
    [InlineData(0xD5, 8)]
    [InlineData(0x55, -8)]
    [InlineData(0xAA, 32256)]
    [InlineData(0x2A, -32256)]
    [InlineData(0x80, 5504)]
    [InlineData(0x00, -5504)]
    [InlineData(0xC5, 264)] // segment 1 starts at 256 (+8 midpoint)
    public void Decodes_a_law(int code, int sample) => Assert.Equal(sample, G711.DecodeALaw((byte)code));

    /// <summary>TestData holds ffmpeg's pcm_mulaw / pcm_alaw decoding of the bytes 0-255 (s16le).</summary>
    [Theory]
    [InlineData("g711_mulaw_decoded.s16le", true)]
    [InlineData("g711_alaw_decoded.s16le", false)]
    public void Decoding_matches_ffmpeg_for_every_code(string file, bool muLaw)
    {
        var expected = CodecTestData.Read(file);
        var codes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var samples = new short[256];
        Assert.Equal(256, muLaw ? G711.DecodeMuLaw(codes, samples) : G711.DecodeALaw(codes, samples));
        for (int i = 0; i < 256; i++)
        {
            Assert.Equal(BinaryPrimitives.ReadInt16LittleEndian(expected.AsSpan(i * 2)), samples[i]);
        }
    }

    [Theory]
    [InlineData(0, 0xFF, 0xD5)]
    [InlineData(-1, 0x7F, 0x55)] // the ITU encoders take the one's complement of negative samples
    [InlineData(32767, 0x80, 0xAA)]
    [InlineData(-32768, 0x00, 0x2A)]
    [InlineData(100, 0xF2, 0xD3)]
    [InlineData(-100, 0x73, 0x53)]
    [InlineData(1000, 0xCE, 0xFA)]
    public void Encodes_known_values(int sample, int muLaw, int aLaw)
    {
        Assert.Equal(muLaw, G711.EncodeMuLaw((short)sample));
        Assert.Equal(aLaw, G711.EncodeALaw((short)sample));
    }

    private static short[] AllSamples(int from = short.MinValue) =>
        Enumerable.Range(from, short.MaxValue - from + 1).Select(i => (short)i).ToArray();

    /// <summary>Python's audioop.lin2alaw (Sun's g711.c, the same quantisation as ITU-T G.191) over every sample, hashed.</summary>
    [Fact]
    public void A_law_encoding_of_every_sample_matches_the_reference()
    {
        var samples = AllSamples();
        var codes = new byte[samples.Length];
        Assert.Equal(samples.Length, G711.EncodeALaw(samples, codes));
        Assert.Equal("38488f6fd710f4686360edc4d38639f96c491595ef93f8eb8d62d5e07ca6ce7b", Convert.ToHexStringLower(SHA256.HashData(codes)));
    }

    /// <summary>
    /// Python's audioop.lin2ulaw agrees with G.191 on the non-negative samples (hashed); on negative ones G.191
    /// encodes -1 - x as the mirror of x (one's complement), which audioop does not.
    /// </summary>
    [Fact]
    public void Mu_law_encoding_of_every_sample_matches_the_reference()
    {
        var positive = AllSamples(0);
        var codes = new byte[positive.Length];
        G711.EncodeMuLaw(positive, codes);
        Assert.Equal("912062bf9c931c7ebc1dc1fd1d74faf0cfefcd47e8408a3ed4d07aa59f0f1c20", Convert.ToHexStringLower(SHA256.HashData(codes)));

        for (int x = short.MinValue; x < 0; x++)
        {
            Assert.Equal(G711.EncodeMuLaw((short)(-1 - x)) ^ 0x80, G711.EncodeMuLaw((short)x));
            Assert.Equal(G711.EncodeALaw((short)(-1 - x)) ^ 0x80, G711.EncodeALaw((short)x));
        }
    }

    [Fact]
    public void Every_code_survives_decode_then_encode()
    {
        for (int code = 0; code < 256; code++)
        {
            // μ-law's negative zero (0x7F) decodes to 0, which encodes as positive zero (0xFF).
            Assert.Equal(code == 0x7F ? 0xFF : code, G711.EncodeMuLaw(G711.DecodeMuLaw((byte)code)));
            Assert.Equal(code, G711.EncodeALaw(G711.DecodeALaw((byte)code)));
        }
    }

    [Fact]
    public void Encoding_stays_within_a_quantisation_step_and_keeps_order()
    {
        var samples = AllSamples();
        int previousMu = int.MinValue, previousA = int.MinValue;
        foreach (int x in samples)
        {
            int mu = G711.DecodeMuLaw(G711.EncodeMuLaw((short)x));
            int a = G711.DecodeALaw(G711.EncodeALaw((short)x));

            // Steps double per segment: 8 (μ-law) or 16 (A-law) near zero, 1024 at the top; clipping beyond the last level.
            Assert.True(Math.Abs(x - mu) <= Math.Max(Math.Abs(x) / 16, 8) || Math.Abs(x) > 32124, $"μ-law {x} -> {mu}");
            Assert.True(Math.Abs(x - a) <= Math.Max(Math.Abs(x) / 16, 16) || Math.Abs(x) > 32256, $"A-law {x} -> {a}");
            Assert.True(mu >= previousMu && a >= previousA, $"monotonic at {x}");
            previousMu = mu;
            previousA = a;
        }
    }

    [Fact]
    public void Batch_methods_need_room_for_every_sample()
    {
        Assert.Throws<ArgumentException>(() => G711.DecodeMuLaw(new byte[4], new short[3]));
        Assert.Throws<ArgumentException>(() => G711.DecodeALaw(new byte[4], new short[3]));
        Assert.Throws<ArgumentException>(() => G711.EncodeMuLaw(new short[4], new byte[3]));
        Assert.Throws<ArgumentException>(() => G711.EncodeALaw(new short[4], new byte[3]));
        Assert.Equal(0, G711.EncodeALaw([], []));
    }
}
