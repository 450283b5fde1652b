namespace EdgeBox.Storage;

/// <summary>Applied configuration versions, newest last; keeps the latest <see cref="Keep"/> versions.</summary>
internal sealed class ConfigHistoryStore(EdgeBoxDatabase db)
{
    public const int Keep = 100;

    private readonly ConfigHistoryShape _shape = ConfigHistoryShape.Instance;

    public void Add(ConfigHistoryEntry entry)
    {
        var collection = db.Collection(_shape.Collection);
        collection.Upsert(_shape.ToDocument(entry));
        long cutoff = entry.Version - Keep;
        if (cutoff > 0)
        {
            collection.DeleteMany(LiteDB.Query.LTE("_id", cutoff));
        }
    }

    public ConfigHistoryEntry? Latest()
    {
        var document = db.Collection(_shape.Collection).Query().OrderByDescending("_id").Limit(1).FirstOrDefault();
        return document is null ? null : _shape.FromDocument(document);
    }

    public ConfigHistoryEntry? Find(long version)
    {
        var document = db.Collection(_shape.Collection).FindById(version);
        return document is null ? null : _shape.FromDocument(document);
    }

    /// <summary>Newest first.</summary>
    public IReadOnlyList<ConfigHistoryEntry> List(int limit) =>
        db.Collection(_shape.Collection).Query().OrderByDescending("_id").Limit(limit).ToList().Select(_shape.FromDocument).ToList();
}
