using System.Globalization;

namespace EdgeBox.Configuration;

/// <summary>The <c>inference</c> section and the per-path <c>detect</c> settings.</summary>
internal sealed partial class ConfigReader
{
    private static readonly string[] DetectKeys =
    [
        "model", "fps", "threshold", "labels", "zones", "masks", "minArea", "maxDetections", "minFrames", "lostAfter",
        "maxEventDuration", "record", "clipDuration", "annotate",
    ];

    private static readonly string[] ZoneKeys = ["name", "points"];

    private InferenceConfig ReadInference(YamlNode node, InferenceConfig value)
    {
        if (Mapping(node, "inference", InferenceKeys) is not { } map)
        {
            return value;
        }

        foreach (var (key, child) in map.Entries)
        {
            value = key.Value switch
            {
                "executionProvider" => value with { ExecutionProvider = Enum(child, "inference.executionProvider", value.ExecutionProvider) },
                "deviceId" => value with { DeviceId = Int(child, "inference.deviceId", 0, 0, 64) },
                "threads" => value with { Threads = Int(child, "inference.threads", 0, 0, 256) },
                "runtimeLibrary" => value with
                {
                    RuntimeLibrary = OptionalString(child, "inference.runtimeLibrary"),
                },
                _ => value,
            };
        }

        return value;
    }

    /// <summary><c>detect:</c> with nothing (or <c>off</c>) turns detection off, also over <c>pathDefaults</c>.</summary>
    private DetectConfig ReadDetect(YamlNode node, string path)
    {
        var value = new DetectConfig();
        if (node is YamlScalar { IsNull: true } or YamlScalar { Quoted: false, Value: "off" or "false" })
        {
            return value;
        }

        if (Mapping(node, path, DetectKeys) is not { } map)
        {
            return value;
        }

        if (map.Find("model") is null)
        {
            Error(path, map, "detection needs a model (the name of one in 'edgebox models list')");
        }

        foreach (var (key, child) in map.Entries)
        {
            string at = path + "." + key.Value;
            value = key.Value switch
            {
                "model" => value with { Model = String(child, at, "", allowEmpty: false) },
                "fps" => value with { Fps = Number(child, at, value.Fps, 0.1, 60) },
                "threshold" => value with { Threshold = (float)Number(child, at, value.Threshold, 0.01, 1) },
                "labels" => value with { Labels = new TextList(StringList(child, at)) },
                "zones" => value with { Zones = Zones(child, at, named: true) },
                "masks" => value with { Masks = Zones(child, at, named: false) },
                "minArea" => value with { MinArea = (float)Number(child, at, 0, 0, 1) },
                "maxDetections" => value with { MaxDetections = Int(child, at, value.MaxDetections, 1, 1000) },
                "minFrames" => value with { MinFrames = Int(child, at, value.MinFrames, 1, 1000) },
                "lostAfter" => value with { LostAfter = Duration(child, at, value.LostAfter) },
                "maxEventDuration" => value with { MaxEventDuration = Duration(child, at, value.MaxEventDuration) },
                "record" => value with { Record = Bool(child, at, false) },
                "clipDuration" => value with { ClipDuration = Duration(child, at, value.ClipDuration) },
                "annotate" => value with { Annotate = Bool(child, at, false) },
                _ => value,
            };
        }

        if (value.MaxEventDuration < TimeSpan.FromSeconds(1))
        {
            Error(path + ".maxEventDuration", map.Find("maxEventDuration") ?? map, "must be at least 1s");
        }

        if (value.ClipDuration < TimeSpan.FromSeconds(1) || value.ClipDuration > TimeSpan.FromHours(1))
        {
            Error(path + ".clipDuration", map.Find("clipDuration") ?? map, "must be from 1s to 1h");
        }

        return value;
    }

    /// <summary>Zones: <c>- name: door, points: [[x, y], ...]</c>; masks: just the point lists.</summary>
    private ZoneList Zones(YamlNode node, string path, bool named)
    {
        if (node is YamlScalar { IsNull: true })
        {
            return ZoneList.Empty;
        }

        if (node is not YamlSequence sequence)
        {
            Error(path, node, $"expected a list of {(named ? "zones" : "polygons")}, found {Describe(node)}");
            return ZoneList.Empty;
        }

        var zones = new List<Zone>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < sequence.Items.Count; i++)
        {
            string at = $"{path}[{i}]";
            if (!named)
            {
                if (Polygon(sequence.Items[i], at) is { } mask)
                {
                    zones.Add(new Zone($"mask{i + 1}", mask));
                }

                continue;
            }

            if (Mapping(sequence.Items[i], at, ZoneKeys) is not { } map)
            {
                continue;
            }

            if (map.Find("name") is not { } nameNode || map.Find("points") is not { } pointsNode)
            {
                Error(at, map, "a zone needs a name and points");
                continue;
            }

            string name = String(nameNode, at + ".name", "", allowEmpty: false);
            if (!names.Add(name))
            {
                Error(at + ".name", nameNode, $"zone '{name}' is named twice");
            }

            if (Polygon(pointsNode, at + ".points") is { } points)
            {
                zones.Add(new Zone(name, points));
            }
        }

        return new ZoneList(zones);
    }

    /// <summary>A polygon: a list of at least 3 [x, y] pairs, each from 0 to 1.</summary>
    private float[]? Polygon(YamlNode node, string path)
    {
        if (node is not YamlSequence { Items.Count: >= 3 } sequence)
        {
            Error(path, node, $"expected a polygon of at least 3 points [[x, y], ...] from 0 to 1, found {Describe(node)}");
            return null;
        }

        var points = new float[sequence.Items.Count * 2];
        for (int i = 0; i < sequence.Items.Count; i++)
        {
            if (sequence.Items[i] is not YamlSequence { Items.Count: 2 } pair)
            {
                Error($"{path}[{i}]", sequence.Items[i], $"expected a point [x, y], found {Describe(sequence.Items[i])}");
                return null;
            }

            points[2 * i] = (float)Number(pair.Items[0], $"{path}[{i}][0]", 0, 0, 1);
            points[(2 * i) + 1] = (float)Number(pair.Items[1], $"{path}[{i}][1]", 0, 0, 1);
        }

        return points;
    }

    private double Number(YamlNode node, string path, double fallback, double min, double max)
    {
        if (node is YamlScalar { Quoted: false } s
            && double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value))
        {
            if (value >= min && value <= max)
            {
                return value;
            }

            Error(path, node, $"must be from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}, found {s.Value}");
            return fallback;
        }

        Error(path, node, $"expected a number, found {Describe(node)}");
        return fallback;
    }
}
