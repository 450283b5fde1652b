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

    /// <summary>
    /// Log pages LiteDB keeps (in memory too) before it writes them into the data file. Its default, 1000
    /// pages, is 8 MB of cache that stays allocated: every event costs 2-3 pages, so 200 RTSP readers
    /// joining (one reader.joined event each) grew RSS by 8.4 MB (bench/rtsp_fanout.py, 42 KB per
    /// reader). 100 pages bound it to under 1 MB for a checkpoint every ~40 events.
    /// </summary>
    private const int CheckpointPages = 100;

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

    /// <summary>
    /// Opens the database, creating it when missing. A file whose content cannot be read (corrupt,
    /// truncated, not a LiteDB file) is moved aside, untouched, and a new one is created. A file that
    /// cannot be opened at all (permissions, locked by another EdgeBox, I/O error) or that was written
    /// by a newer EdgeBox is a <see cref="StorageException"/>: moving it aside would lose good data.
    /// </summary>
    public static EdgeBoxDatabase Open(string dataDirectory, TimeProvider time, ILogger logger)
    {
        string path = Path.Combine(dataDirectory, FileName);
        try
        {
            return new EdgeBoxDatabase(OpenAndCheck(path), path, null);
        }
        catch (Exception ex) when (IsCorruption(ex))
        {
            string aside = UniqueAsideName(path, time);
            Log.DatabaseCorrupt(logger, path, aside, ex.Message);
            File.Move(path, aside);
            string log = Path.Combine(dataDirectory, Path.GetFileNameWithoutExtension(FileName) + "-log.db");
            if (File.Exists(log))
            {
                File.Move(log, aside + "-log");
            }

            return new EdgeBoxDatabase(Wrap(() => OpenAndCheck(path), path), path, aside);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StorageException($"{path} cannot be opened: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Content that is not a readable LiteDB file (LiteDB's own errors, or what its readers throw on
    /// garbage), as opposed to a file we could not open at all, which comes as an IOException.
    /// </summary>
    private static bool IsCorruption(Exception ex) => ex is LiteException or EndOfStreamException or InvalidCastException
        or IndexOutOfRangeException or ArgumentException or FormatException or OverflowException or NotSupportedException
        or InvalidDataException;

    private static string UniqueAsideName(string path, TimeProvider time)
    {
        string stamp = time.GetUtcNow().ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture);
        string aside = $"{path}.corrupt-{stamp}";
        for (int i = 1; File.Exists(aside); i++)
        {
            aside = $"{path}.corrupt-{stamp}-{i}";
        }

        return aside;
    }

    private static LiteDatabase Wrap(Func<LiteDatabase> open, string path)
    {
        try
        {
            return open();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or LiteException)
        {
            throw new StorageException($"{path} cannot be created: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Reads every document once from a read-only stream, so a damaged file fails here (not later) and
    /// is moved aside exactly as it was: LiteDB opened for writing may truncate a damaged file while
    /// "recovering" it.
    /// </summary>
    private static LiteDatabase OpenAndCheck(string path)
    {
        if (File.Exists(path) && new FileInfo(path).Length > 0)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            using var check = new LiteDatabase(stream);
            foreach (string name in check.GetCollectionNames().ToList())
            {
                foreach (var document in check.GetCollection(name).FindAll())
                {
                    _ = document.Count;
                }
            }

            if (check.GetCollection("meta").FindById("schema") is { } schema && schema["version"].AsInt32 > SchemaVersion)
            {
                throw new StorageException($"{path} was written by a newer EdgeBox (schema {schema["version"].AsInt32}, this build reads {SchemaVersion}); run the newer version or restore a backup");
            }
        }

        var db = new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Direct });
        bool ok = false;
        try
        {
            db.CheckpointSize = CheckpointPages;
            var meta = db.GetCollection("meta");
            if (meta.FindById("schema") is null)
            {
                meta.Upsert(new BsonDocument { ["_id"] = "schema", ["version"] = SchemaVersion });
            }

            ok = true;
            return db;
        }
        finally
        {
            if (!ok)
            {
                db.Dispose();
            }
        }
    }

    public ILiteCollection<BsonDocument> Collection(string name) => _db.GetCollection(name);

    /// <summary>A collection whose documents get increasing 64-bit ids on insert (LiteDB's default would be ObjectId).</summary>
    public ILiteCollection<BsonDocument> SequentialCollection(string name) => _db.GetCollection(name, BsonAutoId.Int64);

    public void Checkpoint() => _db.Checkpoint();

    public void Dispose() => _db.Dispose();

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.DatabaseCorrupt, EventName = "DatabaseCorrupt", Level = LogLevel.Error,
            Message = "Database {Path} could not be read ({Reason}); moved it to {Aside} and created a new one")]
        public static partial void DatabaseCorrupt(ILogger logger, string path, string aside, string reason);
    }
}
