using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace EdgeBox.Protocols.Rtsp;

/// <summary>
/// The <c>key=value</c> pairs of an <c>a=fmtp</c> line, in the order written, keys compared
/// case-insensitively (<c>Packetization-Mode</c> and <c>packetization-mode</c> are one key). The
/// value is everything after the first <c>=</c>, so base64 padding stays. A parameter without
/// <c>=</c> (<c>0-15</c> of telephone-event) is a key with an empty value; for a repeated key the
/// first wins.
/// </summary>
internal sealed class FmtpParameters : IReadOnlyDictionary<string, string>
{
    private readonly List<KeyValuePair<string, string>> _pairs = [];
    private readonly Dictionary<string, string> _lookup = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _bare = new(StringComparer.OrdinalIgnoreCase);

    public static FmtpParameters Empty { get; } = new();

    public FmtpParameters()
    {
    }

    public FmtpParameters(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        foreach (var (key, value) in pairs)
        {
            Add(key, value);
        }
    }

    public int Count => _pairs.Count;

    public string this[string key] => _lookup[key];

    public IEnumerable<string> Keys => _pairs.Select(p => p.Key);

    public IEnumerable<string> Values => _pairs.Select(p => p.Value);

    public static FmtpParameters Parse(string? text)
    {
        var parameters = new FmtpParameters();
        if (text is null)
        {
            return parameters;
        }

        foreach (var part in text.Split(';'))
        {
            var item = part.Trim();
            if (item.Length == 0)
            {
                continue;
            }

            var eq = item.IndexOf('=', StringComparison.Ordinal);
            var key = eq < 0 ? item : item[..eq].Trim();
            var value = eq < 0 ? "" : item[(eq + 1)..].Trim();
            if (key.Length > 0)
            {
                parameters.Add(key, value, bare: eq < 0);
            }
        }

        return parameters;
    }

    public bool ContainsKey(string key) => _lookup.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value) => _lookup.TryGetValue(key, out value);

    public string? Get(string key) => _lookup.TryGetValue(key, out var value) ? value : null;

    /// <summary><c>key=value; key=value</c>, in order, the way ffmpeg joins them.</summary>
    public override string ToString() =>
        string.Join("; ", _pairs.Select(p => _bare.Contains(p.Key) ? p.Key : p.Key + "=" + p.Value));

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _pairs.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    internal void Add(string key, string value, bool bare = false)
    {
        if (_lookup.TryAdd(key, value))
        {
            _pairs.Add(new(key, value));
            if (bare)
            {
                _bare.Add(key);
            }
        }
    }
}
