namespace EdgeBox.Media;

/// <summary>
/// Derives a second form of each access unit once per path instead of once per reader (the RTSP
/// server's RTP packets: with 200 readers, packetizing once saves 199 packetizations per frame).
/// Called under the path's lock on the source's thread, in write order.
/// </summary>
internal interface IAccessUnitAttacher
{
    /// <summary>Sets <see cref="MediaBuffer.SetAttachment"/> on the unit's buffer.</summary>
    void Attach(in AccessUnit unit, MediaTrack track);

    /// <summary>The source changed: start over (new sequence numbers, new parameters).</summary>
    void Reset();
}
