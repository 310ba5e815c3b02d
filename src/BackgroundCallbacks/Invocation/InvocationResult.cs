using BackgroundCallbacks.Jobs;

namespace BackgroundCallbacks.Invocation;

/// <summary>What an invocation led to: outputs from the cache, an inline call's outcome, or a job to follow.</summary>
/// <param name="CachedOutputs">The cached outputs' UTF-8 JSON, on a hit, as the result store holds it: a door writes it as it is.</param>
/// <param name="Handle">The caller's handle of the job, on a miss.</param>
/// <param name="Joined">Whether the job was created by an identical invocation before this one.</param>
/// <param name="Status">The job's status at admission.</param>
internal sealed record InvocationResult(ReadOnlyMemory<byte>? CachedOutputs, string? Handle, bool Joined = false, JobStatus Status = JobStatus.Queued)
{
    /// <summary>How an inline call ended; null for a background callback.</summary>
    public JobOutcome? Inline { get; init; }

    /// <summary>An inline call's <c>SetProps</c> calls, in order: component id and props JSON.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> SideUpdates { get; init; } = [];

    /// <summary>Whether this is the first answer again, for a retry with the same <c>Idempotency-Key</c>.</summary>
    public bool Replayed { get; init; }

    public static InvocationResult Hit(ReadOnlyMemory<byte> outputs) => new(outputs, null);
}
