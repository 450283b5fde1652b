using System.Collections.Concurrent;
using System.Net;

namespace EdgeBox.Security;

/// <summary>
/// Counts failed logins per user name and per client address. After <c>maxFailures</c> failures for a name (four times that from one address) within
/// the lockout window, further attempts for that name (or from that address) are refused without
/// checking the password until the window has passed since the last failure: a password guesser
/// gets a handful of tries per window, and the PBKDF2 cost is not spent on it. A success clears the
/// name's count. Memory is bounded: at most <see cref="MaxEntries"/> keys, the oldest dropped first.
/// </summary>
internal sealed class LoginThrottle(TimeProvider time)
{
    public const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public int MaxFailures { get; set; } = 5;

    public TimeSpan Lockout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>When the name or address is locked out: until when; otherwise null.</summary>
    public DateTimeOffset? LockedUntil(string user, IPAddress? address)
    {
        var now = time.GetUtcNow();
        DateTimeOffset? until = null;
        foreach (string key in Keys(user, address))
        {
            if (_entries.TryGetValue(key, out var entry) && entry.Failures >= Threshold(key) && entry.Last + Lockout > now)
            {
                var end = entry.Last + Lockout;
                until = until is null || end > until ? end : until;
            }
        }

        return until;
    }

    /// <summary>Records a failure; returns true when this failure started a lockout.</summary>
    public bool Failed(string user, IPAddress? address)
    {
        var now = time.GetUtcNow();
        bool locked = false;
        if (_entries.Count >= MaxEntries)
        {
            Prune(now);
        }

        foreach (string key in Keys(user, address))
        {
            var entry = _entries.AddOrUpdate(key, _ => new Entry(1, now),
                (_, e) => e.Last + Lockout <= now ? new Entry(1, now) : new Entry(e.Failures + 1, now));
            locked |= entry.Failures == Threshold(key);
        }

        return locked;
    }

    public void Succeeded(string user) => _entries.TryRemove("user:" + user, out _);

    private static IEnumerable<string> Keys(string user, IPAddress? address)
    {
        yield return "user:" + user;
        if (address is not null)
        {
            yield return "ip:" + (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
        }
    }

    /// <summary>
    /// An address gets four times a name's allowance: every name tried from it adds up, and several
    /// people behind one NAT should not lock each other out by mistyping.
    /// </summary>
    private int Threshold(string key) => key.StartsWith("ip:", StringComparison.Ordinal) ? MaxFailures * 4 : MaxFailures;

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, entry) in _entries)
        {
            if (entry.Last + Lockout <= now)
            {
                _entries.TryRemove(key, out _);
            }
        }

        if (_entries.Count >= MaxEntries)
        {
            foreach (var (key, _) in _entries.OrderBy(e => e.Value.Last).Take(_entries.Count / 2))
            {
                _entries.TryRemove(key, out _);
            }
        }
    }

    private readonly record struct Entry(int Failures, DateTimeOffset Last);
}
