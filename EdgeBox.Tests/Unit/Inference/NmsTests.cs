using EdgeBox.Inference;

namespace EdgeBox.Tests.Unit.Inference;

public sealed class NmsTests
{
    private static readonly BoundingBox A = new(0.1f, 0.1f, 0.3f, 0.3f);
    private static readonly BoundingBox AShifted = new(0.11f, 0.1f, 0.31f, 0.3f); // IoU with A ~0.9
    private static readonly BoundingBox B = new(0.6f, 0.6f, 0.8f, 0.9f);

    [Fact]
    public void Hard_nms_per_class_keeps_an_overlapping_box_of_another_class()
    {
        List<Detection> candidates = [new(0, 0.8f, AShifted), new(0, 0.9f, A), new(1, 0.7f, A), new(0, 0.6f, B)];
        var results = new List<Detection>();
        Nms.Hard(candidates, 0.5f, 10, results);
        Assert.Equal([(0, 0.9f), (1, 0.7f), (0, 0.6f)], results.Select(d => (d.Class, d.Score)));
    }

    [Fact]
    public void Hard_nms_across_classes_keeps_only_the_best_of_an_overlap()
    {
        List<Detection> candidates = [new(0, 0.8f, AShifted), new(0, 0.9f, A), new(1, 0.7f, A), new(0, 0.6f, B)];
        var results = new List<Detection>();
        Nms.Hard(candidates, 0.5f, 10, results, perClass: false);
        Assert.Equal([(0, 0.9f), (0, 0.6f)], results.Select(d => (d.Class, d.Score)));
    }

    [Fact]
    public void Hard_nms_stops_at_max_results_and_appends_after_what_is_there()
    {
        List<Detection> candidates = [new(0, 0.5f, A), new(1, 0.9f, B), new(2, 0.7f, AShifted)];
        var results = new List<Detection> { new(9, 0.1f, B) };
        Nms.Hard(candidates, 0.5f, 2, results);
        Assert.Equal([9, 1, 2], results.Select(d => d.Class)); // the earlier B of class 9 suppresses nothing
    }

    [Fact]
    public void Hard_nms_keeps_a_box_overlapping_at_exactly_the_threshold()
    {
        // Two unit-height boxes sharing a third of their union: IoU 1/3.
        List<Detection> candidates = [new(0, 0.9f, new(0, 0, 2, 1)), new(0, 0.8f, new(1, 0, 3, 1))];
        var results = new List<Detection>();
        Nms.Hard(candidates, 1f / 3f, 10, results);
        Assert.Equal(2, results.Count);
    }

    [Fact]
    public void Weighted_nms_merges_boxes_and_keypoints_by_score_with_the_best_score()
    {
        List<Detection> candidates =
        [
            new(0, 0.25f, new(0.2f, 0.2f, 0.4f, 0.4f)) { Keypoints = [0.3f, 0.3f] },
            new(0, 0.75f, new(0.2f, 0.2f, 0.44f, 0.4f)) { Keypoints = [0.34f, 0.26f] },
            new(0, 0.5f, new(0.7f, 0.7f, 0.9f, 0.9f)) { Keypoints = [0.8f, 0.8f] },
        ];
        var results = new List<Detection>();
        Nms.Weighted(candidates, 0.3f, 10, results);

        Assert.Equal(2, results.Count);
        var merged = results[0];
        Assert.Equal(0.75f, merged.Score);
        Assert.Equal(0.2f, merged.Box.X1, 1e-5f);
        Assert.Equal(0.43f, merged.Box.X2, 1e-5f); // (0.4 x 0.25 + 0.44 x 0.75) / 1
        Assert.Equal(0.4f, merged.Box.Y2, 1e-5f);
        Assert.Equal(0.33f, merged.Keypoints![0], 1e-5f);
        Assert.Equal(0.27f, merged.Keypoints[1], 1e-5f);
        Assert.Equal(new BoundingBox(0.7f, 0.7f, 0.9f, 0.9f), results[1].Box);
        Assert.Equal([0.8f, 0.8f], results[1].Keypoints!);
    }

    [Fact]
    public void Weighted_nms_stops_at_max_results()
    {
        List<Detection> candidates = [new(0, 0.9f, A), new(0, 0.8f, B), new(0, 0.7f, new(0.4f, 0.4f, 0.5f, 0.5f))];
        var results = new List<Detection>();
        Nms.Weighted(candidates, 0.3f, 2, results);
        Assert.Equal([0.9f, 0.8f], results.Select(d => d.Score));
        Assert.Null(results[0].Keypoints);
    }
}
