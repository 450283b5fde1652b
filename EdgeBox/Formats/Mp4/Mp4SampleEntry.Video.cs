using EdgeBox.Media;
using EdgeBox.Media.Codecs;

namespace EdgeBox.Formats.Mp4;

internal static partial class Mp4SampleEntry
{
    /// <summary>4-byte NAL unit lengths (lengthSizeMinusOne = 3): EdgeBox's canonical H.264/H.265 framing.</summary>
    private const int LengthSizeMinusOne = 3;

    /// <summary>
    /// <c>avc1</c> with its AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3.1):
    /// <code>
    /// version 1 | profile_idc | constraint flags | level_idc | 111111 lengthSizeMinusOne(2) | 111 numSPS(5)
    /// | spsLength(16) sps | numPPS(8) | ppsLength(16) pps
    /// [High profiles: 111111 chroma_format(2) | 11111 luma-8 (3) | 11111 chroma-8 (3) | numSpsExt(8) = 0]
    /// </code>
    /// The profile bytes are the SPS's own (its bytes 1 to 3).
    /// </summary>
    private static void WriteAvc1(Mp4BoxWriter w, CodecParameters p)
    {
        _ = H264Sps.TryParse(p.Sps, out var sps); // checked by CanDescribe
        int box = BeginVisualSampleEntry(w, "avc1"u8, Either(sps.Width, p.Width), Either(sps.Height, p.Height));
        WriteAvcC(w, p.Sps, p.Pps);
        WritePixelAspectRatio(w, sps.SarWidth, sps.SarHeight);
        w.End(box);
    }

    /// <summary>The <c>avcC</c> box for one SPS and one PPS (NAL units without start codes).</summary>
    internal static void WriteAvcC(Mp4BoxWriter w, ReadOnlySpan<byte> spsNal, ReadOnlySpan<byte> ppsNal)
    {
        if (!H264Sps.TryParse(spsNal, out var sps) || ppsNal.IsEmpty)
        {
            throw new ArgumentException("avcC needs an SPS that parses and a PPS", nameof(spsNal));
        }

        int box = w.Begin("avcC"u8);
        w.WriteByte(1); // configurationVersion
        w.WriteBytes(spsNal.Slice(1, 3)); // AVCProfileIndication, profile_compatibility, AVCLevelIndication
        w.WriteByte(0xFC | LengthSizeMinusOne);
        w.WriteByte(0xE0 | 1); // one SPS
        w.WriteUInt16(spsNal.Length);
        w.WriteBytes(spsNal);
        w.WriteByte(1); // one PPS
        w.WriteUInt16(ppsNal.Length);
        w.WriteBytes(ppsNal);
        if (sps.ProfileIdc is 100 or 110 or 122 or 144)
        {
            w.WriteByte(0xFC | sps.ChromaFormatIdc);
            w.WriteByte(0xF8 | (sps.BitDepthLuma - 8));
            w.WriteByte(0xF8 | (sps.BitDepthChroma - 8));
            w.WriteByte(0); // numOfSequenceParameterSetExt
        }

        w.End(box);
    }

    /// <summary>
    /// <c>hvc1</c> with its HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 §8.3.3.1); the profile, tier, level and
    /// format fields come from the SPS:
    /// <code>
    /// version 1 | profile_space(2) tier(1) profile_idc(5) | compatibility flags(32) | constraint flags(48) | level_idc
    /// | 1111 min_spatial_segmentation(12) | 111111 parallelismType(2) | 111111 chroma_format(2)
    /// | 11111 luma-8 (3) | 11111 chroma-8 (3) | avgFrameRate(16) | constantFrameRate(2) numTemporalLayers(3)
    /// temporalIdNested(1) lengthSizeMinusOne(2) | numOfArrays | { completeness(1) 0 type(6) | numNalus(16) | { length(16) nal } }
    /// </code>
    /// </summary>
    private static void WriteHvc1(Mp4BoxWriter w, CodecParameters p)
    {
        _ = H265Sps.TryParse(p.Sps, out var sps); // checked by CanDescribe
        int box = BeginVisualSampleEntry(w, "hvc1"u8, Either(sps.Width, p.Width), Either(sps.Height, p.Height));
        WriteHvcC(w, p.Vps, p.Sps, p.Pps);
        WritePixelAspectRatio(w, sps.SarWidth, sps.SarHeight);
        w.End(box);
    }

    /// <summary>The <c>hvcC</c> box for one VPS, SPS and PPS (NAL units with their 2-byte headers).</summary>
    internal static void WriteHvcC(Mp4BoxWriter w, ReadOnlySpan<byte> vpsNal, ReadOnlySpan<byte> spsNal, ReadOnlySpan<byte> ppsNal)
    {
        if (!H265Sps.TryParse(spsNal, out var sps) || vpsNal.IsEmpty || ppsNal.IsEmpty)
        {
            throw new ArgumentException("hvcC needs a VPS, an SPS that parses and a PPS", nameof(spsNal));
        }

        var ptl = sps.ProfileTierLevel;
        int box = w.Begin("hvcC"u8);
        w.WriteByte(1); // configurationVersion
        w.WriteByte((ptl.ProfileSpace << 6) | (ptl.HighTier ? 0x20 : 0) | ptl.ProfileIdc);
        w.WriteUInt32(ptl.CompatibilityFlags);
        w.WriteUInt16((int)(ptl.ConstraintFlags >> 32));
        w.WriteUInt32((uint)ptl.ConstraintFlags);
        w.WriteByte(ptl.LevelIdc);
        w.WriteUInt16(0xF000); // min_spatial_segmentation_idc 0: no restriction signalled
        w.WriteByte(0xFC); // parallelismType 0: unknown
        w.WriteByte(0xFC | sps.ChromaFormatIdc);
        w.WriteByte(0xF8 | (sps.BitDepthLuma - 8));
        w.WriteByte(0xF8 | (sps.BitDepthChroma - 8));
        w.WriteUInt16(0); // avgFrameRate: unspecified
        w.WriteByte((sps.MaxSubLayers << 3) | (sps.TemporalIdNesting ? 4 : 0) | LengthSizeMinusOne); // constantFrameRate 0
        w.WriteByte(3); // numOfArrays
        WriteNalArray(w, H265.NalVps, vpsNal);
        WriteNalArray(w, H265.NalSps, spsNal);
        WriteNalArray(w, H265.NalPps, ppsNal);
        w.End(box);
    }

    private static void WriteNalArray(Mp4BoxWriter w, int nalType, ReadOnlySpan<byte> nal)
    {
        w.WriteByte(0x80 | nalType); // array_completeness 1: every parameter set of this type is here
        w.WriteUInt16(1);
        w.WriteUInt16(nal.Length);
        w.WriteBytes(nal);
    }

    /// <summary>
    /// <c>vp08</c>/<c>vp09</c> with a VPCodecConfigurationRecord (<c>vpcC</c>, version 1):
    /// <code>
    /// profile | level | bitDepth(4) chromaSubsampling(3) videoFullRange(1) | primaries | transfer | matrix | initDataSize(16) = 0
    /// </code>
    /// The track carries VP9's profile and the picture size, not the bit depth or colour: profiles 0 and 1 are
    /// 8-bit, 2 and 3 are written as 10-bit; 0 and 2 as 4:2:0, 1 and 3 as 4:4:4; colour unspecified (2), limited
    /// range. The level comes from the picture size alone (VP9 Annex A's luma picture size column); decoders
    /// take all of these from the bitstream.
    /// </summary>
    private static void WriteVpx(Mp4BoxWriter w, CodecId codec, CodecParameters p)
    {
        int profile = codec == CodecId.Vp9 ? p.Profile ?? 0 : 0;
        int box = BeginVisualSampleEntry(w, codec == CodecId.Vp9 ? "vp09"u8 : "vp08"u8, p.Width, p.Height);
        int vpcC = w.BeginFull("vpcC"u8, 1, 0);
        w.WriteByte(profile);
        w.WriteByte(codec == CodecId.Vp9 ? Vp9Level(p.Width, p.Height) : 0);
        int bitDepth = profile >= 2 ? 10 : 8;
        int subsampling = profile is 1 or 3 ? 3 : 1; // 3: 4:4:4; 1: 4:2:0 co-located with luma
        w.WriteByte((bitDepth << 4) | (subsampling << 1));
        w.WriteByte(2); // colour_primaries: unspecified
        w.WriteByte(2); // transfer_characteristics: unspecified
        w.WriteByte(2); // matrix_coefficients: unspecified
        w.WriteUInt16(0); // codecIntializationDataSize: VP8 and VP9 have none
        w.End(vpcC);
        w.End(box);
    }

    /// <summary>The VP9 level (10 = 1, 11 = 1.1 ... 62 = 6.2) whose maximum luma picture size holds the picture; 0 when the size is unknown.</summary>
    internal static int Vp9Level(int width, int height)
    {
        long samples = (long)width * height;
        return samples switch
        {
            <= 0 => 0,
            <= 36864 => 10,
            <= 73728 => 11,
            <= 122880 => 20,
            <= 245760 => 21,
            <= 552960 => 30,
            <= 983040 => 31,
            <= 2228224 => 40,
            <= 8912896 => 50,
            _ => 60,
        };
    }

    /// <summary><c>av01</c> with the <c>av1C</c> record built from the sequence header (<see cref="Av1.ConfigRecord"/>).</summary>
    private static void WriteAv01(Mp4BoxWriter w, CodecParameters p)
    {
        _ = Av1SequenceHeader.TryParse(p.SequenceHeader, out var header); // checked by CanDescribe
        int box = BeginVisualSampleEntry(w, "av01"u8, Either(header.Width, p.Width), Either(header.Height, p.Height));
        int av1C = w.Begin("av1C"u8);
        w.WriteBytes(Av1.ConfigRecord(p.SequenceHeader) ?? []);
        w.End(av1C);
        w.End(box);
    }

    /// <summary>MJPEG as FFmpeg puts it in MP4: <c>mp4v</c> whose <c>esds</c> names object type 0x6C (JPEG), no decoder config.</summary>
    private static void WriteMjpeg(Mp4BoxWriter w, CodecParameters p)
    {
        int box = BeginVisualSampleEntry(w, "mp4v"u8, p.Width, p.Height);
        WriteEsds(w, trackId: 0, ObjectTypeJpeg, StreamTypeVisual, decoderSpecificInfo: default);
        w.End(box);
    }

    /// <summary>
    /// VisualSampleEntry (ISO/IEC 14496-12 §12.1.3): pre_defined and reserved fields, the size, 72 dpi, one frame
    /// per sample, an empty compressor name, depth 24 and pre_defined -1. The codec's boxes follow.
    /// </summary>
    private static int BeginVisualSampleEntry(Mp4BoxWriter w, ReadOnlySpan<byte> type, int width, int height)
    {
        int box = BeginSampleEntry(w, type);
        w.WriteZeros(16); // pre_defined, reserved, pre_defined[3]
        w.WriteUInt16(Math.Clamp(width, 0, ushort.MaxValue));
        w.WriteUInt16(Math.Clamp(height, 0, ushort.MaxValue));
        w.WriteUInt32(0x00480000); // horizresolution: 72 dpi
        w.WriteUInt32(0x00480000); // vertresolution
        w.WriteUInt32(0); // reserved
        w.WriteUInt16(1); // frame_count
        w.WriteZeros(32); // compressorname
        w.WriteUInt16(0x0018); // depth: colour, no alpha
        w.WriteUInt16(0xFFFF); // pre_defined = -1
        return box;
    }

    /// <summary><c>pasp</c> (§12.1.4) when the SPS gives a sample aspect ratio.</summary>
    private static void WritePixelAspectRatio(Mp4BoxWriter w, int sarWidth, int sarHeight)
    {
        if (sarWidth <= 0 || sarHeight <= 0)
        {
            return;
        }

        int box = w.Begin("pasp"u8);
        w.WriteUInt32((uint)sarWidth);
        w.WriteUInt32((uint)sarHeight);
        w.End(box);
    }

    /// <summary>The size from the parameter set when it gives one, else the track's.</summary>
    private static int Either(int fromParameterSet, int fromTrack) => fromParameterSet > 0 ? fromParameterSet : fromTrack;
}
