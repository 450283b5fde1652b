using System.Buffers;
using EdgeBox.Media.Codecs;

namespace EdgeBox.Tests.Unit.Media.Codecs;

/// <summary>
/// Every parser, fed every prefix of real inputs, those inputs with bits flipped, and random bytes:
/// the answer is true or false, never an exception, and a true answer describes something possible.
/// </summary>
public sealed class CodecRobustnessTests
{
    private static readonly string[] Samples =
    [
        // H.264 SPS (libx264 and crafted), H.265 VPS/SPS (libx265 and crafted)
        "6764001facd9405005bb0110000003001000000303c0f1831960",
        "677a001eb6cd940a02ff89c04400000fa40003a9803c58b658",
        "67640028acd94078044fde0220000003002000000643e2c5b2c0",
        "67f40028210df081c522e219083cca3108c411a0e9395d10c72ba218e574431cae886395d10c72ba218e574431cae886395d10c78affff"
            + "fffffffffffea69a69a69a69a69a69a69a69a69a69a69a69a69a69a69a69c1403d318c6318c6318064fffffffffffff190e42228025828"
            + "0f0044fc4ffe000800076e0202034a000007d20001d4c1c8c00186a00030d45ef7c0da08845960",
        "674d401eda82d09194be0401",
        "40010c01ffff016000000300900000030000030078959809",
        "420101016000000300900000030000030078a003c0801107cb965664e4caf0168080000003008000000c84",
        "42010201600000030090000003000003005d0000a0050201e1659594acb24995e02d010000030001000003003c08",
        "4201010408000003009d0800000300005ab005020169365959a4932bc05a020000030002000003006410",
        "42010402200000030090000003000003007bd00002200000030090000003000003005a5d32003c0801107cad96572b95e4912bbbd4ad6b5b"
            + "0a4e8d88f21e02d4244026d8e244c00000fa40003a9831",
        // AAC configs, ADTS header, Opus packets and heads
        "1210", "119056e500", "2b920800", "eb098800", "138856e5a54880", "178055f010", "f94640",
        "118004c808002008840d4c61766335392e33372e31303056e500",
        "fff150802b3ffcde02004c61",
        "6b83312c", "9b861e1e",
        "4f707573486561640106380180bb00000000010402000401020305",
        "000201380000bb80000000",
    ];

    private static IEnumerable<byte[]> Inputs()
    {
        var random = new Random(20260124);
        var samples = Samples.Select(Convert.FromHexString)
            .Append(CodecTestData.Read("h265_416x240_scaling_lists.sps"))
            .ToList();
        foreach (var sample in samples)
        {
            for (int length = 0; length <= sample.Length; length++)
            {
                yield return sample[..length];
            }

            for (int i = 0; i < 200; i++)
            {
                var mutated = (byte[])sample.Clone();
                for (int flips = random.Next(1, 4); flips > 0 && mutated.Length > 0; flips--)
                {
                    mutated[random.Next(mutated.Length)] ^= (byte)(1 << random.Next(8));
                }

                yield return mutated;
            }
        }

        for (int i = 0; i < 3000; i++)
        {
            var garbage = new byte[random.Next(0, 96)];
            random.NextBytes(garbage);
            if (garbage.Length > 0 && i % 3 == 0)
            {
                garbage[0] = (byte)(i % 2 == 0 ? 0x67 : 0x42); // an SPS header, so the parsers read on
                if (garbage.Length > 1 && garbage[0] == 0x42)
                {
                    garbage[1] = 0x01;
                }
            }

            yield return garbage;
        }

        yield return new byte[4096]; // zeros
        yield return Enumerable.Repeat((byte)0xFF, 4096).ToArray();
    }

    [Fact]
    public void Parsers_never_throw_and_only_accept_possible_values()
    {
        int accepted = 0;
        foreach (var input in Inputs())
        {
            if (H264Sps.TryParse(input, out var avc))
            {
                accepted++;
                Assert.InRange(avc.Width, 1, avc.CodedWidth);
                Assert.InRange(avc.Height, 1, avc.CodedHeight);
                Assert.InRange(avc.CodedWidth, 16, 65536);
                Assert.InRange(avc.ChromaFormatIdc, 0, 3);
                Assert.True(avc.FrameRate is null or > 0);
                Assert.Matches("^avc1\\.[0-9a-f]{6}$", avc.CodecString);
            }

            if (H265Sps.TryParse(input, out var hevc))
            {
                accepted++;
                Assert.InRange(hevc.Width, 1, hevc.CodedWidth);
                Assert.InRange(hevc.Height, 1, hevc.CodedHeight);
                Assert.InRange(hevc.MaxSubLayers, 1, 7);
                Assert.True(hevc.FrameRate is null or > 0);
                Assert.StartsWith("hvc1.", hevc.CodecString(), StringComparison.Ordinal);
            }

            _ = H265NalHeader.TryParse(input, out _);
            _ = H264.ProfileLevelId(input);

            if (AacConfig.TryParse(input, out var aac))
            {
                Assert.True(aac.SampleRate > 0);
                Assert.True(aac.OutputSampleRate > 0);
                if (aac.CanWrite)
                {
                    Assert.True(AacConfig.TryParse(aac.ToBytes(), out _));
                }
            }

            if (AdtsHeader.TryParse(input, out var adts))
            {
                Assert.True(adts.PayloadLength >= 0);
            }

            foreach (var frame in Adts.EnumerateFrames(input))
            {
                Assert.True(frame.Length >= AdtsHeader.Length);
            }

            if (Opus.TryGetDuration(input, out int samples))
            {
                Assert.InRange(samples, 120, Opus.MaxPacketSamples);
            }

            if (OpusHead.TryParse(input, out var head))
            {
                Assert.True(head!.TryWrite(new byte[head.Length], out _));
            }

            _ = OpusHead.TryParseDOps(input, out _);
            Containers(input);
        }

        Assert.True(accepted > 20, $"only {accepted} parameter sets parsed: the mutations are not reaching the parsers");
    }

    private static void Containers(byte[] input)
    {
        var rbsp = new byte[input.Length];
        Assert.InRange(EmulationPrevention.Remove(input, rbsp), 0, input.Length);

        int units = 0;
        foreach (var nal in AnnexB.Enumerate(input))
        {
            Assert.False(nal.IsEmpty);
            units++;
        }

        var writer = new ArrayBufferWriter<byte>();
        AnnexB.ToLengthPrefixed(input, writer);
        Assert.Equal(units, LengthPrefixed.Count(writer.WrittenSpan));

        bool valid = LengthPrefixed.IsValid(input);
        Assert.Equal(valid, LengthPrefixed.TryToAnnexB(input, new ArrayBufferWriter<byte>(), out _) && input.Length > 0);
        var copy = (byte[])input.Clone();
        Assert.Equal(valid || input.Length == 0, LengthPrefixed.TryToAnnexBInPlace(copy));
        _ = H264.IsKeyframe(input);
        _ = H265.IsKeyframe(input);
        foreach (int size in new[] { 1, 2 })
        {
            _ = LengthPrefixed.Count(input, size);
        }
    }
}
