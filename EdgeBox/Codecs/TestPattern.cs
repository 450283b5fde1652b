namespace EdgeBox.Codecs;

/// <summary>
/// Draws the generator's picture into a YUV 4:2:0 frame: diagonal stripes that move every frame (so
/// motion and frame drops are visible), a bouncing box, and a wall clock (UTC, HH:MM:SS.mmm) in
/// seven-segment digits, so the latency from camera to player can be read off the screen. No fonts:
/// every shape is a filled rectangle.
/// </summary>
internal sealed class TestPattern
{
    // Segments a..g of the digits 0-9 (bit 0 = a, top; then clockwise; g = middle).
    private static readonly byte[] Segments = [0x3F, 0x06, 0x5B, 0x4F, 0x66, 0x6D, 0x7D, 0x07, 0x7F, 0x6F];

    private readonly int _width;
    private readonly int _height;
    private readonly byte[] _stripes;

    public TestPattern(int width, int height)
    {
        _width = width;
        _height = height;
        _stripes = new byte[width + 256];
        for (int i = 0; i < _stripes.Length; i++)
        {
            // Studio-range luma (16-235) in a triangle wave: soft stripes 128 pixels apart.
            int phase = i & 0xFF;
            int triangle = phase < 128 ? phase : 255 - phase;
            _stripes[i] = (byte)(40 + (triangle * 150 / 127));
        }
    }

    public void Draw(MediaFrame frame, long index, DateTimeOffset now)
    {
        var luma = frame.Plane(0, _height, out int stride);
        int shift = (int)(index * 4 % 256);
        for (int y = 0; y < _height; y++)
        {
            int offset = (shift + y) & 0xFF;
            _stripes.AsSpan(offset, _width).CopyTo(luma.Slice(y * stride, _width));
        }

        var u = frame.Plane(1, _height / 2, out int uStride);
        var v = frame.Plane(2, _height / 2, out int vStride);
        for (int y = 0; y < _height / 2; y++)
        {
            // Colour drifts across the picture: blue-ish top left to red-ish bottom right.
            byte cb = (byte)(160 - (y * 64 / Math.Max(1, _height / 2)));
            u.Slice(y * uStride, _width / 2).Fill(cb);
            v.Slice(y * vStride, _width / 2).Fill((byte)(96 + (y * 64 / Math.Max(1, _height / 2))));
        }

        int box = Math.Max(8, _height / 8);
        int travelX = Math.Max(1, _width - box);
        int travelY = Math.Max(1, _height - box);
        int bx = (int)(index * 7 % (2 * travelX));
        int by = (int)(index * 5 % (2 * travelY));
        Fill(luma, stride, bx < travelX ? bx : (2 * travelX) - bx, by < travelY ? by : (2 * travelY) - by, box, box, 235);

        DrawClock(luma, stride, now);
    }

    private void DrawClock(Span<byte> luma, int stride, DateTimeOffset now)
    {
        string text = now.UtcDateTime.ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture);
        int digitHeight = Math.Max(10, _height / 12);
        int digitWidth = digitHeight / 2;
        int thickness = Math.Max(2, digitHeight / 8);
        int gap = Math.Max(2, digitWidth / 3);
        int x = Math.Max(0, _width / 40);
        int y = Math.Max(0, _height / 30);
        int total = text.Length * (digitWidth + gap);
        Fill(luma, stride, x - gap, y - gap, Math.Min(_width - x + gap, total + gap), digitHeight + (2 * gap), 16);
        foreach (char c in text)
        {
            if (char.IsAsciiDigit(c))
            {
                DrawDigit(luma, stride, x, y, digitWidth, digitHeight, thickness, Segments[c - '0']);
            }
            else
            {
                // ':' as two dots, '.' as one.
                int dot = thickness;
                if (c == ':')
                {
                    Fill(luma, stride, x + (digitWidth / 2) - (dot / 2), y + (digitHeight / 3), dot, dot, 235);
                }

                Fill(luma, stride, x + (digitWidth / 2) - (dot / 2), y + (digitHeight * 2 / 3), dot, dot, 235);
            }

            x += digitWidth + gap;
        }
    }

    private void DrawDigit(Span<byte> luma, int stride, int x, int y, int w, int h, int t, byte segments)
    {
        int half = h / 2;
        if ((segments & 0x01) != 0) Fill(luma, stride, x, y, w, t, 235);                    // a
        if ((segments & 0x02) != 0) Fill(luma, stride, x + w - t, y, t, half, 235);         // b
        if ((segments & 0x04) != 0) Fill(luma, stride, x + w - t, y + half, t, h - half, 235); // c
        if ((segments & 0x08) != 0) Fill(luma, stride, x, y + h - t, w, t, 235);            // d
        if ((segments & 0x10) != 0) Fill(luma, stride, x, y + half, t, h - half, 235);      // e
        if ((segments & 0x20) != 0) Fill(luma, stride, x, y, t, half, 235);                 // f
        if ((segments & 0x40) != 0) Fill(luma, stride, x, y + half - (t / 2), w, t, 235);   // g
    }

    private void Fill(Span<byte> luma, int stride, int x, int y, int w, int h, byte value)
    {
        int x0 = Math.Clamp(x, 0, _width);
        int x1 = Math.Clamp(x + w, 0, _width);
        int y0 = Math.Clamp(y, 0, _height);
        int y1 = Math.Clamp(y + h, 0, _height);
        for (int row = y0; row < y1; row++)
        {
            luma.Slice((row * stride) + x0, x1 - x0).Fill(value);
        }
    }
}
