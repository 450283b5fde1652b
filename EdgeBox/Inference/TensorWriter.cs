using EdgeBox.Codecs;

namespace EdgeBox.Inference;

/// <summary>
/// Turns pictures into one model input: the picture is scaled by swscale (in the shim) straight into
/// an RGB staging buffer at its letterbox place, then converted into the tensor's layout and value
/// range. Both buffers are allocated once per size; nothing is allocated per picture.
/// </summary>
internal sealed class PictureStager : IDisposable
{
    private readonly ModelInput _input;
    private readonly byte[] _rgb;
    private Scaler? _scaler;
    private Letterbox _letterbox;
    private (int Width, int Height) _source;

    public PictureStager(ModelInput input)
    {
        _input = input;
        _rgb = new byte[input.Width * input.Height * 3];
    }

    /// <summary>The placement of the last picture staged.</summary>
    public Letterbox Letterbox => _letterbox;

    /// <summary>The staged RGB picture (model input size, rows of width x 3 bytes).</summary>
    public ReadOnlySpan<byte> Rgb => _rgb;

    /// <summary>Scales <paramref name="frame"/> (a software picture) into the staging buffer.</summary>
    public void Stage(MediaFrame frame)
    {
        var info = frame.Info;
        if ((info.Width, info.Height) != _source)
        {
            _source = (info.Width, info.Height);
            _letterbox = Letterbox.Fit(info.Width, info.Height, _input.Width, _input.Height, _input.KeepAspect);
            _scaler?.Dispose();
            _scaler = new Scaler(_letterbox.ContentWidth, _letterbox.ContentHeight, PixelFormat.Rgb24);
            _rgb.AsSpan().Fill(_input.PadValue);
        }

        int stride = _input.Width * 3;
        int offset = (_letterbox.PadY * stride) + (_letterbox.PadX * 3);
        _scaler!.ScaleTo(frame, _rgb.AsSpan(offset), stride);
    }

    public void Dispose() => _scaler?.Dispose();
}

/// <summary>Writes one staged RGB picture into its place in a model's input tensor.</summary>
internal readonly struct TensorWriter(ModelInput input, Memory<float> floats, Memory<byte> bytes)
{
    public void Write(ReadOnlySpan<byte> rgb)
    {
        int pixels = input.Width * input.Height;
        if (rgb.Length < pixels * 3)
        {
            throw new ArgumentException("the staged picture is smaller than the input", nameof(rgb));
        }

        if (input.Element == TensorElement.UInt8)
        {
            var target = bytes.Span;
            if (input.Layout == TensorLayout.Nhwc)
            {
                rgb[..(pixels * 3)].CopyTo(target);
                return;
            }

            for (int i = 0; i < pixels; i++)
            {
                target[i] = rgb[3 * i];
                target[pixels + i] = rgb[(3 * i) + 1];
                target[(2 * pixels) + i] = rgb[(3 * i) + 2];
            }

            return;
        }

        var values = floats.Span;
        float scale = input.Scale, offset = input.Offset;
        if (input.Layout == TensorLayout.Nhwc)
        {
            for (int i = 0; i < pixels * 3; i++)
            {
                values[i] = (rgb[i] * scale) + offset;
            }

            return;
        }

        var r = values[..pixels];
        var g = values.Slice(pixels, pixels);
        var b = values.Slice(2 * pixels, pixels);
        for (int i = 0; i < pixels; i++)
        {
            r[i] = (rgb[3 * i] * scale) + offset;
            g[i] = (rgb[(3 * i) + 1] * scale) + offset;
            b[i] = (rgb[(3 * i) + 2] * scale) + offset;
        }
    }
}
