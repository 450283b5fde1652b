namespace EdgeBox.Protocols.WebRtc.Stun;

/// <summary>
/// CRC-32 as in ISO-HDLC / zlib / Ethernet (reflected polynomial 0xEDB88320, initial and final value
/// 0xFFFFFFFF), which is what STUN's FINGERPRINT uses (RFC 8489 §14.7). Written here because
/// System.IO.Hashing is not among our packages, and a 1 KiB table is all it takes.
/// </summary>
internal static class Crc32
{
    private static readonly uint[] Table = CreateTable();

    public static uint Compute(ReadOnlySpan<byte> data) => ~Append(0xFFFFFFFFu, data);

    /// <summary>Continues a running CRC register (start with 0xFFFFFFFF, complement at the end).</summary>
    public static uint Append(uint register, ReadOnlySpan<byte> data)
    {
        uint[] table = Table;
        foreach (byte b in data)
        {
            register = table[(register ^ b) & 0xFF] ^ (register >> 8);
        }

        return register;
    }

    private static uint[] CreateTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < table.Length; i++)
        {
            uint c = i;
            for (int bit = 0; bit < 8; bit++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[i] = c;
        }

        return table;
    }
}
