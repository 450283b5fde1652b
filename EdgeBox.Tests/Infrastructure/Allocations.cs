namespace EdgeBox.Tests.Infrastructure;

/// <summary>
/// Checks that a hot path allocates nothing once warm. The runtime now and then allocates on the test's own
/// thread (tiering a method up, filling a type's statics), so a single batch can show bytes the code under
/// test never asked for. Code that really allocates does so in every batch, so the check runs up to three
/// batches and reports the fewest bytes any of them allocated.
/// </summary>
internal static class Allocations
{
    private const int Batches = 3;

    /// <summary>
    /// Runs <paramref name="round"/> in batches of <paramref name="roundsPerBatch"/>, passing a running round
    /// number that starts at <paramref name="first"/>, and returns the fewest bytes one batch allocated.
    /// <paramref name="next"/> is the round number after the last one run.
    /// </summary>
    public static long FewestPerBatch(Action<int> round, int first, int roundsPerBatch, out int next)
    {
        long fewest = long.MaxValue;
        int n = first;
        for (int batch = 0; batch < Batches && fewest > 0; batch++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < roundsPerBatch; i++, n++)
            {
                round(n);
            }

            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        next = n;
        return fewest;
    }

    /// <summary>As above for rounds that need no number; <paramref name="rounds"/> is how many ran.</summary>
    public static long FewestPerBatch(Action round, int roundsPerBatch, out int rounds) =>
        FewestPerBatch(_ => round(), 0, roundsPerBatch, out rounds);
}
