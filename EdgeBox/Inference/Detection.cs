namespace EdgeBox.Inference;

/// <summary>An axis-aligned box; in a <see cref="Detection"/>, normalized to the source picture (0..1, y down).</summary>
internal readonly record struct BoundingBox(float X1, float Y1, float X2, float Y2)
{
    public float Width => MathF.Max(0, X2 - X1);

    public float Height => MathF.Max(0, Y2 - Y1);

    public float Area => Width * Height;

    public float CenterX => (X1 + X2) / 2;

    public float CenterY => (Y1 + Y2) / 2;

    /// <summary>Intersection over union: 0 for disjoint boxes, 1 for equal ones.</summary>
    public float Iou(BoundingBox other)
    {
        float w = MathF.Min(X2, other.X2) - MathF.Max(X1, other.X1);
        float h = MathF.Min(Y2, other.Y2) - MathF.Max(Y1, other.Y1);
        if (w <= 0 || h <= 0)
        {
            return 0;
        }

        float intersection = w * h;
        float union = Area + other.Area - intersection;
        return union <= 0 ? 0 : intersection / union;
    }

    /// <summary>The box clipped to the unit square.</summary>
    public BoundingBox Clamp() => new(Math.Clamp(X1, 0, 1), Math.Clamp(Y1, 0, 1), Math.Clamp(X2, 0, 1), Math.Clamp(Y2, 0, 1));

    public static BoundingBox FromCenter(float cx, float cy, float w, float h) => new(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2);
}

/// <summary>
/// One object found in a picture: a class (index into the model's labels), its score (0..1) and box.
/// BlazeFace also gives <see cref="Keypoints"/> (x, y pairs, normalized like the box).
/// </summary>
internal readonly record struct Detection(int Class, float Score, BoundingBox Box)
{
    public float[]? Keypoints { get; init; }
}
