namespace BackgroundCallbacks.Jobs;

/// <summary>An invocation refused by a limit the app configured: its line is full (503) or its owner follows too many jobs (429).</summary>
internal sealed class LimitExceededException(int status, string reason, TimeSpan retryAfter, string message) : Exception(message)
{
    public const string QueueFull = "queue-full";

    public const string TooManyJobs = "too-many-jobs";

    /// <summary>The HTTP status a door answers with.</summary>
    public int Status { get; } = status;

    /// <summary>The problem body's <c>reason</c>.</summary>
    public string Reason { get; } = reason;

    public TimeSpan RetryAfter { get; } = retryAfter;
}
