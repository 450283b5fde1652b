using EdgeBox.Recording;
using EdgeBox.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeBox.Tests.Unit.Recording;

public sealed class SegmentIndexTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Directory.CreateTempSubdirectory("edgebox-index-").FullName;
    private readonly EdgeBoxDatabase _db;

    public SegmentIndexTests() => _db = EdgeBoxDatabase.Open(_directory, TimeProvider.System, NullLogger.Instance);

    public void Dispose()
    {
        _db.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static RecordedSegment Segment(string path, int startMinute, int endMinute) =>
        new(path, $"recordings/{path}/{startMinute}.mp4", T0.AddMinutes(startMinute), T0.AddMinutes(endMinute), 1000) { Complete = true };

    [Fact]
    public void Segments_are_found_by_path_and_time_and_merge_into_spans_with_gaps()
    {
        var index = new SegmentIndex(_db);
        index.Upsert(Segment("cam1", 0, 10));
        index.Upsert(Segment("cam1", 10, 20));
        index.Upsert(Segment("cam1", 30, 40)); // a gap from 20 to 30
        index.Upsert(Segment("cam2", 0, 10));

        Assert.Equal(3, index.ForPath("cam1").Count);
        Assert.Equal(["recordings/cam1/10.mp4", "recordings/cam1/30.mp4"], index.ForPath("cam1", T0.AddMinutes(15), T0.AddMinutes(35)).Select(s => s.File));
        var spans = SegmentIndex.Spans(index.ForPath("cam1"));
        Assert.Equal([new RecordedSpan(T0, T0.AddMinutes(20)), new RecordedSpan(T0.AddMinutes(30), T0.AddMinutes(40))], spans);
        Assert.Equal([new RecordedSpan(T0.AddMinutes(5), T0.AddMinutes(20)), new RecordedSpan(T0.AddMinutes(30), T0.AddMinutes(32))],
            SegmentIndex.Spans(index.ForPath("cam1"), T0.AddMinutes(5), T0.AddMinutes(32)));
        var paths = index.Paths();
        Assert.Equal(["cam1", "cam2"], paths.Select(p => p.Path));
        Assert.Equal((T0, T0.AddMinutes(40), 3000L, 3), (paths[0].First, paths[0].Last, paths[0].Size, paths[0].Segments));
    }

    [Fact]
    public void The_same_file_again_updates_its_entry_and_a_rebuild_replaces_everything()
    {
        var index = new SegmentIndex(_db);
        var open = index.Upsert(Segment("cam1", 0, 1) with { Complete = false });
        var closed = index.Upsert(Segment("cam1", 0, 10) with { Size = 5000 });
        Assert.Equal(open.Id, closed.Id);
        Assert.Equal((true, 5000L), (index.Find(open.Id)!.Complete, index.Find(open.Id)!.Size));

        index.Replace([Segment("cam3", 0, 5), Segment("cam3", 5, 10)]);
        Assert.Empty(index.ForPath("cam1"));
        Assert.Equal(2, index.All().Count);
        Assert.True(index.Remove(index.All()[0].Id));
        Assert.Single(index.All());
    }

    [Fact]
    public void Every_field_survives_storage() =>
        Assert.Equal(SegmentShape.Instance.Sample(), SegmentShape.Instance.FromDocument(SegmentShape.Instance.ToDocument(SegmentShape.Instance.Sample())));

    [Fact]
    public void Every_clip_field_survives_storage() =>
        Assert.Equal(ClipShape.Instance.Sample(), ClipShape.Instance.FromDocument(ClipShape.Instance.ToDocument(ClipShape.Instance.Sample())));
}
