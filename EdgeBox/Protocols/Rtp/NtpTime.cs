namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// 64-bit NTP timestamps (RFC 3550 §4: seconds since 1900-01-01 UTC in the high 32 bits, binary
/// fraction in the low 32) as RTCP carries them. The 32-bit seconds wrap on 2036-02-07; as RFC 4330 §3
/// suggests, a value with the top bit clear is read as the era after the wrap, so the span covered is
/// 1968-01-20 to 2104-02-26.
/// </summary>
internal static class NtpTime
{
    private static readonly DateTimeOffset Era0 = new(1900, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Era1 = Era0.AddSeconds(1L << 32);

    public static ulong FromDateTimeOffset(DateTimeOffset time)
    {
        long ticks = (time - Era0).Ticks;
        ulong seconds = (ulong)(ticks / TimeSpan.TicksPerSecond);
        ulong remainder = (ulong)(ticks % TimeSpan.TicksPerSecond);
        // Rounded, so that a tick converts back to itself (a fraction unit is ~233 ps, a tick 100 ns).
        ulong fraction = ((remainder << 32) + (TimeSpan.TicksPerSecond / 2)) / TimeSpan.TicksPerSecond;
        return ((seconds & 0xFFFFFFFF) << 32) + fraction;
    }

    public static DateTimeOffset ToDateTimeOffset(ulong ntp)
    {
        uint seconds = (uint)(ntp >> 32);
        var era = (seconds & 0x80000000) != 0 ? Era0 : Era1;
        ulong fractionTicks = (((ntp & 0xFFFFFFFF) * TimeSpan.TicksPerSecond) + (1UL << 31)) >> 32;
        return era.AddTicks((seconds * TimeSpan.TicksPerSecond) + (long)fractionTicks);
    }

    /// <summary>The middle 32 bits, the form the LSR field of a report block carries.</summary>
    public static uint Middle32(ulong ntp) => (uint)(ntp >> 16);

    /// <summary>A delay in units of 1/65536 s (the DLSR field), saturating at the field's maximum.</summary>
    public static uint ToDelay(TimeSpan delay) =>
        delay <= TimeSpan.Zero ? 0 : (uint)Math.Min(uint.MaxValue, (delay.Ticks * 65536.0) / TimeSpan.TicksPerSecond);

    public static TimeSpan FromDelay(uint delay) => TimeSpan.FromTicks((long)((delay * (double)TimeSpan.TicksPerSecond) / 65536.0));
}
