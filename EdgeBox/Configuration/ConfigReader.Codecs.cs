namespace EdgeBox.Configuration;

/// <summary>The <c>codecs</c> section and the per-path <c>transcode</c> profiles.</summary>
internal sealed partial class ConfigReader
{
    internal static readonly string[] CodecsKeys = ["hwaccel", "hwaccelDevice"];

    private static readonly string[] ProfileKeys = ["name", "video", "audio", "onDemand", "onDemandCloseAfter"];
    private static readonly string[] VideoKeys = ["codec", "width", "height", "bitrate", "gop", "preset", "fps"];
    private static readonly string[] AudioKeys = ["codec", "bitrate"];
    private static readonly string[] TestSourceKeys = ["size", "fps", "bitrate", "audio"];

    private TestSourceConfig ReadTestSource(YamlNode node, string path)
    {
        var value = new TestSourceConfig();
        if (Mapping(node, path, TestSourceKeys) is not { } map)
        {
            return value;
        }

        foreach (var (key, child) in map.Entries)
        {
            switch (key.Value)
            {
                case "size":
                    string size = String(child, path + ".size", "", allowEmpty: false);
                    var parts = size.Split('x');
                    if (parts.Length == 2 && int.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out int w)
                        && int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out int h)
                        && w is >= 64 and <= 3840 && h is >= 64 and <= 2160 && w % 2 == 0 && h % 2 == 0)
                    {
                        value = value with { Width = w, Height = h };
                    }
                    else
                    {
                        Error(path + ".size", child, $"expected WIDTHxHEIGHT with even sizes from 64x64 to 3840x2160, found {Describe(child)}");
                    }

                    break;
                case "fps": value = value with { Fps = Int(child, path + ".fps", value.Fps, 1, 60) }; break;
                case "bitrate": value = value with { Bitrate = Bitrate(child, path + ".bitrate") }; break;
                case "audio": value = value with { Audio = Bool(child, path + ".audio", value.Audio) }; break;
            }
        }

        return value;
    }

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
                "hwaccelDevice" => value with { HwaccelDevice = OptionalString(child, "codecs.hwaccelDevice") },
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
                    "onDemandCloseAfter" => profile with { OnDemandCloseAfter = Duration(child, at + ".onDemandCloseAfter", TranscodeProfile.DefaultOnDemandCloseAfter) },
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
