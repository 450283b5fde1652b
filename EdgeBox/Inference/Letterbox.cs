namespace EdgeBox.Inference;

/// <summary>
/// How a source picture is placed in a model's input: scaled by <see cref="Scale"/> to
/// <see cref="ContentWidth"/> x <see cref="ContentHeight"/> and put at (<see cref="PadX"/>, <see cref="PadY"/>),
/// the rest filled. With <c>keepAspect: false</c> the picture is stretched to the whole input.
/// Maps boxes in input pixels back to normalized source coordinates.
/// </summary>
internal readonly record struct Letterbox(int InputWidth, int InputHeight, int ContentWidth, int ContentHeight, int PadX, int PadY)
{
    public static Letterbox Fit(int sourceWidth, int sourceHeight, int inputWidth, int inputHeight, bool keepAspect)
    {
        if (sourceWidth <= 0 || sourceHeight <= 0 || inputWidth <= 0 || inputHeight <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(sourceWidth), "sizes must be positive");
        }

        if (!keepAspect)
        {
            return new Letterbox(inputWidth, inputHeight, inputWidth, inputHeight, 0, 0);
        }

        double scale = Math.Min(inputWidth / (double)sourceWidth, inputHeight / (double)sourceHeight);
        int w = Math.Clamp((int)Math.Round(sourceWidth * scale), 1, inputWidth);
        int h = Math.Clamp((int)Math.Round(sourceHeight * scale), 1, inputHeight);
        return new Letterbox(inputWidth, inputHeight, w, h, (inputWidth - w) / 2, (inputHeight - h) / 2);
    }

    /// <summary>A point in input pixels as a normalized source x.</summary>
    public float SourceX(float inputX) => (inputX - PadX) / ContentWidth;

    /// <summary>A point in input pixels as a normalized source y.</summary>
    public float SourceY(float inputY) => (inputY - PadY) / ContentHeight;

    /// <summary>A box in input pixels as a normalized source box (not clamped).</summary>
    public BoundingBox ToSource(BoundingBox input) => new(SourceX(input.X1), SourceY(input.Y1), SourceX(input.X2), SourceY(input.Y2));
}
