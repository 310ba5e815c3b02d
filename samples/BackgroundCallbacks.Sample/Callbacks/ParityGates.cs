using System.Collections.Concurrent;

namespace BackgroundCallbacks.Sample.Callbacks;

/// <summary>
/// Named gates a job of <see cref="ClientParityExamples"/> waits on until the page opens them, so a browser test sees
/// the job running for exactly as long as it needs, without guessing a duration. They live in the web process: run
/// these examples with the embedded backend, as the browser tests do.
/// </summary>
internal static class ParityGates
{
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> Gates = new(StringComparer.Ordinal);

    public static void Open(string name) => Gate(name).TrySetResult();

    public static async Task WaitAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            await Gate(name).Task.WaitAsync(cancellationToken);
        }
        finally
        {
            Gates.TryRemove(name, out _);
        }
    }

    // Opening may come first (a quick click), so whichever side comes first creates the gate.
    private static TaskCompletionSource Gate(string name) =>
        Gates.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}
