using EdgeBox.Storage;
using EdgeBox.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeBox.Tests.Unit.Storage;

public sealed class EdgeBoxDatabaseTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public void Every_document_shape_round_trips()
    {
        var results = StorageVerifier.Verify(_dir.File("verify.db"));
        Assert.NotEmpty(results);
        Assert.All(results, r => Assert.Null(r.Error));
        Assert.False(File.Exists(_dir.File("verify.db")));
    }

    [Fact]
    public void Data_survives_reopening()
    {
        var entry = ConfigHistoryShape.Instance.Sample() with { Version = 7 };
        using (var db = EdgeBoxDatabase.Open(_dir.Path, TimeProvider.System, NullLogger.Instance))
        {
            new ConfigHistoryStore(db).Add(entry);
        }

        using var again = EdgeBoxDatabase.Open(_dir.Path, TimeProvider.System, NullLogger.Instance);
        Assert.Null(again.MovedAside);
        Assert.Equal(entry, new ConfigHistoryStore(again).Find(7));
    }

    [Theory]
    [InlineData(8192)]
    [InlineData(40_000)]
    [InlineData(100_000)]
    public void Garbage_file_is_moved_aside_and_a_new_database_is_created(int garbageBytes)
    {
        var bytes = new byte[garbageBytes];
        new Random(garbageBytes).NextBytes(bytes);
        File.WriteAllBytes(_dir.File(EdgeBoxDatabase.FileName), bytes);

        using var db = EdgeBoxDatabase.Open(_dir.Path, TimeProvider.System, NullLogger.Instance);

        Assert.NotNull(db.MovedAside);
        Assert.True(File.Exists(db.MovedAside));
        Assert.Equal(bytes, File.ReadAllBytes(db.MovedAside));
        new ConfigHistoryStore(db).Add(ConfigHistoryShape.Instance.Sample());
        Assert.NotNull(new ConfigHistoryStore(db).Latest());
    }

    [Fact]
    public void Truncated_database_is_moved_aside()
    {
        using (var db = EdgeBoxDatabase.Open(_dir.Path, TimeProvider.System, NullLogger.Instance))
        {
            var store = new ConfigHistoryStore(db);
            for (int i = 1; i <= 50; i++)
            {
                store.Add(ConfigHistoryShape.Instance.Sample() with { Version = i, Text = new string('x', 4000) });
            }

            db.Checkpoint();
        }

        string path = _dir.File(EdgeBoxDatabase.FileName);
        using (var stream = new FileStream(path, FileMode.Open))
        {
            stream.SetLength(stream.Length / 2 + 123);
        }

        using var reopened = EdgeBoxDatabase.Open(_dir.Path, TimeProvider.System, NullLogger.Instance);
        Assert.NotNull(reopened.MovedAside);
    }

    public void Dispose() => _dir.Dispose();
}

public sealed class EdgeBoxDatabaseRefusalTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public void Database_from_a_newer_edgebox_is_refused_not_replaced()
    {
        using (var db = EdgeBoxDatabase.Open(_dir.Path, TimeProvider.System, NullLogger.Instance))
        {
            db.Collection("meta").Upsert(new LiteDB.BsonDocument { ["_id"] = "schema", ["version"] = 99 });
        }

        var ex = Assert.Throws<StorageException>(() => EdgeBoxDatabase.Open(_dir.Path, TimeProvider.System, NullLogger.Instance));
        Assert.Contains("newer EdgeBox", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_dir.Path, "*.corrupt-*"));
    }

    [Fact]
    public void Two_corrupt_files_in_the_same_instant_get_distinct_aside_names()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        for (int i = 0; i < 2; i++)
        {
            File.WriteAllBytes(_dir.File(EdgeBoxDatabase.FileName), Enumerable.Repeat((byte)(0x41 + i), 20_000).ToArray());
            using var db = EdgeBoxDatabase.Open(_dir.Path, time, NullLogger.Instance);
            Assert.NotNull(db.MovedAside);
        }

        Assert.Equal(2, Directory.GetFiles(_dir.Path, "edgebox.db.corrupt-*").Length);
    }

    public void Dispose() => _dir.Dispose();
}
