using EdgeBox.Inference;

namespace EdgeBox.Tests.Unit.Inference;

public sealed class LetterboxTests
{
    [Fact]
    public void A_wide_source_fills_the_width_with_bands_above_and_below() =>
        Assert.Equal(new Letterbox(640, 640, 640, 360, 0, 140), Letterbox.Fit(1920, 1080, 640, 640, keepAspect: true));

    [Fact]
    public void A_tall_source_fills_the_height_with_bands_left_and_right() =>
        Assert.Equal(new Letterbox(640, 640, 360, 640, 140, 0), Letterbox.Fit(1080, 1920, 640, 640, keepAspect: true));

    [Fact]
    public void A_square_source_fills_a_square_input() =>
        Assert.Equal(new Letterbox(300, 300, 300, 300, 0, 0), Letterbox.Fit(1000, 1000, 300, 300, keepAspect: true));

    [Fact]
    public void A_small_source_is_scaled_up() =>
        Assert.Equal(new Letterbox(640, 640, 640, 480, 0, 80), Letterbox.Fit(320, 240, 640, 640, keepAspect: true));

    [Fact]
    public void Stretch_mode_uses_the_whole_input_and_maps_normalized_coordinates_unchanged()
    {
        var letterbox = Letterbox.Fit(1920, 1080, 300, 300, keepAspect: false);
        Assert.Equal(new Letterbox(300, 300, 300, 300, 0, 0), letterbox);
        Assert.Equal(new BoundingBox(0.1f, 0.2f, 0.5f, 1f), letterbox.ToSource(new BoundingBox(30, 60, 150, 300)));
    }

    [Theory]
    [InlineData(1920, 1080)]
    [InlineData(1080, 1920)]
    [InlineData(640, 480)]
    [InlineData(333, 777)]
    public void A_source_box_placed_in_the_input_maps_back_to_itself(int width, int height)
    {
        var letterbox = Letterbox.Fit(width, height, 640, 640, keepAspect: true);
        var source = new BoundingBox(0.1f, 0.25f, 0.6f, 0.9f);

        // Where the box lands in input pixels, by the letterbox's own placement.
        var input = new BoundingBox(
            letterbox.PadX + (source.X1 * letterbox.ContentWidth), letterbox.PadY + (source.Y1 * letterbox.ContentHeight),
            letterbox.PadX + (source.X2 * letterbox.ContentWidth), letterbox.PadY + (source.Y2 * letterbox.ContentHeight));
        var back = letterbox.ToSource(input);

        Assert.Equal(source.X1, back.X1, 1e-5f);
        Assert.Equal(source.Y1, back.Y1, 1e-5f);
        Assert.Equal(source.X2, back.X2, 1e-5f);
        Assert.Equal(source.Y2, back.Y2, 1e-5f);
        Assert.True(letterbox.PadX * 2 + letterbox.ContentWidth <= 640 && letterbox.PadY * 2 + letterbox.ContentHeight <= 640);
        Assert.True(letterbox.ContentWidth == 640 || letterbox.ContentHeight == 640);
    }

    [Fact]
    public void Sizes_that_are_not_positive_are_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Letterbox.Fit(0, 100, 640, 640, keepAspect: true));
}
