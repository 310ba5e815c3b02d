namespace BackgroundCallbacks.Tests;

public static class AppJobs
{
    public static TaskCompletionSource<string>? Ran { get; set; }

    public static void Run(string who) => Ran?.TrySetResult(who);
}
