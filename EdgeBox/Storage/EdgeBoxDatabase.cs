using System.Globalization;
using LiteDB;
using Microsoft.Extensions.Logging;

namespace EdgeBox.Storage;

/// <summary>
/// The one LiteDB file (<c>&lt;data&gt;/edgebox.db</c>). Only this folder knows document shapes: every
/// shape is written and read through an explicit <see cref="IDocumentShape{T}"/> on the
/// <see cref="BsonDocument"/> API, never LiteDB's reflection mapper, which loses data silently under
/// Native AOT. A file that cannot be opened or read is moved aside and a new one is created, so a
/// corrupt database never stops the service.
/// </summary>
internal sealed partial class EdgeBoxDatabase : IDisposable
{
    public const string FileName = "edgebox.db";
    private const int SchemaVersion = 1;

    private readonly LiteDatabase _db;

    private EdgeBoxDatabase(LiteDatabase db, string path, string? movedAside)
    {
        _db = db;
        FilePath = path;
        MovedAside = movedAside;
    }

    public string FilePath { get; }

    /// <summary>Where an unreadable database was moved at start-up, if that happened.</summary>
    public string? MovedAside { get; }

    public static EdgeBoxDatabase Open(string dataDirectory, TimeProvider time, ILogger logger)
    {
        string path = Path.Combine(dataDirectory, FileName);
        try
        {
            return new EdgeBoxDatabase(OpenAndCheck(path), path, null);
        }
        catch (Exception ex) when (ex is LiteException or InvalidDataException or IOException or InvalidCastException
            or ArgumentException or IndexOutOfRangeException or NotSupportedException or InvalidOperationException or FormatException or OverflowException)
        {
            string stamp = time.GetUtcNow().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
            string aside = $"{path}.corrupt-{stamp}";
            Log.DatabaseCorrupt(logger, path, aside, ex.Message);
            File.Move(path, aside, overwrite: true);
            string log = path[..^3] + "-log.db";
            if (File.Exists(log))
            {
                File.Move(log, aside + "-log", overwrite: true);
            }

            return new EdgeBoxDatabase(OpenAndCheck(path), path, aside);
        }
    }

    /// <summary>
    /// Reads every document once, read-only, so a damaged file fails here (not later) and is moved aside
    /// exactly as it was: LiteDB opened for writing may truncate a damaged file while recovering.
    /// </summary>
    private static LiteDatabase OpenAndCheck(string path)
    {
        if (File.Exists(path) && new FileInfo(path).Length > 0)
        {
            // A read-only stream: LiteDB cannot "repair" (truncate) the file while we only look at it.
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            using var check = new LiteDatabase(stream);
            foreach (string name in check.GetCollectionNames().ToList())
            {
                foreach (var document in check.GetCollection(name).FindAll())
                {
                    _ = document.Count;
                }
            }
        }

        var db = new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Direct });
        try
        {
            var meta = db.GetCollection("meta");
            var schema = meta.FindById("schema");
            if (schema is null)
            {
                meta.Upsert(new BsonDocument { ["_id"] = "schema", ["version"] = SchemaVersion });
            }
            else if (schema["version"].AsInt32 > SchemaVersion)
            {
                throw new InvalidDataException($"database schema {schema["version"].AsInt32} is newer than this build's {SchemaVersion}");
            }

            return db;
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    public ILiteCollection<BsonDocument> Collection(string name) => _db.GetCollection(name);

    public void Checkpoint() => _db.Checkpoint();

    public void Dispose() => _db.Dispose();

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.DatabaseCorrupt, EventName = "DatabaseCorrupt", Level = LogLevel.Error,
            Message = "Database {Path} could not be read ({Reason}); moved it to {Aside} and created a new one")]
        public static partial void DatabaseCorrupt(ILogger logger, string path, string aside, string reason);
    }
}
