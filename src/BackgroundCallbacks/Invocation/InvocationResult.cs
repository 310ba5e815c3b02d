namespace BackgroundCallbacks.Invocation;

/// <summary>What an invocation led to: outputs from the cache, or a job that was queued.</summary>
internal sealed record InvocationResult(string? CachedOutputsJson, string? Handle)
{
    public static InvocationResult Hit(string outputsJson) => new(outputsJson, null);

    public static InvocationResult Queued(string handle) => new(null, handle);
}
