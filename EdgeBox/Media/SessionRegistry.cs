using System.Collections.Concurrent;

namespace EdgeBox.Media;

/// <summary>A client connection of any protocol, as the API lists it.</summary>
internal interface IMediaSession
{
    string Id { get; }

    /// <summary>"rtsp", later "rtmp", "srt", "webrtc".</summary>
    string Protocol { get; }

    string Remote { get; }

    /// <summary>The path it publishes or reads, once known.</summary>
    string? Path { get; }

    /// <summary>"idle", "publishing", "reading"...</summary>
    string State { get; }

    DateTimeOffset Created { get; }

    long BytesIn { get; }

    long BytesOut { get; }

    /// <summary>Ends the session (the API's kick).</summary>
    void Kick();
}

/// <summary>The sessions open now, for <c>/api/v1/sessions</c>.</summary>
internal sealed class SessionRegistry
{
    private readonly ConcurrentDictionary<string, IMediaSession> _sessions = new(StringComparer.Ordinal);

    public IReadOnlyCollection<IMediaSession> All => (IReadOnlyCollection<IMediaSession>)_sessions.Values;

    public void Add(IMediaSession session) => _sessions[session.Id] = session;

    public void Remove(IMediaSession session) => _sessions.TryRemove(new KeyValuePair<string, IMediaSession>(session.Id, session));

    public IMediaSession? Find(string id) => _sessions.GetValueOrDefault(id);
}
