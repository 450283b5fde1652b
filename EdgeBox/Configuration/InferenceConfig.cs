namespace EdgeBox.Configuration;

/// <summary>ONNX Runtime execution providers: <c>auto</c> tries what the native library offers, GPU/NPU first.</summary>
internal enum ExecutionProviderSetting
{
    Auto,
    Cpu,
    Cuda,
    TensorRt,
    OpenVino,
    Rocm,
}

/// <summary>The <c>inference</c> section: how models run (read at start-up; a change applies at the next start).</summary>
internal sealed record InferenceConfig
{
    public ExecutionProviderSetting ExecutionProvider { get; init; } = ExecutionProviderSetting.Auto;

    /// <summary>GPU (or NPU) index for the CUDA, TensorRT, ROCm and OpenVINO providers.</summary>
    public int DeviceId { get; init; }

    /// <summary>Threads per model run on the CPU provider; 0 = one per core.</summary>
    public int Threads { get; init; }

    /// <summary>
    /// An ONNX Runtime native library to load instead of the one beside the binary (a GPU build
    /// installed elsewhere); empty = <c>libonnxruntime.so</c> beside the binary.
    /// </summary>
    public string RuntimeLibrary { get; init; } = "";
}

/// <summary>A named polygon in normalized picture coordinates (0..1, y down): x0, y0, x1, y1, ...</summary>
internal sealed record Zone(string Name, IReadOnlyList<float> Points)
{
    public bool Equals(Zone? other) => other is not null && Name == other.Name && Points.SequenceEqual(other.Points);

    public override int GetHashCode() => HashCode.Combine(Name, Points.Count);

    /// <summary>Whether (x, y) lies inside the polygon (even-odd rule).</summary>
    public bool Contains(float x, float y)
    {
        bool inside = false;
        int n = Points.Count / 2;
        for (int i = 0, j = n - 1; i < n; j = i++)
        {
            float xi = Points[2 * i], yi = Points[(2 * i) + 1], xj = Points[2 * j], yj = Points[(2 * j) + 1];
            if ((yi > y) != (yj > y) && x < ((xj - xi) * (y - yi) / (yj - yi)) + xi)
            {
                inside = !inside;
            }
        }

        return inside;
    }
}

/// <summary>An immutable list of zones with value equality.</summary>
internal sealed class ZoneList(IEnumerable<Zone> items) : IReadOnlyList<Zone>, IEquatable<ZoneList>
{
    public static readonly ZoneList Empty = new([]);

    private readonly Zone[] _items = items.ToArray();

    public int Count => _items.Length;

    public Zone this[int index] => _items[index];

    public bool Equals(ZoneList? other) => other is not null && _items.AsSpan().SequenceEqual(other._items);

    public override bool Equals(object? obj) => Equals(obj as ZoneList);

    public override int GetHashCode() => _items.Length;

    public IEnumerator<Zone> GetEnumerator() => ((IEnumerable<Zone>)_items).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => _items.GetEnumerator();
}

/// <summary>A path's object detection (<c>detect:</c>): which model, how often, what counts, and what an event does.</summary>
internal sealed record DetectConfig
{
    /// <summary>Name of a model in the registry (<c>edgebox models add</c>).</summary>
    public string Model { get; init; } = "";

    /// <summary>Pictures per second given to the model; frames in between are not looked at.</summary>
    public double Fps { get; init; } = 5;

    /// <summary>Lowest score (0..1) of a detection.</summary>
    public float Threshold { get; init; } = 0.5f;

    /// <summary>Labels that raise events; empty = every label of the model.</summary>
    public TextList Labels { get; init; } = TextList.Empty;

    /// <summary>Where objects count (the box's bottom centre must be inside one); empty = the whole picture.</summary>
    public ZoneList Zones { get; init; } = ZoneList.Empty;

    /// <summary>Areas where detections are ignored (the box's centre inside one).</summary>
    public ZoneList Masks { get; init; } = ZoneList.Empty;

    /// <summary>Smallest box as a fraction of the picture's area (0..1).</summary>
    public float MinArea { get; init; }

    /// <summary>Most detections kept per picture.</summary>
    public int MaxDetections { get; init; } = 20;

    /// <summary>Pictures an object must be seen in before its event starts.</summary>
    public int MinFrames { get; init; } = 2;

    /// <summary>An object not seen for this long has left: its event ends.</summary>
    public TimeSpan LostAfter { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>An event is ended after this long even when the object stays.</summary>
    public TimeSpan MaxEventDuration { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Record a clip (with the path's pre-roll) when an event starts.</summary>
    public bool Record { get; init; }

    /// <summary>Length of that clip after the event started.</summary>
    public TimeSpan ClipDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Publish <c>&lt;path&gt;/annotated</c>: the video with the detections drawn.</summary>
    public bool Annotate { get; init; }

    /// <summary>Name of the derived path with the boxes drawn.</summary>
    public const string AnnotatedSuffix = "annotated";
}
