using LiteDB;

namespace EdgeBox.Storage;

/// <summary>
/// Round-trips the sample of every stored document shape through a scratch LiteDB file and compares it.
/// Run by <c>edgebox storage verify</c> (and by the AOT smoke test), because a mapping that breaks
/// under trimming fails silently otherwise.
/// </summary>
internal static class StorageVerifier
{
    public static IReadOnlyList<(string Shape, string? Error)> Verify(string scratchFile)
    {
        var results = new List<(string, string?)>();
        using (var db = new LiteDatabase(new ConnectionString { Filename = scratchFile, Connection = ConnectionType.Direct }))
        {
            results.Add(RoundTrip(db, ConfigHistoryShape.Instance));
            results.Add(RoundTrip(db, EventShape.Instance));
            results.Add(RoundTrip(db, SegmentShape.Instance));
            results.Add(RoundTrip(db, ClipShape.Instance));
            results.Add(RoundTrip(db, OutboxShape.Instance));
        }

        File.Delete(scratchFile);
        string log = scratchFile[..^Path.GetExtension(scratchFile).Length] + "-log" + Path.GetExtension(scratchFile);
        File.Delete(log);
        return results;
    }

    private static (string, string?) RoundTrip<T>(LiteDatabase db, IDocumentShape<T> shape)
        where T : notnull
    {
        try
        {
            var sample = shape.Sample();
            var collection = db.GetCollection(shape.Collection);
            var id = collection.Insert(shape.ToDocument(sample));
            var back = shape.FromDocument(collection.FindById(id));
            return back.Equals(sample) ? (shape.Collection, null) : (shape.Collection, $"read back {back}, wrote {sample}");
        }
        catch (Exception ex) when (ex is LiteException or InvalidCastException or KeyNotFoundException or InvalidOperationException)
        {
            return (shape.Collection, ex.GetType().Name + ": " + ex.Message);
        }
    }
}
