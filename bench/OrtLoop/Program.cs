using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;

namespace EdgeBox.Bench.OrtLoop;

/// <summary>
/// Runs one ONNX model on one fixed input in a loop, with the session options EdgeBox uses
/// (<c>ModelSession.Open</c>: all graph optimizations, N intra-op threads, one inter-op thread,
/// sequential), and prints the rate, the Run latencies' percentiles and every latency (sorted) as one
/// JSON line. The input is a staged RGB picture of the model's size (rows of width x 3 bytes, as
/// EdgeBox's PictureStager makes it), converted as EdgeBox converts it for a float NHWC model:
/// pixel * 2/255 - 1 (BlazeFace).
///
/// ortloop MODEL.onnx [--rgb FILE] [--threads N] [--seconds S] [--warmup-seconds W]
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith('-'))
        {
            Console.Error.WriteLine("usage: ortloop MODEL.onnx [--rgb FILE] [--threads N] [--seconds S] [--warmup-seconds W]");
            return 2;
        }

        string model = args[0];
        string? rgbFile = null;
        int threads = 0;
        double seconds = 10, warmup = 2;
        for (int i = 1; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--rgb": rgbFile = args[i + 1]; break;
                case "--threads": threads = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--seconds": seconds = double.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--warmup-seconds": warmup = double.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine($"ortloop: unknown option {args[i]}");
                    return 2;
            }
        }

        int intraOp = threads > 0 ? threads : Environment.ProcessorCount;
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = intraOp,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        // The same session options as EdgeBox's ModelSession: idle pool threads sleep instead of spinning.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        using var session = new InferenceSession(model, options);
        string inputName = session.InputNames[0];
        var dims = session.InputMetadata[inputName].Dimensions;
        long[] shape = [.. dims.Select(d => d > 0 ? (long)d : 1L)];
        if (shape is not [1, var height, var width, 3])
        {
            Console.Error.WriteLine($"ortloop: expected a float NHWC input [1,H,W,3], {inputName} is [{string.Join(',', dims)}]");
            return 2;
        }

        var tensor = new float[height * width * 3];
        byte[] rgb = rgbFile is null ? [] : File.ReadAllBytes(rgbFile);
        if (rgbFile is not null && rgb.Length != tensor.Length)
        {
            Console.Error.WriteLine($"ortloop: {rgbFile} holds {rgb.Length} bytes, the input takes {width}x{height}x3 = {tensor.Length}");
            return 2;
        }

        for (int i = 0; i < tensor.Length; i++)
        {
            // Without --rgb: a fixed mid-grey picture (the run time does not depend on the values).
            tensor[i] = ((rgbFile is null ? 128 : rgb[i]) * (2f / 255f)) - 1f;
        }

        using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, tensor.AsMemory(), shape);
        using var runOptions = new RunOptions();
        string[] inputNames = [inputName];
        string[] outputNames = [.. session.OutputNames];
        OrtValue[] inputs = [input];

        void RunOnce()
        {
            using var outputs = session.Run(runOptions, inputNames, inputs, outputNames);
        }

        long warmupEnd = Stopwatch.GetTimestamp() + (long)(warmup * Stopwatch.Frequency);
        do
        {
            RunOnce();
        }
        while (Stopwatch.GetTimestamp() < warmupEnd);

        var ms = new List<double>(4096);
        long start = Stopwatch.GetTimestamp();
        long end = start + (long)(seconds * Stopwatch.Frequency);
        long now = start;
        while (now < end)
        {
            RunOnce();
            long after = Stopwatch.GetTimestamp();
            ms.Add((after - now) * 1000.0 / Stopwatch.Frequency);
            now = after;
        }

        double elapsed = (now - start) / (double)Stopwatch.Frequency;
        ms.Sort();
        double Percentile(double p) => ms[Math.Min(ms.Count - 1, (int)Math.Ceiling(p / 100 * ms.Count) - 1)];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"model\":\"{Path.GetFileName(model)}\",\"input\":[{string.Join(',', shape)}],\"threads\":{intraOp},\"runs\":{ms.Count},\"seconds\":{elapsed:0.000},"
            + $"\"inferences_per_s\":{ms.Count / elapsed:0.00},\"mean_ms\":{ms.Average():0.000},\"p50_ms\":{Percentile(50):0.000},"
            + $"\"p90_ms\":{Percentile(90):0.000},\"p99_ms\":{Percentile(99):0.000},\"min_ms\":{ms[0]:0.000},"
            + $"\"ms\":[{string.Join(',', ms.Select(m => m.ToString("0.###", CultureInfo.InvariantCulture)))}]}}"));
        return 0;
    }
}
