namespace BackgroundCallbacks.Jobs;

/// <summary>A manager: its settings paired with the backend that queues its jobs and stores their results.</summary>
internal sealed class CallbackManager(string name, CallbackManagerOptions settings, string queue, CallbackBackend backend)
{
    public string Name { get; } = name;

    public CallbackManagerOptions Settings { get; } = settings;

    /// <summary>The manager's cache-by provider names, copied once so the invocation path does not copy them per request.</summary>
    public IReadOnlyList<string>? CacheBy { get; } = settings.CacheBy?.ToArray();

    public string Queue { get; } = queue;

    public CallbackBackend Backend { get; } = backend;
}
