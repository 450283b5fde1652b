using System.Globalization;
using System.Text.Json;
using EdgeBox.Configuration;
using EdgeBox.Events;
using EdgeBox.Inference;
using EdgeBox.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EdgeBox.Web;

/// <summary>
/// Analytics over HTTP: the model registry (<c>/api/v1/models</c>), detection state per path
/// (<c>/api/v1/detect</c>), turning a path's detection on and off (<c>PUT|DELETE /api/v1/paths/{name}/detect</c>,
/// through the same config pipeline as every other change), and events with their snapshots.
/// </summary>
internal static class InferenceEndpoints
{
    public const string DetectSuffix = "/detect";

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/models", Models).Allow(Role.Operator);
        api.MapPost("/models", AddModelAsync).DisableAntiforgery().Allow(Role.Operator);
        api.MapDelete("/models/{name}", RemoveModel).Allow(Role.Operator);
        api.MapGet("/detect", Detectors).Allow(Role.Operator);
        api.MapPut("/paths/{**name}", PutDetectAsync).Allow(Role.Operator);
        api.MapDelete("/paths/{**name}", DeleteDetectAsync).Allow(Role.Operator);
        api.MapGet("/events/{id:long}", Event).Allow(Role.Viewer);
        api.MapGet("/events/{id:long}/snapshot.jpg", (HttpContext http, long id, DetectionService detection, EventBus events) => Picture(http, id, false, detection, events))
            .Allow(Role.Viewer);
        api.MapGet("/events/{id:long}/crop.jpg", (HttpContext http, long id, DetectionService detection, EventBus events) => Picture(http, id, true, detection, events))
            .Allow(Role.Viewer);
    }

    private static JsonHttpResult<ModelListResponse> Models(DetectionService detection) =>
        TypedResults.Json(new ModelListResponse(detection.Registry.List().Select(m => ToDto(m, detection)).ToList()), ApiJsonContext.Default.ModelListResponse);

    private static ModelDto ToDto(ModelEntry m, DetectionService detection) =>
        new(m.Name, m.Adapter, m.Labels, m.Input, m.Outputs, m.Size, m.Sha256, m.Added, detection.PathsUsing(m.Name));

    /// <summary>Largest upload: a model file plus a form's overhead.</summary>
    private const long MaxUpload = ModelRegistry.MaxSize + (1 << 20);

    /// <summary>
    /// Adds a model: a multipart form (<c>name</c>, <c>adapter</c>, <c>file</c>, optional <c>labels</c>
    /// file or text, optional <c>replace</c>), or the raw ONNX bytes with <c>?name=&amp;adapter=</c>.
    /// 201 with the model; 400 with the reason when it is refused; 409 when the name is taken.
    /// </summary>
    private static async Task<IResult> AddModelAsync(HttpRequest request, DetectionService detection, CancellationToken token)
    {
        var feature = request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false })
        {
            feature.MaxRequestBodySize = MaxUpload;
        }

        string upload = Path.Combine(Path.GetTempPath(), $"edgebox-model-{Guid.NewGuid():N}.onnx");
        try
        {
            string? name, adapter;
            IReadOnlyList<string>? labels = null;
            bool replace;
            if (request.HasFormContentType)
            {
                var form = await request.ReadFormAsync(new Microsoft.AspNetCore.Http.Features.FormOptions { MultipartBodyLengthLimit = MaxUpload }, token).ConfigureAwait(false);
                name = form["name"].FirstOrDefault();
                adapter = form["adapter"].FirstOrDefault();
                replace = form["replace"].FirstOrDefault() is "true" or "1" or "on";
                if (form.Files.GetFile("file") is not { } file)
                {
                    return Error(400, "the form has no 'file' (the ONNX model)");
                }

                await using (var target = File.Create(upload))
                {
                    await file.CopyToAsync(target, token).ConfigureAwait(false);
                }

                if (form.Files.GetFile("labels") is { } labelsFile)
                {
                    using var reader = new StreamReader(labelsFile.OpenReadStream());
                    labels = ModelAdapter.ReadLabels(await reader.ReadToEndAsync(token).ConfigureAwait(false));
                }
                else if (form["labels"].FirstOrDefault() is { Length: > 0 } text)
                {
                    labels = ModelAdapter.ReadLabels(text.Replace(',', '\n'));
                }
            }
            else
            {
                name = request.Query["name"].FirstOrDefault();
                adapter = request.Query["adapter"].FirstOrDefault();
                replace = request.Query["replace"].FirstOrDefault() is "true" or "1";
                if (request.Query["labels"].FirstOrDefault() is { Length: > 0 } text)
                {
                    labels = ModelAdapter.ReadLabels(text.Replace(',', '\n'));
                }

                await using var target = File.Create(upload);
                await request.Body.CopyToAsync(target, token).ConfigureAwait(false);
            }

            if (string.IsNullOrWhiteSpace(name) || string.IsNullOrWhiteSpace(adapter))
            {
                return Error(400, $"a model needs a name and an adapter ({string.Join(", ", ModelAdapter.Kinds)})");
            }

            if (!replace && detection.Registry.TryRead(name) is not null)
            {
                return Error(409, $"a model named '{name}' exists; remove it first or send replace=true");
            }

            var entry = detection.Registry.Add(name, upload, adapter, labels, replace);
            return TypedResults.Json(ToDto(entry, detection), ApiJsonContext.Default.ModelDto, statusCode: 201);
        }
        catch (ModelRegistryException ex)
        {
            return Error(400, ex.Message.Replace(Path.GetFileName(upload), "the upload", StringComparison.Ordinal));
        }
        catch (Exception ex) when (ex is InvalidDataException or BadHttpRequestException)
        {
            return Error(400, "the upload could not be read: " + ex.Message);
        }
        finally
        {
            File.Delete(upload);
        }
    }

    /// <summary>Removes a model: 204; 404 when there is none; 409 while a path's detection uses it.</summary>
    private static IResult RemoveModel(string name, DetectionService detection)
    {
        if (detection.Registry.TryRead(name) is null)
        {
            return Error(404, $"no model named '{name}'");
        }

        if (detection.PathsUsing(name) is { Count: > 0 } users)
        {
            return Error(409, $"model '{name}' is used by {string.Join(", ", users)}; turn their detection off first");
        }

        try
        {
            detection.Registry.Remove(name);
            return TypedResults.NoContent();
        }
        catch (Exception ex) when (ex is ModelRegistryException or IOException or UnauthorizedAccessException)
        {
            return Error(500, ex.Message);
        }
    }

    private static JsonHttpResult<DetectorListResponse> Detectors(DetectionService detection) =>
        TypedResults.Json(new DetectorListResponse(detection.Statuses()), ApiJsonContext.Default.DetectorListResponse);

    /// <summary>
    /// <c>PUT /api/v1/paths/{name}/detect</c> with the <c>detect</c> settings as JSON (keys as in the
    /// YAML file): sets the path's detection through the config pipeline (validated, applied live,
    /// written to the file). A path not in the config is added.
    /// </summary>
    private static async Task<IResult> PutDetectAsync(HttpRequest request, string name, ConfigManager config, CancellationToken token)
    {
        if (!name.EndsWith(DetectSuffix, StringComparison.Ordinal))
        {
            return Error(404, "unknown path resource (PUT .../detect)");
        }

        name = name[..^DetectSuffix.Length];
        using var reader = new StreamReader(request.Body);
        char[] buffer = new char[64 * 1024];
        int length = await reader.ReadBlockAsync(buffer, token).ConfigureAwait(false);
        if (length == buffer.Length)
        {
            return Error(413, "the detect settings are too long");
        }

        string body = new string(buffer, 0, length).Trim();
        if (body.Length == 0)
        {
            return Error(400, "send the detect settings as JSON, e.g. {\"model\": \"face\", \"fps\": 5}");
        }

        // The settings are read by the config reader itself (JSON is YAML's flow style), so they get its checks and
        // messages. Keys not sent keep the path's current values: the current settings are written out, and the
        // body's keys are read over them.
        var current = config.Current.Config;
        var existing = current.Paths.FirstOrDefault(p => p.Name == name) is { } named ? current.EffectivePath(named).Detect : null;
        var sent = YamlDocumentReader.Read(body, []) is YamlMapping mapping ? mapping.Entries.Select(e => e.Key.Value).ToHashSet(StringComparer.Ordinal) : null;
        if (existing is { Model.Length: > 0 } && sent is not null && !sent.Contains("model"))
        {
            // The model stays too: give the reader the current one, which it requires.
            string model = "\"model\": " + JsonSerializer.Serialize(existing.Model, ApiJsonContext.Default.String);
            body = sent.Count == 0 ? "{" + model + "}" : "{" + model + ", " + body.TrimStart()[1..];
        }

        string quoted = JsonSerializer.Serialize(name, ApiJsonContext.Default.String);
        var parsed = ConfigLoader.Load("paths: {" + quoted + ": {detect: " + body + "}}");
        if (!parsed.IsValid || parsed.Config!.Paths.Count != 1 || parsed.Config.Paths[0].Config.Detect is not { } detect)
        {
            return ConfigErrors(parsed.Errors);
        }

        if (existing is { Model.Length: > 0 } && sent is not null)
        {
            sent.Add("model");
            detect = DetectMerge.Over(existing, detect, sent);
        }

        return await ChangeAsync(config, name, detect, token).ConfigureAwait(false);
    }

    /// <summary><c>DELETE /api/v1/paths/{name}/detect</c>: turns the path's detection off.</summary>
    private static async Task<IResult> DeleteDetectAsync(string name, ConfigManager config, CancellationToken token)
    {
        if (!name.EndsWith(DetectSuffix, StringComparison.Ordinal))
        {
            return Error(404, "unknown path resource (DELETE .../detect)");
        }

        name = name[..^DetectSuffix.Length];
        if (config.Current.Config.Paths.All(p => p.Name != name))
        {
            return Error(404, $"no configured path '{name}'");
        }

        return await ChangeAsync(config, name, new DetectConfig(), token).ConfigureAwait(false);
    }

    private static Task<IResult> ChangeAsync(ConfigManager config, string name, DetectConfig detect, CancellationToken token) =>
        PathConfigEndpoints.ChangePathsAsync(config, paths =>
        {
            int index = paths.FindIndex(p => p.Name == name);
            if (index >= 0)
            {
                paths[index] = paths[index] with { Config = paths[index].Config with { Detect = detect } };
            }
            else
            {
                paths.Add(new NamedPath(name, new PathConfig { Detect = detect }));
            }

            return paths;
        }, token);

    private static IResult Event(HttpContext http, long id, EventBus events) => events.Find(id) is { } item && http.CanSee(item.Path)
        ? TypedResults.Json(item, ApiJsonContext.Default.EdgeBoxEvent)
        : Error(404, $"no event {id}");

    private static IResult Picture(HttpContext http, long id, bool crop, DetectionService detection, EventBus events)
    {
        if (events.Find(id) is not { Detection: { } found } item || !http.CanSee(item.Path))
        {
            return Error(404, $"no detection event {id}");
        }

        string file = crop ? detection.Snapshots.CropOf(id) : detection.Snapshots.PictureOf(id);
        if (!found.Snapshot || !File.Exists(file))
        {
            return Error(404, $"event {id} has no snapshot (yet)");
        }

        return TypedResults.PhysicalFile(file, "image/jpeg", enableRangeProcessing: false);
    }

    /// <summary>Sets the path's detection: every key sent replaces the current value; the others stay.</summary>
    private static class DetectMerge
    {
        public static DetectConfig Over(DetectConfig current, DetectConfig sent, HashSet<string> keys) => current with
        {
            Model = keys.Contains("model") ? sent.Model : current.Model,
            Fps = keys.Contains("fps") ? sent.Fps : current.Fps,
            Threshold = keys.Contains("threshold") ? sent.Threshold : current.Threshold,
            Labels = keys.Contains("labels") ? sent.Labels : current.Labels,
            Zones = keys.Contains("zones") ? sent.Zones : current.Zones,
            Masks = keys.Contains("masks") ? sent.Masks : current.Masks,
            MinArea = keys.Contains("minArea") ? sent.MinArea : current.MinArea,
            MaxDetections = keys.Contains("maxDetections") ? sent.MaxDetections : current.MaxDetections,
            MinFrames = keys.Contains("minFrames") ? sent.MinFrames : current.MinFrames,
            LostAfter = keys.Contains("lostAfter") ? sent.LostAfter : current.LostAfter,
            MaxEventDuration = keys.Contains("maxEventDuration") ? sent.MaxEventDuration : current.MaxEventDuration,
            Record = keys.Contains("record") ? sent.Record : current.Record,
            ClipDuration = keys.Contains("clipDuration") ? sent.ClipDuration : current.ClipDuration,
            Annotate = keys.Contains("annotate") ? sent.Annotate : current.Annotate,
        };
    }

    /// <summary>Parses an ISO 8601 time or null; false when the text is not one.</summary>
    internal static bool TryTime(string? text, out DateTimeOffset? value)
    {
        value = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            value = parsed;
            return true;
        }

        return false;
    }

    private static JsonHttpResult<ErrorResponse> Error(int status, string message) =>
        TypedResults.Json(new ErrorResponse(message), ApiJsonContext.Default.ErrorResponse, statusCode: status);

    private static JsonHttpResult<ConfigErrorsResponse> ConfigErrors(IReadOnlyList<ConfigError> errors) =>
        TypedResults.Json(
            new ConfigErrorsResponse($"detect settings rejected with {errors.Count} error(s); nothing was changed",
                errors.Select(e => new ConfigErrorDto(e.Path, e.Line, e.Message, e.EnvSource)).ToList()),
            ApiJsonContext.Default.ConfigErrorsResponse, statusCode: 400);
}
