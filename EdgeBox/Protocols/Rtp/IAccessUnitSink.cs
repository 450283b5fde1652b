namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// Receives the access units a depacketizer reassembles from RTP, in the codec's canonical form
/// (see <see cref="Media.CodecId"/>). The payload span is only valid during the call: a sink that
/// keeps it copies it (into a pooled buffer).
/// </summary>
internal interface IAccessUnitSink
{
    /// <param name="rtpTimestamp">The RTP timestamp of the access unit (track clock, wraps at 2^32).</param>
    /// <param name="keyframe">For video, true when the unit can start decoding (IDR/IRAP, JPEG); always true for audio.</param>
    /// <param name="payload">The access unit in canonical form.</param>
    void OnAccessUnit(uint rtpTimestamp, bool keyframe, ReadOnlySpan<byte> payload);
}
