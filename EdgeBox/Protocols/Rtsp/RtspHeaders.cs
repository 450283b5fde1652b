using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace EdgeBox.Protocols.Rtsp;

/// <summary>
/// The header fields of one message, in the order they came (or will be written), duplicates kept
/// (GStreamer's <c>rtspsrc</c> sends two <c>User-Agent</c> lines). Names compare case-insensitively.
/// </summary>
internal sealed class RtspHeaders : IReadOnlyList<KeyValuePair<string, string>>
{
    private readonly List<KeyValuePair<string, string>> _fields = [];

    public int Count => _fields.Count;

    public KeyValuePair<string, string> this[int index] => _fields[index];

    /// <summary>The first value of the header, or null.</summary>
    public string? this[string name] => Get(name);

    public string? Get(string name)
    {
        foreach (var field in _fields)
        {
            if (string.Equals(field.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return field.Value;
            }
        }

        return null;
    }

    public bool TryGet(string name, [NotNullWhen(true)] out string? value)
    {
        value = Get(name);
        return value is not null;
    }

    /// <summary>Every value of the header, in order.</summary>
    public IEnumerable<string> GetAll(string name)
    {
        foreach (var field in _fields)
        {
            if (string.Equals(field.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                yield return field.Value;
            }
        }
    }

    public bool Contains(string name) => Get(name) is not null;

    /// <summary>Appends a field; an existing one of the same name stays.</summary>
    public RtspHeaders Add(string name, string value)
    {
        RtspWriter.ValidateHeader(name, value);
        _fields.Add(new(name, value));
        return this;
    }

    /// <summary>Replaces every field of that name by one, at the position of the first (or at the end).</summary>
    public RtspHeaders Set(string name, string value)
    {
        RtspWriter.ValidateHeader(name, value);
        var at = _fields.FindIndex(f => string.Equals(f.Key, name, StringComparison.OrdinalIgnoreCase));
        if (at < 0)
        {
            _fields.Add(new(name, value));
            return this;
        }

        _fields[at] = new(name, value);
        for (var i = _fields.Count - 1; i > at; i--)
        {
            if (string.Equals(_fields[i].Key, name, StringComparison.OrdinalIgnoreCase))
            {
                _fields.RemoveAt(i);
            }
        }

        return this;
    }

    public int Remove(string name) =>
        _fields.RemoveAll(f => string.Equals(f.Key, name, StringComparison.OrdinalIgnoreCase));

    // The parser has validated names and values already.
    internal void AddParsed(string name, string value) => _fields.Add(new(name, value));

    internal void AppendToLast(string continuation)
    {
        var last = _fields[^1];
        _fields[^1] = new(last.Key, last.Value.Length == 0 ? continuation : last.Value + " " + continuation);
    }

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _fields.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
