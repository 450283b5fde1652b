using System.Text.Json;
using EdgeBox.Configuration;
using EdgeBox.Security;

namespace EdgeBox.Web;

/// <summary>
/// The console's path editor: one configured path at a time, through the same pipeline as the file
/// (<see cref="ConfigManager.UpdateAsync"/>): read, validate, save, apply. Changes are made to the
/// configuration as the file has it, without the environment's overrides, so an
/// <c>EDGEBOX_HTTP_ADDRESS</c> never ends up written into the file. The file is saved in canonical
/// form (as <c>edgebox config show</c> writes it).
/// </summary>
internal static class PathConfigEndpoints
{
    /// <summary>Largest path body: a path's settings with zones and transcode profiles fit in a few KB.</summary>
    private const int MaxBody = 64 * 1024;

    /// <summary>Lines the composed document has before the body's first line (<c>paths:</c> and the name).</summary>
    private const int BodyLineOffset = 2;

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/config/paths", List).Allow(Role.Operator);
        api.MapPut("/config/paths/{**name}", PutAsync).Allow(Role.Operator);
        api.MapDelete("/config/paths/{**name}", DeleteAsync).Allow(Role.Operator);
    }

    /// <summary>
    /// Every configured path as the file has it: <c>source</c>, <c>sourceOnDemand</c>, <c>record</c> (null =
    /// from pathDefaults), the other keys as YAML (<c>other</c>), and the effective source and record.
    /// </summary>
    private static IResult List(ConfigManager config)
    {
        var file = FileConfig(config);
        var items = file.Paths.Select(p => new PathConfigDto(
            p.Name, p.IsRegex, p.Config.Source, p.Config.SourceOnDemand, p.Config.Record,
            ConfigWriter.WritePath(p.Config with { Source = null, SourceOnDemand = null, Record = null }),
            ConfigWriter.WritePath(p.Config),
            file.EffectivePath(p).Source ?? PathSources.Publisher, file.EffectivePath(p).Record ?? false)).ToList();
        return TypedResults.Json(new PathConfigListResponse(items), ApiJsonContext.Default.PathConfigListResponse);
    }

    /// <summary>
    /// <c>PUT /api/v1/config/paths/{name}[?from=OLD][&amp;dryRun=true]</c>: the path's settings as a YAML
    /// mapping (block or flow; JSON is flow YAML) replace the path's (or add it; <c>from</c> renames
    /// OLD in place). <c>dryRun</c> checks and lists the changes without saving. 400 with every error
    /// (lines counted in the body), 404 unknown <c>from</c>, 409 name taken.
    /// </summary>
    private static async Task<IResult> PutAsync(HttpRequest request, string name, string? from, bool? dryRun, ConfigManager config, CancellationToken token)
    {
        if (await ApiEndpoints.ReadBodyAsync(request, MaxBody, token).ConfigureAwait(false) is not { } body)
        {
            return Error(413, $"the path settings are larger than {MaxBody / 1024} KB");
        }

        string quoted = JsonSerializer.Serialize(name, ApiJsonContext.Default.String);
        string trimmed = body.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd();
        string composed = "paths:\n  " + quoted + ":" + (trimmed.Trim().Length == 0
            ? " {}\n"
            : "\n" + string.Join("\n", trimmed.Split('\n').Select(line => "    " + line)) + "\n");
        var parsed = ConfigLoader.Load(composed);
        if (!parsed.IsValid)
        {
            return Errors(parsed.Errors.Select(e => e with { Line = Math.Max(0, e.Line - BodyLineOffset) }).ToList(), name);
        }

        if (parsed.Config!.Paths is not [{ } edited] || edited.Name != name)
        {
            return Error(400, "send one path's settings as a mapping (source: ..., record: ...)");
        }

        var file = FileConfig(config);
        var paths = file.Paths.ToList();
        int existing = paths.FindIndex(p => p.Name == name);
        int index = existing;
        if (from is not null && from != name)
        {
            index = paths.FindIndex(p => p.Name == from);
            if (index < 0)
            {
                return Error(404, $"no configured path '{from}' to rename");
            }

            if (existing >= 0)
            {
                return Error(409, $"a path '{name}' exists");
            }
        }

        var named = edited with { Line = 0 };
        if (index >= 0)
        {
            paths[index] = named;
        }
        else
        {
            paths.Add(named);
        }

        return await SaveAsync(config, file with { Paths = paths }, dryRun == true, name, token).ConfigureAwait(false);
    }

    /// <summary><c>DELETE /api/v1/config/paths/{name}</c>: removes a configured path (its recordings stay). 404 when there is none.</summary>
    private static async Task<IResult> DeleteAsync(string name, bool? dryRun, ConfigManager config, CancellationToken token)
    {
        var file = FileConfig(config);
        if (file.Paths.All(p => p.Name != name))
        {
            return Error(404, $"no configured path '{name}'");
        }

        return await SaveAsync(config, file with { Paths = file.Paths.Where(p => p.Name != name).ToList() }, dryRun == true, name, token)
            .ConfigureAwait(false);
    }

    /// <summary>Replaces the configured paths with <paramref name="change"/>'s result (used by the detect settings too).</summary>
    internal static Task<IResult> ChangePathsAsync(ConfigManager config, Func<List<NamedPath>, List<NamedPath>> change, CancellationToken token)
    {
        var file = FileConfig(config);
        return SaveAsync(config, file with { Paths = change(file.Paths.ToList()) }, dryRun: false, null, token);
    }

    /// <summary>The running configuration as its file says, without environment overrides.</summary>
    private static EdgeBoxConfig FileConfig(ConfigManager config)
    {
        var current = config.Current;
        var load = ConfigLoader.Load(current.Text);
        return load.IsValid ? load.Config! : current.Config;
    }

    private static async Task<IResult> SaveAsync(ConfigManager config, EdgeBoxConfig after, bool dryRun, string? name, CancellationToken token)
    {
        string text = ConfigWriter.Write(after);
        if (dryRun)
        {
            // As the change would be applied: with the environment overrides and, on a fleet-managed box, the fleet's layers over it.
            var check = config.Validate(text);
            return check.IsValid
                ? TypedResults.Json(new ConfigUpdateResponse("valid", config.Current.Version, config.Current.Hash,
                    check.Changes.Select(ToDto).ToList()), ApiJsonContext.Default.ConfigUpdateResponse)
                : Errors(check.Errors, name);
        }

        var result = await config.UpdateAsync(text, ConfigSource.Api, token).ConfigureAwait(false);
        return result.Status switch
        {
            ConfigUpdateStatus.Rejected => Errors(result.Errors, name),
            ConfigUpdateStatus.Conflict => Error(409, result.WriteError!),
            ConfigUpdateStatus.WriteFailed => Error(500, $"the configuration could not be saved: {result.WriteError}; nothing was changed"),
            _ => TypedResults.Json(new ConfigUpdateResponse(result.Status.ToString().ToLowerInvariant(), result.Snapshot.Version, result.Snapshot.Hash,
                result.Changes.Select(ToDto).ToList()), ApiJsonContext.Default.ConfigUpdateResponse),
        };
    }

    private static ConfigChangeDto ToDto(ConfigChange c) => new(c.Key, c.Kind.ToString().ToLowerInvariant(), c.RequiresRestart);

    private static IResult Errors(IReadOnlyList<ConfigError> errors, string? name) =>
        TypedResults.Json(
            new ConfigErrorsResponse(
                $"{(name is null ? "the change" : $"path '{name}'")} was rejected with {errors.Count} error(s); nothing was changed",
                errors.Select(e => new ConfigErrorDto(e.Path, e.Line, e.Message, e.EnvSource)).ToList()),
            ApiJsonContext.Default.ConfigErrorsResponse, statusCode: 400);

    private static IResult Error(int status, string message) =>
        TypedResults.Json(new ErrorResponse(message), ApiJsonContext.Default.ErrorResponse, statusCode: status);
}
