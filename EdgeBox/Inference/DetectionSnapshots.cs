using System.Threading.Channels;
using EdgeBox.Codecs;

namespace EdgeBox.Inference;

/// <summary>
/// Stores the pictures of detection events under <c>&lt;data&gt;/events/</c>: <c>ID.jpg</c>, the
/// picture (at most 1280 wide) with the object's box drawn, and <c>ID-crop.jpg</c>, a clean crop of
/// the object with a margin. One background worker encodes them, so the model's worker never waits
/// for JPEG; when it falls behind, snapshots are skipped (the event keeps its earlier one).
/// </summary>
internal sealed partial class DetectionSnapshots : IAsyncDisposable
{
    private const int MaxWidth = 1280;

    private readonly Channel<Job> _jobs = Channel.CreateBounded<Job>(new BoundedChannelOptions(8) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly ILogger _logger;
    private readonly Task _worker;
    private Scaler? _scaler;
    private byte[] _rgb = [];

    private sealed record Job(long Id, MediaFrame Frame, BoundingBox Box, Action<bool> Done);

    public DetectionSnapshots(string dataDirectory, ILogger<DetectionSnapshots> logger)
    {
        Directory = Path.Combine(dataDirectory, "events");
        _logger = logger;
        _worker = Task.Run(RunAsync);
    }

    public string Directory { get; }

    public string PictureOf(long id) => Path.Combine(Directory, $"{id}.jpg");

    public string CropOf(long id) => Path.Combine(Directory, $"{id}-crop.jpg");

    /// <summary>
    /// Queues the snapshot of event <paramref name="id"/>; <paramref name="done"/> hears whether both files
    /// were stored (false when the queue was full or the picture could not be encoded or written).
    /// </summary>
    public void Write(long id, MediaFrame frame, BoundingBox box, Action<bool> done)
    {
        var clone = frame.Clone();
        if (!_jobs.Writer.TryWrite(new Job(id, clone, box, done)))
        {
            clone.Dispose();
            done(false);
        }
    }

    /// <summary>Deletes the pictures of events older than <paramref name="oldestId"/> (gone from the store).</summary>
    public int Prune(long oldestId)
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return 0;
        }

        int deleted = 0;
        foreach (string file in System.IO.Directory.EnumerateFiles(Directory, "*.jpg"))
        {
            string name = Path.GetFileNameWithoutExtension(file);
            int dash = name.IndexOf('-', StringComparison.Ordinal);
            if (long.TryParse(dash < 0 ? name : name[..dash], System.Globalization.CultureInfo.InvariantCulture, out long id) && id < oldestId)
            {
                File.Delete(file);
                deleted++;
            }
        }

        return deleted;
    }

    private async Task RunAsync()
    {
        await foreach (var job in _jobs.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            bool stored = false;
            try
            {
                Store(job);
                stored = true;
            }
            catch (Exception ex) when (ex is FfmpegException or IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
            {
                Log.SnapshotFailed(_logger, job.Id, ex.Message);
            }
            finally
            {
                job.Frame.Dispose();
                job.Done(stored);
            }
        }
    }

    private void Store(Job job)
    {
        using var software = job.Frame.Download();
        var info = software.Info;
        var (w, h) = Scaler.FitWidth(info.Width, info.Height, Math.Min(info.Width, MaxWidth));
        if (_scaler is null || _scaler.Width != w || _scaler.Height != h)
        {
            _scaler?.Dispose();
            _scaler = new Scaler(w, h, PixelFormat.Rgb24);
            _rgb = new byte[w * h * 3];
        }

        _scaler.ScaleTo(software, _rgb, w * 3);
        System.IO.Directory.CreateDirectory(Directory);

        // The crop first, before the box is drawn into the picture.
        var box = job.Box.Clamp();
        float mx = box.Width * 0.15f, my = box.Height * 0.15f;
        int x1 = Math.Clamp((int)((box.X1 - mx) * w), 0, w - 2), y1 = Math.Clamp((int)((box.Y1 - my) * h), 0, h - 2);
        int x2 = Math.Clamp((int)MathF.Ceiling((box.X2 + mx) * w), x1 + 2, w), y2 = Math.Clamp((int)MathF.Ceiling((box.Y2 + my) * h), y1 + 2, h);
        int cw = (x2 - x1) & ~1, ch = (y2 - y1) & ~1;
        WriteJpeg(CropOf(job.Id), _rgb, w * 3, x1, y1, cw, ch);

        DrawBox(_rgb, w, h, box, Math.Max(2, w / 320));
        WriteJpeg(PictureOf(job.Id), _rgb, w * 3, 0, 0, w, h);
    }

    /// <summary>A rectangle outline in bright green, <paramref name="thickness"/> pixels wide, inside the picture.</summary>
    internal static void DrawBox(Span<byte> rgb, int width, int height, BoundingBox box, int thickness)
    {
        int x1 = Math.Clamp((int)(box.X1 * width), 0, width - 1), x2 = Math.Clamp((int)(box.X2 * width), 0, width - 1);
        int y1 = Math.Clamp((int)(box.Y1 * height), 0, height - 1), y2 = Math.Clamp((int)(box.Y2 * height), 0, height - 1);
        for (int t = 0; t < thickness; t++)
        {
            for (int x = x1; x <= x2; x++)
            {
                Paint(rgb, width, x, Math.Min(y1 + t, height - 1));
                Paint(rgb, width, x, Math.Max(y2 - t, 0));
            }

            for (int y = y1; y <= y2; y++)
            {
                Paint(rgb, width, Math.Min(x1 + t, width - 1), y);
                Paint(rgb, width, Math.Max(x2 - t, 0), y);
            }
        }
    }

    private static void Paint(Span<byte> rgb, int width, int x, int y)
    {
        int at = ((y * width) + x) * 3;
        rgb[at] = 0;
        rgb[at + 1] = 255;
        rgb[at + 2] = 64;
    }

    private static void WriteJpeg(string file, byte[] rgb, int stride, int x, int y, int width, int height)
    {
        using var frame = new MediaFrame();
        frame.AllocateVideo(width, height, PixelFormat.Rgb24);
        var plane = frame.Plane(0, height, out int planeStride);
        for (int row = 0; row < height; row++)
        {
            rgb.AsSpan(((y + row) * stride) + (x * 3), width * 3).CopyTo(plane.Slice(row * planeStride, width * 3));
        }

        byte[] jpeg = JpegEncoder.Encode(frame, null);
        string temporary = file + ".tmp";
        File.WriteAllBytes(temporary, jpeg);
        File.Move(temporary, file, overwrite: true);
    }

    public async ValueTask DisposeAsync()
    {
        _jobs.Writer.TryComplete();
        await _worker.ConfigureAwait(false);
        _scaler?.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.DetectionSnapshotFailed, EventName = "DetectionSnapshotFailed", Level = LogLevel.Warning,
            Message = "The snapshot of event {Id} could not be stored: {Reason}")]
        public static partial void SnapshotFailed(ILogger logger, long id, string reason);
    }
}
