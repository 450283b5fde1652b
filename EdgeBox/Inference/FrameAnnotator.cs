using EdgeBox.Codecs;

namespace EdgeBox.Inference;

/// <summary>
/// Draws a path's current detections on its pictures for <c>&lt;path&gt;/annotated</c>: each picture is
/// copied (swscale, to 4:2:0 at its own size: the decoder's picture is shared and must not change) and
/// the boxes are drawn into the copy's planes. Boxes older than a second are not drawn. Used by one
/// transcoder thread at a time.
/// </summary>
internal sealed class FrameAnnotator(Func<IReadOnlyList<Detection>?> current) : IDisposable
{
    // Bright green in BT.601 limited range.
    private const byte Y = 149, U = 43, V = 21;

    private Scaler? _scaler;

    public MediaFrame? Draw(MediaFrame picture)
    {
        var boxes = current();
        using var software = picture.Download();
        var info = software.Info;
        int width = info.Width & ~1, height = info.Height & ~1;
        if (width < 2 || height < 2)
        {
            return null;
        }

        if (_scaler is null || _scaler.Width != width || _scaler.Height != height)
        {
            _scaler?.Dispose();
            _scaler = new Scaler(width, height, PixelFormat.Yuv420P);
        }

        var copy = new MediaFrame();
        try
        {
            _scaler.Scale(software, copy);
            if (boxes is { Count: > 0 })
            {
                int thickness = Math.Max(2, width / 320) & ~1;
                var luma = copy.Plane(0, height, out int lumaStride);
                var cb = copy.Plane(1, height / 2, out int chromaStride);
                var cr = copy.Plane(2, height / 2, out _);
                foreach (var d in boxes)
                {
                    var b = d.Box.Clamp();
                    int x1 = (int)(b.X1 * width) & ~1, y1 = (int)(b.Y1 * height) & ~1;
                    int x2 = Math.Min((int)(b.X2 * width) & ~1, width - 2), y2 = Math.Min((int)(b.Y2 * height) & ~1, height - 2);
                    if (x2 <= x1 || y2 <= y1)
                    {
                        continue;
                    }

                    Rectangle(luma, lumaStride, x1, y1, x2 + 1, y2 + 1, thickness, Y);
                    Rectangle(cb, chromaStride, x1 / 2, y1 / 2, x2 / 2, y2 / 2, thickness / 2, U);
                    Rectangle(cr, chromaStride, x1 / 2, y1 / 2, x2 / 2, y2 / 2, thickness / 2, V);
                }
            }

            return copy;
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }

    /// <summary>The outline of (x1, y1)-(x2, y2) inclusive, <paramref name="thickness"/> wide, inside it.</summary>
    internal static void Rectangle(Span<byte> plane, int stride, int x1, int y1, int x2, int y2, int thickness, byte value)
    {
        thickness = Math.Max(1, Math.Min(thickness, Math.Min(x2 - x1, y2 - y1) / 2 + 1));
        for (int t = 0; t < thickness; t++)
        {
            plane.Slice(((y1 + t) * stride) + x1, x2 - x1 + 1).Fill(value);
            plane.Slice(((y2 - t) * stride) + x1, x2 - x1 + 1).Fill(value);
        }

        for (int y = y1; y <= y2; y++)
        {
            plane.Slice((y * stride) + x1, thickness).Fill(value);
            plane.Slice((y * stride) + x2 - thickness + 1, thickness).Fill(value);
        }
    }

    public void Dispose() => _scaler?.Dispose();
}
