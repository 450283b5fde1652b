namespace EdgeBox.Configuration;

/// <summary>The <c>codecs</c> section and the per-path <c>transcode</c> profiles.</summary>
internal sealed partial class ConfigReader
{
    internal static readonly string[] CodecsKeys = ["hwaccel", "hwaccelDevice"];

    private static readonly string[] ProfileKeys = ["name", "video", "audio", "onDemand"];
    private static readonly string[] VideoKeys = ["codec", "width", "height", "bitrate", "gop", "preset", "fps"];
    private static readonly string[] AudioKeys = ["codec", "bitrate"];

    private CodecsConfig ReadCodecs(YamlNode node, CodecsConfig value)
    {
        if (Mapping(node, "codecs", CodecsKeys) is not { } map)
        {
            return value;
        }

        foreach (var (key, child) in map.Entries)
        {
            value = key.Value switch
            {
                "hwaccel" => value with { Hwaccel = Enum(child, "codecs.hwaccel", value.Hwaccel) },
                "hwaccelDevice" => value with { HwaccelDevice = child is YamlScalar { IsNull: true } ? "" : String(child, "codecs.hwaccelDevice", "", allowEmpty: true) },
                _ => value,
            };
        }

        return value;
    }

    private TranscodeList ReadTranscode(YamlNode node, string path)
    {
        var profiles = new List<TranscodeProfile>();
        if (node is YamlScalar { IsNull: true })
        {
            return TranscodeList.Empty;
        }

        if (node is not YamlSequence sequence)
        {
            Error(path, node, $"expected a list of profiles, found {Describe(node)}");
            return TranscodeList.Empty;
        }

        for (int i = 0; i < sequence.Items.Count; i++)
        {
            string at = $"{path}[{i}]";
            if (Mapping(sequence.Items[i], at, ProfileKeys) is not { } map)
            {
                continue;
            }

            if (map.Find("name") is not { } nameNode)
            {
                Error(at, map, "a profile needs a name (the derived path is <path>/<name>)");
                continue;
            }

            var profile = new TranscodeProfile(String(nameNode, at + ".name", "", allowEmpty: false)) { Line = map.Line };
            foreach (var (key, child) in map.Entries)
            {
                profile = key.Value switch
                {
                    "video" => profile with { Video = ReadVideo(child, at + ".video") },
                    "audio" => profile with { Audio = ReadAudio(child, at + ".audio") },
                    "onDemand" => profile with { OnDemand = Bool(child, at + ".onDemand", false) },
                    _ => profile,
                };
            }

            profiles.Add(profile);
        }

        return new TranscodeList(profiles);
    }

    private VideoProfile ReadVideo(YamlNode node, string path)
    {
        var value = new VideoProfile();
        if (Mapping(node, path, VideoKeys) is not { } map)
        {
            return value;
        }

        foreach (var (key, child) in map.Entries)
        {
            value = key.Value switch
            {
                "codec" => value with { Codec = Enum(child, path + ".codec", value.Codec) },
                "width" => value with { Width = Int(child, path + ".width", 0, 16, 7680) },
                "height" => value with { Height = Int(child, path + ".height", 0, 16, 4320) },
                "bitrate" => value with { Bitrate = Bitrate(child, path + ".bitrate") },
                "gop" => value with { Gop = Duration(child, path + ".gop", value.Gop) },
                "preset" => value with { Preset = String(child, path + ".preset", value.Preset, allowEmpty: false) },
                "fps" => value with { Fps = Int(child, path + ".fps", 0, 1, 240) },
                _ => value,
            };
        }

        return value;
    }

    private AudioProfile ReadAudio(YamlNode node, string path)
    {
        var value = new AudioProfile();
        if (Mapping(node, path, AudioKeys) is not { } map)
        {
            return value;
        }

        foreach (var (key, child) in map.Entries)
        {
            value = key.Value switch
            {
                "codec" => value with { Codec = Enum(child, path + ".codec", value.Codec) },
                "bitrate" => value with { Bitrate = Bitrate(child, path + ".bitrate") },
                _ => value,
            };
        }

        return value;
    }

    private long Bitrate(YamlNode node, string path)
    {
        if (node is YamlScalar { IsNull: false } s && BitrateText.TryParse(s.Value, out long value))
        {
            return value;
        }

        Error(path, node, $"expected a bit rate such as 2M, 800k or 64000, found {Describe(node)}");
        return 0;
    }
}
