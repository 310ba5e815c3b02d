namespace BackgroundCallbacks.Benchmarks;

public static class RawJob
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, TaskCompletionSource> Waiting = new();

    public static (Guid Id, Task Task) Expect()
    {
        var id = Guid.NewGuid();
        var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Waiting[id] = source;
        return (id, source.Task);
    }

    public static void Run(Guid id)
    {
        if (Waiting.TryRemove(id, out var source))
        {
            source.TrySetResult();
        }
    }
}
