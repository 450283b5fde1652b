using System.Text.Json;
using EdgeBox.Configuration;
using EdgeBox.Infrastructure;

namespace EdgeBox.Uplink;

/// <summary>
/// The fleet layers this box last applied, kept in <c>&lt;data&gt;/fleet-layers.json</c> (replaced in one
/// rename), so a restart without the broker comes back on the fleet's config and not on the file alone.
/// Each layer is stored as the document it came in; it was verified when it was applied.
/// </summary>
internal sealed class FleetStore(string dataDirectory)
{
    public const string FileName = "fleet-layers.json";

    public string FilePath { get; } = Path.Combine(dataDirectory, FileName);

    /// <summary>The stored layers (none when there is no file), and an error when the file cannot be used.</summary>
    public (FleetLayers Layers, string? Error) Load()
    {
        if (!File.Exists(FilePath))
        {
            return (FleetLayers.None, null);
        }

        try
        {
            string text = SmallFile.ReadText(FilePath, 4 * FleetDocument.MaxLength) ?? throw new InvalidDataException("the file is too large");
            using var json = JsonDocument.Parse(text);
            var layers = new List<ConfigLayer>();
            foreach (var item in json.RootElement.GetProperty("layers").EnumerateArray())
            {
                string name = item.GetProperty("name").GetString() ?? throw new InvalidDataException("a layer has no name");
                string document = item.GetProperty("document").GetString() ?? "";
                var (layer, errors) = FleetDocument.Read(document, name, keys: null, requireSignature: false);
                if (layer is null)
                {
                    throw new InvalidDataException($"layer {name}: {string.Join("; ", errors)}");
                }

                layers.Add(layer);
            }

            return (new FleetLayers(layers), null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or InvalidDataException
            or KeyNotFoundException or InvalidOperationException)
        {
            return (FleetLayers.None, $"{FilePath}: {ex.Message}");
        }
    }

    /// <summary>Replaces the stored layers; null when that worked, else why not.</summary>
    public string? Save(FleetLayers fleet)
    {
        try
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            {
                writer.WriteStartObject();
                writer.WriteStartArray("layers");
                foreach (var layer in fleet.Layers)
                {
                    writer.WriteStartObject();
                    writer.WriteString("name", layer.Name);
                    writer.WriteString("version", layer.Version);
                    writer.WriteString("document", layer.Text);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            SmallFile.WriteAtomically(FilePath, buffer.ToArray(), SmallFile.Private);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ex.Message;
        }
    }
}
