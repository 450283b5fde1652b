namespace EdgeBox.Hosting;

/// <summary>Facts fixed at start-up.</summary>
internal sealed record ServiceState(DateTimeOffset StartedAt, string DataDirectory);
