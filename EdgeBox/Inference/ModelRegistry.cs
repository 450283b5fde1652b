using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML.OnnxRuntime;

namespace EdgeBox.Inference;

/// <summary>A model in the registry, as <c>models/NAME/model.json</c> stores it.</summary>
internal sealed record ModelEntry(
    string Name,
    string Adapter,
    IReadOnlyList<string> Labels,
    string Input,
    IReadOnlyList<string> Outputs,
    long Size,
    string Sha256,
    DateTimeOffset Added);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(ModelEntry))]
internal sealed partial class ModelJsonContext : JsonSerializerContext;

/// <summary>A model that cannot be added, or a registry operation that is refused, with the reason for the user.</summary>
internal sealed class ModelRegistryException(string message, bool notFound = false) : Exception(message)
{
    public bool NotFound { get; } = notFound;
}

/// <summary>
/// The model registry in the data directory: <c>models/NAME/model.onnx</c> plus <c>model.json</c>.
/// A model is checked when added (ONNX Runtime must load it on the CPU and its adapter must accept
/// its inputs and outputs), written to a temporary folder and moved into place, so a failed or
/// interrupted add leaves nothing behind. Used by <c>edgebox models</c> and the API alike.
/// </summary>
internal sealed class ModelRegistry(string dataDirectory, TimeProvider time)
{
    public const string ModelFile = "model.onnx";
    public const string EntryFile = "model.json";

    /// <summary>Largest model file accepted.</summary>
    public const long MaxSize = 2L << 30;

    public string Directory { get; } = Path.Combine(dataDirectory, "models");

    /// <summary>Raised after a model was added or removed (the detectors reload it).</summary>
    public event Action<string>? Changed;

    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 64 && name[0] != '.' && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    public IReadOnlyList<ModelEntry> List()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }

        var entries = new List<ModelEntry>();
        foreach (string folder in System.IO.Directory.EnumerateDirectories(Directory).Order(StringComparer.Ordinal))
        {
            if (TryRead(Path.GetFileName(folder)) is { } entry)
            {
                entries.Add(entry);
            }
        }

        return entries;
    }

    /// <summary>The model <paramref name="name"/>, or null when there is none (or its files are damaged).</summary>
    public ModelEntry? TryRead(string name)
    {
        if (!IsValidName(name))
        {
            return null;
        }

        string folder = Path.Combine(Directory, name);
        try
        {
            if (!File.Exists(Path.Combine(folder, ModelFile)))
            {
                return null;
            }

            return JsonSerializer.Deserialize(File.ReadAllText(Path.Combine(folder, EntryFile)), ModelJsonContext.Default.ModelEntry);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    public string PathOf(string name) => Path.Combine(Directory, name, ModelFile);

    /// <summary>Checks and adds a model; throws <see cref="ModelRegistryException"/> with the reason when it is refused.</summary>
    public ModelEntry Add(string name, string modelFile, string adapter, IReadOnlyList<string>? labels, bool replace = false)
    {
        if (!IsValidName(name))
        {
            throw new ModelRegistryException($"'{name}' is not a model name: use 1 to 64 letters, digits, '-', '_' or '.', not starting with '.'");
        }

        if (!ModelAdapter.Kinds.Contains(adapter, StringComparer.Ordinal))
        {
            throw new ModelRegistryException($"unknown adapter '{adapter}' (expected one of: {string.Join(", ", ModelAdapter.Kinds)})");
        }

        var info = new FileInfo(modelFile);
        if (!info.Exists)
        {
            throw new ModelRegistryException($"{modelFile}: file not found");
        }

        if (info.Length == 0 || info.Length > MaxSize)
        {
            throw new ModelRegistryException($"{modelFile}: {info.Length} bytes is not the size of an ONNX model (at most {MaxSize >> 30} GiB)");
        }

        string target = Path.Combine(Directory, name);
        if (!replace && System.IO.Directory.Exists(target))
        {
            throw new ModelRegistryException($"a model named '{name}' exists; remove it first");
        }

        var signature = Check(modelFile, adapter, labels, out var modelAdapter);
        System.IO.Directory.CreateDirectory(Directory);
        string staging = Path.Combine(Directory, $".add-{name}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(staging);
        try
        {
            string copy = Path.Combine(staging, ModelFile);
            File.Copy(modelFile, copy);
            string sha;
            using (var stream = File.OpenRead(copy))
            {
                sha = Convert.ToHexStringLower(SHA256.HashData(stream));
            }

            var input = modelAdapter.Input;
            var entry = new ModelEntry(name, adapter, modelAdapter.Labels, $"{input.Name} {input.Width}x{input.Height} {input.Layout.ToString().ToUpperInvariant()} {input.Element.ToString().ToLowerInvariant()}",
                signature.Outputs.Select(o => o.ToString()).ToList(), info.Length, sha, time.GetUtcNow());
            File.WriteAllText(Path.Combine(staging, EntryFile), JsonSerializer.Serialize(entry, ModelJsonContext.Default.ModelEntry));
            if (System.IO.Directory.Exists(target))
            {
                System.IO.Directory.Delete(target, recursive: true);
            }

            System.IO.Directory.Move(staging, target);
            Changed?.Invoke(name);
            return entry;
        }
        finally
        {
            if (System.IO.Directory.Exists(staging))
            {
                System.IO.Directory.Delete(staging, recursive: true);
            }
        }
    }

    /// <summary>Loads the model on the CPU and asks its adapter whether it fits.</summary>
    public static ModelSignature Check(string modelFile, string adapter, IReadOnlyList<string>? labels, out ModelAdapter modelAdapter)
    {
        InferenceSession session;
        try
        {
            using var options = new Microsoft.ML.OnnxRuntime.SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL, IntraOpNumThreads = 1 };
            session = new InferenceSession(modelFile, options);
        }
        catch (OnnxRuntimeException ex)
        {
            // "[ErrorCode:InvalidProtobuf] Load model from /tmp/x failed:Protobuf parsing failed." -> what failed.
            string reason = ModelSession.FirstLine(ex.Message);
            int cut = reason.IndexOf(" failed:", StringComparison.Ordinal);
            reason = cut >= 0 ? reason[(cut + 8)..].Trim() : reason;
            throw new ModelRegistryException($"{Path.GetFileName(modelFile)} is not an ONNX model ONNX Runtime can load ({reason})");
        }

        using (session)
        {
            var signature = ModelSession.SignatureOf(session);
            try
            {
                modelAdapter = ModelAdapter.Create(adapter, signature, labels);
            }
            catch (ModelFormatException ex)
            {
                throw new ModelRegistryException($"{Path.GetFileName(modelFile)} does not fit the {adapter} adapter: {ex.Message}");
            }

            return signature;
        }
    }

    /// <summary>Removes a model; throws <see cref="ModelRegistryException"/> (not found) when there is none.</summary>
    public void Remove(string name)
    {
        string folder = Path.Combine(Directory, name);
        if (!IsValidName(name) || !System.IO.Directory.Exists(folder))
        {
            throw new ModelRegistryException($"no model named '{name}'", notFound: true);
        }

        // Renamed first, so a crash half-way never leaves a model that looks whole.
        string doomed = Path.Combine(Directory, $".remove-{name}-{Guid.NewGuid():N}");
        System.IO.Directory.Move(folder, doomed);
        System.IO.Directory.Delete(doomed, recursive: true);
        Changed?.Invoke(name);
    }
}
