using System.Globalization;

namespace EdgeBox.Configuration;

/// <summary>Hardware acceleration for decoding and encoding (<c>codecs.hwaccel</c>, per path <c>hwaccel</c>).</summary>
internal enum HwAccelSetting
{
    /// <summary>Probe at start-up (NVENC/NVDEC, VAAPI, QSV, V4L2 M2M) and use the first that opens.</summary>
    Auto,
    None,
    Cuda,
    Vaapi,
    Qsv,
    V4l2m2m,
}

/// <summary>The <c>codecs</c> section: how EdgeBox decodes and encodes.</summary>
internal sealed record CodecsConfig
{
    public HwAccelSetting Hwaccel { get; init; } = HwAccelSetting.Auto;

    /// <summary>Device for the hardware API (<c>/dev/dri/renderD128</c> for VAAPI/QSV, a GPU index for CUDA); empty = the API's default.</summary>
    public string HwaccelDevice { get; init; } = "";
}

internal enum VideoCodecSetting
{
    H264,
    H265,
    Av1,
    Vp9,
    Copy,
}

internal enum AudioCodecSetting
{
    Opus,
    Aac,
    Copy,
    None,
}

/// <summary>The video of a transcode profile. Null sizes keep the source's (one given: the other follows the aspect ratio).</summary>
internal sealed record VideoProfile
{
    public VideoCodecSetting Codec { get; init; } = VideoCodecSetting.H264;

    public int? Width { get; init; }

    public int? Height { get; init; }

    /// <summary>Bits per second; 0 = the encoder's default.</summary>
    public long Bitrate { get; init; }

    /// <summary>Time between keyframes.</summary>
    public TimeSpan Gop { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Encoder speed preset (x264/x265 names; mapped for hardware encoders).</summary>
    public string Preset { get; init; } = "veryfast";

    /// <summary>Output frame rate; null keeps the source's.</summary>
    public int? Fps { get; init; }
}

internal sealed record AudioProfile
{
    public AudioCodecSetting Codec { get; init; } = AudioCodecSetting.Opus;

    public long Bitrate { get; init; } = 64_000;
}

/// <summary>One transcode profile of a path: publishes the derived path <c>&lt;path&gt;/&lt;name&gt;</c>.</summary>
internal sealed record TranscodeProfile(string Name)
{
    public VideoProfile Video { get; init; } = new();

    /// <summary>Null: the source's audio is passed through (copy).</summary>
    public AudioProfile Audio { get; init; } = new() { Codec = AudioCodecSetting.Copy };

    /// <summary>Run only while the derived path has readers.</summary>
    public bool OnDemand { get; init; }

    /// <summary>How long an on-demand profile keeps running after its last reader left.</summary>
    public TimeSpan OnDemandCloseAfter { get; init; } = DefaultOnDemandCloseAfter;

    public static readonly TimeSpan DefaultOnDemandCloseAfter = TimeSpan.FromSeconds(10);

    /// <summary>The YAML line of the profile, for error messages; not part of equality.</summary>
    public int Line { get; init; }

    public bool Equals(TranscodeProfile? other) =>
        other is not null && Name == other.Name && Video == other.Video && Audio == other.Audio && OnDemand == other.OnDemand
        && OnDemandCloseAfter == other.OnDemandCloseAfter;

    public override int GetHashCode() => HashCode.Combine(Name, Video, Audio, OnDemand, OnDemandCloseAfter);
}

/// <summary>A path's transcode profiles, compared by value.</summary>
internal sealed class TranscodeList(IEnumerable<TranscodeProfile> items) : IReadOnlyList<TranscodeProfile>, IEquatable<TranscodeList>
{
    public static readonly TranscodeList Empty = new([]);

    private readonly TranscodeProfile[] _items = items.ToArray();

    public int Count => _items.Length;

    public TranscodeProfile this[int index] => _items[index];

    public bool Equals(TranscodeList? other) => other is not null && _items.AsSpan().SequenceEqual(other._items);

    public override bool Equals(object? obj) => Equals(obj as TranscodeList);

    public override int GetHashCode() => _items.Length;

    public IEnumerator<TranscodeProfile> GetEnumerator() => ((IEnumerable<TranscodeProfile>)_items).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => _items.GetEnumerator();
}

/// <summary>The generator source (<c>source: testsrc</c>): a moving test pattern with a clock, and a tone.</summary>
internal sealed record TestSourceConfig
{
    public int Width { get; init; } = 1280;

    public int Height { get; init; } = 720;

    public int Fps { get; init; } = 30;

    public long Bitrate { get; init; } = 2_000_000;

    /// <summary>A 1 kHz tone as Opus.</summary>
    public bool Audio { get; init; } = true;

    public string Size => $"{Width}x{Height}";
}

/// <summary>Bit rates as FFmpeg writes them: <c>2M</c>, <c>2.5M</c>, <c>800k</c>, <c>64000</c>.</summary>
internal static class BitrateText
{
    public static bool TryParse(string text, out long bitsPerSecond)
    {
        bitsPerSecond = 0;
        text = text.Trim();
        if (text.Length == 0)
        {
            return false;
        }

        double scale = char.ToUpperInvariant(text[^1]) switch
        {
            'K' => 1e3,
            'M' => 1e6,
            'G' => 1e9,
            _ => 1,
        };
        string number = scale == 1 ? text : text[..^1];
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value) || value < 0 || value * scale > 1e11)
        {
            return false;
        }

        bitsPerSecond = (long)Math.Round(value * scale);
        return true;
    }

    public static string Format(long bitsPerSecond) =>
        bitsPerSecond % 1_000_000 == 0 && bitsPerSecond > 0 ? (bitsPerSecond / 1_000_000).ToString(CultureInfo.InvariantCulture) + "M"
        : bitsPerSecond % 1000 == 0 && bitsPerSecond > 0 ? (bitsPerSecond / 1000).ToString(CultureInfo.InvariantCulture) + "k"
        : bitsPerSecond.ToString(CultureInfo.InvariantCulture);
}
