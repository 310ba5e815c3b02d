using System.Runtime.InteropServices;

namespace BackgroundCallbacks.Redis.Tests.Infrastructure;

/// <summary>Sends a signal to one process by its id: SIGKILL to crash it, SIGSTOP/SIGCONT to freeze and resume it.</summary>
internal static class Posix
{
    public const int SigKill = 9;
    public const int SigTerm = 15;
    public const int SigCont = 18;
    public const int SigStop = 19;

    public static void Signal(int pid, int signal)
    {
        if (Kill(pid, signal) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, {signal}) failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
