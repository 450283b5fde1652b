using System.Runtime.InteropServices;

namespace EdgeBox.Protocols.Rtsp;

/// <summary>
/// sendmsg(2) for gathered, non-blocking writes of shared buffers to a TCP socket (Linux). .NET's
/// <c>Socket.Send(IList&lt;ArraySegment&lt;byte&gt;&gt;)</c> allocates a handle per buffer beyond eight and,
/// on a socket in blocking mode, waits; this sends what the kernel takes now and says how much.
/// </summary>
internal static unsafe partial class SocketNativeMethods
{
    /// <summary>IOV_MAX on Linux: the most buffers one sendmsg takes.</summary>
    public const int MaxBuffers = 1024;

    /// <summary>MSG_DONTWAIT: fail with EAGAIN instead of waiting when the send buffer is full.</summary>
    public const int DontWait = 0x40;

    /// <summary>MSG_NOSIGNAL: a closed peer is EPIPE, not SIGPIPE.</summary>
    public const int NoSignal = 0x4000;

    /// <summary>EINTR: interrupted before anything was sent; try again.</summary>
    public const int Interrupted = 4;

    /// <summary>EAGAIN (= EWOULDBLOCK): the send buffer is full.</summary>
    public const int WouldBlock = 11;

    /// <summary>struct iovec.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IoVector
    {
        public byte* Base;
        public nuint Length;
    }

    /// <summary>struct msghdr (glibc layout; the same on x64 and arm64).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MessageHeader
    {
        public void* Name;
        public uint NameLength;
        public IoVector* Buffers;
        public nuint BufferCount;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    /// <summary><see href="https://man7.org/linux/man-pages/man2/sendmsg.2.html">sendmsg(2)</see>: bytes sent, or -1 with errno.</summary>
    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial nint SendMessage(nint socket, MessageHeader* message, int flags);
}
