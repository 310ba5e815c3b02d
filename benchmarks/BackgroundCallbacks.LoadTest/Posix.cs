using System.Runtime.InteropServices;

namespace BackgroundCallbacks.LoadTest;

/// <summary>Sends SIGTERM to one process by its id, so it stops gracefully; .NET itself can only kill.</summary>
internal static class Posix
{
    public const int SigTerm = 15;

    /// <summary>False when the process is already gone.</summary>
    public static bool Signal(int pid, int signal) => Kill(pid, signal) == 0;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
